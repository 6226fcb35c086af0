"""The public names of ``bulklike``, pinned (as httpx does): adding or removing one is a decision."""

from __future__ import annotations

import subprocess
import sys

import bulklike

PUBLIC = [
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


def test_all_is_pinned_and_sorted() -> None:
    assert bulklike.__all__ == PUBLIC
    assert bulklike.__all__ == sorted(bulklike.__all__, key=lambda name: (name.startswith("_"), name))


def test_every_exported_name_resolves_is_ours_and_documented() -> None:
    namespace: dict[str, object] = {}
    exec("from bulklike import *", namespace)
    assert set(PUBLIC) <= set(namespace)
    for name in PUBLIC:
        value = getattr(bulklike, name)
        if name in ("__version__", "Status"):
            continue
        assert getattr(value, "__module__", "").startswith("bulklike."), name
        assert (value.__doc__ or "").strip(), f"{name} has no docstring"
    assert "Session" in dir(bulklike)


def test_exceptions_share_one_base() -> None:
    for name in ("ApiError", "ConfigError", "FatalApiError", "InputError", "JournalError"):
        assert issubclass(getattr(bulklike, name), bulklike.BulklikeError)
    assert issubclass(bulklike.FatalApiError, bulklike.ApiError)


def test_unknown_names_raise_attribute_error() -> None:
    assert not hasattr(bulklike, "RunSession")


def test_importing_the_package_is_light() -> None:
    """``import bulklike`` (what ``bulklike --help`` does first) loads no network code and no engine."""
    code = "import sys, bulklike; print(sorted(m for m in ('aiohttp', 'bulklike.engine.session') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
