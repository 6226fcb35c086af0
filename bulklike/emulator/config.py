"""The emulator's settings: one frozen value built from flags (``cli.py``) or by a test.

Every behaviour that a client test may want to provoke (missing tweets, quotas, faults, latency)
is a field with a named default that matches the real API or "off".
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal

from bulklike.emulator.accounts import DEMO_ACCOUNT, Account
from bulklike.pacing.limits import DAY, Limit, default_limits
from bulklike.snowflake import id_at

WindowMode = Literal["rolling", "fixed"]
V1RateLimitStyle = Literal["bare", "code88"]
Api = Literal["v1.1", "v2"]
AccessLevel = Literal["enterprise", "self-serve", "pro", "basic", "free"]
#: "enterprise" and "self-serve" are X since 2026-04-20 (likes are Enterprise-only); "pro", "basic"
#: and "free" are the levels as they were before, when v2 likes were open to Pro and Basic
ACCESS_LEVELS: Final = ("enterprise", "self-serve", "pro", "basic", "free")
#: the access levels whose v2 likes and unlikes answer 403 client-forbidden
V2_LIKES_REFUSED: Final = frozenset({"self-serve", "free"})
ForbiddenReason = Literal["client-not-enrolled", "official-client-forbidden"]
CapPeriod = Literal["Monthly", "Daily"]
#: v2 like limits per user by access level, from X's published tables (Enterprise is custom: the
#: 2026 rate-limit page's 50/15m and 1000/24h; Pro 1000/24h; Basic 200/24h; Free 1/15m, and since
#: 2025-08 no likes at all, which the emulator plays as not enrolled)
V2_LEVEL_LIMITS: Final[dict[str, tuple[Limit, ...]]] = {
    "enterprise": (Limit(50, 900.0), Limit(1000, DAY)),
    "self-serve": (Limit(50, 900.0), Limit(1000, DAY)),  # never reached: every like is refused
    "pro": (Limit(50, 900.0), Limit(1000, DAY)),
    "basic": (Limit(200, DAY),),
    "free": (Limit(1, 900.0),),
}
#: the code of the emulator's made-up account-wide 403 (``account_403_after``): no real API code
UNKNOWN_ACCOUNT_CODE: Final = 999

#: every fault the emulator can inject; ``fault_rate`` is spread evenly over the chosen ones
FAULT_KINDS: Final = (
    "http500",
    "http502_html",
    "http503",
    "http504",
    "reset",
    "applied_then_dropped",
    "stall",
    "truncated",
)
DEFAULT_SEED: Final = 0
DEFAULT_STALL_S: Final = 35.0  # longer than any sane client timeout
#: X refuses an OAuth timestamp more than this far from its clock (code 135)
TIMESTAMP_TOLERANCE_S: Final = 300.0
DEFAULT_HOST: Final = "127.0.0.1"
DEFAULT_PORT: Final = 8080
#: X's OAuth 2.0 user access tokens live two hours
DEFAULT_TOKEN_TTL_S: Final = 7200.0


@dataclass(frozen=True, slots=True, kw_only=True)
class EmulatorConfig:
    """How the emulator behaves. Rates are fractions in [0, 1]; times are seconds unless named ``_ms``.

    ``user_limits`` / ``app_limits`` of ``None`` mean the real API's defaults for each API version;
    ``quotas=False`` turns every limit off (benchmarks).
    """

    accounts: tuple[Account, ...] = (DEMO_ACCOUNT,)
    seed: int = DEFAULT_SEED
    missing_rate: float = 0.0
    protected_rate: float = 0.0
    blocked_rate: float = 0.0
    quotas: bool = True
    user_limits: tuple[Limit, ...] | None = None
    app_limits: tuple[Limit, ...] | None = None
    window: WindowMode = "rolling"
    v1_429: V1RateLimitStyle = "bare"
    fault_rate: float = 0.0
    fault_kinds: tuple[str, ...] = FAULT_KINDS
    stall_s: float = DEFAULT_STALL_S
    latency_ms: float = 0.0
    token_ttl: float = DEFAULT_TOKEN_TTL_S
    #: below "enterprise" v1.1 likes answer 453; "self-serve" and "free" also refuse v2 likes and
    #: unlikes with 403 client-forbidden (``client_forbidden_reason``)
    access_level: AccessLevel = "enterprise"
    client_forbidden_reason: ForbiddenReason = "client-not-enrolled"
    #: the app's permissions are Read only: v2 likes answer 403 oauth1-permissions (v1.1: code 261)
    read_only_app: bool = False
    #: the configured bearer tokens are app-only (OAuth 2.0 Application-Only): v2 likes, unlikes and
    #: users/me answer 403 unsupported-authentication (tokens the OAuth 2.0 flow issues stay user tokens)
    app_only_bearer: bool = False
    #: like/unlike requests billed before every further one answers 402 (None: unlimited)
    credits: int | None = None
    #: like/unlike requests billed before every further one answers 429 usage-capped (None: no cap)
    usage_cap: int | None = None
    usage_cap_period: CapPeriod = "Monthly"
    #: like/unlike requests answered before every further one gets an unknown 403 (code 999)
    account_403_after: int | None = None
    stats_file: Path | None = None
    #: tweets every account has liked before the emulator starts (what ``bulklike unlike`` cleans up)
    liked: frozenset[str] = field(default=frozenset(), repr=False)
    #: and as many more, generated: old snowflake IDs spread over 2012-2020 (``generated_likes``)
    liked_count: int = 0
    clock: Callable[[], float] = field(default=time.time, repr=False)

    def __post_init__(self) -> None:
        for name in ("missing_rate", "protected_rate", "blocked_rate", "fault_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
        if self.missing_rate + self.protected_rate + self.blocked_rate > 1.0:
            raise ValueError("missing, protected and blocked rates add up to more than 1")
        unknown = set(self.fault_kinds) - set(FAULT_KINDS)
        if unknown or not self.fault_kinds:
            raise ValueError(f"fault kinds must be some of {', '.join(FAULT_KINDS)}")
        if self.stall_s < 0 or self.latency_ms < 0 or self.token_ttl <= 0:
            raise ValueError("stall and latency cannot be negative, nor the token lifetime zero")
        if not self.accounts:
            raise ValueError("the emulator needs at least one account")
        for name, allowed in (
            ("window", ("rolling", "fixed")),
            ("v1_429", ("bare", "code88")),
            ("access_level", ACCESS_LEVELS),
            ("client_forbidden_reason", ("client-not-enrolled", "official-client-forbidden")),
            ("usage_cap_period", ("Monthly", "Daily")),
        ):
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}, got {getattr(self, name)!r}")
        for name in ("credits", "usage_cap", "account_403_after", "liked_count"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"{name} cannot be negative")

    def limits_for(self, api: Api) -> tuple[tuple[Limit, ...], tuple[Limit, ...]]:
        """(per-user, per-app) limits enforced on one API version; empty when quotas are off."""
        if not self.quotas:
            return (), ()
        user_default, app_default = default_limits(api)
        if api == "v2":
            user_default = V2_LEVEL_LIMITS[self.access_level]
        user = user_default if self.user_limits is None else self.user_limits
        app = app_default if self.app_limits is None else self.app_limits
        return user, app

    @property
    def uses_demo_account(self) -> bool:
        return self.accounts == (DEMO_ACCOUNT,)


#: generated likes span 2012-01-01 to 2020-12-31 (epoch ms), so a ``--before`` date can split them
_GENERATED_FROM_MS: Final = 1325376000000
_GENERATED_TO_MS: Final = 1609459200000


def generated_likes(count: int, seed: int = DEFAULT_SEED) -> list[str]:
    """``count`` distinct snowflake tweet IDs, oldest first, evenly spread over 2012-2020, fixed by ``seed``."""
    if count <= 0:
        return []
    step = (_GENERATED_TO_MS - _GENERATED_FROM_MS) // count
    return [str(id_at(_GENERATED_FROM_MS + i * step, seed * 7919 + i * 104729)) for i in range(count)]
