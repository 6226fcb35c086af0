"""The outage arithmetic (``pacing.outage.OutageState``): pure, every call given ``now``."""

from __future__ import annotations

from bulklike.pacing.outage import MAX_PROBE_S, OutageState


def test_no_outage_everyone_sends() -> None:
    state = OutageState(timeout_s=60.0)
    assert state.decide(0.0) == ("send", 0.0)
    assert state.reached(0.0) is None


def test_one_probe_at_a_time_at_a_growing_interval_up_to_a_minute() -> None:
    state = OutageState(timeout_s=3600.0)
    assert state.unreachable(100.0, probe=False)  # starts the outage
    assert state.decide(100.5) == (None, 101.0)  # everyone waits for the first probe
    assert state.unreachable(100.7, probe=False) is False  # a send that left earlier: schedule unchanged
    assert state.decide(101.0) == ("probe", 0.0)
    assert state.decide(101.0)[0] is None  # only one probe out at a time
    gaps = []
    now = 101.0
    for _ in range(10):
        state.unreachable(now, probe=True)
        gaps.append(state.next_probe - now)
        now = state.next_probe
        assert state.decide(now) == ("probe", 0.0)
    assert gaps == [2.0, 4.0, 8.0, 16.0, 32.0, MAX_PROBE_S, MAX_PROBE_S, MAX_PROBE_S, MAX_PROBE_S, MAX_PROBE_S]
    assert state.reached(now) == now - 100.0
    assert state.decide(now) == ("send", 0.0)


def test_outage_longer_than_the_timeout_says_stop() -> None:
    state = OutageState(timeout_s=30.0)
    state.unreachable(0.0, probe=False)
    assert state.decide(10.0)[0] == "probe"
    state.unreachable(10.0, probe=True)
    go, until = state.decide(11.0)
    assert go is None and until == 12.0
    assert state.decide(30.0) == ("stop", 0.0)


def test_a_probe_that_never_reports_back_is_given_up() -> None:
    state = OutageState(timeout_s=3600.0)
    state.unreachable(0.0, probe=False)
    assert state.decide(1.0) == ("probe", 0.0)  # its worker is then stopped: no unreachable(), no reached()
    assert state.decide(1.0 + MAX_PROBE_S - 0.5)[0] is None
    assert state.decide(1.0 + MAX_PROBE_S) == ("probe", 0.0)


def test_how_long_never_says_zero_minutes() -> None:
    from bulklike.pacing.outage import how_long

    assert how_long(20.4) == "20 s"
    assert how_long(119) == "119 s"
    assert how_long(1800) == "30 min"
    assert how_long(9000) == "2 h 30 min"


def test_an_api_that_never_answered_is_given_up_within_never_s() -> None:
    """A loopback API that never answered this run is a wrong port: said within a minute, not after 30."""
    state = OutageState(timeout_s=1800.0, never_s=60.0)
    state.unreachable(0.0, probe=False)
    assert state.decide(59.0)[0] != "stop"
    assert state.decide(60.0) == ("stop", 0.0)


def test_after_a_first_answer_an_outage_still_waits_the_whole_timeout() -> None:
    state = OutageState(timeout_s=1800.0, never_s=60.0)
    state.reached(0.0)  # the API answered once: a later silence is an outage
    state.unreachable(10.0, probe=False)
    assert state.decide(10.0 + 600.0)[0] != "stop"
    assert state.decide(10.0 + 1800.0) == ("stop", 0.0)
