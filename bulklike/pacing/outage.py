"""An outage is a wait, not a failure: while the API cannot be reached, nobody sends.

A request whose connection was never established (refused, DNS failure, no route, connect
timeout) never left the machine: it costs no attempt and gives its quota slot back. The first
such failure starts an outage; every worker then waits at ``gate()``. One at a time, at a growing
interval (``FIRST_PROBE_S`` doubling up to ``MAX_PROBE_S``), one worker is let through as the
probe: its real request is the probe, so the first answer ends the outage for everyone. After
``timeout_s`` (``--offline-timeout``) without an answer the gate says stop: the run ends with
exit 75 and the rest pending.

``OutageState`` is the pure arithmetic (every method takes ``now``); ``Outage`` adds the waiting
with an injectable clock and sleep.

Not tenacity (``pacing.backoff``), on purpose: this is one gate shared by every worker, not a call
retried by its caller. The probe is whichever worker's real request comes next, the schedule moves
only on the probe's result (not on each worker's), and a send that failed before the outage began
must not move it; a tenacity retry loop per worker would multiply the probes by the concurrency.
"""

from __future__ import annotations

import asyncio
import enum
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

FIRST_PROBE_S = 1.0
MAX_PROBE_S = 60.0
NEVER_S = 60.0
"""How long a run on a loopback API that has never answered waits before it says so (a wrong port)."""
#: how often waiting workers look again (the outage may end, the run may stop)
_POLL_S = 1.0

Pass = Literal["send", "probe", "stop"]


def how_long(seconds: float) -> str:
    """A span for the stop line: seconds under two minutes ("for 0 min" said nothing), then
    minutes, then hours and minutes."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 120 else f"{minutes // 60} h {minutes % 60} min"


def unreachable_line(offline_s: float) -> str:
    """What a run stopped by ``--offline-timeout`` says."""
    return f"the API could not be reached for {how_long(offline_s)} (--offline-timeout)"


class OutageEvent(enum.Enum):
    """What ``Outage.on_change`` is told, with a time: see ``Outage.__init__``."""

    STARTED = "started"  # the first unreachable send; at: the next probe
    WAITING = "waiting"  # a probe found it still unreachable; at: the next probe
    REACHED = "reached"  # an answer came; at: how long the outage lasted (seconds)
    STOP = "stop"  # it outlasted --offline-timeout; at: when it began


@dataclass(slots=True)
class OutageState:
    """When the outage began, when the next probe may leave, and whether one is out."""

    timeout_s: float
    first_s: float = FIRST_PROBE_S
    max_s: float = MAX_PROBE_S
    since: float | None = None
    interval: float = 0.0
    next_probe: float = 0.0
    probing: bool = False
    never_s: float | None = None  # the timeout while no request has got through yet (None: timeout_s)
    ever_reached: bool = False

    def decide(self, now: float) -> tuple[Pass | None, float]:
        """``(pass, 0)`` to go now, or ``(None, until)``: wait and ask again then."""
        if self.since is None:
            return "send", 0.0
        limit = self.limit
        if now - self.since >= limit:
            return "stop", 0.0
        # a probe that never reports back (its worker was stopped, or its ID moved to another API)
        # is given up after another MAX_PROBE_S, so one lost probe cannot hold the run to the timeout
        if now >= self.next_probe and (not self.probing or now >= self.next_probe + self.max_s):
            self.probing = True
            return "probe", 0.0
        wake = self.next_probe if not self.probing else now + _POLL_S
        return None, min(wake, self.since + limit)

    @property
    def limit(self) -> float:
        """How long this outage may last: ``never_s`` (when set) until a first answer, then ``timeout_s``."""
        if self.never_s is None or self.ever_reached:
            return self.timeout_s
        return min(self.timeout_s, self.never_s)

    def unreachable(self, now: float, *, probe: bool) -> bool:
        """A request found the API unreachable; True when this starts an outage."""
        if self.since is None:
            self.since, self.interval, self.next_probe, self.probing = now, self.first_s, now + self.first_s, False
            return True
        if probe:  # a request that left before the outage began does not move the schedule
            self.interval = min(self.max_s, self.interval * 2)
            self.next_probe = now + self.interval
            self.probing = False
        return False

    def reached(self, now: float) -> float | None:
        """A request got through: the outage (if any) is over; returns how long it lasted."""
        self.ever_reached = True
        if self.since is None:
            return None
        lasted = now - self.since
        self.since, self.probing = None, False
        return lasted


class Outage:
    """The shared gate every worker passes before a send."""

    def __init__(
        self,
        *,
        timeout_s: float,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        on_change: Callable[[OutageEvent, float], None] | None = None,
        first_s: float = FIRST_PROBE_S,
        max_s: float = MAX_PROBE_S,
        never_s: float | None = None,
    ) -> None:
        self.state = OutageState(timeout_s, first_s, max_s, never_s=never_s)
        self.clock = clock
        self.sleep = sleep
        self.on_change = on_change
        self.offline_s = 0.0  # total time spent waiting for the API

    @property
    def active(self) -> bool:
        return self.state.since is not None

    async def gate(self) -> Pass:
        """Wait while the API is unreachable; ``"probe"`` when this send is the probe, ``"stop"``
        once the outage has outlasted the timeout."""
        while True:
            now = self.clock()
            go, until = self.state.decide(now)
            if go is not None:
                if go == "stop" and self.on_change is not None:
                    self.on_change(OutageEvent.STOP, self.state.since or now)
                return go
            nap = max(0.0, min(until - now, _POLL_S))
            await self.sleep(nap)

    def stop_message(self, waited_s: float) -> str:
        """Why the run stops: a loopback API that never answered is a wrong address, not an outage."""
        taken = how_long(waited_s)
        if not self.state.ever_reached and self.state.never_s is not None:
            return f"the API never answered this run ({taken}): is --base-url right?"
        return unreachable_line(waited_s)

    def unreachable(self, *, probe: bool) -> None:
        now = self.clock()
        started = self.state.unreachable(now, probe=probe)
        if (started or probe) and self.on_change is not None:
            self.on_change(OutageEvent.STARTED if started else OutageEvent.WAITING, self.state.next_probe)

    def reached(self) -> None:
        if self.state.since is None:  # the hot path: an attribute test or two
            if not self.state.ever_reached:
                self.state.ever_reached = True
            return
        lasted = self.state.reached(self.clock())
        if lasted is not None:
            self.offline_s += lasted
            if self.on_change is not None:
                self.on_change(OutageEvent.REACHED, lasted)
