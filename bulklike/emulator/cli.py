"""Flags for ``bulklike emulate`` and ``bulklike demo``: argparse in, ``EmulatorConfig`` out.

Only wiring: the CLI proper owns the sub-commands, exit codes and logging.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from pathlib import Path

from bulklike.emulator.accounts import DEMO_ACCOUNT, AccountsError, accounts_from_env, load_accounts
from bulklike.emulator.config import (
    ACCESS_LEVELS,
    DEFAULT_HOST,
    DEFAULT_PORT,
    DEFAULT_SEED,
    DEFAULT_STALL_S,
    DEFAULT_TOKEN_TTL_S,
    FAULT_KINDS,
    EmulatorConfig,
)
from bulklike.errors import ConfigError
from bulklike.pacing.limits import Limit, parse_limit


def _number(kind: type[float] | type[int], text: str, *, most: float | None = None) -> float:
    """``text`` as a non-negative ``kind`` (at most ``most``), or argparse's one-line usage error."""
    try:
        value = kind(text)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
    if value < 0 or (most is not None and value > most):
        raise argparse.ArgumentTypeError(f"{text} is {'negative' if value < 0 else f'over {most:g}'}")
    return value


def _fraction(text: str) -> float:
    return float(_number(float, text, most=1.0))


def _non_negative(text: str) -> float:
    return float(_number(float, text))


def _count(text: str) -> int:
    return int(_number(int, text))


