"""The Python API from a plain script, as a user would write it: a child process with warnings as
errors against the emulator on a real socket. It reports through a file, because it must print
nothing: stdout and stderr are checked to be empty."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.workspace import EmulatorFactory, Workspace, ids

SCRIPT = """
import asyncio
import json
import sys
from pathlib import Path

import bulklike

base_url, folder, report_path = sys.argv[1:4]
report = {}


def settings(name):
    return {"base_url": base_url, "journal": f"{folder}/{name}.db", "ledger": f"{folder}/ledger.db", "min_interval": 0}


async def main():
    ids = [str(1_000_000 + i) for i in range(400)]
    async with bulklike.Session(**settings("likes")) as session:
        results = [r async for r in session.like([*ids[:10], "https://x.com/a/status/" + ids[10], "nope"])]
        report["first"] = [[r.tweet_id, r.status, r.source] for r in results]
        report["again"] = [r.tweet_id async for r in session.like(ids[:11])]
        seen = 0
        async for result in session.like(ids):
            seen += 1
            if seen == 3:
                break
    async with bulklike.Session(**settings("likes")) as session:
        report["after_break_pending"] = session.pending()
    bad = bulklike.Credentials(consumer_key="wrong", consumer_secret="wrong", access_token="1-wrong",
                               access_token_secret="wrong")
    try:
        async with bulklike.Session(credentials=bad, **settings("refused")) as session:
            async for result in session.like(ids[:7]):
                report.setdefault("refused_results", []).append(result.status)
    except bulklike.BulklikeError as exc:
        report["error"] = [type(exc).__name__, isinstance(exc, bulklike.FatalApiError)]
    with open(report_path, "w") as fp:
        json.dump(report, fp)


asyncio.run(main())
"""


@pytest.mark.slow
async def test_a_plain_script(workspace: Workspace, emulator: EmulatorFactory) -> None:
    script = workspace.write("use_bulklike.py", SCRIPT)
    report_path = workspace.path / "report.json"
    async with emulator(latency_ms=10) as emu:  # 400 IDs take at least a second: a break comes long before
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-W",
            "error",
            str(script),
            emu.base_url,
            str(workspace.path),
            str(report_path),
            cwd=workspace.path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=workspace.env,  # the demo account's BULKLIKE_* credentials, as a user's shell would have
        )
        out, err = await asyncio.wait_for(proc.communicate(), 60)
        stats = emu.stats()
    assert proc.returncode == 0, err.decode()
    assert out == b"" and err == b""  # the API prints nothing, and nothing warns
    report = json.loads(report_path.read_text())
    first = {tweet_id: (status, source) for tweet_id, status, source in report["first"]}
    assert {first[i][0] for i in ids(11)} == {"liked"} and first[ids(11)[0]][1] == "<python>:1"
    assert first[None] == ("invalid", "<python>:12")
    assert report["again"] == []  # resume: nothing sent again for done IDs
    assert report["error"] == ["FatalApiError", True]
    assert "refused_results" not in report
    with sqlite3.connect(workspace.path / "refused.db") as conn:
        assert conn.execute("SELECT status, count(*) FROM items GROUP BY status").fetchall() == [("pending", 7)]
    with sqlite3.connect(workspace.path / "likes.db") as conn:
        liked = conn.execute("SELECT count(*) FROM items WHERE status = 'liked'").fetchone()[0]
    assert report["after_break_pending"] == 400 - liked and 14 <= liked < 400
    assert stats["likes"] == liked  # what the break left in flight was recorded


@pytest.mark.slow
def test_the_readme_example_runs_as_documented(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Python API") :]
    code, after = section.split("```python\n", 1)[1].split("```\n", 1)
    shown = after.split("```\n", 1)[1].split("```", 1)[0]
    script = tmp_path / "example.py"
    script.write_text(code, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BULKLIKE_")}
    done = subprocess.run(
        [sys.executable, "-W", "error", str(script)], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert sorted(done.stdout.splitlines()) == sorted(shown.splitlines())  # the invalid one may come first
