"""No credential ever leaves its variable: full sessions with distinctive secrets, then every byte
the tool wrote (stdout, stderr, results, journals and ledgers with their WAL files, lock files) is
searched for the secrets and for any 16-character piece of them.

Sessions: ``auth`` (both flows), runs on the stored tokens through refreshes and a logout (the
tokens are searched for everywhere but the token store); a debug-level JSON run, a run through
faults and retries with console logs, a dry run, a fatal stop (wrong token secret, with --debug
tracebacks), status, export, undo, accounts with --check, v2 with OAuth 1.0a and with a bearer
token, a config file holding credentials (0644 warns, 0600 does not), and a run killed with SIGKILL
(its WAL files read raw) then resumed.
"""

from __future__ import annotations

import asyncio
import json
import os
import pickle
import random
import signal
import string
import traceback
from pathlib import Path

import pytest

from bulklike.config import build_settings
from bulklike.emulator import Account
from bulklike.errors import ConfigError
from bulklike.x.client import XClient
from bulklike.x.signing import BearerSigner, OAuth1Signer
from tests.helpers.authflow import OAUTH2_ONLY, auth_oauth2, auth_pin, store_path
from tests.helpers.workspace import CliResult, EmulatorFactory, Workspace, ids

pytestmark = pytest.mark.timeout(90)
_rng = random.Random("bulklike-secrets")
_ALNUM = string.ascii_letters + string.digits


def _random(n: int) -> str:
    return "".join(_rng.choices(_ALNUM, k=n))


USER_ID = "1733333333333333337"
ACCOUNT = Account(
    user_id=USER_ID,
    screen_name="holder_of_secrets",
    consumer_key=f"CK{_random(30)}",
    consumer_secret=f"CS{_random(46)}",
    access_token=f"{USER_ID}-AT{_random(36)}",
    access_token_secret=f"TS{_random(43)}",
    bearer_token=f"BT{_random(60)}",
)
SECRETS = {
    "consumer_key": ACCOUNT.consumer_key,
    "consumer_secret": ACCOUNT.consumer_secret,
    "access_token": ACCOUNT.access_token,
    "access_token_secret": ACCOUNT.access_token_secret,
    "bearer_token": ACCOUNT.bearer_token,
}
ENV = {f"BULKLIKE_{k.upper()}": v for k, v in SECRETS.items() if k != "bearer_token"}
NO_ENV = {f"BULKLIKE_{k.upper()}": "" for k in SECRETS}
ENV_CK, ENV_CS = "BULKLIKE_CONSUMER_KEY", "BULKLIKE_CONSUMER_SECRET"
#: what an Authorization header would show if it were ever logged
HEADER_MARKS = ("Authorization", "oauth_signature", "oauth_consumer_key", "OAuth oauth", "Bearer ")


def pieces(secret: str) -> list[str]:
    """Every 16-character window of the secret's random part (the user-id prefix of a token is public)."""
    random_part = secret.split("-", 1)[-1]
    return [random_part[i : i + 16] for i in range(len(random_part) - 15)]


def leaks(data: bytes | str) -> list[str]:
    text = data if isinstance(data, str) else data.decode("latin-1")
    return [name for name, secret in SECRETS.items() if any(p in text for p in pieces(secret))]


def config_text(base_url: str) -> str:
    return (
        f'[profiles.main]\nconsumer_key = "{ACCOUNT.consumer_key}"\nconsumer_secret = "{ACCOUNT.consumer_secret}"\n'
        f'access_token = "{ACCOUNT.access_token}"\naccess_token_secret = "{ACCOUNT.access_token_secret}"\n'
        f'base_url = "{base_url}"\n'
    )


async def _killed_and_resumed(ws: Workspace, emulator: EmulatorFactory, seen: dict[str, bytes]) -> list[CliResult]:
    path = ws.write("kill.txt", "\n".join(ids(30, start=3_000_000)) + "\n")
    journal = ws.path / "killed.db"
    async with emulator(accounts=(ACCOUNT,), latency_ms=100) as emu:
        args = ["run", str(path), *ws.base_args(emu), "--journal", str(journal), "--log-level", "debug"]
        proc = await ws.start(*args)
        assert proc.stdout is not None
        await asyncio.wait_for(proc.stdout.readline(), 20)
        proc.send_signal(signal.SIGKILL)
        out, err = await proc.communicate()
        for file in ws.path.rglob("*"):  # the WAL files as the kill left them, before a resume merges them
            if file.is_file() and file.suffix != ".toml":
                seen[f"killed:{file}"] = file.read_bytes()
        assert Path(f"{journal}-wal").exists()
        resumed = await ws.cli("run", *ws.base_args(emu), "--journal", str(journal), "--log-level", "debug")
    assert resumed.code == 0, resumed.stderr
    return [CliResult(-9, out.decode(), err.decode()), resumed]


