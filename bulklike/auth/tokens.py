"""The token store: the tokens ``bulklike auth`` obtained, one entry per profile, in one private file.

``config_dir()/tokens.json`` (``~/.config/bulklike/tokens.json`` on Linux). The file is created with
mode 0600 and never rewritten in place: each change writes a temporary file in the same directory
(0600 from its creation), fsyncs it, renames it over the old one and fsyncs the directory, so a crash
at any moment leaves either the old file or the new one, never half of either. That matters most
for OAuth 2.0 refresh tokens, which are single-use: the rotated one must be on disk before the new
access token is used. A lock file serialises writers (two runs of two profiles refreshing at once),
through filelock: ``flock`` on Linux and macOS, ``msvcrt.locking`` on Windows.

Entries hold secrets as ``Secret`` values; nothing here logs, and no error message quotes the file.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from bulklike.credentials import Secret
from bulklike.errors import ConfigError
from bulklike.paths import config_dir

Kind = Literal["oauth1", "oauth2"]
STORE_NAME = "tokens.json"
STORE_VERSION = 1
#: a writer holds the lock for one read-modify-rename; waiting longer means something is stuck
LOCK_WAIT_S = 30.0
DEFAULT_PROFILE = "default"
_SECRET_FIELDS = ("access_token", "access_token_secret", "refresh_token")


def _empty() -> Secret:
    return Secret("")


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenEntry:
    """One profile's tokens and the account they belong to (confirmed by the API when obtained)."""

    kind: Kind
    user_id: str
    screen_name: str = ""
    access_token: Secret = field(default_factory=_empty)
    access_token_secret: Secret = field(default_factory=_empty)  # OAuth 1.0a
    refresh_token: Secret = field(default_factory=_empty)  # OAuth 2.0 with offline.access
    expires_at: float | None = None  # OAuth 2.0 access token, epoch seconds
    lifetime: float | None = None  # its lifetime when issued (the refresh margin is a share of it)
    scopes: tuple[str, ...] = ()
    client_id: str = ""  # OAuth 2.0: public, needed to refresh
    app: str = ""  # fingerprint of the consumer key / client id the tokens were issued to
    saved_at: float = 0.0

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind,
            "user_id": self.user_id,
            "screen_name": self.screen_name,
            "scopes": list(self.scopes),
            "client_id": self.client_id,
            "app": self.app,
            "saved_at": self.saved_at,
        }
        if self.expires_at is not None:
            data["expires_at"] = self.expires_at
        if self.lifetime is not None:
            data["lifetime"] = self.lifetime
        for name in _SECRET_FIELDS:
            value: Secret = getattr(self, name)
            if value:
                data[name] = value.reveal()
        return data

    @classmethod
    def from_json(cls, data: Any) -> TokenEntry:
        """Raises ``ValueError`` (without quoting any value) when the entry is malformed."""
        if not isinstance(data, dict) or data.get("kind") not in ("oauth1", "oauth2"):
            raise ValueError("entry without a known kind")
        user_id = data.get("user_id")
        if not isinstance(user_id, str) or not user_id.isdigit():
            raise ValueError("entry without a numeric user_id")
        texts = {name: data.get(name, "") for name in (*_SECRET_FIELDS, "screen_name", "client_id", "app")}
        if not all(isinstance(v, str) for v in texts.values()) or not texts["access_token"]:
            raise ValueError("entry with a missing or malformed token")
        numbers = {name: data.get(name) for name in ("expires_at", "lifetime", "saved_at")}
        if not all(v is None or (isinstance(v, int | float) and math.isfinite(v)) for v in numbers.values()):
            raise ValueError("entry with a malformed time")
        scopes = data.get("scopes", [])
        if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
            raise ValueError("entry with malformed scopes")
        return cls(
            kind=data["kind"],
            user_id=user_id,
            screen_name=texts["screen_name"],
            access_token=Secret(texts["access_token"]),
            access_token_secret=Secret(texts["access_token_secret"]),
            refresh_token=Secret(texts["refresh_token"]),
            expires_at=None if numbers["expires_at"] is None else float(numbers["expires_at"]),
            lifetime=None if numbers["lifetime"] is None else float(numbers["lifetime"]),
            scopes=tuple(scopes),
            client_id=texts["client_id"],
            app=texts["app"],
            saved_at=float(numbers["saved_at"] or 0.0),
        )

    def describe(self, now: float) -> str:
        """One line for ``accounts``: kind, account, scopes, expiry; never a secret."""
        parts = [self.kind, f"@{self.screen_name}" if self.screen_name else f"user {self.user_id}"]
        if self.scopes:
            parts.append("scopes " + ",".join(self.scopes))
        if self.expires_at is not None:
            left = self.expires_at - now
            state = f"expires in {int(left // 60)} min" if left > 0 else "expired"
            parts.append(state + (" (refreshable)" if self.refresh_token else ""))
        return " ".join(parts)


def default_store_path() -> str:
    return os.path.join(config_dir(), STORE_NAME)


