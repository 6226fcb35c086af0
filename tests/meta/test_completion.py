"""``bulklike completion SHELL``: a script generated from the parser that names every command."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys

import pytest

from bulklike.cli.main import main
from bulklike.cli.parser import build_parser


def commands() -> list[str]:
    """Every sub-command of the parser, so a new one is checked as soon as it exists."""
    parser = build_parser(full=True)
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(action.choices)


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_script_names_every_command(shell: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["completion", shell]) == 0
    script = capsys.readouterr().out
    assert {"run", "status", "auth", "completion"} <= set(commands())
    for command in commands():
        assert command in script, (shell, command)
    assert "--max-likes" in script and "--journal" in script


def test_unknown_shell_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["completion", "tcsh"]) == 2
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_completes_commands_and_flags() -> None:
    script = subprocess.run(
        [sys.executable, "-m", "bulklike", "completion", "bash"], capture_output=True, text=True, check=True
    ).stdout
    probe = (
        script
        + '\nCOMP_WORDS=(bulklike st); COMP_CWORD=1; _shtab_bulklike; echo "${COMPREPLY[*]}"'
        + '\nCOMP_WORDS=(bulklike status --js); COMP_CWORD=2; _shtab_bulklike; echo "${COMPREPLY[*]}"'
    )
    out = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["status", "--json"]
