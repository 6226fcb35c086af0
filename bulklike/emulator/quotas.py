"""Quota enforcement per user and per app, and the peak load seen in any rolling window.

Enforcement is per API version (v1.1 and v2 have separate allowances, as on X), rolling or fixed.
The peaks (``max_in_window``) are measured apart from enforcement, always over rolling windows, so a
test can check a client against the strictest reading of a limit whatever the enforcement mode.
A rolling window of length W at time ``now`` holds the requests at times ``now - W < s <= now``.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Any

from bulklike.emulator.config import Api, EmulatorConfig
from bulklike.pacing.limits import Limit

APIS: tuple[Api, ...] = ("v1.1", "v2")


@dataclass(frozen=True, slots=True)
class LimitState:
    """One limit as the answer reports it: ``reset`` is epoch seconds when room comes back."""

    limit: Limit
    remaining: int
    reset: float

    @property
    def reset_header(self) -> str:
        return str(math.ceil(self.reset))


@dataclass(frozen=True, slots=True)
class Verdict:
    admitted: bool
    user: tuple[LimitState, ...] = ()
    app: tuple[LimitState, ...] = ()


class _Window:
    """Requests counted toward one limit of one user or app."""

    __slots__ = ("limit", "times", "bucket", "count")

    def __init__(self, limit: Limit) -> None:
        self.limit = limit
        self.times: deque[float] = deque()
        self.bucket = -1
        self.count = 0

    def state(self, now: float, fixed: bool) -> LimitState:
        w = self.limit.window_s
        if fixed:
            bucket = math.floor(now / w)
            if bucket != self.bucket:
                self.bucket, self.count = bucket, 0
            return LimitState(self.limit, self.limit.count - self.count, (bucket + 1) * w)
        times = self.times
        while times and times[0] <= now - w:
            times.popleft()
        reset = times[0] + w if times else now + w
        return LimitState(self.limit, self.limit.count - len(times), reset)

    def add(self, now: float, fixed: bool) -> None:
        if fixed:
            self.count += 1
        else:
            self.times.append(now)


class _Peak:
    """The most requests any one key had in a rolling window of one length."""

    __slots__ = ("window_s", "times", "max")

    def __init__(self, window_s: float) -> None:
        self.window_s = window_s
        self.times: dict[str, deque[float]] = {}
        self.max = 0

    def add(self, key: str, now: float) -> None:
        times = self.times.setdefault(key, deque())
        horizon = now - self.window_s
        while times and times[0] <= horizon:
            times.popleft()
        times.append(now)
        self.max = max(self.max, len(times))


class QuotaBook:
    """Decides whether a like/unlike request fits every limit of its user and app, then counts it."""

    __slots__ = ("_fixed", "_limits", "_windows", "_peaks", "_configured")

    def __init__(self, config: EmulatorConfig) -> None:
        self._fixed = config.window == "fixed"
        self._limits = {api: config.limits_for(api) for api in APIS}
        self._windows: dict[tuple[str, str, str, Limit], _Window] = {}
        #: (api, scope, limit) for every limit in force, users first, short windows first
        self._configured = [
            (api, scope, limit)
            for api in APIS
            for scope, limits in zip(("user", "app"), self._limits[api], strict=True)
            for limit in sorted(set(limits), key=lambda lim: (lim.window_s, lim.count))
        ]
        self._peaks: dict[tuple[str, str], list[_Peak]] = {}
        for api, scope, limit in self._configured:
            peaks = self._peaks.setdefault((api, scope), [])
            if all(p.window_s != limit.window_s for p in peaks):
                peaks.append(_Peak(limit.window_s))

    def _windows_for(self, api: str, scope: str, key: str, limits: tuple[Limit, ...]) -> list[_Window]:
        windows = []
        for limit in limits:
            slot = (api, scope, key, limit)
            window = self._windows.get(slot)
            if window is None:
                window = self._windows[slot] = _Window(limit)
            windows.append(window)
        return windows

    def admit(self, api: Api, user_key: str, app_key: str, now: float) -> Verdict:
        """Count the request if every limit has room; otherwise refuse it and count nothing."""
        user_limits, app_limits = self._limits[api]
        if not user_limits and not app_limits:
            return Verdict(True)
        fixed = self._fixed
        user_windows = self._windows_for(api, "user", user_key, user_limits)
        app_windows = self._windows_for(api, "app", app_key, app_limits)
        user = tuple(w.state(now, fixed) for w in user_windows)
        app = tuple(w.state(now, fixed) for w in app_windows)
        if any(s.remaining <= 0 for s in (*user, *app)):
            return Verdict(False, user, app)
        for window in (*user_windows, *app_windows):
            window.add(now, fixed)
        for peak in self._peaks.get((api, "user"), ()):
            peak.add(user_key, now)
        for peak in self._peaks.get((api, "app"), ()):
            peak.add(app_key, now)
        # the reset times stay as they were: an empty rolling window already reported now + W
        return Verdict(
            True,
            tuple(LimitState(s.limit, s.remaining - 1, s.reset) for s in user),
            tuple(LimitState(s.limit, s.remaining - 1, s.reset) for s in app),
        )

    def max_in_window(self) -> list[dict[str, Any]]:
        """For every limit in force, the most requests one user (or app) had in any such window."""
        return [
            {
                "api": api,
                "scope": scope,
                "limit": limit.count,
                "window_s": limit.window_s,
                "max": next(p.max for p in self._peaks[(api, scope)] if p.window_s == limit.window_s),
            }
            for api, scope, limit in self._configured
        ]
