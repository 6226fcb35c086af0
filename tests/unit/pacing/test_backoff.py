"""The retry and back-off rules: tenacity's waits and stops, asked by attempt number."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bulklike.pacing.backoff import bare_429_backoff, retry_backoff


@given(attempt=st.integers(1, 4), initial=st.floats(0.1, 5), jitter=st.floats(0, 2))
def test_a_retry_waits_exponentially_with_bounded_jitter(attempt: int, initial: float, jitter: float) -> None:
    rule = retry_backoff(max_attempts=5, initial_s=initial, max_wait_s=60.0, jitter_s=jitter)
    wait = rule.after(attempt)
    assert wait is not None
    base = min(initial * 2 ** (attempt - 1), 60.0)
    assert base <= wait <= min(base + jitter, 60.0) + 1e-9


def test_the_waits_are_capped_and_the_attempts_run_out() -> None:
    rule = retry_backoff(max_attempts=3, initial_s=50.0, max_wait_s=60.0, jitter_s=0.0)
    assert [rule.after(n) for n in (1, 2, 3, 4)] == [50.0, 60.0, None, None]  # 3 attempts: two waits


@pytest.mark.parametrize("max_s", [3600.0, 10.0])
def test_a_bare_429_doubles_its_pause_up_to_the_cap(max_s: float) -> None:
    rule = bare_429_backoff(first_s=2.0, max_s=max_s)
    waits = [rule.wait(n) for n in range(1, 16)]
    assert waits == [min(2.0 * 2**i, max_s) for i in range(15)]
    assert rule.after(10_000) == max_s  # never a stop, and no overflow however long it goes on
