"""Settings: flags, environment and TOML merged once into a frozen value.

Precedence, highest first: command-line flags; ``BULKLIKE_*`` environment variables (for
credentials); the chosen ``[profiles.NAME]`` table; the config file's top level and its
``[credentials]`` table; the token store (``bulklike auth``), for the user's tokens only when none of
the above gives one; built-in defaults. Secrets are ``Secret`` values, so the repr of ``Settings``
never shows them.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import math
import os
import stat
import tomllib
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from bulklike.auth.tokens import TokenEntry
from bulklike.credentials import Credentials, Secret, fingerprint
from bulklike.errors import ConfigError
from bulklike.pacing.limits import DAY, Limit, default_limits, parse_limit
from bulklike.pacing.limits import KEEP_S as MAX_WINDOW_S
from bulklike.pacing.outage import NEVER_S

Api = Literal["v1.1", "v2"]
#: ``--api`` values: ``auto`` (the default) starts on v1.1 and moves to v2 on a 453
API_CHOICES = ("auto", "v1.1", "v2")

DEFAULT_CONFIG = "bulklike.toml"
DEFAULT_JOURNAL = "bulklike.db"
DEFAULT_CONCURRENCY = 4
DEFAULT_TIMEOUT_S = 30.0
DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_MIN_INTERVAL_S = 1.0
#: upper bounds: past these a value is a typo (100000000 workers, a timeout past any timer's range)
MAX_CONCURRENCY = 1000
MAX_TIMEOUT_S = 3600.0
#: X's documented roots for both versions (``https://api.twitter.com`` still answers and is accepted as ``--base-url``)
BASE_URLS: dict[str, str] = {"v1.1": "https://api.x.com", "v2": "https://api.x.com"}
#: the hosts of X's real API, where a dry run notes that likes need an Enterprise plan
X_HOSTS = frozenset({"api.x.com", "api.twitter.com"})

CREDENTIAL_KEYS = ("consumer_key", "consumer_secret", "access_token", "access_token_secret", "bearer_token")
APP_KEYS = ("client_id", "client_secret")  # OAuth 2.0 app, for `bulklike auth --oauth2` and refreshing
USER_TOKEN_KEYS = ("access_token", "access_token_secret", "bearer_token")
ENV_NAMES = {key: f"BULKLIKE_{key.upper()}" for key in (*CREDENTIAL_KEYS, *APP_KEYS)}
#: the token store's entry for a profile (``TokenStore().get``), consulted last
StoredTokens = Callable[[str | None], TokenEntry | None]
SETTING_KEYS = (
    "api",
    "base_url",
    "concurrency",
    "timeout",
    "max_attempts",
    "min_interval",
    "spread",
    "quota",
    "app_quota",
    "journal",
    "ledger",
    "user_id",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Everything a run needs, merged and checked."""

    credentials: Credentials = field(default_factory=Credentials)
    api: Api = "v1.1"
    base_url: str = BASE_URLS["v1.1"]
    concurrency: int = DEFAULT_CONCURRENCY
    timeout: float = DEFAULT_TIMEOUT_S
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    min_interval: float = DEFAULT_MIN_INTERVAL_S
    spread: bool = False
    user_limits: tuple[Limit, ...] = ()
    app_limits: tuple[Limit, ...] = ()
    journal: str = DEFAULT_JOURNAL
    ledger: str | None = None
    user_id: str | None = None
    profile: str | None = None
    stored: TokenEntry | None = None  # the token store's entry, when the tokens came from there
    #: ``--api auto``: ``api`` is where the run starts, and a 453 moves it to v2 (``as_v2``)
    auto: bool = False
    #: the settings given by the user (flags, file) rather than defaulted: "base_url", "quota", "app_quota"
    given: frozenset[str] = frozenset()

    def as_v2(self) -> Settings:
        """The same run on v2: its base URL and limits unless the user chose them, no more switching."""
        user_default, app_default = default_limits("v2")
        return dataclasses.replace(
            self,
            api="v2",
            auto=False,
            base_url=self.base_url if "base_url" in self.given else BASE_URLS["v2"],
            user_limits=self.user_limits if "quota" in self.given else user_default,
            app_limits=self.app_limits if "app_quota" in self.given else app_default,
        )

    @property
    def interval(self) -> float:
        """Seconds between consecutive sends: ``--spread`` evens out the tightest limit."""
        if self.spread:
            limits = self.user_limits + self.app_limits
            return max((lim.interval_s for lim in limits), default=self.min_interval)
        return self.min_interval

    @property
    def never_answered_s(self) -> float | None:
        """How long a run waits for an API that has never answered it before saying so: a minute on loopback
        (the emulator, a proxy: a wrong port), else ``None`` (the whole ``--offline-timeout``: an outage)."""
        return NEVER_S if local_api(self.base_url) else None


