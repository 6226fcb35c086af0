"""``--max-likes`` units: a send that may have landed spends one; that ID's retries spend no more."""

from __future__ import annotations

from bulklike.pacing.budget import Budget


async def test_a_lost_answer_spends_the_unit_and_its_retry_rides_on_it() -> None:
    budget = Budget(2)
    assert await budget.take("1")
    await budget.give_back("1", used=True)  # answer lost: may have landed
    assert await budget.take("1")  # the retry takes nothing more
    await budget.give_back("1", used=True)  # already_liked: this run's own like
    assert budget.done == 1 and budget.in_flight == 0
    assert await budget.take("2")
    await budget.give_back("2", used=True)
    assert not await budget.take("3")  # two units, two tweets that may be liked
    assert await budget.take("2")  # an ID holding a unit may still be retried


async def test_a_refused_send_gives_its_unit_back() -> None:
    budget = Budget(1)
    assert await budget.take("1")
    await budget.give_back("1", used=False)
    assert budget.done == 0
    assert await budget.take("2")
