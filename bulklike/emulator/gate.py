"""The account's standing with today's API: token kind, app permissions, access level, credits, caps.

Asked for every like/unlike request after authentication and before the quota: the answer is a
refusal about the account or app (``None`` when the request may go on). An app-only bearer token
is refused first (``unsupported-authentication``), then a Read-only app (``oauth1-permissions``;
v1.1 code 261). Below Enterprise, v1.1 likes answer 453; self-serve (X since 2026-04-20) and Free
also refuse v2 likes and unlikes with ``client-forbidden``. Credits and the usage cap count the
requests billed (admitted past the quota); the made-up 403 code 999 starts after N requests.
"""

from __future__ import annotations

import hashlib

from aiohttp import web

from bulklike.emulator import responses as r
from bulklike.emulator.config import UNKNOWN_ACCOUNT_CODE, V2_LIKES_REFUSED, Api, EmulatorConfig
from bulklike.emulator.oauth import Authenticated
from bulklike.emulator.stats import Stats
from bulklike.x import codes as apicodes


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

    def token(self, api: Api, auth: Authenticated) -> web.Response | None:
        """What the token may do at all: an app-only bearer never acts for a user; a Read-only app never writes."""
        if auth.app_only:
            self.stats.account_refusals["app_only_token"] += 1
            return r.unsupported_authentication()
        if self.config.read_only_app and not auth.bearer:
            self.stats.account_refusals["read_only_app"] += 1
            return r.oauth1_permissions() if api == "v2" else r.v1_error(apicodes.APP_CANNOT_WRITE)
        return None

    def refuse(self, api: Api, auth: Authenticated) -> web.Response | None:
        """Before the quota: the token, access level, then the 403 of the breaker's test, the cap, the credits."""
        c, stats, refusals, account = self.config, self.stats, self.stats.account_refusals, auth.account
        if (refused := self.token(api, auth)) is not None:
            return refused
        if api == "v1.1" and (refused := self.v1_access()) is not None:
            return refused
        if api == "v2" and c.access_level in V2_LIKES_REFUSED:
            refusals["not_enrolled"] += 1
            client_id = hashlib.sha256(account.app_key.encode()).hexdigest()[:19]
            return r.client_forbidden(client_id, c.client_forbidden_reason)
        if c.account_403_after is not None and stats.billed >= c.account_403_after:
            refusals["unknown_403"] += 1
            return r.unknown_account_forbidden(api, UNKNOWN_ACCOUNT_CODE)
        if c.usage_cap is not None and stats.billed >= c.usage_cap:
            refusals["usage_capped"] += 1
            return r.usage_capped(c.usage_cap_period)
        if c.credits is not None and stats.billed >= c.credits:
            refusals["credits_depleted"] += 1
            return r.credits_depleted(account.user_id)
        return None
