"""Accounts, flags, the stats endpoint and file, and serving for the CLI."""

from __future__ import annotations

import argparse
import asyncio
import io
import json
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest

import bulklike.emulator
from bulklike.emulator import DEMO_ACCOUNT, AccountsError, EmulatorConfig, load_accounts, run_emulator
from bulklike.emulator.accounts import AccountBook, accounts_from_env
from bulklike.emulator.cli import add_emulator_arguments, config_from_args
from bulklike.emulator.server import serve_forever
from bulklike.errors import ConfigError
from bulklike.pacing.limits import Limit
from tests.helpers.emulator import Start
from tests.helpers.waiting import until

EXAMPLE = Path(bulklike.emulator.__file__).parent / "accounts.example.toml"
STATS_KEYS = {
    "requests",
    "likes",
    "unlikes",
    "liked_now",
    "already_liked",
    "rate_limited",
    "auth_failures",
    "faults",
    "by_status",
    "max_in_window",
    "users",
}


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_emulator_arguments(parser, listen=True)
    return parser.parse_args(argv)


def test_example_accounts_file_loads() -> None:
    with EXAMPLE.open("rb") as fp:
        accounts = load_accounts(fp)
    assert [a.screen_name for a in accounts] == ["alice", "bob", "carol"]
    assert accounts[0].app_key == accounts[1].app_key != accounts[2].app_key
    assert accounts[1].revoked and not accounts[2].has_oauth1 and accounts[2].bearer_token


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"apps = 3", "at least one [[apps]]"),
        (b"[[apps]]\nconsumer_key='k'\nconsumer_secret='s'\n", "at least one [[apps.users]]"),
        (
            b"[[apps]]\nconsumer_key='k'\nconsumer_secret='s'\n[[apps.users]]\nuser_id='1'\nscreen_name='a'\n",
            "access token or a bearer token",
        ),
        (
            b"[[apps]]\nconsumer_key='k'\n[[apps.users]]\nuser_id='1'\nscreen_name='a'\nbearer_token='b'\n",
            "consumer_secret is missing",
        ),
        (b"not toml [", "not valid TOML"),
    ],
)
def test_bad_accounts_files_say_what_is_wrong(text: bytes, message: str) -> None:
    with pytest.raises(AccountsError, match=message.replace("[", r"\[")):
        load_accounts(io.BytesIO(text))


def test_accounts_from_env() -> None:
    env = {
        "BULKLIKE_CONSUMER_KEY": "ck",
        "BULKLIKE_CONSUMER_SECRET": "cs",
        "BULKLIKE_ACCESS_TOKEN": "12345-abc",
        "BULKLIKE_ACCESS_TOKEN_SECRET": "ts",
    }
    (account,) = accounts_from_env(env)
    assert account.user_id == "12345" and account.has_oauth1
    assert accounts_from_env({}) == ()
    (bearer_only,) = accounts_from_env({"BULKLIKE_BEARER_TOKEN": "tok"})
    assert bearer_only.user_id.isdigit() and not bearer_only.has_oauth1
    with pytest.raises(AccountsError, match="BULKLIKE_ACCESS_TOKEN_SECRET"):
        accounts_from_env({k: v for k, v in env.items() if k != "BULKLIKE_ACCESS_TOKEN_SECRET"})


def test_flags_build_the_config(tmp_path: Path) -> None:
    args = parse(
        "--quota",
        "50/15m",
        "--quota",
        "1000/24h",
        "--app-quota",
        "300/3h",
        "--window",
        "fixed",
        "--v1-429",
        "code88",
        "--missing-rate",
        "0.1",
        "--fault-rate",
        "0.2",
        "--fault-kinds",
        "reset,stall",
        "--stall-s",
        "1",
        "--latency-ms",
        "5",
        "--seed",
        "9",
        "--accounts",
        str(EXAMPLE),
        "--stats-file",
        str(tmp_path / "s.json"),
        "--port",
        "0",
    )
    config = config_from_args(args, env={})
    assert config.user_limits == (Limit(50, 900.0), Limit(1000, 86400.0))
    assert config.app_limits == (Limit(300, 10800.0),)
    assert (config.window, config.v1_429, config.seed, config.fault_kinds) == ("fixed", "code88", 9, ("reset", "stall"))
    assert len(config.accounts) == 3 and args.port == 0 and args.host == "127.0.0.1"
    defaults = config_from_args(parse("--no-quota"), env={})
    assert defaults.accounts == (DEMO_ACCOUNT,) and not defaults.quotas and defaults.limits_for("v2") == ((), ())


@pytest.mark.parametrize(
    "argv",
    [
        ["--quota", "fifty"],
        ["--fault-rate", "2"],
        ["--fault-kinds", "meteor"],
        ["--no-quota", "--quota", "1/1s"],
        ["--window", "sliding"],
        ["--access-level", "platinum"],
        ["--client-forbidden-reason", "because"],
        ["--usage-cap-period", "Weekly"],
        ["--credits", "-1"],
        ["--usage-cap", "many"],
    ],
)
def test_bad_flags_are_usage_errors(argv: list[str]) -> None:
    with pytest.raises(SystemExit):
        parse(*argv)


