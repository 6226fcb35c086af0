"""An exclusive lock file so that two processes never drive one journal at once.

Through ``filelock``: ``flock`` on Linux and macOS, ``msvcrt.locking`` on Windows. Both are held by the
operating system for the open file, so a process that dies (even by ``kill -9``) releases its lock and a
crashed run never leaves a stale one behind. The soft fallback (a marker file, which a crash could leave
behind) is refused: where the filesystem cannot lock, the journal cannot be opened for a run.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from bulklike.errors import JournalError
from bulklike.store.sqlite import make_private_dirs

if TYPE_CHECKING:
    import filelock


class FileLock:
    """Exclusive, non-blocking lock on ``path`` (created 0600); ``acquire`` raises ``JournalError(what)``."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock: filelock.BaseFileLock | None = None

    def acquire(self, *, what: str) -> None:
        import filelock  # here, not at import time: status and export never lock

        try:
            make_private_dirs(os.path.dirname(os.path.abspath(self.path)))
            lock = filelock.FileLock(self.path, timeout=0, mode=0o600, fallback_to_soft=False)
            lock.acquire()
        except filelock.Timeout as exc:
            raise JournalError(what) from exc
        except (OSError, NotImplementedError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise JournalError(f"{self.path}: cannot lock: {reason}") from exc
        self._lock = lock

    def release(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None
