"""Every retry and back-off rule of the run, as tenacity's own wait and stop objects.

The design names tenacity for retries and back-off; it is used plainly here: its rules
(``wait_exponential_jitter``, ``wait_exponential``, ``stop_after_attempt``) decide how long to wait
and when to give up, and the loops that wait stay plain ``while`` loops around an injectable
``sleep``. A plain loop keeps the common case (one attempt, no retry) free of tenacity's per-call
set-up, and lets a caller wait on its own fake clock; ``Backoff.after(n)`` is the rule's answer
after attempt ``n``, computed by tenacity from a ``RetryCallState`` as ``AsyncRetrying`` would.

Two waits are not retry loops and so are not here: the outage gate (``pacing.outage``) is one
gate shared by every worker, whose probe is somebody's real request, not a call to repeat; the
token refresher's hold-off (``x.refresh.RETRY_AFTER_S``) is one fixed pause before a proactive
refresh is tried again, while the request that needs the token goes on with the one it has.
"""

from __future__ import annotations

from tenacity import RetryCallState, Retrying, stop_after_attempt, stop_never, wait_exponential, wait_exponential_jitter
from tenacity.stop import stop_base
from tenacity.wait import wait_base


class Backoff:
    """A wait rule and a stop rule, asked after each failed attempt (numbered from 1)."""

    __slots__ = ("_rules",)

    def __init__(self, wait: wait_base, stop: stop_base = stop_never) -> None:
        self._rules = Retrying(wait=wait, stop=stop)

    def after(self, attempt_number: int) -> float | None:
        """The pause before attempt ``attempt_number + 1``, or None when the stop rule says no more."""
        state = self._state(attempt_number)
        return None if self._rules.stop(state) else float(self._rules.wait(state))

    def wait(self, attempt_number: int) -> float:
        """The wait rule alone, for a caller that decides itself when to give up."""
        return float(self._rules.wait(self._state(attempt_number)))

    def _state(self, attempt_number: int) -> RetryCallState:
        state = RetryCallState(self._rules, None, (), {})
        state.attempt_number = attempt_number
        return state


def retry_backoff(*, max_attempts: int, initial_s: float, max_wait_s: float, jitter_s: float) -> Backoff:
    """Transient answers: ``initial_s`` doubling up to ``max_wait_s``, plus up to ``jitter_s`` of
    jitter so workers that failed together do not retry together; ``max_attempts`` in all."""
    wait = wait_exponential_jitter(multiplier=initial_s, max=max_wait_s, jitter=jitter_s)
    return Backoff(wait, stop_after_attempt(max_attempts))


def bare_429_backoff(*, first_s: float, max_s: float) -> Backoff:
    """A 429 that names no reset: ``first_s`` after the first episode, doubling with each one after
    it, at most ``max_s``; never a stop here (the pacer gives up by episodes and hours)."""
    return Backoff(wait_exponential(multiplier=first_s, exp_base=2, max=max_s))
