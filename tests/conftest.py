"""Fixtures only (what they build lives in ``tests/helpers``): a workspace with the demo account's
credentials and a CLI runner, the emulator on a real socket, and the one fake clock."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bulklike.emulator import EmulatorConfig, RunningEmulator, run_emulator
from tests.helpers.clock import FakeClock
from tests.helpers.examples import load_profile
from tests.helpers.fastloop import FACTORY, new_loop
from tests.helpers.workspace import DEMO_ENV, ROOT, EmulatorFactory, Workspace


def pytest_configure(config: pytest.Config) -> None:
    """The hypothesis profile: ``HYPOTHESIS_PROFILE=dev`` for the fast loop (README, Development)."""
    load_profile()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Slow tests first (stable otherwise): under ``-n 4`` the longest runs then overlap with the rest,
    instead of one of them starting last and leaving three workers idle until it ends."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item) -> dict[str, Callable[[], Any]] | None:
    """A test marked ``fastloop`` runs (with its async fixtures) on looptime's fake-time loop; the rest
    on asyncio's own loop (``tests/helpers/fastloop.py``). pytest-asyncio wants one mapping per item."""
    if item.get_closest_marker("fastloop"):
        return {FACTORY: new_loop}
    return {"asyncio": asyncio.new_event_loop}


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BULKLIKE_")}
    env.update(DEMO_ENV)
    env["XDG_STATE_HOME"] = str(tmp_path / "state")
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")  # the token store: never the developer's own
    env["PYTHONPATH"] = str(ROOT)
    ws = Workspace(tmp_path, env)
    try:
        yield ws
    finally:
        ws.kill_leftovers()


@pytest.fixture
def emulator() -> EmulatorFactory:
    """``async with emulator(user_limits=..., fault_rate=...) as emu``: a fresh emulator on port 0."""

    @asynccontextmanager
    async def start(**config: Any) -> AsyncIterator[RunningEmulator]:
        config.setdefault("quotas", bool(config.get("user_limits") or config.get("app_limits")))
        async with run_emulator(EmulatorConfig(**config)) as emu:
            yield emu

    return start


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An in-process run that sees no ./bulklike.toml, no BULKLIKE_* variables and no token store
    of the developer's own: the working directory and XDG_CONFIG_HOME are in ``tmp_path``."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    for name in [n for n in os.environ if n.startswith("BULKLIKE_")]:
        monkeypatch.delenv(name)


@pytest.fixture
def clock() -> FakeClock:
    """The fake clock at ``T0``, with ``clock.sleep`` to inject as the sleep."""
    return FakeClock()
