"""The command line: parse, set up logging, call a command, map errors to exit codes.

Exit codes: 0 done, nothing failed or invalid; 1 done with some failed or invalid; 2 usage,
config, input or journal error; 3 stopped by a fatal API answer; 75 stopped with work pending (--max-likes,
--until, --offline-timeout); 130/143 interrupted by SIGINT/SIGTERM; 141 stdout's reader went away.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

from bulklike.cli.parser import build_parser
from bulklike.cli.signals import drop_stdout
from bulklike.errors import EXIT_PIPE, EXIT_SIGINT, EXIT_USAGE, BulklikeError, OutputError

Handler = Callable[[argparse.Namespace, Sequence[str]], int]


def resolve(ref: str) -> Handler:
    """``"bulklike.cli.run:cmd_run"`` -> the function: a command's module is imported only when it runs."""
    module, _, name = ref.partition(":")
    handler: Handler = getattr(importlib.import_module(module), name)
    return handler


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``bulklike`` and ``python -m bulklike``; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return int(exc.code or 0)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        if getattr(args, "until", None):
            from bulklike.cli.timeparse import parse_until

            args.until = parse_until(args.until)
        return int(resolve(args.handler)(args, argv))
    except BulklikeError as exc:
        if getattr(args, "debug", False):
            import traceback

            traceback.print_exc()
        sys.stderr.write(f"bulklike: error: {exc}\n")
        if isinstance(exc, OutputError):  # what stdout still buffers would fail again at exit: drop it
            drop_stdout()
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("bulklike: interrupted\n")
        return EXIT_SIGINT
    except BrokenPipeError:
        drop_stdout()
        return EXIT_PIPE