def _limit(text: str) -> Limit:
    try:
        return parse_limit(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _kinds(text: str) -> tuple[str, ...]:
    kinds = tuple(k.strip() for k in text.split(",") if k.strip())
    unknown = [k for k in kinds if k not in FAULT_KINDS]
    if unknown or not kinds:
        raise argparse.ArgumentTypeError(f"fault kinds must be some of {','.join(FAULT_KINDS)}")
    return kinds


def add_emulator_arguments(parser: argparse.ArgumentParser, *, listen: bool = False) -> None:
    """Add the emulator's behaviour flags; ``listen=True`` also adds ``--host`` and ``--port``."""
    if listen:
        parser.add_argument("--host", default=DEFAULT_HOST, help="address to listen on (default: %(default)s)")
        parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (default: %(default)s)")
    g = parser.add_argument_group("emulated accounts and tweets")
    g.add_argument(
        "--accounts",
        type=Path,
        metavar="FILE",
        help="TOML file of apps and users (default: BULKLIKE_* variables, else demo credentials)",
    )
    g.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed for tweet fates, faults and latency")
    g.add_argument(
        "--missing-rate",
        type=_fraction,
        default=0.0,
        metavar="P",
        help="fraction of tweet IDs that do not exist (v1.1 144, v2 400)",
    )
    g.add_argument(
        "--protected-rate",
        type=_fraction,
        default=0.0,
        metavar="P",
        help="fraction of tweets from protected accounts (179)",
    )
    g.add_argument(
        "--blocked-rate",
        type=_fraction,
        default=0.0,
        metavar="P",
        help="fraction of tweets whose author blocked the user (136)",
    )
    g.add_argument(
        "--liked",
        type=Path,
        metavar="FILE",
        help="tweets every account has liked at start (IDs or URLs in any input format: an archive, like.js, "
        "text, CSV, JSONL), for trying `bulklike unlike`",
    )
    g.add_argument(
        "--liked-count",
        type=_count,
        default=0,
        metavar="N",
        help="and N more liked at start, generated: snowflake IDs spread over 2012-2020",
    )
    q = parser.add_argument_group("quotas (default: the real API's limits)")
    exclusive = q.add_mutually_exclusive_group()
    exclusive.add_argument(
        "--quota",
        type=_limit,
        action="append",
        metavar="COUNT/WINDOW",
        help="per-user limit such as 50/15m; repeatable",
    )
    q.add_argument(
        "--app-quota",
        type=_limit,
        action="append",
        metavar="COUNT/WINDOW",
        help="per-app limit (all users of one consumer key); repeatable",
    )
    exclusive.add_argument("--no-quota", action="store_true", help="turn every limit off")
    q.add_argument(
        "--window",
        choices=("rolling", "fixed"),
        default="rolling",
        help="rolling windows, or fixed ones aligned to the epoch (default: %(default)s)",
    )
    q.add_argument(
        "--v1-429",
        choices=("bare", "code88"),
        default="bare",
        help="v1.1 429 body: empty (bare) or error code 88 (default: %(default)s)",
    )
    a = parser.add_argument_group("the account's standing with today's API")
    a.add_argument(
        "--access-level",
        choices=ACCESS_LEVELS,
        default="enterprise",
        help="enterprise: everything works (X since 2026-04-20 for likes); self-serve: reads and users/me work, "
        "v1.1 likes answer 403 code 453 and v2 likes and unlikes 403 client-forbidden; pro, basic, free: the "
        "levels before 2026-04-20 (v1.1 453, v2 likes open to pro and basic; free refused) (default: %(default)s)",
    )
    a.add_argument(
        "--client-forbidden-reason",
        choices=("client-not-enrolled", "official-client-forbidden"),
        default="client-not-enrolled",
        help="the reason in the client-forbidden answer of self-serve and free (default: %(default)s)",
    )
    a.add_argument(
        "--read-only-app",
        action="store_true",
        help="the app is Read only: OAuth 1.0a likes answer 403 oauth1-permissions (v2) or code 261 (v1.1)",
    )
    a.add_argument(
        "--app-only-bearer",
        action="store_true",
        help="the configured bearer tokens are app-only: v2 likes, unlikes and users/me answer 403 "
        "unsupported-authentication",
    )
    a.add_argument(
        "--credits", type=_count, metavar="N", help="bill N like/unlike requests, then answer 402 (credits depleted)"
    )
    a.add_argument("--usage-cap", type=_count, metavar="N", help="after N billed requests answer 429 usage-capped")
    a.add_argument(
        "--usage-cap-period",
        choices=("Monthly", "Daily"),
        default="Monthly",
        help="the cap's period: Monthly (product) or Daily (account) (default: %(default)s)",
    )
    a.add_argument(
        "--account-403-after",
        type=_count,
        metavar="N",
        help="after N billed requests answer every like with a 403 of unknown code 999 (account-wide)",
    )
    f = parser.add_argument_group("faults")
    f.add_argument(
        "--fault-rate", type=_fraction, default=0.0, metavar="P", help="fraction of like/unlike requests that fail"
    )
    f.add_argument(
        "--fault-kinds",
        type=_kinds,
        default=FAULT_KINDS,
        metavar="KIND,...",
        help=f"kinds to spread the faults over (default: all of {','.join(FAULT_KINDS)})",
    )
    f.add_argument(
        "--stall-s",
        type=_non_negative,
        default=DEFAULT_STALL_S,
        metavar="S",
        help="how long a stall fault holds the request (default: %(default)s)",
    )
    f.add_argument(
        "--latency-ms", type=_non_negative, default=0.0, metavar="MS", help="mean added latency, jittered 0.5x-1.5x"
    )
    parser.add_argument(
        "--token-ttl",
        type=_non_negative,
        default=DEFAULT_TOKEN_TTL_S,
        metavar="SECONDS",
        help="lifetime of the OAuth 2.0 access tokens it issues (default: %(default)s)",
    )
    parser.add_argument("--stats-file", type=Path, metavar="PATH", help="write the stats JSON here at shutdown")


def config_from_args(args: argparse.Namespace, env: Mapping[str, str] | None = None) -> EmulatorConfig:
    """Build the config; raises ``ConfigError`` for an unusable accounts file or environment."""
    try:
        if args.accounts is not None:
            with args.accounts.open("rb") as fp:
                accounts = load_accounts(fp)
        else:
            accounts = accounts_from_env(os.environ if env is None else env)
    except OSError as exc:
        raise ConfigError(f"cannot read accounts file {args.accounts}: {exc.strerror}") from exc
    except AccountsError as exc:
        raise ConfigError(str(exc)) from exc
    try:
        return EmulatorConfig(
            accounts=accounts or (DEMO_ACCOUNT,),
            seed=args.seed,
            missing_rate=args.missing_rate,
            protected_rate=args.protected_rate,
            blocked_rate=args.blocked_rate,
            quotas=not args.no_quota,
            user_limits=tuple(args.quota) if args.quota else None,
            app_limits=tuple(args.app_quota) if args.app_quota else None,
            window=args.window,
            v1_429=args.v1_429,
            fault_rate=args.fault_rate,
            fault_kinds=tuple(args.fault_kinds),
            stall_s=args.stall_s,
            latency_ms=args.latency_ms,
            token_ttl=args.token_ttl,
            access_level=args.access_level,
            client_forbidden_reason=args.client_forbidden_reason,
            read_only_app=args.read_only_app,
            app_only_bearer=args.app_only_bearer,
            credits=args.credits,
            usage_cap=args.usage_cap,
            usage_cap_period=args.usage_cap_period,
            account_403_after=args.account_403_after,
            stats_file=args.stats_file,
            liked_count=args.liked_count,
        )
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
