"""The benchmark harness runs: a separate emulator process, every request verified and answered 200."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[3] / "benchmarks"


@pytest.mark.slow
async def test_measure_emulator_smoke(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(BENCHMARKS))  # the spawned server process inherits sys.path
    bench = importlib.import_module("emulator_bench")
    result = await bench.measure_emulator(n=300, concurrency=8)
    assert result["statuses"] == {200: 300}
    assert result["server_likes"] == 300 + bench.WARMUP and result["server_auth_failures"] == 0
    assert result["requests_per_s"] > 0
