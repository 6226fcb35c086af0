"""``bulklike unlike``: unlike every tweet in the inputs (an X archive's likes, a list), except what
``--before``/``--after``/``--keep`` leave alone; the same engine, journal and pacing as ``run``."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from bulklike.cli.run import run_options
from bulklike.cli.settings import settings_from
from bulklike.errors import ConfigError


def unlike_arguments(p: argparse.ArgumentParser) -> None:
    """``unlike``'s own flags (added when the command is parsed; the shared ones come from the parser)."""
    p.add_argument(
        "inputs",
        nargs="*",
        metavar="INPUT",
        help="files (an X archive .zip or its like.js, .txt .csv .tsv .jsonl) or - for stdin; "
        "none: stdin when piped, else resume the journal",
    )
    p.add_argument(
        "--input-format",
        choices=("text", "csv", "tsv", "jsonl", "js", "zip"),
        help="override the format (js: an X archive data file such as like.js; zip: the archive)",
    )
    p.add_argument("--column", metavar="NAME", help="CSV/TSV column or JSONL field holding the ID or URL")
    p.add_argument(
        "--partial",
        action="store_true",
        help="keep the IDs read from a broken or cut X archive file before the break (else none, exit 2)",
    )
    g = p.add_argument_group("what to leave alone (decided from the ID, no API read; status 'skipped')")
    g.add_argument(
        "--before",
        metavar="DATE",
        help="unlike only tweets created before DATE (YYYY-MM-DD is 00:00 UTC; or ISO 8601 with a time)",
    )
    g.add_argument("--after", metavar="DATE", help="unlike only tweets created at or after DATE")
    g.add_argument(
        "--keep",
        action="append",
        metavar="FILE",
        help="never unlike the tweets listed in FILE (IDs or URLs, any input format); repeatable",
    )
    p.add_argument("--dry-run", action="store_true", help="read and journal the input, print the plan, send nothing")
    p.add_argument("--retry-failed", action="store_true", help="send IDs that ended 'failed' again")


def cmd_unlike(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """Unlike every tweet in the inputs (or resume the journal); the exit code of the run."""
    from bulklike.cli.driver import run_command, stdin_streams
    from bulklike.input.filters import Filters, parse_date, read_id_file

    before = parse_date(args.before, "--before") if args.before else None
    after = parse_date(args.after, "--after") if args.after else None
    if before is not None and after is not None and after >= before:
        raise ConfigError("--after must be earlier than --before: no tweet could be unliked")
    keep: frozenset[int] = frozenset()
    for path in args.keep or ():
        if path == "-":
            raise ConfigError("--keep takes a file, not stdin")
        keep |= read_id_file(path, sys.stdin.buffer)
    settings = settings_from(args)
    opts = run_options(
        args,
        argv,
        settings,
        inputs=tuple(args.inputs),
        input_format=args.input_format,
        column=args.column,
        partial=args.partial,
        dry_run=args.dry_run,
        retry_failed=args.retry_failed,
        unlike=True,
        filters=Filters(before=before, after=after, keep=keep),
    )
    return asyncio.run(run_command(settings, opts, stdin_streams()))
