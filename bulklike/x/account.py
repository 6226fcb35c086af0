"""Answers about the account or the app, never about one tweet: pure, from the answer's body.

Today's API refuses whole accounts in ways the seed's v1.1 table never listed: 453 (the access
level has no v1.1 likes), v2 ``client-forbidden`` (reason ``client-not-enrolled`` or
``official-client-forbidden``: since 2026-04-20 likes and unlikes are Enterprise-only, so this is
what a self-serve app gets), ``oauth1-permissions`` (a Read-only app), ``unsupported-authentication``
(an app-only bearer token), 402 (the pay-per-use credits are spent) and 429 ``usage-capped`` (a
daily or monthly cap). Each means that nothing else will succeed either, so a run stops and leaves
every ID ``pending``; this module names the problem, builds the one line that says what to do, with
the details the body gives (the enrollment, the registration URL, the cap's period and scope); a
daily cap (``Problem.DAILY_CAP``) is the one such stop that a run tomorrow simply resumes.
Problem types are matched on their last path segment, so ``api.twitter.com`` and ``api.x.com``
types are one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bulklike.outcome import Problem
from bulklike.x import codes as apicodes

__all__ = ["ENTERPRISE_NOTE", "ENTERPRISE_ONLY_SINCE", "Problem", "account_problem", "on_neither_api", "problem_kind"]

#: the day X removed likes and unlikes from every self-serve package (its changelog of 2026-04-16)
ENTERPRISE_ONLY_SINCE = "2026-04-20"
#: the one note on what like access needs today (``accounts --check``, the dry-run plan on X's host)
ENTERPRISE_NOTE = (
    f"likes and unlikes through X's API need an Enterprise plan since {ENTERPRISE_ONLY_SINCE} "
    "(self-serve pay-per-use, Basic and Pro apps are refused at the first like)"
)


def _text(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value.strip() if isinstance(value, str) and value.strip() else None


def problem_kind(problem_type: str | None) -> str:
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
    kind = problem_kind(_text(body, "type"))
    reason = (_text(body, "reason") or "").lower()
    if code == apicodes.NO_V1_ACCESS[0]:
        return Problem.NO_V1_ACCESS, (
            "the API refused v1.1 likes for this app's access level (code 453: only Enterprise has them today) "
            "— run with --api v2, or --api auto (the default), which switches to v2 by itself; on X since "
            f"{ENTERPRISE_ONLY_SINCE} v2 likes need an Enterprise plan too"
        )
    if kind == apicodes.PROBLEM_CLIENT_FORBIDDEN or reason in apicodes.CLIENT_FORBIDDEN_REASONS:
        enrollment = _text(body, "required_enrollment") or "the like endpoint"
        where = _text(body, "registration_url")
        at = f" at {where}" if where else " in the developer portal"
        return Problem.NOT_ENROLLED, (
            f"the API refused this app: {_said(body, 'Client Forbidden')} ({reason or kind}) — since "
            f"{ENTERPRISE_ONLY_SINCE} likes and unlikes need an Enterprise plan (X removed them from every "
            f"self-serve package); the answer asks for {enrollment!r}{at}; nothing was recorded, every ID "
            "stays pending for a resume once the app has that access"
        )
    if kind == apicodes.PROBLEM_OAUTH1_PERMISSIONS:
        return Problem.READ_ONLY_APP, (
            f"the API refused this app's token ({_said(body, 'Forbidden')}): the app is Read only — set "
            "Read and write in the app's settings, regenerate the access token, run `bulklike auth` again, "
            "then resume"
        )
    if kind == apicodes.PROBLEM_UNSUPPORTED_AUTHENTICATION:
        return Problem.APP_ONLY_TOKEN, (
            f"the API refused the token ({_said(body, 'Unsupported Authentication')}): an app-only bearer "
            "token was given — use a user token: `bulklike auth --oauth2` (or OAuth 1.0a user "
            "credentials), then resume"
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
        said = _said(body, "UsageCapExceeded")
        if period == "daily":
            return Problem.DAILY_CAP, (
                f"the API's {cap} usage cap is reached ({said}) — the cap resets daily: nothing more will be "
                "accepted today; resume tomorrow"
            )
        return Problem.USAGE_CAPPED, (
            f"the API's {cap} usage cap is reached ({said}) — a cap is not a "
            f"rate-limit window: nothing more will be accepted until the {period or 'cap'} period resets "
            "or the cap is raised; resume then"
        )
    return None


def on_neither_api(advice: str) -> str:
    """The stop line when v2 refused the app after v1.1 answered 453 (``--api auto``): one stop, both answers."""
    return (
        "this app can like on neither API: v1.1 answered 453 (no v1.1 likes at this access level) and, "
        f"after the move to v2, {advice}"
    )