@pytest.mark.slow
async def test_no_secret_in_any_output_or_file(workspace: Workspace, emulator: EmulatorFactory) -> None:
    ws = Workspace(workspace.path, {**workspace.env, **ENV})
    path = ws.write("ids.txt", "\n".join(ids(12)) + "\n")
    results: list[CliResult] = []
    seen: dict[str, bytes] = {}
    async with emulator(accounts=(ACCOUNT,), missing_rate=0.2, seed=4) as emu:
        base = ws.base_args(emu)
        debug = [*base, "--log-level", "debug", "--debug"]
        at = {name: ["--journal", str(ws.path / f"{name}.db")] for name in ("dry", "fatal", "v2", "bearer")}
        results += await asyncio.gather(
            ws.cli("run", str(path), *debug, "--output", str(ws.path / "results.jsonl")),
            ws.cli("run", str(path), *debug, *at["dry"], "--dry-run"),
            ws.cli("run", str(path), *debug, *at["fatal"], env={"BULKLIKE_ACCESS_TOKEN_SECRET": "TSwrong" + "x" * 30}),
            ws.cli("run", str(path), *debug, *at["v2"], "--api", "v2"),
            ws.cli(
                "run",
                str(path),
                *debug,
                *at["bearer"],
                "--api",
                "v2",
                env={**NO_ENV, "BULKLIKE_BEARER_TOKEN": ACCOUNT.bearer_token},
            ),
            ws.cli("accounts", "--check", "--base-url", emu.base_url, "--log-level", "debug"),
        )
        assert [r.code for r in results] == [0, 0, 3, 0, 0, 0], [r.stderr for r in results]
        assert "Could not authenticate you" in results[2].stderr and "Traceback" in results[2].stderr
        assert "@holder_of_secrets" in results[5].stdout
        config = ws.write("bulklike.toml", config_text(emu.base_url))
        config.chmod(0o644)
        loose = await ws.cli("accounts", "--check", "--config", str(config), env=NO_ENV)
        config.chmod(0o600)
        tight = await ws.cli(
            "run",
            str(path),
            "--config",
            str(config),
            "--profile",
            "main",
            *base[2:],
            "--journal",
            str(ws.path / "profile.db"),
            env=NO_ENV,
        )
        results += [loose, tight]
        assert "can be read by other users" in loose.stderr and loose.code == 0
        assert "can be read by other users" not in tight.stderr and tight.code == 0, tight.stderr
        results += await asyncio.gather(
            ws.cli("status", "--journal", str(ws.journal)),
            ws.cli("status", "--json", "--journal", str(ws.journal)),
            ws.cli("export", "--journal", str(ws.journal)),
            ws.cli("export", "--format", "csv", "--journal", str(ws.journal)),
            ws.cli("undo", *debug, "--log-format", "console"),
        )
        assert [r.code for r in results[-5:]] == [0, 0, 0, 0, 0], [r.stderr for r in results[-5:]]
    async with emulator(accounts=(ACCOUNT,), fault_rate=0.4, stall_s=2.0, seed=9) as emu:
        faulty = await ws.cli(
            "run",
            str(path),
            *ws.base_args(emu),
            "--journal",
            str(ws.path / "faults.db"),
            "--log-level",
            "debug",
            "--log-format",
            "console",
            "--timeout",
            "0.5",
            "--max-attempts",
            "3",
            "--output",
            str(ws.path / "faults.jsonl"),
        )
        assert sum(emu.stats()["faults"].values()) > 0
    assert faulty.code in (0, 1) and "retry" in faulty.stderr, faulty.stderr
    results.append(faulty)
    results += await _killed_and_resumed(ws, emulator, seen)

    for result in results:
        assert leaks(result.stdout) == [] and leaks(result.stderr) == [], (result.stdout, result.stderr)
        assert not [m for m in HEADER_MARKS if m in result.stdout + result.stderr], result.stderr
    for file in ws.path.rglob("*"):
        if file.is_file() and file.suffix != ".toml":  # the config file holds them on purpose
            seen[str(file)] = file.read_bytes()
    assert any(name.endswith("-wal") for name in seen)  # the killed run's WAL files were read raw
    assert len([n for n in seen if n.endswith((".db", ".sqlite3"))]) >= 8
    assert {name: leaks(data) for name, data in seen.items() if leaks(data)} == {}
    assert not [n for n in seen if leaks(n)]  # nor in a file name


