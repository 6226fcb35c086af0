"""``--api auto``: which API a run starts on, and the one move from v1.1 to v2.

Today only Enterprise apps may like over v1.1; every other access level gets 403 code 453. The
same OAuth 1.0a credentials work on v2, so ``auto`` starts on v1.1 (the seed's API) and, at the
first 453, moves the whole run to v2: the client's endpoints, v2's default limits (unless the
user set limits), the user's numeric id from ``GET /2/users/me``. The journal remembers the move
(meta ``api`` = ``v2``), so a resumed run starts on v2 and never sends to v1.1 again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from bulklike.config import Settings
from bulklike.logs import SILENT, Logger
from bulklike.pacing.pacer import Pacer
from bulklike.store.journal import Journal

if TYPE_CHECKING:  # the client imports aiohttp: a dry run never loads it
    from bulklike.x.client import XClient

#: journal meta key: the API this journal's run moved to (only ever ``v2``)
META_API = "api"


def starting_settings(settings: Settings, journal: Journal) -> Settings:
    """``auto`` starts where the journal's last run ended: on v2 once it has moved there."""
    if settings.auto and journal.get_meta(META_API) == "v2":
        return settings.as_v2()
    return settings


class SwitchToV2:
    """Moves one run's client and pacer to v2; the runner calls ``to_v2`` once."""

    def __init__(
        self,
        settings: Settings,
        client: XClient,
        pacer: Pacer,
        journal: Journal,
        resolve_user_id: Callable[[XClient, Journal, Settings], Awaitable[None]],
        *,
        log: Logger | None = None,
    ) -> None:
        self.settings = settings.as_v2()
        self.client = client
        self.pacer = pacer
        self.journal = journal
        self.resolve_user_id = resolve_user_id
        self.log = log if log is not None else SILENT  # the engine logs only where it is told to

    async def to_v2(self) -> None:
        """Raises ``FatalApiError`` when v2 will not say who the user is (nothing was recorded)."""
        v2 = self.settings
        self.client.use_api("v2", v2.base_url)
        await self.resolve_user_id(self.client, self.journal, v2)
        self.pacer.set_limits(v2.user_limits, v2.app_limits, v2.interval)
        self.journal.set_meta(META_API, "v2")
        self.log.warning(
            "api_switched",
            api="v2",
            limits=", ".join(str(limit) for limit in v2.user_limits) or "none",
            detail="this journal stays on v2 from now on",
        )
