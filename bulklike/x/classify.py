"""Classify an API answer into an Outcome: pure, table-driven, never raises.

An ``Answer`` is what came back (or did not); an ``Outcome`` (``bulklike.outcome``, shared by every
network) is what it means for the run:
done (``liked``, ``already_liked``, ``unliked``), permanent (``not_found``, ``forbidden``),
retryable, rate-limited, or fatal. Anything unexpected (HTML, truncated JSON, unknown codes)
is classified by HTTP status; a malformed body is never trusted and never crashes.

Fatal covers every answer about the account rather than the tweet: refused credentials,
suspension, and today's access-level, enrollment (``client-forbidden``), app-permission, token-kind,
billing and usage-cap refusals (``account.Problem``), whose ``advice`` is the one line a stop
prints. An answer classified by its HTTP status alone (an unknown 4xx, an unreadable 403) is
marked ``unknown`` so the runner's breaker can tell a refusal that repeats on every tweet from one
tweet's trouble.
"""

from __future__ import annotations

import enum
import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from bulklike.outcome import Kind, Outcome, Problem, may_have_landed
from bulklike.x import codes as apicodes
from bulklike.x.account import account_problem, on_neither_api

__all__ = ["Answer", "Kind", "Outcome", "TransportError", "classify", "fatal_hint", "may_have_landed", "stop_line"]


class TransportError(enum.StrEnum):
    """Why no HTTP answer came (``Answer.transport_error``): short, stable, secret-free names, which
    the journal and the results keep as the message of a failure."""

    CONNECT_TIMEOUT = "connect timeout"
    TIMEOUT = "timeout"
    TRUNCATED_BODY = "truncated body"
    SERVER_DISCONNECTED = "server disconnected"
    TLS_CERTIFICATE = "tls certificate error"
    TLS = "tls error"
    DNS_FAILURE = "dns failure"
    CONNECTION_REFUSED = "connection refused"
    CONNECTION_RESET = "connection reset"
    CONNECTION_FAILED = "connection failed"
    CONNECTION_ERROR = "connection error"
    CLIENT_ERROR = "client error"
    TRANSPORT_ERROR = "transport error"
    BODY_TOO_LARGE = "body too large"
    TOKEN_REFRESH_FAILED = "token refresh failed"  # OAuth 2.0: a 401, and the token could not be renewed


@dataclass(frozen=True, slots=True)
class Answer:
    """One request's raw result. ``status`` 0 means no HTTP answer (see ``transport_error``)."""

    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    transport_error: TransportError | None = None  # when status == 0


_FATAL_HINTS = {
    32: "the credentials were refused: check the consumer key/secret and access token/secret",
    89: "the access token is invalid or revoked: create a new one",
    135: "the request timestamp was refused: check this machine's clock",
    63: "the account is suspended",
    64: "the account is suspended",
    326: "the account is temporarily locked: unlock it on the website before running again",
    261: "the app has no write access: give it read-and-write permission and regenerate the token",
    226: "the API flagged this as automated: stop for now and run later at a slower pace",
}


def fatal_hint(code: int | None, http_status: int | None) -> str:
    """What the user should do after a fatal answer."""
    if code in _FATAL_HINTS:
        return _FATAL_HINTS[code]
    if http_status == 401:
        return "the credentials were refused: check them (and the machine's clock)"
    return "the API refused this account's requests: see its message"


def _json_object(body: bytes) -> dict[str, object] | None:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def _first_error(data: dict[str, object] | None) -> tuple[int | None, str | None, str | None]:
    """(code, message, v2 problem type) from a v1.1 error envelope or a v2 problem object."""
    if data is None:
        return None, None, None
    code: int | None = None
    message: str | None = None
    errors = data.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
        raw_code = first.get("code")
        code = raw_code if isinstance(raw_code, int) and not isinstance(raw_code, bool) else None
        raw_msg = first.get("message") or first.get("detail")
        message = raw_msg if isinstance(raw_msg, str) else None
    problem = data.get("type")
    problem_type = problem if isinstance(problem, str) else None
    if message is None:
        detail = data.get("detail") or data.get("title")
        message = detail if isinstance(detail, str) else None
    return code, message, problem_type


def _tweet_at_a_glance(body: bytes) -> bool:
    """A v1.1 tweet object (the like's answer, ~1.6 KB) recognised without parsing it: a few µs instead
    of ~20. It opens with ``{`` and ``id_str``, closes with the object's last keys (``…"retweeted":…,
    "lang":"en"}`` as X sends them), and its braces balance. A cut-short body fails the balance or the
    ending, unless a tweet's text holds stray braces that make up for a cut after a nested tweet object;
    anything that does not pass (other key orders, spaces, other shapes) is parsed in full."""
    return (
        body[:1] == b"{"
        and body[-2:] == b'"}'
        and b'"id_str":"' in body[:160]
        and b',"retweeted":' in body[-64:]
        and body.count(b"{") == body.count(b"}")
    )


def _success(body: bytes, action: str) -> bool:
    """A 200 counts only when the body is complete JSON of the expected shape."""
    if action != "whoami" and _tweet_at_a_glance(body):
        return True
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return False
    if not isinstance(data, dict):
        return False
    if "data" in data:  # v2: {"data": {"liked": bool}}, or {"data": {"id": ...}} for users/me
        inner = data["data"]
        key = "id" if action == "whoami" else "liked"
        return isinstance(inner, dict) and (key in inner if action == "whoami" else isinstance(inner.get(key), bool))
    return "id_str" in data or "id" in data  # v1.1 tweet object, or the user for verify_credentials


