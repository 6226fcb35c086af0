"""Who likes what: the emulator's only mutable world state, in memory, per instance."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable


class LikeBook:
    """Likes by user, and how many emulated users like each tweet (for ``favorite_count``)."""

    __slots__ = ("_by_user", "_likers", "liked_now")

    def __init__(self) -> None:
        self._by_user: defaultdict[str, set[str]] = defaultdict(set)
        self._likers: defaultdict[str, int] = defaultdict(int)
        self.liked_now = 0

    def preload(self, user_id: str, tweet_ids: Iterable[str]) -> None:
        """Likes the user made before the emulator started (not counted as likes it served)."""
        for tweet_id in tweet_ids:
            self.like(user_id, str(int(tweet_id)))

    def like(self, user_id: str, tweet_id: str) -> bool:
        """Add a like; ``False`` if the user already liked the tweet."""
        liked = self._by_user[user_id]
        if tweet_id in liked:
            return False
        liked.add(tweet_id)
        self._likers[tweet_id] += 1
        self.liked_now += 1
        return True

    def unlike(self, user_id: str, tweet_id: str) -> bool:
        """Remove a like; ``False`` if there was none."""
        liked = self._by_user.get(user_id)
        if liked is None or tweet_id not in liked:
            return False
        liked.discard(tweet_id)
        self._likers[tweet_id] -= 1
        if not self._likers[tweet_id]:
            del self._likers[tweet_id]
        self.liked_now -= 1
        return True

    def has_liked(self, user_id: str, tweet_id: str) -> bool:
        liked = self._by_user.get(user_id)
        return liked is not None and tweet_id in liked

    def likers(self, tweet_id: str) -> int:
        return self._likers.get(tweet_id, 0)

    def liked_set(self, user_id: str) -> frozenset[str]:
        """What the user likes now (tests compare it with what a run should have left)."""
        return frozenset(self._by_user.get(user_id, ()))

    def liked_by(self, user_id: str) -> int:
        liked = self._by_user.get(user_id)
        return 0 if liked is None else len(liked)
