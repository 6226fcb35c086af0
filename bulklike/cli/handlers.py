"""One function per subcommand: turn parsed arguments into settings and call the command."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shlex
import sys
from collections.abc import Sequence
from typing import Any

from bulklike import logs
from bulklike.config import Settings, build_settings, read_config_file
from bulklike.results import ResultWriter, iso
from bulklike.session import RunOptions, run_command, stdin_streams
from bulklike.store.journal import Journal
from bulklike.tokens import TokenStore


def load_settings(args: argparse.Namespace, env: dict[str, str] | None = None) -> tuple[Settings, list[str]]:
    """Flags + environment + config file -> Settings, plus warnings for stderr.

    ``auth`` may name a profile that exists nowhere yet: its tokens are about to be stored under it.
    """
    warnings: list[str] = []
    data = read_config_file(getattr(args, "config", None), warn=warnings)
    flags: dict[str, Any] = {
        "profile": getattr(args, "profile", None),
        "api": getattr(args, "api", None),
        "base_url": getattr(args, "base_url", None),
        "concurrency": getattr(args, "concurrency", None),
        "timeout": getattr(args, "timeout", None),
        "max_attempts": getattr(args, "max_attempts", None),
        "min_interval": getattr(args, "min_interval", None),
        "spread": True if getattr(args, "spread", False) else None,
        "quota": getattr(args, "quota", None),
        "app_quota": getattr(args, "app_quota", None),
        "journal": getattr(args, "journal", None),
        "ledger": getattr(args, "ledger", None),
        "user_id": getattr(args, "user_id", None),
        "new_profile": getattr(args, "command", None) == "auth",
    }
    settings = build_settings(flags, os.environ if env is None else env, data, TokenStore().get)
    return settings, warnings


def resume_command(argv: Sequence[str], args: argparse.Namespace, settings: Settings) -> str:
    """The exact command that resumes this run: the same flags, no inputs, the journal named."""
    inputs = set(getattr(args, "inputs", []) or [])
    kept = [a for a in argv if a not in inputs]
    if "--journal" not in kept and not any(a.startswith("--journal=") for a in kept):
        kept[1:1] = ["--journal", os.path.abspath(settings.journal)]
    for flag in ("--dry-run", "--retry-failed"):
        while flag in kept:
            kept.remove(flag)
    return "bulklike " + shlex.join(kept)


def _settings(args: argparse.Namespace) -> Settings:
    settings, warnings = load_settings(args)
    for warning in warnings:
        sys.stderr.write(f"bulklike: warning: {warning}\n")
    level = logs.default_level(args.quiet, args.log_level)
    logs.configure(level=level, fmt=args.log_format, secrets=settings.credentials.secrets())
    return settings


def _run_options(args: argparse.Namespace, argv: Sequence[str], settings: Settings, **extra: Any) -> RunOptions:
    return RunOptions(
        max_likes=args.max_likes,
        until=args.until,
        force=args.force,
        output=args.output,
        output_format=args.format,
        progress=not args.no_progress,
        resume_command=resume_command(argv, args, settings),
        **extra,
    )


def cmd_run(args: argparse.Namespace, argv: Sequence[str]) -> int:
    settings = _settings(args)
    opts = _run_options(
        args,
        argv,
        settings,
        inputs=tuple(args.inputs),
        input_format=args.input_format,
        column=args.column,
        dry_run=args.dry_run,
        retry_failed=args.retry_failed,
    )
    return asyncio.run(run_command(settings, opts, stdin_streams()))


def cmd_undo(args: argparse.Namespace, argv: Sequence[str]) -> int:
    settings = _settings(args)
    if args.dry_run:
        return _undo_plan(settings, include_already=args.include_already)
    opts = _run_options(args, argv, settings, undo=True, include_already=args.include_already)
    return asyncio.run(run_command(settings, opts, stdin_streams()))


def _undo_plan(settings: Settings, *, include_already: bool) -> int:
    statuses = ("liked", "already_liked") if include_already else ("liked",)
    with Journal(settings.journal, lock=False, readonly=True) as journal:
        writer = ResultWriter(sys.stdout, "jsonl")
        for row in journal.rows(statuses):
            writer.write({"tweet_id": row.tweet_id, "status": row.status, "action": "would unlike"})
        writer.flush()
    sys.stderr.write(f"bulklike: undo would unlike {writer.count} tweets (dry run, nothing sent)\n")
    return 0


def cmd_status(args: argparse.Namespace, argv: Sequence[str]) -> int:
    settings = _settings(args)
    with Journal(settings.journal, lock=False, readonly=True) as journal:
        counts = journal.counts()
        activity = journal.activity()
    report = {
        "journal": settings.journal,
        "counts": counts,
        "total": sum(counts.values()),
        "attempts": activity["attempts"],
        "runs": activity["runs"],
        "first_activity": iso(activity["first_seen"]),
        "last_activity": iso(activity["last_finished"]),
    }
    if args.json:
        sys.stdout.write(json.dumps(report) + "\n")
    else:
        lines = [f"journal: {settings.journal} ({report['total']} records, {report['runs']} runs)"]
        lines += [f"  {status:<14} {n}" for status, n in sorted(counts.items())]
        lines.append(f"  attempts       {report['attempts']}")
        lines.append(f"  first activity {report['first_activity'] or '-'}")
        lines.append(f"  last activity  {report['last_activity'] or '-'}")
        sys.stdout.write("\n".join(lines) + "\n")
    return 0


def cmd_export(args: argparse.Namespace, argv: Sequence[str]) -> int:
    settings = _settings(args)
    with Journal(settings.journal, lock=False, readonly=True) as journal:
        writer = ResultWriter(sys.stdout, args.format)
        for row in journal.rows(args.status or ()):
            record: dict[str, Any] = {
                "tweet_id": row.tweet_id,
                "status": row.status,
                "attempts": row.attempts,
                "http_status": row.http_status,
                "error_code": row.error_code,
                "message": row.message,
                "at": iso(row.finished_at),
                "source": row.source,
            }
            if row.status == "invalid":
                record["input"] = row.input
            writer.write(record)
        writer.flush()
    return 0


def cmd_accounts(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from bulklike.cli.profiles import list_accounts

    return list_accounts(args)


def add_auth_arguments(parser: argparse.ArgumentParser) -> None:
    from bulklike.cli.auth import add_arguments

    add_arguments(parser)


def cmd_auth(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from bulklike.cli.auth import run_auth

    return run_auth(args, argv, _settings(args))


def add_emulator_arguments(parser: argparse.ArgumentParser) -> None:
    from bulklike.emulator.cli import add_emulator_arguments as add

    add(parser)


def cmd_emulate(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from bulklike.emulator import serve_forever
    from bulklike.emulator.cli import config_from_args

    _settings_free_logging(args)
    asyncio.run(serve_forever(config_from_args(args), args.host, args.port))
    return 0


def cmd_demo(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from bulklike.cli.demo import run_demo

    _settings_free_logging(args)
    return asyncio.run(run_demo(args))


def _settings_free_logging(args: argparse.Namespace) -> None:
    level = logs.default_level(args.quiet, args.log_level)
    logs.configure(level=level, fmt=args.log_format)
