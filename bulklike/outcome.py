"""What an answer came to, in words every network shares: the engine decides on these, never on a raw answer.

``Kind`` is what the run does next (done, permanent, retry, wait for the window, stop), ``Outcome`` one
answer's meaning (with the journal status and, for a network whose likes are records, the record ``key``),
``Problem`` an answer about the whole account rather than one tweet, and ``Reply`` what one send got back:
the outcome and whether the request left at all. A network (``x.network`` for X) classifies its own answers
into these; ``engine.network.Network`` is the protocol the engine sends through.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["Kind", "Outcome", "Problem", "Reply", "may_have_landed"]


class Kind(enum.Enum):
    DONE = "done"  # terminal success (liked, already liked, unliked)
    PERMANENT = "permanent"  # terminal, never retried (not found, forbidden)
    RETRYABLE = "retryable"  # transient: retry with backoff, spends an attempt
    RATE_LIMITED = "rate_limited"  # wait for the window; never spends an attempt
    FATAL = "fatal"  # about the account, not the tweet: stop the whole run (the ID stays pending)


class Problem(enum.Enum):
    """Why the account (not the tweet) was refused. Named after X's answers, the first network's; a
    network with other refusals adds its own or carries only ``advice``."""

    NO_V1_ACCESS = "no_v1_access"  # X's 453: switch to v2 (--api auto) or stop
    NOT_ENROLLED = "not_enrolled"  # v2 client-forbidden (client-not-enrolled, official-client-forbidden)
    READ_ONLY_APP = "read_only_app"  # v2 oauth1-permissions: the app is Read only
    APP_ONLY_TOKEN = "app_only_token"  # v2 unsupported-authentication: an app-only bearer token
    CREDITS = "credits"  # 402, or a problem type about credits or payment
    USAGE_CAPPED = "usage_capped"  # 429 usage-capped, monthly (or no period): not a window to wait out
    DAILY_CAP = "daily_cap"  # a daily cap: the engine stops with USAGE_CAP, and tomorrow's run resumes
    REPEATED_UNKNOWN = "repeated_unknown"  # the breaker: one unknown refusal on many tweets


@dataclass(frozen=True, slots=True)
class Outcome:
    """What an answer means. ``status`` is the journal status when the outcome is terminal."""

    kind: Kind
    status: str
    http_status: int | None
    error_code: int | None = None
    message: str | None = None
    #: for an account-wide answer: which problem, and the line that says what to do
    problem: Problem | None = None
    advice: str | None = None
    #: classified by HTTP status alone (no code or problem type we know): the breaker watches these
    unknown: bool = False
    #: the record a network made for this like (AT Protocol: the like record's key), journaled so that
    #: an unlike can name it; None where a like is addressed by the tweet alone (X)
    key: str | None = None

    @property
    def terminal(self) -> bool:
        return self.kind in (Kind.DONE, Kind.PERMANENT)


@dataclass(frozen=True, slots=True)
class Reply:
    """What one send got back. ``reached``: the request left (False: no connection was ever made, so it
    counted toward no limit: the slot is given back and the outage gate waits); ``answered``: an answer
    came (False: it left and then nothing, a timeout or a reset, so it may have landed); ``headers``: the
    answer's rate-limit hints for the pacer (empty for a network without them)."""

    outcome: Outcome
    reached: bool = True
    answered: bool = True
    headers: Mapping[str, str] = field(default_factory=dict)


def may_have_landed(outcome: Outcome) -> bool:
    """The request may have been applied though its answer says nothing: no answer after it left
    (a timeout, a reset; the caller has already set aside connections never made), a 5xx, a
    cut-short success or 403. Such a send counts toward ``--max-likes``, and the ``already_liked``
    its retry gets is this run's own like. A 4xx we do not know (``unknown``) was refused."""
    return outcome.kind is Kind.RETRYABLE and not outcome.unknown
