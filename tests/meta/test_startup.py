"""Fast start: parsing, ``--help``, ``--version``, ``status``, ``export`` and ``accounts`` import no network or
engine code; a dry run loads the engine but not the network stack (the HTTP client opens at the first send).

An import-graph assertion, not a timing one: each check runs in a fresh interpreter and lists which heavy
modules ended up in ``sys.modules``. The figure itself is in the benchmarks.
"""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import TypedDict

import pytest

import bulklike
from bulklike.store.journal import Journal

HEAVY = ("aiohttp", "structlog", "oauthlib", "tenacity", "aiolimiter", "filelock", "shtab")
ENGINE = (
    "bulklike.engine.session",
    "bulklike.engine.runner",
    "bulklike.engine.recorder",
    "bulklike.x.client",
    "bulklike.logs",
)

PROBE = """
import json, sys
from bulklike.cli.main import main
code = main(json.loads(sys.argv[1]))
sys.stdout.flush()
heavy = sorted({m.split(".")[0] for m in sys.modules} & set(json.loads(sys.argv[2])))
engine = sorted(set(sys.modules) & set(json.loads(sys.argv[3])))
sys.stderr.write("\\nPROBE " + json.dumps({"code": code, "heavy": heavy, "engine": engine}) + "\\n")
"""


class Probe(TypedDict):
    """What the probe prints: ``main``'s exit code and the heavy and engine modules it imported."""

    code: int
    heavy: list[str]
    engine: list[str]


def probe(argv: list[str], cwd: Path) -> Probe:
    """Run ``main(argv)`` in a fresh interpreter; its exit code and the heavy modules it imported."""
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(argv), json.dumps(HEAVY), json.dumps(ENGINE)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
    )
    line = proc.stderr.rsplit("PROBE ", 1)[-1]
    result: Probe = json.loads(line)
    return result


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["--version"],
        ["run", "--help"],
        ["unlike", "--help"],
        ["status", "--help"],
        ["auth", "--help"],
        ["emulate", "--help"],
        ["nonsense"],
    ],
)
def test_parsing_and_help_import_nothing_heavy(argv: list[str], tmp_path: Path) -> None:
    result = probe(argv, tmp_path)
    assert result["heavy"] == [] and result["engine"] == [], result


def test_status_and_export_import_nothing_heavy(tmp_path: Path) -> None:
    journal = tmp_path / "j.db"
    Journal(str(journal)).close()
    for argv in (["status", "--journal", str(journal)], ["export", "--journal", str(journal), "--format", "csv"]):
        result = probe(argv, tmp_path)
        assert result == {"code": 0, "heavy": [], "engine": []}, (argv, result)


def test_accounts_without_check_imports_nothing_heavy(tmp_path: Path) -> None:
    (tmp_path / "bulklike.toml").write_text('[profiles.work]\nconsumer_key = "k"\n')
    result = probe(["accounts", "--config", str(tmp_path / "bulklike.toml")], tmp_path)
    assert result["heavy"] == [] and result["engine"] == [], result


def test_dry_run_loads_the_engine_but_no_network_stack(tmp_path: Path) -> None:
    """The probe can see a heavy import (the dry run shows the engine, so the checks above mean something), and
    the dry run's Session never opens the HTTP client, so aiohttp stays out."""
    ids = tmp_path / "ids.txt"
    ids.write_text("20\n")
    keys = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")
    (tmp_path / "bulklike.toml").write_text("[credentials]\n" + "".join(f'{key} = "x"\n' for key in keys))
    (tmp_path / "bulklike.toml").chmod(0o600)
    env_free = ["run", str(ids), "--dry-run", "--journal", str(tmp_path / "j.db"), "--ledger", str(tmp_path / "l.db")]
    result = probe(env_free, tmp_path)
    assert result["code"] == 0, result
    assert "bulklike.engine.session" in result["engine"]
    assert "aiohttp" not in result["heavy"] and "bulklike.x.client" not in result["engine"], result


def test_version_has_one_source() -> None:
    out = subprocess.run([sys.executable, "-m", "bulklike", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout == f"bulklike {metadata.version('bulklike')}\n"
    assert bulklike.__version__ == metadata.version("bulklike")
