"""The emulated API: routes, and the order in which a request meets auth, quota, faults and state.

A like or unlike request goes: latency -> auth (refusals are not counted toward quota) -> request
checks -> quota (a 429 is not counted) -> fault draw -> tweet fate and like state -> answer. Faults
that happen "before" the like (5xx, reset, a stall the client gave up on) leave the state as it was;
``applied_then_dropped`` and ``truncated`` apply the like and then spoil the answer.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from aiohttp import web

from bulklike.emulator import responses as r
from bulklike.emulator.accounts import Account, AccountBook
from bulklike.emulator.authflows import AuthFlows
from bulklike.emulator.config import Api, EmulatorConfig, generated_likes
from bulklike.emulator.faults import HTML_502, HTML_504, NOT_APPLIED, FaultPlan
from bulklike.emulator.gate import Gate
from bulklike.emulator.likes import LikeBook
from bulklike.emulator.oauth import BAD_AUTHENTICATION_DATA, Authenticated, AuthFailure, Verifier
from bulklike.emulator.quotas import QuotaBook, Verdict
from bulklike.emulator.stats import Stats
from bulklike.emulator.tweets import Fate, fate, is_valid_id, tweet_json, user_object
from bulklike.x import codes as apicodes

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Action = Literal["like", "unlike"]
_FORM = "application/x-www-form-urlencoded"


class Emulator:
    """One emulated X API: its accounts, quotas, faults, world state and counters."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.book = AccountBook(config.accounts)
        self.verifier = Verifier(self.book, config.clock)
        self.likes = LikeBook()
        preliked = [*config.liked, *generated_likes(config.liked_count, config.seed)]
        for account in config.accounts:
            self.likes.preload(account.user_id, preliked)
        self.quotas = QuotaBook(config)
        self.faults = FaultPlan(config)
        self.stats = Stats(self.likes, self.quotas)
        self.flows = AuthFlows(config, self.book, self.stats)
        self.gate = Gate(config, self.stats)

    def make_app(self) -> web.Application:
        app = web.Application(handler_args={"access_log": None})
        routes: list[tuple[str, str, Handler]] = [
            ("POST", "/1.1/favorites/create.json", self.v1_create),
            ("POST", "/1.1/favorites/destroy.json", self.v1_destroy),
            ("GET", "/1.1/account/verify_credentials.json", self.v1_verify_credentials),
            ("POST", "/2/users/{id}/likes", self.v2_like),
            ("DELETE", "/2/users/{id}/likes/{tweet_id}", self.v2_unlike),
            ("GET", "/2/users/me", self.v2_me),
            *self.flows.routes(),
        ]
        for method, path, handler in routes:
            app.router.add_route(method, path, self._counted(handler, f"{method} {path}"))
        app.router.add_get("/_emulator/stats", self.stats_handler)
        app.router.add_route("*", "/{tail:.*}", self._counted(self.page_not_found))
        return app

    def _counted(self, handler: Handler, route: str = "other") -> Handler:
        """Count each API request, per route, and the status of its answer (a dropped connection has none)."""
        stats = self.stats

        async def counted(request: web.Request) -> web.StreamResponse:
            stats.requests += 1
            stats.by_route[route] += 1
            response = await handler(request)
            if not isinstance(response, r.Dropped):
                stats.by_status[response.status] += 1
            return response

        return counted

    # --- authentication -------------------------------------------------------------------

    async def _authenticate(self, request: web.Request, api: Api) -> Authenticated | web.Response:
        delay = self.faults.latency_s()
        if delay:
            await asyncio.sleep(delay)
        header = request.headers.get("Authorization", "")
        if header[:7].lower() == "bearer ":
            result: Authenticated | AuthFailure = (
                self._bearer(header[7:].strip()) if api == "v2" else AuthFailure.of(r.NO_ACCESS, "bearer token on v1.1")
            )
        elif not header:
            result = AuthFailure.of(BAD_AUTHENTICATION_DATA, "no Authorization header")
        else:
            form = None
            if request.body_exists and request.content_type == _FORM:
                form = (await request.read()).decode("utf-8", "replace")
            url = request.rel_url
            uri = self.verifier.base_uri(request.scheme, request.host, url.raw_path)
            result = self.verifier.verify(request.method, uri, url.raw_query_string, header, form)
        if isinstance(result, Authenticated):
            return result
        self.stats.auth_failures += 1
        return r.v2_unauthorized() if api == "v2" else r.v1_error((result.code, result.message, result.status))

    def _bearer(self, token: str) -> Authenticated | AuthFailure:
        """A token the OAuth 2.0 flow issued (refused once expired), else a configured one."""
        issued = self.flows.bearer(token)
        if issued is False:
            return AuthFailure.of(apicodes.INVALID_TOKEN, "expired bearer token")
        if isinstance(issued, Account):
            return Authenticated(issued, [], bearer=True)
        configured = self.verifier.bearer(token)
        if self.config.app_only_bearer and isinstance(configured, Authenticated):
            return Authenticated(configured.account, [], bearer=True, app_only=True)
        return configured

    # --- v1.1 -----------------------------------------------------------------------------

    async def v1_create(self, request: web.Request) -> web.StreamResponse:
        return await self._v1_action(request, "like")

    async def v1_destroy(self, request: web.Request) -> web.StreamResponse:
        return await self._v1_action(request, "unlike")

    async def _v1_action(self, request: web.Request, action: Action) -> web.StreamResponse:
        auth = await self._authenticate(request, "v1.1")
        if not isinstance(auth, Authenticated):
            return auth
        tweet_id = next((v for k, v in auth.params if k == "id"), None)
        if not tweet_id:
            return r.v1_error(r.PARAMETER_MISSING)
        return await self._act(request, "v1.1", auth, tweet_id, action)

    async def v1_verify_credentials(self, request: web.Request) -> web.StreamResponse:
        auth = await self._authenticate(request, "v1.1")
        if not isinstance(auth, Authenticated):
            return auth
        account = auth.account
        refused = self.gate.v1_access()  # as field reports say: verify_credentials answers 453 too
        if refused is not None:
            return refused
        return r.v1_json(200, r.dumps(user_object(account.user_id, account.screen_name)))

    # --- v2 -------------------------------------------------------------------------------

    async def v2_like(self, request: web.Request) -> web.StreamResponse:
        auth = await self._authenticate(request, "v2")
        if not isinstance(auth, Authenticated):
            return auth
        if request.match_info["id"] != auth.account.user_id:
            return r.v2_forbidden("You are not permitted to perform this action.")
        try:
            body: Any = json.loads(await request.read())
        except ValueError:
            return r.v2_invalid("The request body is not valid JSON.")
        tweet_id = body.get("tweet_id") if isinstance(body, dict) else None
        if not isinstance(tweet_id, str) or not is_valid_id(tweet_id):
            shown = [] if tweet_id is None else [str(tweet_id)]
            return r.v2_invalid(f"The `tweet_id` parameter value [{tweet_id}] is not valid", {"tweet_id": shown})
        return await self._act(request, "v2", auth, tweet_id, "like")

    async def v2_unlike(self, request: web.Request) -> web.StreamResponse:
        auth = await self._authenticate(request, "v2")
        if not isinstance(auth, Authenticated):
            return auth
        if request.match_info["id"] != auth.account.user_id:
            return r.v2_forbidden("You are not permitted to perform this action.")
        tweet_id = request.match_info["tweet_id"]
        if not is_valid_id(tweet_id):
            return r.v2_invalid(
                f"The `tweet_id` query parameter value [{tweet_id}] is not valid", {"tweet_id": [tweet_id]}
            )
        return await self._act(request, "v2", auth, tweet_id, "unlike")

    async def v2_me(self, request: web.Request) -> web.StreamResponse:
        auth = await self._authenticate(request, "v2")
        if not isinstance(auth, Authenticated):
            return auth
        if auth.app_only:  # users/me needs a user context too
            return r.unsupported_authentication()
        account = auth.account
        data = {"id": account.user_id, "name": account.screen_name, "username": account.screen_name}
        return r.v2_json(200, r.dumps({"data": data}))

    # --- the like itself ------------------------------------------------------------------

    async def _act(
        self, request: web.Request, api: Api, auth: Authenticated, tweet_id: str, action: Action
    ) -> web.StreamResponse:
        """Quota, faults, then the like or unlike; see the module docstring for the order."""
        stats, account = self.stats, auth.account
        user = stats.user(account.user_id)
        user.requests += 1
        refused = self.gate.refuse(api, auth)
        if refused is not None:
            return refused
        verdict = self.quotas.admit(api, account.user_id, account.app_key, self.config.clock())
        if not verdict.admitted:
            stats.rate_limited += 1
            user.rate_limited += 1
            return r.v1_rate_limited(self.config.v1_429) if api == "v1.1" else r.v2_rate_limited(verdict)
        stats.billed += 1
        kind, coin = self.faults.draw(tweet_id)
        if kind is not None:
            stats.faults[kind] += 1
            if kind in NOT_APPLIED:
                return fault_response(request, kind, coin)
            if kind == "stall":
                await asyncio.sleep(self.config.stall_s)
                transport = request.transport
                if transport is None or transport.is_closing():
                    return r.Dropped(status=599)  # the client gave up: nothing was applied
        response = self._apply(api, account, tweet_id, action, verdict)
        if kind == "applied_then_dropped":
            return r.drop(request, reset=coin)
        if kind == "truncated":
            return await r.truncated(request, response, short_length=coin)
        return response

    def _apply(self, api: Api, account: Account, tweet_id: str, action: Action, verdict: Verdict) -> web.Response:
        """Change the world state and build the faithful answer."""
        stats, likes, user_id = self.stats, self.likes, account.user_id
        if not is_valid_id(tweet_id):  # v1.1 only: v2 checked the ID before counting the request
            return self._refuse(api, Fate.MISSING)
        tweet_id = str(int(tweet_id))  # "007" and "7" are one tweet
        c = self.config
        doom = fate(c.seed, tweet_id, c.missing_rate, c.protected_rate, c.blocked_rate)
        if action == "unlike":
            # a deleted tweet takes its likes with it: v1.1 answers 144 as for a tweet never liked, and
            # v2 answers liked: false whether or not there was a like (X's answers cannot tell them apart)
            removed = doom is not Fate.MISSING and likes.unlike(user_id, tweet_id)
            if removed:
                stats.unlikes += 1
                stats.user(user_id).unlikes += 1
            if api == "v2":
                return r.v2_json(200, r.V2_UNLIKED, r.v2_rate_headers(verdict))
            if not removed:
                return r.v1_error(apicodes.NO_STATUS_FOUND)
            return r.v1_json(200, tweet_json(tweet_id, favorited=False, likers=likes.likers(tweet_id)))
        if doom is not Fate.EXISTS:
            return self._refuse(api, doom)
        added = likes.like(user_id, tweet_id)
        if added:
            stats.likes += 1
            stats.user(user_id).likes += 1
        else:
            stats.already_liked += 1
        if api == "v2":
            return r.v2_json(200, r.V2_LIKED, r.v2_rate_headers(verdict))
        if not added:
            return r.v1_error(apicodes.ALREADY_FAVORITED)
        return r.v1_json(200, tweet_json(tweet_id, favorited=True, likers=likes.likers(tweet_id)))

    def _refuse(self, api: Api, doom: Fate) -> web.Response:
        if doom is Fate.MISSING:
            self.stats.not_found += 1
            if api == "v2":
                return r.v2_invalid("This tweet cannot be found.")
            return r.v1_error(apicodes.NO_STATUS_FOUND)
        self.stats.forbidden += 1
        error = apicodes.NOT_AUTHORIZED_TO_SEE if doom is Fate.PROTECTED else apicodes.BLOCKED_BY_AUTHOR
        return r.v2_forbidden(error[1]) if api == "v2" else r.v1_error(error)

    # --- everything else ------------------------------------------------------------------

    async def page_not_found(self, request: web.Request) -> web.StreamResponse:
        return r.v1_error(apicodes.PAGE_NOT_FOUND)

    async def stats_handler(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(self.stats.snapshot())


def fault_response(request: web.Request, kind: str, coin: bool) -> web.StreamResponse:
    """The answer (or the silence) of a fault that happens before the like is applied."""
    if kind == "http500":
        return r.v1_error(apicodes.INTERNAL_ERROR)
    if kind == "http503":
        return r.v1_error(apicodes.OVER_CAPACITY)
    if kind == "http502_html":
        return web.Response(status=502, body=HTML_502, content_type="text/html")
    if kind == "http504":
        return web.Response(status=504, body=HTML_504 if coin else b"", content_type="text/html")
    return r.drop(request, reset=True)
