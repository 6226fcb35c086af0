"""An advisory lock file so that two processes never drive one journal at once.

``flock`` is released by the kernel when the process dies, even by ``kill -9``, so a crashed
run never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os

from bulklike.errors import JournalError


class FileLock:
    """Exclusive, non-blocking ``flock`` on ``path`` (created 0600)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self, *, what: str) -> None:
        try:
            parent = os.path.dirname(os.path.abspath(self.path))
            os.makedirs(parent, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise JournalError(f"{self.path}: cannot create lock file: {exc.strerror}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            raise JournalError(what) from exc
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
