"""Answers about the account or the app, never about one tweet: pure, from the answer's body.

Today's API refuses whole accounts in ways the seed's v1.1 table never listed: 453 (the access
level has no v1.1 likes), v2 ``client-forbidden``/``client-not-enrolled`` (the project is not
enrolled), 402 (the pay-per-use credits are spent) and 429 ``usage-capped`` (a monthly or product
cap). Each means that nothing else will succeed either, so a run stops and leaves every ID
``pending``; this module names the problem and builds the one line that says what to do, with
the details the body gives (the enrollment, the registration URL, the cap's period and scope).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

from bulklike.x import codes as apicodes


class Problem(enum.Enum):
    """Why the account (not the tweet) was refused."""

    NO_V1_ACCESS = "no_v1_access"  # 453: switch to v2 (--api auto) or stop
    NOT_ENROLLED = "not_enrolled"  # v2 client-forbidden / client-not-enrolled
    CREDITS = "credits"  # 402, or a problem type about credits or payment
    USAGE_CAPPED = "usage_capped"  # 429 usage-capped: not a window to wait out
    REPEATED_UNKNOWN = "repeated_unknown"  # the breaker: one unknown refusal on many tweets


def _text(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _kind(problem_type: str | None) -> str:
    """The last path segment of a v2 problem type: ``.../2/problems/usage-capped`` -> ``usage-capped``."""
    return (problem_type or "").rstrip("/").rsplit("/", 1)[-1].lower()


def _said(data: Mapping[str, Any], fallback: str) -> str:
    title, detail = _text(data, "title"), _text(data, "detail")
    if title and detail and detail != title:
        return f"{title}: {detail}"
    return detail or title or fallback


def account_problem(
    status: int, code: int | None, message: str | None, data: Mapping[str, Any] | None
) -> tuple[Problem, str] | None:
    """``(problem, one line saying what happened and what to do)``, or ``None`` for a per-tweet answer.

    ``data`` is the parsed JSON body (``None`` when it was not a JSON object).
    """
    body: Mapping[str, Any] = data or {}
    kind = _kind(_text(body, "type"))
    reason = (_text(body, "reason") or "").lower()
    if code == apicodes.NO_V1_ACCESS[0]:
        return Problem.NO_V1_ACCESS, (
            "the API refused v1.1 likes for this app's access level (code 453: only Enterprise has them today) "
            "— run with --api v2, or --api auto (the default), which switches to v2 by itself"
        )
    if kind == apicodes.PROBLEM_CLIENT_FORBIDDEN or reason == "client-not-enrolled":
        enrollment = _text(body, "required_enrollment") or "the like endpoint"
        where = _text(body, "registration_url")
        at = f" at {where}" if where else " in the developer portal"
        return Problem.NOT_ENROLLED, (
            f"the API refused this app: {_said(body, 'Client Forbidden')} ({reason or kind}) "
            f"— enroll the app's project in {enrollment!r}{at}, then resume"
        )
    if status == apicodes.HTTP_PAYMENT_REQUIRED or kind.startswith(apicodes.PROBLEM_CREDITS) or "payment" in kind:
        return Problem.CREDITS, (
            f"the API refused the request for payment (HTTP {status}: {_said(body, message or 'Payment Required')}) "
            "— add credits to the developer account, then resume"
        )
    if kind == apicodes.PROBLEM_USAGE_CAPPED:
        period = (_text(body, "period") or "").lower()
        scope = (_text(body, "scope") or "").lower()
        cap = " ".join(word for word in (period, scope) if word) or "an unnamed"
        return Problem.USAGE_CAPPED, (
            f"the API's {cap} usage cap is reached ({_said(body, 'UsageCapExceeded')}) — a cap is not a "
            f"rate-limit window: nothing more will be accepted until the {period or 'cap'} period resets "
            "or the cap is raised; resume then"
        )
    return None


def repeated_unknown_line(http_status: int | None, key: str, said: str | None, tweets: int) -> str:
    """The stop line of the breaker: one unexplained refusal on ``tweets`` different tweets in a row."""
    what = ": ".join(part for part in (key, said) if part) or "no message"
    if http_status == 404:  # "page does not exist" on every tweet: the URL, or IDs mangled on the way
        cause, check = "the URL or the IDs", "check --base-url, and that the IDs kept all their digits"
    else:
        cause, check = "the account or the app", "check the account and the app in the developer portal"
    return (
        f"the API answered HTTP {http_status} ({what}) on {tweets} different tweets in a row with no "
        f"success between: that is about {cause}, not the tweets, so they stay pending — {check}, then resume"
    )
