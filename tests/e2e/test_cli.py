"""The CLI through ``main(argv)``: help for every command and flag, usage errors, ``--until`` parsing."""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys

import pytest

from bulklike.cli.main import main
from bulklike.cli.parser import build_parser
from bulklike.cli.timeparse import parse_until
from bulklike.errors import ConfigError

COMMANDS = ["run", "unlike", "undo", "status", "export", "accounts", "auth", "emulate", "demo", "completion"]


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_every_command_and_flag_has_help() -> None:
    subs = _subparsers(build_parser(full=True))
    assert sorted(subs) == sorted(COMMANDS)
    for name, sub in subs.items():
        for action in sub._actions:
            if action.option_strings and action.dest != "help":
                assert action.help, f"{name} {action.option_strings} has no help text"


@pytest.mark.parametrize("command", COMMANDS)
def test_help_exits_0(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, "--help"]) == 0
    assert "usage: bulklike" in capsys.readouterr().out


def test_no_command_and_bad_flag_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert main(["run", "--concurrency", "many"]) == 2
    assert "invalid int value" in capsys.readouterr().err


def test_version_and_module_entry_point() -> None:
    out = subprocess.run([sys.executable, "-m", "bulklike", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("bulklike ")


def test_status_of_missing_journal_is_one_line(tmp_path: object, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--journal", "/nonexistent/dir/j.db"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("bulklike: error: /nonexistent/dir/j.db") and err.count("\n") == 1


def test_parse_until() -> None:
    now = dt.datetime(2026, 11, 27, 22, 0, tzinfo=dt.UTC)
    assert parse_until("07:30", now) == dt.datetime(2026, 11, 28, 7, 30, tzinfo=dt.UTC).timestamp()
    assert parse_until("23:15:10", now) == dt.datetime(2026, 11, 27, 23, 15, 10, tzinfo=dt.UTC).timestamp()
    assert parse_until("2026-11-28T07:30:00+01:00", now) == dt.datetime(2026, 11, 28, 6, 30, tzinfo=dt.UTC).timestamp()
    for bad in ("25:00", "tomorrow", "2026-11-28T07:30"):
        with pytest.raises(ConfigError):
            parse_until(bad, now)
