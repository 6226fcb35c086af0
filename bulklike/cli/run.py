"""``bulklike run``: like every tweet in the inputs through the engine; also the options ``undo`` shares."""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bulklike.cli.settings import settings_from
from bulklike.config import Settings

if TYPE_CHECKING:
    from bulklike.cli.driver import RunOptions


def resume_command(argv: Sequence[str], args: argparse.Namespace, settings: Settings) -> str:
    """The exact command that resumes this run: the same flags, no inputs, the journal named."""
    inputs = set(getattr(args, "inputs", []) or [])
    kept = [a for a in argv if a not in inputs]
    journal = os.path.abspath(settings.journal)  # the resume works from any directory
    kept = [a for a in kept if not a.startswith("--journal=")]
    if "--journal" in kept:
        at = kept.index("--journal")
        del kept[at : at + 2]
    kept[1:1] = ["--journal", journal]
    for flag in ("--dry-run", "--retry-failed"):
        while flag in kept:
            kept.remove(flag)
    return "bulklike " + shlex.join(kept)


def without_cause(command: str, *, until_past: bool, v1_refused: bool) -> str:
    """The resume command without the flag that stopped the run: an ``--until`` already past would stop
    the resume at once; ``--api v1.1`` after a 453 (no v1.1 likes for the app) becomes ``--api v2``."""
    words = shlex.split(command)
    out: list[str] = []
    skip = False
    for i, word in enumerate(words):
        if skip:
            skip = False
            continue
        if until_past and (word == "--until" or word.startswith("--until=")):
            skip = word == "--until"
            continue
        if v1_refused and word == "--api" and i + 1 < len(words) and words[i + 1] == "v1.1":
            out += ["--api", "v2"]
            skip = True
            continue
        out.append("--api=v2" if v1_refused and word == "--api=v1.1" else word)
    return shlex.join(out)


def run_options(args: argparse.Namespace, argv: Sequence[str], settings: Settings, **extra: Any) -> RunOptions:
    """The flags ``run`` and ``undo`` share, as the engine's ``RunOptions``."""
    from bulklike.cli.driver import RunOptions
    from bulklike.results import format_for

    return RunOptions(
        max_likes=args.max_likes,
        until=args.until,
        force=args.force,
        output=args.output,
        output_format=format_for(args.output, args.format),
        offline_timeout_s=args.offline_timeout,
        progress=not args.no_progress,
        resume_command=resume_command(argv, args, settings),
        **extra,
    )


def cmd_run(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """Like every tweet in the inputs (or resume the journal); the exit code of the run."""
    from bulklike.cli.driver import run_command, stdin_streams

    settings = settings_from(args)
    opts = run_options(
        args,
        argv,
        settings,
        inputs=tuple(args.inputs),
        input_format=args.input_format,
        column=args.column,
        archive_kind=args.archive_kind,
        partial=args.partial,
        dry_run=args.dry_run,
        retry_failed=args.retry_failed,
    )
    return asyncio.run(run_command(settings, opts, stdin_streams()))
