"""``bulklike emulate``: serve the local X API emulator until interrupted."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence

from bulklike.cli.settings import configure_logging


def cmd_emulate(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """Run the emulator in the foreground; Ctrl-C stops it."""
    from bulklike.emulator import serve_forever
    from bulklike.emulator.cli import config_from_args

    config = config_from_args(args)
    if args.liked is not None:  # read here: the emulator shares no parsing code with the client
        import dataclasses
        import sys

        from bulklike.input.filters import read_id_file

        liked = read_id_file(str(args.liked), sys.stdin.buffer, "--liked")
        config = dataclasses.replace(config, liked=frozenset(map(str, liked)))
    configure_logging(args)
    asyncio.run(serve_forever(config, args.host, args.port))
    return 0