def check_base_url(url: str) -> str:
    """Accept https anywhere, plain http only to loopback; return the URL without trailing slash."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 -- raises ValueError for a port out of range or not a number
    except ValueError:
        raise ConfigError(f"--base-url {url!r}: not a valid URL") from None
    if parts.scheme not in ("http", "https") or not host:
        raise ConfigError(f"--base-url {url!r}: expected an https:// URL")
    if parts.username is not None or parts.password is not None:  # requests are signed, never user:pass@
        raise ConfigError("--base-url: must not contain a user name or password (user:pass@host)")
    if parts.scheme == "http" and not is_loopback(host):
        raise ConfigError(f"--base-url {url!r}: plain http is allowed only to loopback (127.0.0.1, ::1, localhost)")
    return url.rstrip("/")


def _url(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ConfigError(f"base_url: expected a URL (a string), got {value!r}")
    return value


def local_api(url: str) -> bool:
    """Whether the API is on this machine (the emulator, a proxy): a run there that never got an answer
    is a wrong address, not an outage to wait out."""
    return is_loopback((urllib.parse.urlsplit(url).hostname or "").lower())


def is_loopback(host: str) -> bool:
    """The one loopback rule: ``localhost``, 127.0.0.0/8 or ``::1`` (as ``urlsplit(...).hostname`` gives it).

    Decided by ``ipaddress``, never by a prefix: ``127.evil.example`` is a name anyone can register."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def read_config_file(path: str | None, *, warn: list[str]) -> dict[str, Any]:
    """The TOML config as a dict; ``{}`` when no path was given and ``./bulklike.toml`` is absent."""
    explicit = path is not None
    path = path or DEFAULT_CONFIG
    if not os.path.exists(path):
        if explicit:
            raise ConfigError(f"{path}: config file not found")
        return {}
    try:
        with open(path, "rb") as fp:
            data = tomllib.load(fp)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.strerror}") from exc
    try:
        _table(data, "credentials")
        _table(data, "profiles")
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    # POSIX mode bits only: Windows reports every file as 0o666 and guards files with ACLs instead
    if os.name == "posix" and _holds_secrets(data) and os.stat(path).st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        warn.append(f"{path} holds credentials and can be read by other users; run: chmod 600 {path}")
    return data


def _holds_secrets(data: Mapping[str, Any]) -> bool:
    tables = [_table(data, "credentials"), *_table(data, "profiles").values()]
    return any(isinstance(t, dict) and any(t.get(k) for k in (*CREDENTIAL_KEYS, "client_secret")) for t in tables)


def _profile(data: Mapping[str, Any], name: str | None, *, stored: bool = False) -> dict[str, Any]:
    profiles = data.get("profiles", {})
    if name is None or (stored and (not isinstance(profiles, dict) or name not in profiles)):
        return {}  # a profile may exist only in the token store (`bulklike auth --profile NAME`)
    if not isinstance(profiles, dict) or name not in profiles:
        known = ", ".join(sorted(profiles)) if isinstance(profiles, dict) and profiles else "none"
        raise ConfigError(f"no profile {name!r} in the config file (profiles: {known})")
    table = profiles[name]
    if not isinstance(table, dict):
        raise ConfigError(f"[profiles.{name}] must be a table")
    return table


