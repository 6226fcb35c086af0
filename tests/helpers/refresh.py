"""One way to build a ``TokenRefresher`` for the tests: tokens A0/R0 of a test app, the given token endpoint
and clock, and the store callbacks a test cares about."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bulklike.credentials import Secret
from bulklike.x.refresh import Post, TokenRefresher, Tokens
from tests.helpers.clock import FakeClock


def make_refresher(
    post: Post,
    clock: FakeClock,
    *,
    lifetime: float = 100,
    save: Callable[[Secret, Secret, float | None, float], None] | None = None,
    load: Callable[[], Tokens | None] | None = None,
) -> TokenRefresher:
    """A refresher whose access token A0 expires ``lifetime`` seconds from the clock's now."""

    def ignore(*args: Any) -> None:
        return None

    return TokenRefresher(
        access_token=Secret("A0"),
        refresh_token=Secret("R0"),
        expires_at=clock.now + lifetime,
        lifetime=lifetime,
        client_id="cid",
        client_secret=Secret(""),
        token_url="http://127.0.0.1:9/2/oauth2/token",
        save=save or ignore,
        again="run `bulklike auth --oauth2` again",
        post=post,
        clock=clock,
        load=load,
    )
