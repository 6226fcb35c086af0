"""The shapes of X's answers: v1.1 error envelopes, v2 problem objects, headers, broken answers.

Header sets follow the recorded answers in ``tests/data/cassettes``: v1.1 sends
``application/json;charset=utf-8`` (no space) and never a rate-limit header; v2 sends
``application/json; charset=utf-8`` and ``x-rate-limit-*`` on every like and unlike.
"""

from __future__ import annotations

import json
import socket
import struct
from typing import Any, Final

from aiohttp import web

from bulklike.emulator.quotas import LimitState, Verdict
from bulklike.pacing.limits import DAY
from bulklike.x import codes as apicodes

#: X codes the shared vocabulary does not name
PARAMETER_MISSING: Final = (38, "id parameter is missing.", 400)
NO_ACCESS: Final = (220, "Your credentials do not allow access to this resource.", 403)

_COMMON: Final = {
    "cache-control": "no-cache, no-store, must-revalidate, pre-check=0, post-check=0",
    "server": "tsa_b",
    "x-content-type-options": "nosniff",
    "x-frame-options": "SAMEORIGIN",
}
V1_HEADERS: Final = {
    **_COMMON,
    "content-type": "application/json;charset=utf-8",
    "content-disposition": "attachment; filename=json.json",
    "x-access-level": "read-write-directmessages",
}
V2_HEADERS: Final = {
    **_COMMON,
    "content-type": "application/json; charset=utf-8",
    "api-version": "2.42",
    "x-access-level": "read-write-directmessages",
}
V2_LIKED: Final = b'{"data":{"liked":true}}'
V2_UNLIKED: Final = b'{"data":{"liked":false}}'
_PROBLEM_TYPE_INVALID: Final = apicodes.V2_PROBLEM_BASE + "invalid-request"


class Dropped(web.Response):
    """Stands for "no answer": the connection was closed or reset before any byte was sent."""


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def v1_json(status: int, body: bytes) -> web.Response:
    return web.Response(status=status, body=body, headers=V1_HEADERS)


def v1_error(error: tuple[int, str, int]) -> web.Response:
    """``{"errors":[{"code":N,"message":"..."}]}`` with the error's usual HTTP status."""
    code, message, status = error
    return v1_json(status, dumps({"errors": [{"code": code, "message": message}]}))


def v1_rate_limited(style: str) -> web.Response:
    """The daily cap as X shows it: an empty 429 with no headers to hint at the reset, or code 88."""
    if style == "code88":
        return v1_error(apicodes.RATE_LIMIT_EXCEEDED)
    return web.Response(status=429)


def v2_json(status: int, body: bytes, rate: dict[str, str] | None = None) -> web.Response:
    headers = V2_HEADERS if not rate else {**V2_HEADERS, **rate}
    return web.Response(status=status, body=body, headers=headers)


def problem(status: int, title: str, detail: str, type_: str = "about:blank", **extra: Any) -> web.Response:
    """A v2 problem object (RFC 7807 style), the way X spells it."""
    body: dict[str, Any] = {**extra, "title": title, "detail": detail, "type": type_}
    if type_ == "about:blank":
        body["status"] = status
    return v2_json(status, dumps(body))


def v2_unauthorized() -> web.Response:
    return problem(401, "Unauthorized", "Unauthorized")


def v2_forbidden(detail: str) -> web.Response:
    return problem(403, "Forbidden", detail)


def v2_invalid(message: str, parameters: dict[str, list[str]] | None = None) -> web.Response:
    error: dict[str, Any] = {"message": message}
    if parameters is not None:
        error = {"parameters": parameters, **error}
    return problem(
        400,
        "Invalid Request",
        "One or more parameters to your request was invalid.",
        _PROBLEM_TYPE_INVALID,
        errors=[error],
    )


def v2_rate_headers(verdict: Verdict) -> dict[str, str]:
    """``x-rate-limit-*`` for the shortest window, ``x-{user,app}-limit-24hour-*`` for daily ones."""
    states = verdict.user or verdict.app
    if not states:
        return {}
    headers = _triple(
        min(states, key=lambda s: s.limit.window_s), apicodes.H_LIMIT, apicodes.H_REMAINING, apicodes.H_RESET
    )
    for state in verdict.user:
        if state.limit.window_s == DAY:
            headers.update(
                _triple(state, apicodes.H_USER_24H_LIMIT, apicodes.H_USER_24H_REMAINING, apicodes.H_USER_24H_RESET)
            )
    for state in verdict.app:
        if state.limit.window_s == DAY:
            headers.update(
                _triple(state, apicodes.H_APP_24H_LIMIT, apicodes.H_APP_24H_REMAINING, apicodes.H_APP_24H_RESET)
            )
    return headers


def _triple(state: LimitState, limit: str, remaining: str, reset: str) -> dict[str, str]:
    return {limit: str(state.limit.count), remaining: str(max(state.remaining, 0)), reset: state.reset_header}


