"""The hostile-input corpus through the whole CLI (``bulklike run FILE --dry-run``, in-process):
the right exit code, no traceback, one warning per bad line naming ``file:line``, and the valid IDs
of the same file journaled."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bulklike.cli.main import main
from bulklike.input.lines import InvalidLine, ParsedId
from tests.helpers.hostile import BIG, CORPUS, Expected
from tests.helpers.workspace import DEMO_ENV

EXTENSION = {"text": ".txt", "csv": ".csv", "tsv": ".tsv", "jsonl": ".jsonl"}
SMALL = [case for case in CORPUS if len(case[2]) < BIG]  # the 50 MB line is covered at reader level


@pytest.fixture(autouse=True)
def _demo_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key, value in DEMO_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize(("name", "fmt", "data", "expected"), SMALL, ids=[c[0] for c in SMALL])
def test_hostile_input_through_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, fmt: str, data: bytes, expected: Expected
) -> None:
    path = tmp_path / f"in{EXTENSION[fmt]}"
    path.write_bytes(data)
    code = main(["run", path.name, "--dry-run", "--journal", "j.db", "--log-format", "json", "--no-progress"])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    if isinstance(expected, str):  # a whole-input problem: exit 2, one line naming the file
        assert code == 2
        assert expected.startswith("in: ")  # the reader-level message, for a file named "in"
        assert err.splitlines()[-1] == f"bulklike: error: {path.name}{expected.removeprefix('in')}"
        return
    invalid = [r for r in expected if isinstance(r, InvalidLine)]
    valid = {r.tweet_id for r in expected if isinstance(r, ParsedId)}
    assert code == (1 if invalid else 0)
    for record in invalid:
        assert f'"source": "{path.name}:{record.source.split(":")[1]}"' in err
    with sqlite3.connect(tmp_path / "j.db") as conn:
        pending = {row[0] for row in conn.execute("SELECT tweet_id FROM items WHERE status = 'planned'")}  # dry run
        invalid_rows = conn.execute("SELECT count(*) FROM items WHERE status = 'invalid'").fetchone()[0]
    assert pending == valid
    assert invalid_rows == len({(r.source, r.input) for r in invalid})


def test_directory_and_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "adir").mkdir()
    for target, message in (("adir", "adir: is a directory"), ("nope.txt", "nope.txt: no such file")):
        code = main(["run", target, "--dry-run", "--journal", "j.db", "--no-progress"])
        err = capsys.readouterr().err
        assert code == 2 and "Traceback" not in err
        assert err.strip().splitlines()[-1].startswith(f"bulklike: error: {message}")