def test_todays_api_flags() -> None:
    config = config_from_args(
        parse("--access-level", "basic", "--credits", "3", "--usage-cap", "4", "--account-403-after", "5"), env={}
    )
    assert (config.access_level, config.credits, config.usage_cap, config.account_403_after) == ("basic", 3, 4, 5)
    assert config.limits_for("v2") == ((Limit(200, 86400.0),), ())  # Basic's published v2 like limit
    assert config.limits_for("v1.1") == ((Limit(1000, 86400.0),), (Limit(1000, 86400.0),))
    default = config_from_args(parse(), env={})
    assert default.access_level == "enterprise" and default.credits is None and default.usage_cap is None
    assert default.limits_for("v2") == ((Limit(50, 900.0), Limit(1000, 86400.0)), ())


def test_unusable_accounts_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read accounts file"):
        config_from_args(parse("--accounts", str(tmp_path / "missing.toml")), env={})
    with pytest.raises(ConfigError, match="incomplete"):
        config_from_args(parse(), env={"BULKLIKE_CONSUMER_KEY": "x"})
    with pytest.raises(ConfigError, match="add up to more than 1"):
        config_from_args(parse("--missing-rate", "0.6", "--blocked-rate", "0.6"), env={})


def test_config_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="fault kinds"):
        EmulatorConfig(fault_kinds=("meteor",))
    with pytest.raises(ValueError, match="at least one account"):
        EmulatorConfig(accounts=())
    assert "secret" not in repr(EmulatorConfig())


async def test_stats_endpoint_matches_the_in_process_snapshot(start: Start) -> None:
    caller = await start(user_limits=(Limit(1, 60.0),))
    await caller.v1_like("1")
    await caller.v1_like("2")
    await caller.request("GET", "/nowhere")
    async with caller.session.get(caller.emu.base_url + "/_emulator/stats") as resp:
        served = await resp.json()
    assert served == caller.emu.stats()
    assert STATS_KEYS <= set(served)
    assert served["requests"] == 3  # the stats request itself is not counted
    assert served["by_status"] == {"200": 1, "404": 1, "429": 1}
    assert served["users"][DEMO_ACCOUNT.user_id] == {
        "requests": 2,
        "likes": 1,
        "unlikes": 0,
        "rate_limited": 1,
        "liked_now": 1,
    }


async def test_stats_file_is_written_at_shutdown(tmp_path: Path) -> None:
    path = tmp_path / "stats.json"
    async with run_emulator(EmulatorConfig(stats_file=path)) as emu:
        async with aiohttp.ClientSession() as session, session.get(emu.base_url + "/x") as resp:
            assert resp.status == 404
        assert not path.exists()
    written = json.loads(path.read_text())
    assert written["requests"] == 1 and written["by_status"] == {"404": 1}


async def test_serve_forever_prints_demo_credentials_and_stops_on_cancel(tmp_path: Path) -> None:
    out = io.StringIO()
    path = tmp_path / "stats.json"
    task = asyncio.create_task(serve_forever(EmulatorConfig(stats_file=path), "127.0.0.1", 0, out=out))
    await until(lambda: bool(out.getvalue()), within=30)  # the banner, however long the start takes
    banner = out.getvalue()
    assert "http://127.0.0.1:" in banner and DEMO_ACCOUNT.consumer_secret in banner
    base_url = banner.split("listening on ", 1)[1].split()[0]
    async with aiohttp.ClientSession() as session, session.get(base_url + "/_emulator/stats") as resp:
        assert resp.status == 200
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert json.loads(path.read_text())["requests"] == 0


def test_account_book_tolerates_copied_bearer_tokens_but_not_shared_access_tokens() -> None:
    second = replace(DEMO_ACCOUNT, user_id="2", access_token="2-other")
    book = AccountBook([DEMO_ACCOUNT, second])
    assert book.bearers[DEMO_ACCOUNT.bearer_token] is DEMO_ACCOUNT  # the first listed keeps it
    assert book.tokens[(second.consumer_key, "2-other")] is second
    with pytest.raises(AccountsError, match="already used"):
        AccountBook([DEMO_ACCOUNT, replace(DEMO_ACCOUNT, user_id="3")])
    with pytest.raises(AccountsError, match="two secrets"):
        AccountBook([DEMO_ACCOUNT, replace(second, consumer_secret="other")])


def test_the_2026_flags() -> None:
    argv = ["--access-level", "self-serve", "--client-forbidden-reason", "official-client-forbidden"]
    argv += ["--read-only-app", "--app-only-bearer", "--usage-cap", "2", "--usage-cap-period", "Daily"]
    config = config_from_args(parse(*argv), env={})
    assert (config.access_level, config.client_forbidden_reason) == ("self-serve", "official-client-forbidden")
    assert config.read_only_app and config.app_only_bearer and config.usage_cap_period == "Daily"
    default = config_from_args(parse(), env={})
    assert not default.read_only_app and not default.app_only_bearer
    assert (default.client_forbidden_reason, default.usage_cap_period) == ("client-not-enrolled", "Monthly")
