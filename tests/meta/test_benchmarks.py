"""The benchmark says what it measured: the fast server answers as X does, ratios are reduced both
ways, and ``latest.md`` carries exactly the numbers the run printed."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from benchmarks import fastserver, run
from benchmarks.compare import Sample, ratio
from benchmarks.suite import SMOKE, Results
from bulklike.x.classify import Answer, classify


def test_canned_answers_are_what_a_success_looks_like() -> None:
    body, like = fastserver.answer(b"POST /1.1/favorites/create.json?id=1234567890123 HTTP/1.1\r\nHost: x")
    assert like and json.loads(body)["id_str"] == "1234567890123" and json.loads(body)["favorited"] is True
    assert classify(Answer(200, body)).status == "liked"
    v2, like = fastserver.answer(b"POST /2/users/42/likes HTTP/1.1\r\nContent-Length: 20")
    assert like and classify(Answer(200, v2)).status == "liked"
    assert fastserver.answer(b"GET /1.1/account/verify_credentials.json HTTP/1.1") == (fastserver.OTHER, False)


async def test_fast_server_answers_keep_alive_requests_over_a_socket() -> None:
    counters = fastserver.Counters()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: fastserver.CannedHttp(counters), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server, aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)) as session:
        ids = ["1000000000001", "1000000000002", "1000000000003"]
        for tweet_id in ids:
            async with session.post(f"http://127.0.0.1:{port}/1.1/favorites/create.json?id={tweet_id}") as resp:
                assert resp.status == 200 and (await resp.json())["id_str"] == tweet_id
        async with session.post(f"http://127.0.0.1:{port}/2/users/7/likes", json={"tweet_id": "5"}) as resp:
            assert await resp.json() == {"data": {"liked": True}}
    assert (counters.requests, counters.likes) == (4, 4)


def test_ratio_is_reduced_both_ways() -> None:
    r = ratio([10.0, 30.0, 20.0], [10.0, 10.0, 40.0])  # per round 1.0, 3.0, 0.5
    assert (r.paired, r.of_medians, r.low, r.high) == (1.0, 2.0, 0.5, 3.0)
    assert r.cell() == "1.00x / 2.00x (0.50-3.00)"
    assert not r.at_least(1.5) and r.at_most(2.0) and not r.at_most(1.5)


def _samples() -> list[Sample]:
    """Two rounds at one concurrency with made-up whole-process figures."""
    out = []
    for rnd, (ours, bare, api, verbose, tweepy) in enumerate(((2.0, 1.8, 2.1, 2.4, 10.0), (2.6, 2.0, 2.2, 2.9, 11.0))):
        for kind, wall in (("bulklike", ours), ("bare", bare), ("api", api), ("verbose", verbose)):
            out.append(Sample(kind, 16, rnd, 20_000, wall, wall * 0.9, 50.0, 0.2))  # type: ignore[arg-type]
        out.append(Sample("tweepy", 1, rnd, 2_000, tweepy, tweepy * 0.9, 45.0, 0.1))
    return out


def test_latest_md_carries_the_numbers_the_run_printed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = Results(SMOKE, compare=_samples())
    monkeypatch.setattr(run, "run_suite", lambda plan, say: results)
    path = tmp_path / "latest.md"
    assert run.main(["--only", "clients", "--markdown", str(path)]) == 0
    printed, written = capsys.readouterr().out, path.read_text(encoding="utf-8")
    rows = run.rows(results)
    # throughput of bulklike run -q against the bare loop, computed here from the samples
    paired = sorted([1.8 / 2.0, 2.0 / 2.6])
    medians = (1 / 2.0 + 1 / 2.6) / (1 / 1.8 + 1 / 2.0)  # medians of two: their means
    expected = f"{sum(paired) / 2:.2f}x / {medians:.2f}x ({paired[0]:.2f}-{paired[1]:.2f})"
    assert rows[0].ratio == expected
    for row in rows:
        for cell in (row.bulklike, row.baseline, row.ratio):
            assert cell in printed and cell in written
    assert "fast server" in rows[-1].metric and rows[-1].bulklike == "20"


@pytest.mark.parametrize("module", ["benchmarks", "benchmarks.profile_run"])
def test_benchmark_entry_points_explain_themselves(module: str) -> None:
    """``--help`` prints usage and exits 0 (profile_run once read ``--help`` as a like count and crashed)."""
    done = subprocess.run([sys.executable, "-m", module, "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: python -m " + module)
    assert "Traceback" not in done.stderr