def v2_rate_limited(verdict: Verdict) -> web.Response:
    body = dumps({"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429})
    return v2_json(429, body, v2_rate_headers(verdict))


def drop(request: web.BaseRequest, *, reset: bool) -> Dropped:
    """Close the connection without an answer; ``reset`` sends a TCP RST instead of a FIN."""
    transport = request.transport
    if transport is not None:
        if reset:
            sock = transport.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            transport.abort()
        else:
            transport.close()
    return Dropped(status=599)  # never sent: aiohttp cannot write to the closed transport


async def truncated(request: web.BaseRequest, response: web.Response, *, short_length: bool) -> web.StreamResponse:
    """Send ``response`` cut in half so its JSON cannot parse.

    ``short_length`` announces the full Content-Length, sends half and closes (the client sees a
    payload error); otherwise the half body is sent whole with a matching length (the client sees
    a 200 whose body is not JSON).
    """
    body = bytes(response.body) if isinstance(response.body, bytes | bytearray) else b""
    half = body[: max(len(body) // 2, 1)]
    if not short_length:
        return web.Response(status=response.status, body=half, headers=response.headers)
    stream = web.StreamResponse(status=response.status, headers=response.headers)
    stream.content_length = len(body)
    await stream.prepare(request)
    await stream.write(half)
    if request.transport is not None:
        request.transport.close()
    return stream


# --- today's account-wide refusals (bodies as reported for X's API, 2023-2026; problem types on
# api.x.com as since 2026-08; what a self-serve app gets from the like endpoint is assumed) --------

REGISTRATION_URL: Final = "https://developer.x.com/en/portal/product"
UNKNOWN_ACCOUNT_MESSAGE: Final = "This account cannot perform this action right now."


def no_v1_access() -> web.Response:
    """403 code 453: the app's access level has no v1.1 likes (every level below Enterprise)."""
    return v1_error(apicodes.NO_V1_ACCESS)


def client_forbidden(client_id: str, reason: str = "client-not-enrolled") -> web.Response:
    """403 ``client-forbidden``: the app's project is not enrolled for the endpoint (``reason``)."""
    body = {
        "client_id": client_id,
        "required_enrollment": "Appropriate Level of API Access",
        "registration_url": REGISTRATION_URL,
        "title": "Client Forbidden",
        "detail": "This request must be made using an approved developer account that is enrolled in the "
        "requested endpoint. Learn more by visiting our documentation.",
        "reason": reason,
        "type": apicodes.V2_PROBLEM_BASE + apicodes.PROBLEM_CLIENT_FORBIDDEN,
    }
    return v2_json(403, dumps(body))


def oauth1_permissions() -> web.Response:
    """403 ``oauth1-permissions``: a Read-only app signed a write with OAuth 1.0a."""
    body = {
        "title": "Forbidden",
        "status": 403,
        "detail": "Your client app is not configured with the appropriate oauth1 app permissions for this endpoint.",
        "type": apicodes.V2_PROBLEM_BASE + apicodes.PROBLEM_OAUTH1_PERMISSIONS,
    }
    return v2_json(403, dumps(body))


def unsupported_authentication() -> web.Response:
    """403 ``unsupported-authentication``: an app-only bearer token where a user token is needed."""
    body = {
        "title": "Unsupported Authentication",
        "status": 403,
        "detail": "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  Supported "
        "authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context].",
        "type": apicodes.V2_PROBLEM_BASE + apicodes.PROBLEM_UNSUPPORTED_AUTHENTICATION,
    }
    return v2_json(403, dumps(body))


def credits_depleted(account_id: str) -> web.Response:
    """402: the pay-per-use credits are spent."""
    body = {
        "title": "CreditsDepleted",
        "detail": f"Your enrolled account [{account_id}] does not have any credits to fulfill this request.",
        "type": apicodes.V2_PROBLEM_BASE + apicodes.PROBLEM_CREDITS,
    }
    return v2_json(apicodes.HTTP_PAYMENT_REQUIRED, dumps(body))


def usage_capped(period: str = "Monthly") -> web.Response:
    """429 ``usage-capped``: the monthly product cap, or a daily account cap (not rate-limit windows)."""
    scope = "Account" if period == "Daily" else "Product"
    body = {
        "title": "UsageCapExceeded",
        "period": period,
        "scope": scope,
        "detail": f"Usage cap exceeded: {period} {scope.lower()} cap",
        "type": apicodes.V2_PROBLEM_BASE + apicodes.PROBLEM_USAGE_CAPPED,
    }
    return v2_json(429, dumps(body))


def unknown_account_forbidden(api: str, code: int) -> web.Response:
    """An account-wide 403 with a code no client knows (the breaker's test)."""
    if api == "v1.1":
        return v1_error((code, UNKNOWN_ACCOUNT_MESSAGE, 403))
    errors = [{"code": code, "message": UNKNOWN_ACCOUNT_MESSAGE}]
    return problem(403, "Forbidden", UNKNOWN_ACCOUNT_MESSAGE, errors=errors)
