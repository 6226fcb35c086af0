"""Fixtures for the emulator's tests: a started emulator and a signing caller (``clock`` is the root one)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import replace
from typing import Any

import aiohttp
import pytest

from bulklike.emulator import DEMO_ACCOUNT, EmulatorConfig, run_emulator
from tests.helpers.clock import FakeClock
from tests.helpers.emulator import Caller, Start


@pytest.fixture
async def start(clock: FakeClock) -> AsyncIterator[Start]:
    """``await start(**config_fields)`` -> a Caller for a fresh emulator on port 0, closed at teardown."""
    async with AsyncExitStack() as stack:
        session = await stack.enter_async_context(aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)))

        async def starter(**fields: Any) -> Caller:
            config = replace(EmulatorConfig(clock=clock), **fields)
            emu = await stack.enter_async_context(run_emulator(config))
            return Caller(session, emu, config.accounts[0] if "accounts" in fields else DEMO_ACCOUNT)

        yield starter
