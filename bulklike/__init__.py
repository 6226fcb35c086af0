"""bulklike: like tweets in bulk through the X API, paced, journaled and resumable.

The Python API (the CLI is built on it)::

    import bulklike

    async with bulklike.Session(journal="likes.db", api="v2", quota=["50/15m", "1000/24h"]) as session:
        async for result in session.like(ids_or_urls):
            print(result.tweet_id, result.status)

``import bulklike`` must stay cheap: the command line imports this package before parsing its
arguments, and ``bulklike --help`` must not pay for aiohttp, structlog or the engine (a test
checks the import graph). So the public names are resolved on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bulklike.credentials import Credentials
    from bulklike.engine.session import Session
    from bulklike.errors import ApiError, BulklikeError, ConfigError, FatalApiError, InputError, JournalError
    from bulklike.plan import Plan
    from bulklike.report import Progress, RunReport, StopReason
    from bulklike.results import Result, Status

    __version__: str

#: public name -> the module that defines it
_HOMES = {
    "ApiError": "bulklike.errors",
    "BulklikeError": "bulklike.errors",
    "ConfigError": "bulklike.errors",
    "Credentials": "bulklike.credentials",
    "FatalApiError": "bulklike.errors",
    "InputError": "bulklike.errors",
    "JournalError": "bulklike.errors",
    "Plan": "bulklike.plan",
    "Progress": "bulklike.report",
    "Result": "bulklike.results",
    "RunReport": "bulklike.report",
    "Session": "bulklike.engine.session",
    "Status": "bulklike.results",
    "StopReason": "bulklike.report",
}

__all__ = [
    "ApiError",
    "BulklikeError",
    "ConfigError",
    "Credentials",
    "FatalApiError",
    "InputError",
    "JournalError",
    "Plan",
    "Progress",
    "Result",
    "RunReport",
    "Session",
    "Status",
    "StopReason",
    "__version__",
]


def _version() -> str:
    """The installed distribution's version: ``pyproject.toml`` is its one source."""
    from importlib import metadata

    try:
        return metadata.version("bulklike")
    except metadata.PackageNotFoundError:  # imported from a source tree that was never installed
        return "0+unknown"


def __getattr__(name: str) -> Any:
    if name == "__version__":
        value: Any = _version()
    elif name in _HOMES:
        value = getattr(importlib.import_module(_HOMES[name]), name)
    else:
        raise AttributeError(f"module 'bulklike' has no attribute {name!r}")
    globals()[name] = value  # once resolved, a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
