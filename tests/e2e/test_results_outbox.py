"""Results through the outbox, end to end: invalid lines once per journal, the format by the file's
extension, CSV formula cells neutralised, a mismatched results file refused before anything is
sent; and the small CLI things a new user tripped on."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.helpers.workspace import EmulatorFactory, Workspace, ids

BAD = ["not-an-id", '=HYPERLINK("http://evil")', "-5"]


def _input(workspace: Workspace) -> tuple[list[str], str]:
    good = ids(6)
    lines = [good[0], BAD[0], *good[1:3], BAD[1], *good[3:], BAD[2]]
    return good, str(workspace.write("ids.txt", "\n".join(lines) + "\n"))


@pytest.mark.slow
async def test_resumes_report_each_record_and_each_invalid_line_once(
    workspace: Workspace, emulator: EmulatorFactory
) -> None:
    good, path = _input(workspace)
    out = workspace.path / "results.jsonl"
    async with emulator() as emu:
        runs = [await workspace.cli("run", path, *workspace.base_args(emu), "--output", str(out)) for _ in range(4)]
        piped = [await workspace.cli("run", path, *workspace.base_args(emu)) for _ in range(2)]
    assert [r.code for r in runs] == [1, 1, 1, 1]  # invalid lines count, and stay counted
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(r["tweet_id"] for r in records if r["status"] == "liked") == good
    assert sorted(r["input"] for r in records if r["status"] == "invalid") == sorted(BAD)
    assert len(records) == len(good) + len(BAD)  # ten runs once gave 33 invalid records for 3 lines
    assert piped[0].results == [] and piped[1].results == []  # nothing owed, nothing new


async def test_csv_by_extension_with_formula_cells_neutralised(workspace: Workspace, emulator: EmulatorFactory) -> None:
    _, path = _input(workspace)
    out = workspace.path / "results.csv"
    async with emulator() as emu:
        result = await workspace.cli("run", path, *workspace.base_args(emu), "--output", str(out))
    assert result.code == 1, result.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert len(rows) == 9 and rows[0].keys() >= {"tweet_id", "status", "input"}
    inputs = {row["input"] for row in rows if row["status"] == "invalid"}
    assert inputs == {"not-an-id", '\'=HYPERLINK("http://evil")', "'-5"}  # a leading ' : text, not a formula
    assert all(row["tweet_id"].isdigit() for row in rows if row["status"] == "liked")  # IDs untouched


async def test_csv_onto_a_jsonl_file_is_refused_before_anything_is_made_or_sent(
    workspace: Workspace, emulator: EmulatorFactory
) -> None:
    _, path = _input(workspace)
    out = workspace.write("results.txt", '{"tweet_id": "1", "status": "liked"}\n')
    before = out.read_bytes()
    async with emulator() as emu:
        result = await workspace.cli("run", path, *workspace.base_args(emu), "--output", str(out), "--format", "csv")
        requests = emu.stats()["requests"]
    assert result.code == 2 and "not a CSV results file" in result.stderr
    assert requests == 0 and out.read_bytes() == before
    assert not workspace.journal.exists()


@pytest.mark.slow
async def test_usage_errors_make_no_journal_or_lock_file(workspace: Workspace) -> None:
    for args in (
        ["run", "ids.txt", "--max-likes", "0"],
        ["run", "missing.txt"],
        ["run", "ids.txt", "--quot", "5/1m"],
        ["rnu", "ids.txt"],
    ):
        workspace.write("ids.txt", "1\n")
        result = await workspace.cli(*args, "--journal", str(workspace.journal), "--ledger", str(workspace.ledger))
        assert result.code == 2, (args, result.stderr)
        assert not workspace.journal.exists() and not list(workspace.path.glob("*.lock")), args
        assert not workspace.ledger.exists(), args
    quot = await workspace.cli("run", "ids.txt", "--quot", "5/1m")
    assert "did you mean --quota?" in quot.stderr  # no abbreviation: --quot is not --quota
    rnu = await workspace.cli("rnu")
    assert "did you mean run?" in rnu.stderr


@pytest.mark.slow
async def test_resume_command_names_the_journal_by_absolute_path(
    workspace: Workspace, emulator: EmulatorFactory
) -> None:
    path = workspace.write("ids.txt", "\n".join(ids(5)) + "\n")
    async with emulator() as emu:
        args = [a if a != str(workspace.journal) else "journal.db" for a in workspace.base_args(emu)]
        result = await workspace.cli("run", str(path), *args, "--max-likes", "2")
    assert result.code == 75
    assert f"--journal {workspace.journal}" in result.stderr.split("to resume:")[1]
    status = await workspace.cli("status", "--journal", str(workspace.journal))
    assert "(5 records, 1 run)" in status.stdout


async def test_emulate_help_shows_only_the_emulators_options(workspace: Workspace) -> None:
    result = await workspace.cli("emulate", "--help")
    assert result.code == 0 and "--port" in result.stdout and "--log-level" in result.stdout
    assert "--journal" not in result.stdout and "--profile" not in result.stdout
