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

    configure_logging(args)
    asyncio.run(serve_forever(config_from_args(args), args.host, args.port))
    return 0