def _limits(values: Any, key: str) -> tuple[Limit, ...] | None:
    if values is None:
        return None
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list):
        raise ConfigError(f"{key}: expected a list of COUNT/WINDOW strings")
    try:
        limits = tuple(parse_limit(str(v)) for v in values)
    except ValueError as exc:
        raise ConfigError(f"{key}: {exc}") from exc
    for limit in limits:
        if limit.window_s > MAX_WINDOW_S:
            raise ConfigError(f"{key}: {limit} is longer than the 7 days the send ledger remembers")
    return limits


def _typed(key: str, value: Any, kind: type, *, most: float | None = None) -> Any:
    """A number from a flag, the environment or TOML: ``true`` is not 1, 4.5 is not 4, and
    ``inf``/``nan`` are refused here rather than deep in a timer or a journal constraint."""
    name = "a whole number" if kind is int else "a number"
    if isinstance(value, bool) or (kind is int and isinstance(value, float)):
        raise ConfigError(f"{key}: expected {name}, got {value!r}")
    try:
        result = kind(value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ConfigError(f"{key}: expected {name}, got {value!r}") from exc
    if kind is float and not math.isfinite(result):
        raise ConfigError(f"{key}: expected a finite number, got {value!r}")
    if kind in (int, float) and result < 0:
        raise ConfigError(f"{key}: must not be negative")
    if most is not None and result > most:
        raise ConfigError(f"{key}: at most {most:g}, got {value!r}")
    return result


def _path(merged: Mapping[str, Any], key: str) -> str | None:
    """A file path setting: a non-empty string (``journal = []`` once became a file named "[]")."""
    value = merged.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{key}: expected a file path (a string), got {value!r}")
    return value


def _table(data: Mapping[str, Any], key: str) -> dict[str, Any]:
    """``credentials`` / ``profiles`` must be TOML tables (``[credentials]``, ``[profiles.NAME]``)."""
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{key}: expected a table ([{key}]), got {type(value).__name__}")
    return value


def _from_store(creds: dict[str, Any], entry: TokenEntry, profile: str | None) -> None:
    """Take the user's tokens from a store entry; refuse tokens issued to another app."""
    if entry.kind == "oauth1":
        app = creds["consumer_key"].reveal()
        creds["access_token"], creds["access_token_secret"] = entry.access_token, entry.access_token_secret
    else:
        creds["client_id"] = creds["client_id"] or entry.client_id
        app = creds["client_id"]
        creds["bearer_token"], creds["refresh_token"] = entry.access_token, entry.refresh_token
    if app and entry.app and fingerprint(app, purpose="app") != entry.app:
        again = "bulklike auth" + ("" if entry.kind == "oauth1" else " --oauth2")
        again += f" --profile {profile}" if profile else ""
        raise ConfigError(f"the stored {entry.kind} tokens were issued to another app: run `{again}` again")


def build_settings(
    flags: Mapping[str, Any],
    env: Mapping[str, str],
    data: Mapping[str, Any],
    stored: StoredTokens | None = None,
) -> Settings:
    """Merge flags (``None`` = not given), environment, config data and stored tokens into ``Settings``."""
    profile_name = flags.get("profile")
    in_store = stored is not None and stored(profile_name) is not None
    profile = _profile(data, profile_name, stored=in_store or bool(flags.get("new_profile")))
    top = {k: v for k, v in data.items() if k in SETTING_KEYS}
    merged: dict[str, Any] = {**top, **{k: v for k, v in profile.items() if k in SETTING_KEYS}}
    merged.update({k: v for k, v in flags.items() if k in SETTING_KEYS and v is not None})

    creds: dict[str, Any] = {}
    keys = (*CREDENTIAL_KEYS, *APP_KEYS)
    file_creds = {**_table(data, "credentials"), **{k: v for k, v in profile.items() if k in keys}}
    for key in keys:
        value = env.get(ENV_NAMES[key]) or file_creds.get(key) or ""
        creds[key] = Secret(str(value))
    creds["client_id"] = creds["client_id"].reveal()  # public: shown in authorize URLs
    entry = None
    if stored is not None and not any(creds[k] for k in USER_TOKEN_KEYS):
        entry = stored(profile_name)
        if entry is not None:
            _from_store(creds, entry, profile_name)
            merged.setdefault("user_id", entry.user_id)  # confirmed by the API when it was stored
            if entry.kind == "oauth2":
                merged.setdefault("api", "v2")  # an OAuth 2.0 user token works on v2 only

    api = str(merged.get("api", "auto"))
    if api not in API_CHOICES:
        raise ConfigError(f"api: expected auto, v1.1 or v2, got {api!r}")
    credentials = Credentials(**creds)
    auto = api == "auto"
    if auto:  # bearer tokens (OAuth 2.0) work on v2 only
        api = "v1.1" if credentials.has_oauth1 or not credentials.bearer_token else "v2"
        auto = api == "v1.1"
    user_default, app_default = default_limits(api)
    user_limits = _limits(merged.get("quota"), "quota")
    app_limits = _limits(merged.get("app_quota"), "app_quota")
    concurrency = _typed("concurrency", merged.get("concurrency", DEFAULT_CONCURRENCY), int, most=MAX_CONCURRENCY)
    if concurrency < 1:
        raise ConfigError("concurrency: must be at least 1")
    max_attempts = _typed("max_attempts", merged.get("max_attempts", DEFAULT_MAX_ATTEMPTS), int)
    if max_attempts < 1:
        raise ConfigError("max_attempts: must be at least 1")
    timeout = _typed("timeout", merged.get("timeout", DEFAULT_TIMEOUT_S), float, most=MAX_TIMEOUT_S)
    if timeout <= 0:
        raise ConfigError("timeout: must be positive")
    return Settings(
        credentials=credentials,
        api=api,  # type: ignore[arg-type]
        base_url=check_base_url(_url(merged.get("base_url")) or BASE_URLS[api]),
        concurrency=concurrency,
        timeout=timeout,
        max_attempts=max_attempts,
        min_interval=_typed("min_interval", merged.get("min_interval", DEFAULT_MIN_INTERVAL_S), float, most=DAY),
        spread=bool(merged.get("spread", False)),
        user_limits=user_default if user_limits is None else user_limits,
        app_limits=app_default if app_limits is None else app_limits,
        journal=_path(merged, "journal") or DEFAULT_JOURNAL,
        ledger=_path(merged, "ledger"),
        user_id=str(merged["user_id"]) if merged.get("user_id") else None,
        profile=profile_name,
        stored=entry,
        auto=auto,
        given=frozenset(key for key in ("base_url", "quota", "app_quota") if merged.get(key)),
    )


def has_credentials(settings: Settings) -> bool:
    """Whether a usable set of credentials is present (a dry run goes on without one)."""
    try:
        require_credentials(settings)
    except ConfigError:
        return False
    return True


def require_credentials(settings: Settings) -> None:
    """Exit-2 early, naming the first missing variable, unless a usable set is present."""
    creds = settings.credentials
    if settings.api == "v2" and creds.bearer_token and not creds.has_oauth1:
        return
    for key in CREDENTIAL_KEYS[:4]:
        if not getattr(creds, key):
            hint = " (or BULKLIKE_BEARER_TOKEN for v2)" if settings.api == "v2" or settings.auto else ""
            raise ConfigError(f"missing credential: set {ENV_NAMES[key]} or {key} in the config file{hint}")
