"""The engine's one door to X (``bulklike.x``): the default network, built from the settings.

Everything else in the engine sends through ``engine.network.Network``; this module wires X's
``x.network.XNetwork`` over the engine's parts: the HTTP client a Session opens at its first sending
call (``XConnection``), the account check before the first send (``auth.identity.AccountGate``), the
account confirmed on opening (``confirm_account``), and ``--api auto``.

``--api auto``: today only Enterprise apps may like over v1.1; every other access level gets 403 code
453. The same OAuth 1.0a credentials work on v2, so ``auto`` starts on v1.1 (the seed's API) and, at the
first 453, moves the whole run to v2: the client's endpoints, v2's default limits (unless the user set
limits), the user's numeric id from ``GET /2/users/me``. The journal remembers the move (meta ``api`` =
``v2``), so a resumed run starts on v2 and never sends to v1.1 again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bulklike.auth.identity import AccountGate, confirm_user_id, known_user_id, resolve_user_id
from bulklike.config import Settings
from bulklike.logs import SILENT, Logger
from bulklike.pacing.ledger import Ledger
from bulklike.pacing.limits import Allowance
from bulklike.store.journal import Journal
from bulklike.x.network import XNetwork

if TYPE_CHECKING:  # the client imports aiohttp: a dry run never loads it
    from bulklike.x.client import XClient

__all__ = ["META_API", "SwitchToV2", "XConnection", "allowance", "confirm_account", "starting_settings"]

#: journal meta key: the API this journal's run moved to (only ever ``v2``)
META_API = "api"


def starting_settings(settings: Settings, journal: Journal) -> Settings:
    """``auto`` starts where the journal's last run ended: on v2 once it has moved there."""
    if settings.auto and journal.get_meta(META_API) == "v2":
        return settings.as_v2()
    return settings


def allowance(settings: Settings) -> Allowance:
    """The limits the settings give (the user's, else the API's published defaults)."""
    return Allowance(settings.user_limits, settings.app_limits, settings.interval)


async def confirm_account(settings: Settings, journal: Journal) -> str:
    """The account's numeric id, asking the API (one request, cached in the journal) only when unknown."""
    known = known_user_id(settings, journal)
    if known is not None:
        return known
    from bulklike.auth.signer import make_signer  # the signer and the client load oauthlib and aiohttp: by need
    from bulklike.x.client import XClient

    signer = make_signer(settings)  # not a refreshing one: stored tokens come with their user id
    # --api auto on an app without v1.1 access: verify_credentials answers 453, users/me knows
    tries = [settings, settings.as_v2()] if settings.auto else [settings]
    for n, where in enumerate(tries, 1):
        async with XClient(
            base_url=where.base_url, api=where.api, signer=signer, timeout=settings.timeout, concurrency=1
        ) as client:
            user_id = await confirm_user_id(client, settings, journal, transient_ok=n < len(tries))
        if user_id is not None:
            return user_id
    raise AssertionError("unreachable: the last try raises when it cannot confirm")


class SwitchToV2:
    """Moves one run's client to v2 and says v2's limits; the network calls it once."""

    def __init__(self, settings: Settings, client: XClient, journal: Journal, *, log: Logger | None = None) -> None:
        self.settings = settings.as_v2()
        self.client = client
        self.journal = journal
        self.log = log if log is not None else SILENT  # the engine logs only where it is told to

    async def __call__(self) -> Allowance:
        """Raises ``FatalApiError`` when v2 will not say who the user is (nothing was recorded)."""
        v2 = self.settings
        self.client.use_api("v2", v2.base_url)
        await resolve_user_id(self.client, self.journal, v2)
        self.journal.set_meta(META_API, "v2")
        self.log.warning(
            "api_switched",
            api="v2",
            limits=", ".join(str(limit) for limit in v2.user_limits) or "none",
            detail="this journal stays on v2 from now on",
        )
        return allowance(v2)


class XConnection:
    """A Session's HTTP client to X, opened by its first call that sends (a dry run never imports the
    network stack), and the ``XNetwork`` each call sends through."""

    def __init__(self, client: XClient) -> None:
        self.client = client

    @classmethod
    async def open(cls, settings: Settings) -> XConnection:
        from bulklike.auth.signer import make_client

        client = make_client(settings)
        await client.__aenter__()
        return cls(client)

    async def close(self) -> None:
        await self.client.__aexit__(None, None, None)

    def network(self, settings: Settings, journal: Journal, ledger: Ledger, *, force: bool, log: Logger) -> XNetwork:
        """One call's network: the account checked at its first send unless known, ``--api auto``'s move."""
        client = self.client
        gate = None if settings.user_id else AccountGate(client, settings, journal, ledger, force=force)

        async def confirm() -> str | None:
            assert gate is not None
            return gate.user_id if await gate() else None

        return XNetwork(
            client,
            limits=allowance(settings),
            confirm=None if gate is None else confirm,
            user_id=settings.user_id or None,
            move=SwitchToV2(settings, client, journal, log=log) if settings.auto else None,
        )
