"""The X API's error vocabulary: codes, messages and statuses (see the README's table).

Shared by the classifier and the emulator so both speak the same words; neither imports the
other's logic.
"""

from __future__ import annotations

from typing import Final

# v1.1 error codes: (code, canonical message, usual HTTP status)
PAGE_NOT_FOUND: Final = (34, "Sorry, that page does not exist.", 404)
COULD_NOT_AUTHENTICATE: Final = (32, "Could not authenticate you.", 401)
RATE_LIMIT_EXCEEDED: Final = (88, "Rate limit exceeded", 429)
INVALID_TOKEN: Final = (89, "Invalid or expired token.", 401)
OVER_CAPACITY: Final = (130, "Over capacity", 503)
INTERNAL_ERROR: Final = (131, "Internal error", 500)
TIMESTAMP_OUT_OF_BOUNDS: Final = (135, "Timestamp out of bounds.", 401)
BLOCKED_BY_AUTHOR: Final = (136, "You have been blocked from the author of this tweet.", 403)
ALREADY_FAVORITED: Final = (139, "You have already favorited this status.", 403)
NO_STATUS_FOUND: Final = (144, "No status found with that ID.", 404)
NOT_AUTHORIZED_TO_SEE: Final = (179, "Sorry, you are not authorized to see this status.", 403)
OVER_DAILY_LIMIT: Final = (185, "User is over daily status update limit.", 403)
LOOKS_AUTOMATED: Final = (
    226,
    "This request looks like it might be automated. To protect our users from spam and other "
    "malicious activity, we can't complete this action right now.",
    403,
)
APP_CANNOT_WRITE: Final = (261, "Application cannot perform write actions.", 403)
ACCOUNT_LOCKED: Final = (
    326,
    "To protect our users from spam and other malicious activity, this account is temporarily locked.",
    403,
)
SUSPENDED: Final = (64, "Your account is suspended and is not permitted to access this feature.", 403)
TWEET_UNAVAILABLE: Final = (421, "This Tweet is no longer available.", 404)
TWEET_UNAVAILABLE_2: Final = (422, "This Tweet is no longer available.", 404)
ACTIONS_DISABLED: Final = (425, "Some actions on this user's Tweet have been disabled.", 403)
#: the app's access level has no v1.1 likes (every level below Enterprise today): about the app
NO_V1_ACCESS: Final = (
    453,
    "You currently have access to a subset of X API V2 endpoints and limited v1.1 endpoints (e.g. media post, "
    "oauth) only. If you need access to this endpoint, you may need a different access level. You can learn more "
    "here: https://developer.x.com/en/portal/product",
    403,
)

#: codes that mean the tweet is gone
NOT_FOUND_CODES: Final = frozenset({144, 421, 422, 34})
#: codes that mean this account may not act on this tweet
FORBIDDEN_CODES: Final = frozenset({136, 179, 425})
#: codes that end the run: credentials, suspension, lock, write access, automation
FATAL_CODES: Final = frozenset({32, 63, 64, 89, 99, 135, 215, 220, 226, 261, 326})
#: codes that mean "over a limit": wait for the window, never count as an attempt
RATE_CODES: Final = frozenset({88, 185})
#: codes that are transient server trouble
TRANSIENT_CODES: Final = frozenset({130, 131})

#: where problem types live since OpenAPI 2.167 (2026-08-07); live answers carry both hosts
V2_PROBLEM_BASE: Final = "https://api.x.com/2/problems/"
V2_PROBLEM_BASE_OLD: Final = "https://api.twitter.com/2/problems/"
#: v2 problem types (the last path segment) that are about the app or account, never the tweet
PROBLEM_CLIENT_FORBIDDEN: Final = "client-forbidden"
#: the ``reason`` of a ``client-forbidden`` problem
CLIENT_FORBIDDEN_REASONS: Final = frozenset({"client-not-enrolled", "official-client-forbidden"})
PROBLEM_OAUTH1_PERMISSIONS: Final = "oauth1-permissions"  # the app is Read only
PROBLEM_UNSUPPORTED_AUTHENTICATION: Final = "unsupported-authentication"  # an app-only bearer token
PROBLEM_USAGE_CAPPED: Final = "usage-capped"
PROBLEM_CREDITS: Final = "credits"  # also seen: "credits-depleted"
#: HTTP 402 Payment Required: the pay-per-use credits are spent
HTTP_PAYMENT_REQUIRED: Final = 402

# rate-limit headers (lower-case; aiohttp's CIMultiDict matches case-insensitively)
H_LIMIT: Final = "x-rate-limit-limit"
H_REMAINING: Final = "x-rate-limit-remaining"
H_RESET: Final = "x-rate-limit-reset"
H_USER_24H_LIMIT: Final = "x-user-limit-24hour-limit"
H_USER_24H_REMAINING: Final = "x-user-limit-24hour-remaining"
H_USER_24H_RESET: Final = "x-user-limit-24hour-reset"
H_APP_24H_LIMIT: Final = "x-app-limit-24hour-limit"
H_APP_24H_REMAINING: Final = "x-app-limit-24hour-remaining"
H_APP_24H_RESET: Final = "x-app-limit-24hour-reset"
#: (remaining, reset) header pairs, each a limit the server may report as exhausted
RESET_PAIRS: Final = (
    (H_REMAINING, H_RESET),
    (H_USER_24H_REMAINING, H_USER_24H_RESET),
    (H_APP_24H_REMAINING, H_APP_24H_RESET),
)

#: transport failures (``x.client`` names them) before a connection was established: the request
#: never left the machine, so the API cannot be reached (an outage: no attempt spent, the quota slot
#: given back). A read timeout, a reset or a disconnect after the request was sent may have reached
#: the server and are not here. A TLS handshake that fails for another reason than the certificate
#: ("tls error") is waited out too; a certificate that fails verification raises ``TlsRefused``
#: (waiting will not fix it).
NOT_CONNECTED: Final = frozenset(
    {"connect timeout", "dns failure", "connection refused", "connection failed", "tls error"}
)
