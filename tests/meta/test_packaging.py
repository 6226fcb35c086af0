"""What a user installs: the wheel and sdist carry the package and its data and nothing of the
development tree, and ``bulklike demo`` runs from any directory and leaves nothing in it."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

SAMPLES = {"bulklike/samples/likes.csv", "bulklike/samples/tweets.jsonl", "bulklike/samples/tweets.txt"}
DEV_TREE = ("tests/", "benchmarks/", ".ci/", ".git")
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_wheel_and_sdist_contents(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(tmp_path), str(ROOT)],
        capture_output=True,
        check=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("*.whl")
    (sdist,) = tmp_path.glob("*.tar.gz")
    in_wheel = set(zipfile.ZipFile(wheel).namelist())
    with tarfile.open(sdist) as tar:
        in_sdist = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    assert SAMPLES <= in_wheel and "bulklike/emulator/accounts.example.toml" in in_wheel
    assert "bulklike/cli/main.py" in in_wheel and "bulklike/py.typed" in in_wheel  # typed for API users
    documents = {"README.md", "CHANGELOG.md", "ARCHITECTURE.md", "pyproject.toml", "configs/bulklike.toml"}
    assert SAMPLES <= in_sdist and documents <= in_sdist  # the README links ARCHITECTURE.md
    for name in in_wheel | in_sdist:
        assert not name.startswith(DEV_TREE), name
        assert "__pycache__" not in name and not name.endswith(".pyc"), name


@pytest.mark.slow
def test_demo_from_an_empty_directory_leaves_it_empty(tmp_path: Path) -> None:
    here, temp, state = tmp_path / "here", tmp_path / "tmp", tmp_path / "state"
    here.mkdir()
    temp.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BULKLIKE_") and k != "PYTHONPATH"}
    env.update(TMPDIR=str(temp), XDG_STATE_HOME=str(state), XDG_CONFIG_HOME=str(tmp_path / "config"))
    proc = subprocess.run(
        [sys.executable, "-m", "bulklike", "demo", "--no-progress"],
        cwd=here,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert list(here.iterdir()) == []
    assert not state.exists()  # not even the shared ledger: the demo keeps its own
    (workdir,) = temp.glob("bulklike-demo-*")
    assert {"journal.db", "results.jsonl", "tweets.txt", "likes.csv", "tweets.jsonl"} <= {
        p.name for p in workdir.iterdir()
    }
    assert f"look inside: bulklike status --journal {workdir / 'journal.db'}" in proc.stderr
