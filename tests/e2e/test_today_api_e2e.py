"""Today's API end to end: access levels, ``--api auto``, billing, usage caps and the breaker.

A real subprocess against the emulator on a real socket, with a real journal. For every
account-wide answer: exit 3, the one line that says what to do, every unsent ID ``pending``,
nothing ``forbidden``/``failed`` written, and only about ``concurrency`` requests sent before the
stop. The bodies the emulator answers with are the ones in ``tests/data/error_bodies.json``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from bulklike.emulator import DEMO_ACCOUNT
from tests.helpers.workspace import CliResult, EmulatorFactory, Workspace, ids

V1_LIKE = "POST /1.1/favorites/create.json"
V2_LIKE = "POST /2/users/{id}/likes"
V2_ME = "GET /2/users/me"
CONCURRENCY = 4


def _route(stats: dict[str, Any], route: str) -> int:
    return int(stats["by_route"].get(route, 0))


def _assert_account_stop(result: CliResult, workspace: Workspace, *, liked: int, total: int) -> None:
    """Exit 3, one error line, the rest pending, nothing terminal for the refused IDs."""
    assert result.code == 3, result.stderr
    assert "Traceback" not in result.stderr
    statuses = workspace.statuses()
    assert statuses.get("liked", 0) == liked
    assert statuses.get("pending", 0) == total - liked
    assert set(statuses) <= {"liked", "pending"}, statuses  # never forbidden, failed or not_found
    assert all(r["status"] == "liked" for r in result.results), result.results


@pytest.mark.slow
async def test_453_with_api_v1_stops_and_says_use_v2(workspace: Workspace, emulator: EmulatorFactory) -> None:
    path = workspace.write("ids.txt", "\n".join(ids(30)) + "\n")
    async with emulator(access_level="basic") as emu:
        result = await workspace.cli("run", str(path), *workspace.base_args(emu), "--api", "v1.1")
        stats = emu.stats()
    _assert_account_stop(result, workspace, liked=0, total=30)
    assert "code 453" in result.stderr and "--api v2" in result.stderr
    assert _route(stats, V1_LIKE) <= CONCURRENCY and _route(stats, V2_LIKE) == 0


@pytest.mark.slow
async def test_auto_switches_to_v2_likes_everything_and_resumes_on_v2(
    workspace: Workspace, emulator: EmulatorFactory
) -> None:
    first_ids, more_ids = ids(30), ids(6, start=2_000_000)
    first_file = workspace.write("a.txt", "\n".join(first_ids))
    more_file = workspace.write("b.txt", "\n".join(more_ids))
    async with emulator(access_level="pro") as emu:
        first = await workspace.cli("run", str(first_file), *workspace.base_args(emu))
        after_first = emu.stats()
        second = await workspace.cli("run", str(more_file), *workspace.base_args(emu))
        after_second = emu.stats()
        plan = await workspace.cli("run", *workspace.base_args(emu), "--dry-run")
    assert first.code == 0, first.stderr
    assert "api_switch" in first.stderr
    # every ID liked over v2, once; the 453s were neither recorded nor counted as attempts
    assert sorted(r["tweet_id"] for r in first.results) == sorted(first_ids)
    assert all(r["status"] == "liked" and r["attempts"] == 1 for r in first.results)
    assert set(workspace.rows().values()) == {("liked", 1, 200, None)}  # no trace of a 403/453
    assert 1 <= _route(after_first, V1_LIKE) <= CONCURRENCY  # the in-flight ones at the switch
    # and one more: the account lookup (verify_credentials) before the first like answers 453 too
    assert after_first["account_refusals"] == {"no_v1_access": _route(after_first, V1_LIKE) + 1}
    assert _route(after_first, V2_LIKE) == 30 and _route(after_first, V2_ME) == 1
    assert after_first["likes"] == 30
    # the journal remembers: the next run starts on v2 and sends nothing to v1.1
    assert second.code == 0, second.stderr
    assert "api_switch" not in second.stderr
    assert _route(after_second, V1_LIKE) == _route(after_first, V1_LIKE)
    assert _route(after_second, V2_LIKE) == 36 and _route(after_second, V2_ME) == 1  # the id was kept
    assert workspace.statuses() == {"liked": 36}
    assert plan.code == 0 and "api:      v2\n" in plan.stderr  # the plan shows where a resume goes


@pytest.mark.slow
async def test_dry_run_plan_shows_the_api(workspace: Workspace, emulator: EmulatorFactory) -> None:
    path = workspace.write("ids.txt", "\n".join(ids(3)) + "\n")
    async with emulator() as emu:
        auto = await workspace.cli("run", str(path), *workspace.base_args(emu), "--dry-run")
        v2 = await workspace.cli("run", str(path), *workspace.base_args(emu), "--dry-run", "--api", "v2")
        stats = emu.stats()
    assert auto.code == 0 and v2.code == 0
    assert "api:      v1.1 (auto: moves to v2 at the first 453)" in auto.stderr
    assert "api:      v2" in v2.stderr
    assert stats["requests"] == 0


@pytest.mark.slow
async def test_free_level_switches_then_stops_not_enrolled(workspace: Workspace, emulator: EmulatorFactory) -> None:
    path = workspace.write("ids.txt", "\n".join(ids(30)) + "\n")
    async with emulator(access_level="free") as emu:
        result = await workspace.cli("run", str(path), *workspace.base_args(emu))
        stats = emu.stats()
    _assert_account_stop(result, workspace, liked=0, total=30)
    assert "Appropriate Level of API Access" in result.stderr
    assert "https://developer.x.com/en/portal/product" in result.stderr
    assert "client-not-enrolled" in result.stderr
    assert _route(stats, V1_LIKE) <= CONCURRENCY and _route(stats, V2_LIKE) <= CONCURRENCY
    assert stats["account_refusals"]["not_enrolled"] == _route(stats, V2_LIKE)


@pytest.mark.slow
async def test_out_of_credits_stops_and_resumes_after_credits(workspace: Workspace, emulator: EmulatorFactory) -> None:
    path = workspace.write("ids.txt", "\n".join(ids(30)) + "\n")
    async with emulator(credits=10) as emu:
        result = await workspace.cli("run", str(path), *workspace.base_args(emu), "--concurrency", "1")
        stats = emu.stats()
    _assert_account_stop(result, workspace, liked=10, total=30)
    assert "HTTP 402" in result.stderr and "CreditsDepleted" in result.stderr
    assert "add credits" in result.stderr and "then resume" in result.stderr
    assert stats["by_status"].get("402") == 1  # stopped at the first one: not retried as if flaky
    async with emulator() as emu:  # credits added: the resume likes the rest
        resumed = await workspace.cli("run", *workspace.base_args(emu))
    assert resumed.code == 0, resumed.stderr
    assert workspace.statuses() == {"liked": 30}


async def test_usage_cap_stops_at_once_with_period_and_scope(workspace: Workspace, emulator: EmulatorFactory) -> None:
    path = workspace.write("ids.txt", "\n".join(ids(30)) + "\n")
    async with emulator(usage_cap=5) as emu:
        result = await workspace.cli("run", str(path), *workspace.base_args(emu), "--api", "v2")
        stats = emu.stats()
    _assert_account_stop(result, workspace, liked=5, total=30)
    assert "monthly product usage cap" in result.stderr
    assert "not a rate-limit window" in result.stderr
    assert "rate_limited" not in result.stderr and "0 s spent waiting" in result.stderr  # no window waited out
    assert stats["account_refusals"]["usage_capped"] <= CONCURRENCY
    assert _route(stats, V2_LIKE) <= 5 + CONCURRENCY


async def test_unknown_403_on_every_tweet_trips_the_breaker(workspace: Workspace, emulator: EmulatorFactory) -> None:
    path = workspace.write("ids.txt", "\n".join(ids(40)) + "\n")
    output = workspace.path / "results.jsonl"
    async with emulator(account_403_after=6) as emu:
        result = await workspace.cli(
            "run", str(path), *workspace.base_args(emu), "--concurrency", "2", "--output", str(output)
        )
        stats = emu.stats()
    result.results = [json.loads(line) for line in output.read_text().splitlines()]
    _assert_account_stop(result, workspace, liked=6, total=40)
    assert "5 different tweets in a row" in result.stderr and "(code 999: This account cannot" in result.stderr
    assert stats["account_refusals"]["unknown_403"] <= 5 + 2  # the threshold, plus what was in flight
    assert '"forbidden"' not in output.read_text()


@pytest.mark.slow
async def test_undo_under_auto_switches_to_v2_too(workspace: Workspace, emulator: EmulatorFactory) -> None:
    path = workspace.write("ids.txt", "\n".join(ids(8)) + "\n")
    async with emulator() as emu:  # Enterprise: liked over v1.1
        liked = await workspace.cli("run", str(path), *workspace.base_args(emu))
    async with emulator(access_level="basic") as emu:  # the app lost its v1.1 access since
        undone = await workspace.cli("undo", *workspace.base_args(emu))
        stats = emu.stats()
    assert liked.code == 0 and undone.code == 0, undone.stderr
    assert sorted(r["tweet_id"] for r in undone.results) == ids(8)
    assert all(r["status"] == "unliked" and r["attempts"] == 1 for r in undone.results)
    assert _route(stats, "POST /1.1/favorites/destroy.json") <= CONCURRENCY
    assert _route(stats, "DELETE /2/users/{id}/likes/{tweet_id}") == 8
    assert workspace.statuses() == {"unliked": 8}


async def test_a_wrong_base_url_does_not_write_the_list_off_as_not_found(
    workspace: Workspace, emulator: EmulatorFactory
) -> None:
    path = workspace.write("ids.txt", "\n".join(ids(30)) + "\n")
    async with emulator() as emu:  # every path under the wrong prefix answers 404 code 34
        wrong = f"{emu.base_url}/wrong"  # with --user-id, no account lookup comes first to notice it
        args = [*workspace.base_args(emu), "--base-url", wrong, "--api", "v1.1", "--user-id", DEMO_ACCOUNT.user_id]
        result = await workspace.cli("run", str(path), *args)
        stats = emu.stats()
    _assert_account_stop(result, workspace, liked=0, total=30)
    assert "(code 34: Sorry, that page does not exist.)" in result.stderr and "check --base-url" in result.stderr
    assert stats["by_status"] == {"404": stats["requests"]} and stats["requests"] <= 5 + CONCURRENCY
