"""``bulklike completion SHELL``: a completion script generated from the argparse tree by shtab.

Generated, not hand-written, so a new command or flag completes as soon as it is in ``cli/parser.py``.
The script is static: pressing Tab never starts Python.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

SHELLS = ("bash", "zsh", "fish")
# flags whose value is a file path; positional INPUTs too (shtab then completes file names)
_FILE_METAVARS = {"PATH", "FILE", "INPUT"}


def cmd_completion(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """Print the script for ``args.shell`` on stdout."""
    import shtab

    from bulklike.cli.parser import build_parser

    parser = build_parser(full=True)
    _mark_paths(parser, shtab.FILE)
    sys.stdout.write(shtab.complete(parser, shell=args.shell))
    return 0


def _mark_paths(parser: argparse.ArgumentParser, file: Any) -> None:
    """Tell shtab which arguments take a file name (``action.complete``), recursively into sub-commands."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                _mark_paths(sub, file)
        elif action.metavar in _FILE_METAVARS:
            action.complete = file  # type: ignore[attr-defined]
