"""bulklike: like tweets in bulk through the X API, paced, journaled and resumable.

The Python API (the CLI is built on it)::

    import bulklike

    async with bulklike.Session(journal="likes.db", api="v2", quota=["50/15m", "1000/24h"]) as session:
        async for result in session.like(ids_or_urls):
            print(result.tweet_id, result.status)

The public names are imported on first use, so ``bulklike --help`` (which imports this package
first) does not pay for aiohttp and the engine.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from bulklike.credentials import Credentials
    from bulklike.errors import ApiError, BulklikeError, ConfigError, FatalApiError, InputError, JournalError
    from bulklike.job import Progress, RunReport
    from bulklike.plan import Plan
    from bulklike.results import Result, Status
    from bulklike.session import Session

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
    "Progress": "bulklike.job",
    "Result": "bulklike.results",
    "RunReport": "bulklike.job",
    "Session": "bulklike.session",
    "Status": "bulklike.results",
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
    "__version__",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'bulklike' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # once imported, a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
