"""structlog set-up, done once by the CLI: events with stable keys on stderr, never a secret.

The engine never logs through global configuration: it is handed a logger (``SILENT`` when used
as a library).

A console renderer on a terminal, JSON lines otherwise. A last processor replaces any known
secret value with ``***`` wherever it appears, as a guard behind the ``Secret`` type.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterable, MutableMapping
from typing import Any, Protocol, TextIO

import structlog

LEVELS = ("debug", "info", "warning", "error")
Processor = Callable[[Any, str, MutableMapping[str, Any]], MutableMapping[str, Any]]


def _redactor(secrets: Iterable[str]) -> Processor:
    values = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def redact(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
        if not values:
            return event
        for key, value in event.items():
            text = value if isinstance(value, str) else None
            if text is not None and any(s in text for s in values):
                for secret in values:
                    text = text.replace(secret, "***")
                event[key] = text
        return event

    return redact


class _StderrProxy:
    """Resolves ``sys.stderr`` at write time (tests swap it), through an optional live-line hook."""

    def __init__(
        self, before_write: Callable[[], None] | None = None, after_write: Callable[[], None] | None = None
    ) -> None:
        self.before_write = before_write
        self.after_write = after_write

    def write(self, text: str) -> int:
        if self.before_write is not None:
            self.before_write()
        n = sys.stderr.write(text)
        if self.after_write is not None and text.endswith("\n"):
            self.after_write()
        return n

    def flush(self) -> None:
        sys.stderr.flush()


STDERR = _StderrProxy()


def default_level(quiet: bool, level: str | None) -> str:
    """``-q`` means warning; else the flag; else info, but warning on a terminal, where the
    progress line is the human's view and one log line per outcome would bury it."""
    if quiet:
        return "warning"
    if level:
        return level
    return "warning" if sys.stderr.isatty() else "info"


def configure(
    level: str = "info", fmt: str | None = None, secrets: Iterable[str] = (), stream: TextIO | None = None
) -> None:
    """Configure structlog for the process. ``fmt`` is ``console`` or ``json``; None picks by TTY."""
    out: Any = stream if stream is not None else STDERR
    if fmt is None:
        fmt = "console" if sys.stderr.isatty() else "json"
    renderer: Any
    if fmt == "json":
        renderer = structlog.processors.JSONRenderer()
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty(), pad_event_to=0)
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _redactor(secrets),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(getattr(logging, level.upper(), logging.INFO)),
        logger_factory=structlog.PrintLoggerFactory(file=out),
        cache_logger_on_first_use=False,
    )


class Logger(Protocol):
    """What the engine needs of a logger: events with keys. structlog's bound loggers fit, so does ``SILENT``."""

    def bind(self, **values: Any) -> Logger: ...

    def debug(self, event: str, /, **values: Any) -> Any: ...

    def info(self, event: str, /, **values: Any) -> Any: ...

    def warning(self, event: str, /, **values: Any) -> Any: ...

    def error(self, event: str, /, **values: Any) -> Any: ...


def get_logger() -> Logger:
    """The CLI's logger, as ``configure`` set it up."""
    logger: Logger = structlog.get_logger("bulklike")
    return logger


class SilentLogger:
    """Drops every event, without touching structlog's global configuration: what the engine logs
    to when it is used as a library (the Python API prints nothing)."""

    def bind(self, **values: Any) -> SilentLogger:
        return self

    def _drop(self, event: str, /, **values: Any) -> None:
        return None

    debug = info = warning = error = critical = exception = _drop


SILENT = SilentLogger()