def classify(answer: Answer, action: str = "like") -> Outcome:
    """Map one answer to an Outcome. ``action`` is ``"like"``, ``"unlike"`` or ``"whoami"``."""
    status = answer.status
    if status == 0:
        return Outcome(Kind.RETRYABLE, "failed", None, None, answer.transport_error or "no answer")
    if 200 <= status < 300:
        if _success(answer.body, action):
            return _done(_DONE_STATUS.get(action, "ok"), status)
        return Outcome(Kind.RETRYABLE, "failed", status, None, "incomplete or malformed success body")
    data = _json_object(answer.body) if answer.body else None
    code, message, problem = _first_error(data)
    if status in _ACCOUNT_STATUSES or code == apicodes.NO_V1_ACCESS[0]:
        found = account_problem(status, code, message, data)
        if found is not None:
            return Outcome(Kind.FATAL, "fatal", status, code, message, problem=found[0], advice=found[1])
    if status == 403 and code is None and answer.body and not _is_json(answer.body):
        # An HTML or unreadable 403 says nothing we can read: on every tweet it is about the account
        # (the breaker decides, nothing is retried into it); on one tweet it may be a cut-short
        # "already favorited" (139) for a like that landed, so it is recorded "failed", never
        # "forbidden", and --retry-failed asks again.
        return Outcome(Kind.PERMANENT, "failed", status, None, "an HTML or unreadable 403 answer", unknown=True)
    return _classify_error(status, code, message, problem, action)


_DONE_STATUS = {"like": "liked", "unlike": "unliked"}


@functools.cache
def _done(status: str, http_status: int) -> Outcome:
    """A success is one of a few frozen Outcomes, shared rather than made again for every like."""
    return Outcome(Kind.DONE, status, http_status)


#: statuses that may carry an answer about the account (access level, enrollment, credits, caps)
_ACCOUNT_STATUSES = frozenset({402, 403, 429})
#: the messages of the per-tweet forbidden codes: a v2 problem object carries them without the code
_FORBIDDEN_MESSAGES = frozenset(
    text.lower()
    for _, text, _ in (apicodes.BLOCKED_BY_AUTHOR, apicodes.NOT_AUTHORIZED_TO_SEE, apicodes.ACTIONS_DISABLED)
)


def _is_json(body: bytes) -> bool:
    try:
        json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return False
    return True


def _classify_error(status: int, code: int | None, message: str | None, problem: str | None, action: str) -> Outcome:
    if code == apicodes.ALREADY_FAVORITED[0] and action == "like":
        return Outcome(Kind.DONE, "already_liked", status, code, message)
    if status == 429 or code in apicodes.RATE_CODES or _is_rate_problem(problem):
        return Outcome(Kind.RATE_LIMITED, "rate_limited", status, code, message or "rate limit exceeded")
    if code in apicodes.FATAL_CODES:
        return Outcome(Kind.FATAL, "fatal", status, code, message)
    if code == apicodes.NO_STATUS_FOUND[0] and action == "unlike":  # v1.1 destroy: no like, or no tweet
        return Outcome(Kind.PERMANENT, "not_liked", status, code, message)
    if code in apicodes.NOT_FOUND_CODES or (problem or "").endswith("resource-not-found"):
        # 34 "page does not exist" is also what a wrong URL gets: watched, so it cannot eat a whole list
        watched = code == apicodes.PAGE_NOT_FOUND[0]
        return Outcome(Kind.PERMANENT, "not_found", status, code, message, unknown=watched)
    if code in apicodes.FORBIDDEN_CODES:
        return Outcome(Kind.PERMANENT, "forbidden", status, code, message)
    if code in apicodes.TRANSIENT_CODES or status >= 500:
        return Outcome(Kind.RETRYABLE, "failed", status, code, message or f"HTTP {status}")
    if status == 400 and _v2_tweet_gone(problem, message):
        return Outcome(Kind.PERMANENT, "not_found", status, code, message)
    if status == 401:
        return Outcome(Kind.FATAL, "fatal", status, code, message or "unauthorized")
    if status == 404:  # with no code or problem type it may be a wrong URL, not a missing tweet: watch it
        return Outcome(Kind.PERMANENT, "not_found", status, code, message, unknown=code is None and problem is None)
    if status == 403:
        # An unknown 403 on one tweet is about that tweet; the same one on many tweets in a row is
        # about the account, which the runner's breaker decides (``unknown``).
        known = (message or "").lower() in _FORBIDDEN_MESSAGES
        return Outcome(Kind.PERMANENT, "forbidden", status, code, message or "forbidden", unknown=not known)
    return Outcome(Kind.RETRYABLE, "failed", status, code, message or f"HTTP {status}", unknown=400 <= status < 500)


def _is_rate_problem(problem: str | None) -> bool:
    return problem is not None and problem.endswith("rate-limit-exceeded")


def _v2_tweet_gone(problem: str | None, message: str | None) -> bool:
    text = (message or "").lower()
    return (problem or "").endswith("invalid-request") and ("cannot be found" in text or "not found" in text)


def stop_line(outcome: Outcome, *, after_453: bool = False) -> str:
    """The one line a fatal answer prints: today's account-wide answers carry their own advice
    (after an ``--api auto`` move, v2's refusal of the app says that v1.1 refused it too)."""
    if outcome.advice is not None:
        return (
            on_neither_api(outcome.advice) if after_453 and outcome.problem is Problem.NOT_ENROLLED else outcome.advice
        )
    hint = fatal_hint(outcome.error_code, outcome.http_status)
    code = f" (code {outcome.error_code})" if outcome.error_code is not None else ""
    said = outcome.message or f"HTTP {outcome.http_status}"
    return f"the API said: {said}{code} — {hint}"