class TokenStore:
    """Read and atomically replace the token file; every method re-reads it (other runs write too)."""

    def __init__(self, path: str | None = None, *, lock_wait_s: float = LOCK_WAIT_S) -> None:
        self.path = path or default_store_path()
        self.lock_wait_s = lock_wait_s

    def __repr__(self) -> str:
        return f"TokenStore({self.path!r})"

    def load(self) -> dict[str, TokenEntry]:
        """Every profile's entry; ``{}`` when there is no file. Raises ``ConfigError`` when unreadable."""
        try:
            with open(self.path, "rb") as fp:
                raw = fp.read()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise ConfigError(f"{self.path}: cannot read the token store: {exc.strerror}") from exc
        try:  # UTF-8 only (json.loads would guess UTF-16 from bytes); nesting past the stack is damage too
            data = json.loads(raw.decode("utf-8"))
            profiles = data["profiles"] if isinstance(data, dict) else None
            if not isinstance(profiles, dict):
                raise ValueError("no profiles")
            return {str(name): TokenEntry.from_json(entry) for name, entry in profiles.items()}
        except (ValueError, KeyError, RecursionError) as exc:  # never the exception text: it may quote a token
            raise ConfigError(
                f"{self.path}: the token store is damaged; delete it and run `bulklike auth` again"
            ) from exc

    def get(self, profile: str | None) -> TokenEntry | None:
        return self.load().get(profile or DEFAULT_PROFILE)

    def put(self, profile: str | None, entry: TokenEntry, *, now: float | None = None) -> None:
        """Save one profile's entry (others are kept), durably, before the caller uses it."""
        stamped = replace(entry, saved_at=time.time() if now is None else now)
        with self._locked():
            entries = self.load()
            entries[profile or DEFAULT_PROFILE] = stamped
            self._write(entries)

    @contextlib.contextmanager
    def holding(self) -> Iterator[Callable[[str | None, TokenEntry, float], None]]:
        """The lock held, and the store proven writable, around a change that must not fail halfway.

        An OAuth 2.0 refresh spends the old refresh token the moment the server answers, so the
        new one must be savable *before* the request: a store locked by another process past
        ``lock_wait_s``, a read-only or full directory raise ``ConfigError`` here, with nothing
        sent. Yields ``put(profile, entry, now)``, which writes under the lock already held."""
        with self._locked():
            self._prove_writable()

            def put(profile: str | None, entry: TokenEntry, now: float) -> None:
                entries = self.load()
                entries[profile or DEFAULT_PROFILE] = replace(entry, saved_at=now)
                self._write(entries)

            yield put

    def _prove_writable(self) -> None:
        """Write, fsync and remove a file as large as the store will be (plus room to grow)."""
        directory = os.path.dirname(os.path.abspath(self.path))
        try:
            size = os.path.getsize(self.path) + 4096
        except OSError:
            size = 4096
        probe = os.path.join(directory, f".{STORE_NAME}.{os.getpid()}.{secrets.token_hex(4)}.probe")
        try:
            fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                os.write(fd, b"\0" * size)
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise ConfigError(f"{self.path}: cannot write the token store: {exc.strerror}") from exc
        finally:
            with contextlib.suppress(OSError):
                os.unlink(probe)

    def remove(self, profile: str | None) -> TokenEntry | None:
        """Forget one profile's entry; returns it (for revoking) or ``None`` when there was none."""
        with self._locked():
            entries = self.load()
            removed = entries.pop(profile or DEFAULT_PROFILE, None)
            if removed is not None:
                self._write(entries)
        return removed

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the store's lock file (waiting up to ``lock_wait_s``); the OS frees it if the process dies."""
        import filelock  # here, not at import time: only writers lock

        directory = os.path.dirname(os.path.abspath(self.path))
        try:
            os.makedirs(directory, mode=0o700, exist_ok=True)
            lock = filelock.FileLock(
                self.path + ".lock", timeout=self.lock_wait_s, mode=0o600, fallback_to_soft=False, thread_local=False
            )
            lock.acquire()
        except filelock.Timeout as exc:
            raise ConfigError(
                f"{self.path}: the token store stayed locked by another process for {self.lock_wait_s:g} s"
            ) from exc
        except (OSError, NotImplementedError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise ConfigError(f"{self.path}: cannot write the token store: {reason}") from exc
        try:
            yield
        finally:
            lock.release()

    def _write(self, entries: dict[str, TokenEntry]) -> None:
        data = {"version": STORE_VERSION, "profiles": {name: e.to_json() for name, e in sorted(entries.items())}}
        payload = (json.dumps(data, indent=2) + "\n").encode("utf-8")
        directory = os.path.dirname(os.path.abspath(self.path))
        tmp = os.path.join(directory, f".{STORE_NAME}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # private from its first byte
            with os.fdopen(fd, "wb") as fp:
                fp.write(payload)
                fp.flush()
                os.fsync(fp.fileno())
            os.replace(tmp, self.path)
            _fsync_dir(directory)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise ConfigError(f"{self.path}: cannot write the token store: {exc.strerror}") from exc


def _fsync_dir(directory: str) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - Windows
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