@pytest.mark.slow
async def test_no_token_from_auth_in_any_output_or_file(workspace: Workspace, emulator: EmulatorFactory) -> None:
    """Both ``auth`` flows, runs on their stored tokens through several refreshes, ``accounts``, a logout:
    the tokens are in the token store (on purpose) and nowhere else."""
    app_only = {
        **NO_ENV,
        "BULKLIKE_CONSUMER_KEY": ACCOUNT.consumer_key,
        "BULKLIKE_CONSUMER_SECRET": ACCOUNT.consumer_secret,
    }
    ws = Workspace(workspace.path, {**workspace.env, **app_only})
    path = ws.write("ids.txt", "\n".join(ids(10)) + "\n")
    debug = ["--log-level", "debug", "--debug"]
    async with emulator(accounts=(ACCOUNT,), token_ttl=2.0) as emu:
        pin, _ = await auth_pin(ws, emu, *debug, env=app_only)
        oauth2, _ = await auth_oauth2(ws, emu, "--profile", "o2", *debug, env={**app_only, **OAUTH2_ONLY})
        assert pin.code == 0 and oauth2.code == 0, (pin.stderr, oauth2.stderr)
        at = ["--journal", str(ws.path / "o2.db")]
        runs = [
            await ws.cli("run", str(path), *ws.base_args(emu), *debug, env=app_only),
            await ws.cli(
                "run",
                str(path),
                *ws.base_args(emu),
                *debug,
                *at,
                "--profile",
                "o2",
                "--min-interval",
                "0.3",
                env=OAUTH2_ONLY,
            ),
            await ws.cli("accounts", "--check", "--base-url", emu.base_url, env={**OAUTH2_ONLY, **app_only}),
        ]
        store = store_path(ws).read_bytes()
        runs.append(await ws.cli("auth", "--logout", "--profile", "o2", "--base-url", emu.base_url, env=OAUTH2_ONLY))
        stats, issued = emu.stats(), emu.emulator.flows.issued()
    assert [r.code for r in runs] == [0, 0, 0, 0], [r.stderr for r in runs]
    assert stats["refreshes"] >= 1 and len(issued) >= 4
    tokens = {**SECRETS, **{f"issued{i}": token for i, token in enumerate(issued)}}

    def leaked(data: bytes | str) -> list[str]:
        text = data if isinstance(data, str) else data.decode("latin-1")
        return [name for name, secret in tokens.items() if any(p in text for p in pieces(secret))]

    assert leaked(store)  # the store does hold them: the search would find a leak
    for result in (pin, oauth2, *runs):
        assert leaked(result.stdout + result.stderr) == [], result.stderr
        assert not [m for m in HEADER_MARKS if m in result.stdout + result.stderr], result.stderr
    files = {str(f): f.read_bytes() for f in ws.path.rglob("*") if f.is_file() and "tokens.json" not in f.name}
    assert any(name.endswith(".db") for name in files)
    assert {name: leaked(data) for name, data in files.items() if leaked(data)} == {}


def test_objects_and_exceptions_never_show_a_secret() -> None:
    env = {**ENV, "BULKLIKE_BEARER_TOKEN": ACCOUNT.bearer_token}
    settings = build_settings({"base_url": "http://127.0.0.1:9"}, env, {})
    creds = settings.credentials
    signer, bearer = OAuth1Signer(creds), BearerSigner(creds.bearer_token)
    client = XClient(base_url=settings.base_url, api="v1.1", signer=signer)
    shown = [
        repr(settings),
        str(settings),
        repr(creds),
        f"{creds}",
        repr(signer),
        repr(bearer),
        repr(client),
        json.dumps({"c": str(creds.consumer_secret)}),
        f"{creds.access_token_secret}",
    ]
    assert leaks("\n".join(shown)) == []
    for obj in (creds.consumer_secret, signer, bearer):
        with pytest.raises(TypeError) as caught:
            pickle.dumps(obj)
        assert leaks(str(caught.value)) == []
    with pytest.raises(ConfigError) as bad_url:
        build_settings({"base_url": "http://example.com"}, env, {})
    assert leaks(str(bad_url.value)) == []
    try:  # a traceback that shows every local variable, as a crash reporter would
        _fail_with(settings, signer, client)
    except RuntimeError as exc:  # from the frame that holds them (this test's own frame holds raw strings)
        assert exc.__traceback__ is not None
        frames = exc.__traceback__.tb_next
        report = "".join(traceback.TracebackException(type(exc), exc, frames, capture_locals=True).format())
    assert "settings" in report and "signer" in report
    assert leaks(report) == []
    assert os.environ.get("BULKLIKE_CONSUMER_SECRET") != ACCOUNT.consumer_secret


def _fail_with(settings: object, signer: object, client: object) -> None:
    raise RuntimeError(f"failed with {settings} {signer} {client}")
