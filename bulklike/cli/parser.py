"""The argparse tree: every command and flag with its help text (a test checks none is missing).

Each command names its handler as ``"module:function"``, imported by ``cli.main`` only once that
command was chosen, so parsing, ``--help`` and ``--version`` import no network or engine code (a test
checks the import graph). Keep it so: no heavy imports here. ``emulate``'s many flags live with the
emulator and are added only when that command is parsed (``Command.defer``), or for a full tree
(``build_parser(full=True)``: completion scripts, the help-text test).
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import re
import sys
from collections.abc import Iterator, Sequence
from typing import Any, NoReturn

EPILOG = """exit codes: 0 done; 1 done with some failed or invalid; 2 usage, config, input or journal
error; 3 stopped by a fatal API answer; 75 stopped with work pending (--max-likes, --max-unlikes,
--until, --offline-timeout); 130/143 interrupted (SIGINT/SIGTERM). Credentials: BULKLIKE_CONSUMER_KEY,
BULKLIKE_CONSUMER_SECRET, BULKLIKE_ACCESS_TOKEN, BULKLIKE_ACCESS_TOKEN_SECRET (or BULKLIKE_BEARER_TOKEN
for v2), or the config file. You are responsible for following X's developer terms and automation rules."""


def _common(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("configuration and logging")
    g.add_argument("--config", metavar="PATH", help="TOML config file (default ./bulklike.toml when it exists)")
    g.add_argument("--profile", metavar="NAME", help="use [profiles.NAME] from the config file")
    g.add_argument("--journal", metavar="PATH", help="SQLite journal of this run (default ./bulklike.db)")
    _logging(g)


def _logging(g: argparse._ActionsContainer) -> None:
    g.add_argument(
        "--log-level",
        choices=("debug", "info", "warning", "error"),
        help="log level (default warning on a terminal, where the progress line shows the run; info otherwise)",
    )
    g.add_argument(
        "--log-format",
        choices=("console", "json"),
        help="log format on stderr (default console on a terminal, json otherwise)",
    )
    g.add_argument("-q", "--quiet", action="store_true", help="log warnings and errors only")
    g.add_argument("--debug", action="store_true", help="show tracebacks for errors")


def _api(p: argparse.ArgumentParser, *, unlikes: bool = False) -> None:
    g = p.add_argument_group("API and pacing")
    g.add_argument(
        "--api",
        choices=("auto", "v1.1", "v2"),
        help="API version (default auto: v1.1, and v2 from the first 453 on, remembered by the journal)",
    )
    g.add_argument(
        "--base-url",
        metavar="URL",
        help="API root (default https://api.x.com for v1.1 and v2; https://api.twitter.com is accepted too); "
        "plain http only to loopback",
    )
    g.add_argument(
        "--user-id",
        metavar="ID",
        help="the account's numeric id (else from the token store, or asked once: users/me or verify_credentials)",
    )
    g.add_argument("--concurrency", type=int, metavar="N", help="requests in flight at once (default 4)")
    g.add_argument("--timeout", type=float, metavar="SECONDS", help="per-request timeout (default 30)")
    g.add_argument("--max-attempts", type=int, metavar="N", help="tries for transient failures (default 5)")
    g.add_argument(
        "--quota",
        action="append",
        metavar="COUNT/WINDOW",
        help="per-user limit, repeatable, e.g. --quota 50/15m --quota 1000/24h "
        "(default v1.1: 1000/24h; v2: 50/15m and 1000/24h)",
    )
    g.add_argument(
        "--app-quota",
        action="append",
        metavar="COUNT/WINDOW",
        help="per-app limit, repeatable (default v1.1: 1000/24h; v2: none)",
    )
    g.add_argument("--min-interval", type=float, metavar="SECONDS", help="seconds between sends (default 1.0)")
    g.add_argument("--spread", action="store_true", help="space sends evenly at WINDOW/COUNT of the tightest limit")
    g.add_argument(
        "--ledger",
        metavar="PATH",
        help="send ledger shared by all runs (default: the user state directory, e.g. "
        "$XDG_STATE_HOME/bulklike/ledger.sqlite3 on Linux)",
    )
    g.add_argument(
        "--max-unlikes" if unlikes else "--max-likes",
        dest="max_likes",
        type=_positive_int,
        metavar="N",
        help=f"{'unlike' if unlikes else 'like'} at most N tweets in this run, then exit 75",
    )
    g.add_argument("--until", metavar="TIME", help="send nothing after TIME (HH:MM local, or ISO 8601), then exit 75")
    g.add_argument("--force", action="store_true", help="take over a journal made with another account")
    g.add_argument(
        "--offline-timeout",
        type=_duration,
        default=1800.0,
        metavar="DURATION",
        help="while the API cannot be reached the run waits (no attempt spent); after DURATION "
        "(e.g. 90s, 30m, 2h; default 30m) it stops with exit 75, the rest pending",
    )


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _duration(text: str) -> float:
    """``90``, ``90s``, ``30m``, ``2h``: seconds."""
    units = {"s": 1.0, "m": 60.0, "h": 3600.0}
    number, unit = (text[:-1], units[text[-1]]) if text[-1:] in units else (text, 1.0)
    try:
        value = float(number) * unit
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (e.g. 90s, 30m, 2h)") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError("must be a positive duration")
    return value


def _results(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("results")
    g.add_argument(
        "--output", metavar="PATH", help="append results to PATH instead of stdout (each record exactly once)"
    )
    g.add_argument(
        "--format",
        choices=("jsonl", "csv"),
        help="results format (default: by --output's extension, .csv or .jsonl/.ndjson; else jsonl)",
    )
    g.add_argument("--no-progress", action="store_true", help="no live progress line (it shows only on a terminal)")


class _Version(argparse.Action):
    """``--version``: reads the package metadata only when asked (argparse's own wants the string up front)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> None:
        from bulklike import __version__

        sys.stdout.write(f"bulklike {__version__}\n")
        parser.exit()


class Parser(argparse.ArgumentParser):
    """argparse without abbreviations (``--quot`` must not mean ``--quota``) and with a
    "did you mean" for an unknown flag or command."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["allow_abbrev"] = False
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        hint = suggestion(message, self)
        super().error(message + (f"; did you mean {hint}?" if hint else ""))


def _parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _parsers(sub)


def suggestion(message: str, parser: argparse.ArgumentParser) -> str | None:
    """The known flag or command closest to the unknown one in argparse's ``message``, if any is close."""
    if (choice := re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)) is not None:
        known = re.findall(r"'([^']*)'", choice.group(2))
        close = difflib.get_close_matches(choice.group(1), known, n=1)
        return close[0] if close else None
    if (unknown := re.search(r"unrecognized arguments: (.*)", message)) is not None:
        flags = {flag for p in _parsers(parser) for flag in p._option_string_actions}
        for word in unknown.group(1).split():
            if word.startswith("-"):
                close = difflib.get_close_matches(word.split("=", 1)[0], sorted(flags), n=1)
                if close:
                    return str(close[0])
    return None


def emulate_arguments(emulate: argparse.ArgumentParser) -> None:
    """``emulate``'s flags: the emulator's own (imported only now), where to listen, logging."""
    from bulklike.emulator.cli import add_emulator_arguments

    add_emulator_arguments(emulate)
    emulate.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    emulate.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    _logging(emulate.add_argument_group("logging"))


class Command(Parser):
    """A sub-command's parser; ``defer`` adds flags from a module imported only when this command is parsed."""

    _deferred: str | None = None

    def defer(self, ref: str, *, now: bool = False) -> None:
        """``ref`` is ``"module:function"``, a function that adds arguments to this parser."""
        self._deferred = ref
        if now:
            self.add_deferred()

    def add_deferred(self) -> None:
        if self._deferred is not None:
            module, _, name = self._deferred.partition(":")
            self._deferred = None
            getattr(importlib.import_module(module), name)(self)

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        self.add_deferred()
        return super().parse_known_args(args, namespace)

    def format_help(self) -> str:
        self.add_deferred()
        return super().format_help()


def build_parser(*, full: bool = False) -> argparse.ArgumentParser:
    """The whole tree; ``full`` adds deferred flags now (else when their command is parsed)."""
    parser = Parser(
        prog="bulklike",
        description="Like tweets in bulk through the X API: paced within the published limits, journaled, "
        "resumable. Try `bulklike demo` first.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_Version, help="show the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Command)

    run = sub.add_parser(
        "run",
        help="like every tweet ID in the inputs (resumes the journal)",
        description="Like tweets listed in files or on stdin. Re-running with the same "
        "journal resumes; terminal IDs are never sent again.",
        epilog=EPILOG,
    )
    run.add_argument(
        "inputs",
        nargs="*",
        metavar="INPUT",
        help="files (.txt .csv .tsv .jsonl .ndjson, an X archive .zip or its like.js) or - for stdin; "
        "none: stdin when piped, else resume the journal",
    )
    run.add_argument(
        "--input-format",
        choices=("text", "csv", "tsv", "jsonl", "js", "zip"),
        help="override the format (js: an X archive data file such as like.js; zip: the archive)",
    )
    run.add_argument("--column", metavar="NAME", help="CSV/TSV column or JSONL field holding the ID or URL")
    run.add_argument(
        "--archive-kind",
        choices=("likes", "tweets"),
        default="likes",
        help="from an X archive, read likes (like.js, default) or your own posts (tweets.js)",
    )
    run.add_argument(
        "--partial",
        action="store_true",
        help="keep the IDs read from a broken or cut X archive file before the break (else none, exit 2)",
    )
    run.add_argument("--dry-run", action="store_true", help="read and journal the input, print the plan, send nothing")
    run.add_argument("--retry-failed", action="store_true", help="send IDs that ended 'failed' again")
    _api(run)
    _results(run)
    _common(run)
    run.set_defaults(handler="bulklike.cli.run:cmd_run")

    undo = sub.add_parser(
        "undo",
        help="unlike every tweet this journal liked",
        description="Unlike what a run liked, paced and journaled like a run (status 'unliked'); resumable.",
        epilog=EPILOG,
    )
    undo.add_argument("--dry-run", action="store_true", help="list what would be unliked, send nothing")
    undo.add_argument(
        "--include-already", action="store_true", help="also unlike tweets that were already liked before the run"
    )
    _api(undo)
    _results(undo)
    _common(undo)
    undo.set_defaults(handler="bulklike.cli.undo:cmd_undo")

    unlike = sub.add_parser(
        "unlike",
        help="unlike every tweet ID in the inputs (an X archive's likes, a list), with date filters and a keep-list",
        description="Unlike tweets listed in files or on stdin, e.g. every like in your X archive; --before, "
        "--after and --keep leave some alone (status 'skipped'). Paced, journaled and resumed like run.",
        epilog=EPILOG,
    )
    unlike.defer("bulklike.cli.unlike:unlike_arguments", now=full)
    _api(unlike, unlikes=True)
    _results(unlike)
    _common(unlike)
    unlike.set_defaults(handler="bulklike.cli.unlike:cmd_unlike")

    status = sub.add_parser("status", help="counts per status in a journal")
    status.add_argument("--json", action="store_true", help="print JSON instead of text")
    _common(status)
    status.set_defaults(handler="bulklike.cli.status:cmd_status")

    export = sub.add_parser("export", help="every record of a journal, as JSON Lines or CSV")
    export.add_argument("--format", choices=("jsonl", "csv"), default="jsonl", help="output format (default jsonl)")
    export.add_argument("--status", action="append", metavar="S", help="only records with this status (repeatable)")
    _common(export)
    export.set_defaults(handler="bulklike.cli.export:cmd_export")

    accounts = sub.add_parser("accounts", help="list the config's profiles (never secrets)")
    accounts.add_argument("--check", action="store_true", help="verify each against the API and show its name")
    accounts.add_argument("--base-url", metavar="URL", help="API root for --check")
    _common(accounts)
    accounts.set_defaults(handler="bulklike.cli.profiles:cmd_accounts")

    auth = sub.add_parser(
        "auth",
        help="authorize an account (OAuth 1.0a PIN, or OAuth 2.0 with --oauth2) and store its tokens",
        description="Authorize bulklike for an account and save its tokens in the token store "
        "(tokens.json in the config directory, mode 0600); run, undo and accounts use them when the "
        "environment and the config file give none.",
    )
    auth.defer("bulklike.cli.auth:auth_arguments", now=full)
    auth.set_defaults(handler="bulklike.cli.auth:cmd_auth")

    emulate = sub.add_parser("emulate", help="serve the local X API emulator")
    emulate.defer("bulklike.cli.parser:emulate_arguments", now=full)
    emulate.set_defaults(handler="bulklike.cli.emulate:cmd_emulate")

    demo = sub.add_parser("demo", help="run the bundled samples through bulklike against the embedded emulator")
    demo.add_argument("--inputs", nargs="*", metavar="FILE", help="files to like (default: the bundled samples)")
    demo.add_argument("--no-progress", action="store_true", help="no live progress line")
    _common(demo)
    demo.set_defaults(handler="bulklike.cli.demo:cmd_demo")

    completion = sub.add_parser(
        "completion",
        help="print a shell completion script (bash, zsh or fish)",
        description="Print a completion script for SHELL on stdout; see the README for where to put it.",
    )
    completion.add_argument("shell", choices=("bash", "zsh", "fish"), help="the shell to complete in")
    completion.set_defaults(handler="bulklike.cli.completion:cmd_completion")
    return parser
