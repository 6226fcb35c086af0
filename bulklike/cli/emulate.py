"""``bulklike emulate``: serve the local X API emulator until interrupted (Ctrl-C or SIGTERM)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from collections.abc import Sequence
from typing import Any

from bulklike.cli.settings import configure_logging
from bulklike.cli.signals import forwarded


def cmd_emulate(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """Run the emulator in the foreground; Ctrl-C or SIGTERM stops it cleanly (exit 0), and the stats
    file (``--stats-file``) is written either way."""
    from bulklike.emulator.cli import config_from_args

    config = config_from_args(args)
    if args.liked is not None:  # read here: the emulator shares no parsing code with the client
        import dataclasses
        import sys

        from bulklike.input.filters import read_id_file

        liked = read_id_file(str(args.liked), sys.stdin.buffer, "--liked")
        config = dataclasses.replace(config, liked=frozenset(map(str, liked)))
    configure_logging(args)
    return asyncio.run(_serve(config, args.host, args.port))


async def _serve(config: Any, host: str, port: int) -> int:
    from bulklike.emulator import serve_forever

    task = asyncio.ensure_future(serve_forever(config, host, port))

    def stop(_code: int) -> None:
        task.cancel()

    # a signal cancels the serving task, so run_emulator's exit writes the stats file (SIGTERM used to kill us first)
    with (
        forwarded(asyncio.get_running_loop(), stop),
        contextlib.suppress(asyncio.CancelledError),
    ):
        await task
    return 0
