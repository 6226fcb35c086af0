"""What the emulator saw: counters a test or a benchmark reads after a run.

Served as JSON at ``GET /_emulator/stats``, returned by ``RunningEmulator.stats()`` and written
by ``--stats-file`` at shutdown; all three are the same ``Stats.snapshot()``.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from bulklike.emulator.config import FAULT_KINDS
from bulklike.emulator.likes import LikeBook
from bulklike.emulator.quotas import QuotaBook


class _UserStats:
    __slots__ = ("requests", "likes", "unlikes", "rate_limited")

    def __init__(self) -> None:
        self.requests = self.likes = self.unlikes = self.rate_limited = 0


class Stats:
    """Plain counters bumped by the handlers; ``snapshot()`` adds the figures derived from state."""

    __slots__ = (
        "requests",
        "likes",
        "unlikes",
        "already_liked",
        "rate_limited",
        "auth_failures",
        "not_found",
        "forbidden",
        "faults",
        "by_status",
        "by_route",
        "billed",
        "account_refusals",
        "users",
        "code_exchanges",
        "refreshes",
        "refused_refresh_tokens",
        "expired_token_requests",
        "_likes",
        "_quotas",
    )

    def __init__(self, likes: LikeBook, quotas: QuotaBook) -> None:
        self.requests = 0  # every API request (not /_emulator)
        self.likes = 0  # new likes applied
        self.unlikes = 0  # likes removed
        self.already_liked = 0  # v1.1 139 answers and v2 likes of a tweet already liked
        self.rate_limited = 0  # 429 answers
        self.auth_failures = 0
        self.not_found = 0  # missing tweets (v1.1 144, v2 invalid-request)
        self.forbidden = 0  # protected or blocked (179, 136)
        self.faults: Counter[str] = Counter()
        self.by_status: Counter[int] = Counter()
        self.by_route: Counter[str] = Counter()  # "POST /1.1/favorites/create.json" -> requests
        self.billed = 0  # like/unlike requests admitted past the quota (credits and caps count these)
        #: account-wide refusals: no_v1_access (453), not_enrolled, credits_depleted (402),
        #: usage_capped (429), unknown_403 (code 999)
        self.account_refusals: Counter[str] = Counter()
        self.users: dict[str, _UserStats] = {}
        self.code_exchanges = 0  # OAuth 2.0 authorization codes exchanged for tokens
        self.refreshes = 0  # refresh tokens exchanged (each one once)
        self.refused_refresh_tokens = 0  # used, revoked or unknown refresh tokens presented
        self.expired_token_requests = 0  # bearer requests made with an expired access token (401)
        self._likes = likes
        self._quotas = quotas

    def user(self, user_id: str) -> _UserStats:
        found = self.users.get(user_id)
        if found is None:
            found = self.users[user_id] = _UserStats()
        return found

    def snapshot(self) -> dict[str, Any]:
        """A JSON-ready copy; later requests do not change it."""
        return {
            "requests": self.requests,
            "likes": self.likes,
            "unlikes": self.unlikes,
            "liked_now": self._likes.liked_now,
            "already_liked": self.already_liked,
            "rate_limited": self.rate_limited,
            "auth_failures": self.auth_failures,
            "not_found": self.not_found,
            "forbidden": self.forbidden,
            "faults": {kind: self.faults[kind] for kind in FAULT_KINDS},
            "by_status": {str(status): n for status, n in sorted(self.by_status.items())},
            "by_route": dict(sorted(self.by_route.items())),
            "billed": self.billed,
            "account_refusals": dict(sorted(self.account_refusals.items())),
            "max_in_window": self._quotas.max_in_window(),
            "code_exchanges": self.code_exchanges,
            "refreshes": self.refreshes,
            "refused_refresh_tokens": self.refused_refresh_tokens,
            "expired_token_requests": self.expired_token_requests,
            "users": {
                user_id: {
                    "requests": u.requests,
                    "likes": u.likes,
                    "unlikes": u.unlikes,
                    "rate_limited": u.rate_limited,
                    "liked_now": self._likes.liked_by(user_id),
                }
                for user_id, u in sorted(self.users.items())
            },
        }


def write_stats(path: Path, snapshot: dict[str, Any]) -> None:
    """Write the snapshot whole or not at all: a reader never sees half a file."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(snapshot, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    tmp.replace(path)
