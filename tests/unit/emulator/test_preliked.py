"""The emulator's likes from before it started (``--liked``, ``--liked-count``), and unlike answers as X's."""

from __future__ import annotations

import argparse

from bulklike.emulator.cli import add_emulator_arguments, config_from_args
from bulklike.emulator.config import generated_likes
from bulklike.input.filters import parse_date
from bulklike.snowflake import created_at
from tests.helpers.emulator import Start

OLD = "1050118621198921728"


async def test_preliked_tweets_unlike_once_and_then_answer_144(start: Start) -> None:
    caller = await start(liked=frozenset({OLD}))
    assert caller.emu.stats()["liked_now"] == 1 and caller.emu.stats()["likes"] == 0  # not served likes
    first = await caller.v1_unlike(OLD)
    again = await caller.v1_unlike(OLD)
    never = await caller.v1_unlike("1050118621198921729")
    assert first.status == 200 and first.json()["favorited"] is False
    assert again.status == never.status == 404
    assert again.json()["errors"][0]["code"] == never.json()["errors"][0]["code"] == 144  # v1.1 cannot tell
    assert caller.emu.stats()["unlikes"] == 1


async def test_v2_unlike_answers_liked_false_whether_or_not_there_was_a_like(start: Start) -> None:
    caller = await start(liked=frozenset({OLD}))
    answers = [await caller.v2_unlike(OLD), await caller.v2_unlike(OLD), await caller.v2_unlike("1050118621198921729")]
    assert [(a.status, a.json()) for a in answers] == [(200, {"data": {"liked": False}})] * 3
    assert caller.emu.stats()["unlikes"] == 1


async def test_a_deleted_tweet_takes_its_like_with_it(start: Start) -> None:
    caller = await start(liked=frozenset({OLD}), missing_rate=1.0)
    answer = await caller.v1_unlike(OLD)
    assert answer.status == 404 and answer.json()["errors"][0]["code"] == 144
    assert caller.emu.stats()["unlikes"] == 0


def test_generated_likes_are_old_distinct_snowflakes() -> None:
    ids = generated_likes(500, seed=1)
    times = [created_at(t) for t in ids]
    assert len(set(ids)) == 500 and times == sorted(times)  # type: ignore[type-var]
    assert parse_date("2012-01-01", "x") <= (times[0] or 0) and (times[-1] or 0) < parse_date("2021-01-01", "x")
    parser = argparse.ArgumentParser()
    add_emulator_arguments(parser)
    assert config_from_args(parser.parse_args(["--liked-count", "7"]), env={}).liked_count == 7
