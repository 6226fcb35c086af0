"""The breaker for answers nobody has seen yet: one tweet's trouble, or the whole account's?

The API grows new codes. An unknown 403 (or another unexplained 4xx) on one tweet, with
successes around it, is that tweet's answer. The same one on ``threshold`` different tweets in a
row with no success between is about the account: recording it per tweet would write the whole
list off. So the runner *holds back* the record of every unexplained answer here until the
breaker decides: a success releases them as they were (per tweet after all), the threshold trips
the breaker (the run stops and they stay ``pending``), and the end of a run that was not stopped
releases them too. Pure: no clock, no I/O; the held items are whatever the caller records. Network-neutral:
it reads only an ``Outcome``'s ``unknown`` mark, HTTP status, code and message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Generic, TypeVar

from bulklike.outcome import Outcome

#: different tweets with the same unexplained answer, no success between, before the run stops
BREAKER_THRESHOLD: Final = 5

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Trip:
    """The breaker opened: ``tweets`` different tweets got the answer named by ``key``."""

    http_status: int | None
    key: str
    message: str | None
    tweets: int


def breaker_key(outcome: Outcome) -> str:
    """What makes two unexplained answers "the same": the code, else the message."""
    if outcome.error_code is not None:
        return f"code {outcome.error_code}"
    return ""


class Breaker(Generic[T]):
    """Counts unexplained answers per key since the last success and holds their records."""

    __slots__ = ("threshold", "_held", "_tweets", "tripped")

    def __init__(self, threshold: int = BREAKER_THRESHOLD) -> None:
        if threshold < 1:
            raise ValueError("the breaker threshold must be at least 1")
        self.threshold = threshold
        self._held: list[T] = []
        self._tweets: dict[tuple[int | None, str, str | None], set[str]] = {}
        self.tripped: Trip | None = None

    @staticmethod
    def watches(outcome: Outcome) -> bool:
        """Unexplained 4xx answers only: the rest mean something known for one tweet or the run."""
        return outcome.unknown and outcome.http_status is not None and 400 <= outcome.http_status < 500

    def suspect(self, tweet_id: str, outcome: Outcome, item: T) -> Trip | None:
        """Hold ``item`` (the record of ``outcome`` for ``tweet_id``); a ``Trip`` when the threshold is met."""
        self._held.append(item)
        key = (outcome.http_status, breaker_key(outcome), None if outcome.error_code is not None else outcome.message)
        tweets = self._tweets.setdefault(key, set())
        tweets.add(tweet_id)
        if self.tripped is None and len(tweets) >= self.threshold:
            self.tripped = Trip(outcome.http_status, key[1], outcome.message, len(tweets))
        return self.tripped

    def success(self) -> list[T]:
        """A request succeeded: the held answers were about their tweets; hand them back to record."""
        if self.tripped is not None:
            return []
        self._tweets.clear()
        held, self._held = self._held, []
        return held

    def take_held(self) -> list[T]:
        """Everything held, to record as the caller decides (``pending`` after a stop or a trip)."""
        held, self._held = self._held, []
        self._tweets.clear()
        return held


def repeated_unknown_line(http_status: int | None, key: str, said: str | None, tweets: int) -> str:
    """The stop line of the breaker: one unexplained refusal on ``tweets`` different tweets in a row."""
    what = ": ".join(part for part in (key, said) if part) or "no message"
    if http_status == 404:  # "page does not exist" on every tweet: the URL, or IDs mangled on the way
        cause, check = "the URL or the IDs", "check --base-url, and that the IDs kept all their digits"
    else:
        cause, check = "the account or the app", "check the account and the app in the developer portal"
    return (
        f"the API answered HTTP {http_status} ({what}) on {tweets} different tweets in a row with no "
        f"success between: that is about {cause}, not the tweets, so they stay pending — {check}, then resume"
    )
