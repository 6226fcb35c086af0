"""bulklike: like tweets in bulk through the X API, paced, journaled and resumable.

``import bulklike`` must stay cheap: the command line imports this package before parsing its
arguments, and ``bulklike --help`` must not pay for aiohttp, structlog or the engine (a test
checks the import graph). So names that pull in heavy modules are resolved on first use.
"""

from __future__ import annotations

from typing import Any


def _version() -> str:
    """The installed distribution's version: ``pyproject.toml`` is its one source."""
    from importlib import metadata

    try:
        return metadata.version("bulklike")
    except metadata.PackageNotFoundError:  # imported from a source tree that was never installed
        return "0+unknown"


def __getattr__(name: str) -> Any:
    if name == "__version__":
        version = _version()
        globals()["__version__"] = version
        return version
    raise AttributeError(f"module 'bulklike' has no attribute {name!r}")
