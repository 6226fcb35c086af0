"""The account's standing with today's API: access level, prepaid credits, usage cap, a new 403.

Asked for every like/unlike request after authentication and before the quota: the answer is a
refusal about the account or app (``None`` when the request may go on). Below Enterprise, v1.1
likes answer 453; Free also refuses v2 likes as not enrolled. Credits and the usage cap count the
requests billed (admitted past the quota); the made-up 403 code 999 starts after N requests.
"""

from __future__ import annotations

import hashlib

from aiohttp import web

from bulklike.emulator import responses as r
from bulklike.emulator.accounts import Account
from bulklike.emulator.config import UNKNOWN_ACCOUNT_CODE, Api, EmulatorConfig
from bulklike.emulator.stats import Stats


class Gate:
    """Refusals that are about the account; ``billed()`` counts a request that went through."""

    __slots__ = ("config", "stats")

    def __init__(self, config: EmulatorConfig, stats: Stats) -> None:
        self.config = config
        self.stats = stats

    def v1_access(self) -> web.Response | None:
        """v1.1 endpoints beyond OAuth and media: Enterprise only (453 for everyone else)."""
        if self.config.access_level == "enterprise":
            return None
        self.stats.account_refusals["no_v1_access"] += 1
        return r.no_v1_access()

    def refuse(self, api: Api, account: Account) -> web.Response | None:
        """Before the quota: access level, then the 403 of the breaker's test, the cap, the credits."""
        c, stats, refusals = self.config, self.stats, self.stats.account_refusals
        if api == "v1.1" and (refused := self.v1_access()) is not None:
            return refused
        if api == "v2" and c.access_level == "free":
            refusals["not_enrolled"] += 1
            return r.client_not_enrolled(hashlib.sha256(account.app_key.encode()).hexdigest()[:19])
        if c.account_403_after is not None and stats.billed >= c.account_403_after:
            refusals["unknown_403"] += 1
            return r.unknown_account_forbidden(api, UNKNOWN_ACCOUNT_CODE)
        if c.usage_cap is not None and stats.billed >= c.usage_cap:
            refusals["usage_capped"] += 1
            return r.usage_capped()
        if c.credits is not None and stats.billed >= c.credits:
            refusals["credits_depleted"] += 1
            return r.credits_depleted(account.user_id)
        return None
