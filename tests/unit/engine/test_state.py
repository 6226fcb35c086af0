"""The call's one stop state: the weightier reason wins, among equals the first; listeners hear every stop."""

from __future__ import annotations

from bulklike.engine.state import RunState
from bulklike.errors import AuthExpired
from bulklike.report import StopReason


def reason(state: RunState) -> StopReason | None:
    """Read afresh each time (mypy would keep the first comparison's narrowing)."""
    return state.reason


def test_the_first_reason_stays_among_equals() -> None:
    state = RunState()
    assert not state.stopped
    state.stop(StopReason.MAX_LIKES)
    state.stop(StopReason.UNTIL)
    assert reason(state) is StopReason.MAX_LIKES


def test_a_weightier_reason_wins_whatever_came_first() -> None:
    state = RunState()
    state.stop(StopReason.OUTAGE, "the API could not be reached for 30 min")
    state.stop(StopReason.STOPPED)
    assert reason(state) is StopReason.STOPPED


def test_a_fatal_answer_outweighs_a_signal_and_a_refused_account_everything() -> None:
    state = RunState()
    state.stop(StopReason.FATAL_ANSWER, "the API said: no")
    state.stop(StopReason.STOPPED)
    assert reason(state) is StopReason.FATAL_ANSWER and state.message == "the API said: no"
    error = AuthExpired("run bulklike auth again")
    state.stop(StopReason.AUTHORIZATION, str(error), error=error)
    assert reason(state) is StopReason.AUTHORIZATION and state.error is error


def test_every_stop_is_heard() -> None:
    heard: list[StopReason] = []
    state = RunState(heard.append)
    state.stop(StopReason.FATAL_ANSWER)
    state.stop(StopReason.STOPPED)
    assert heard == [StopReason.FATAL_ANSWER, StopReason.STOPPED]


def test_limits_resume_later_problems_do_not() -> None:
    later = {reason for reason in StopReason if reason.resumable_later}
    assert later == {StopReason.MAX_LIKES, StopReason.UNTIL, StopReason.OUTAGE, StopReason.USAGE_CAP}
