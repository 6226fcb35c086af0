"""``bulklike auth``: authorize an account and keep its tokens in the token store (or forget them).

OAuth 1.0a PIN flow by default when a consumer key and secret are configured; ``--oauth2`` (or only a
client id configured) for OAuth 2.0 with PKCE. The authorize URL goes to stderr alone on its own line
(easy to copy from a remote shell); a browser opens it unless ``--no-browser``. Nothing is saved
unless X completed the exchange and said whose tokens they are.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from bulklike.errors import EXIT_OK, ConfigError

if TYPE_CHECKING:  # the flows import aiohttp: loaded when the command runs, not for --help
    from bulklike.auth.endpoints import Endpoints
    from bulklike.auth.flows import Terminal
    from bulklike.config import Settings

DEFAULT_REDIRECT_URI: Final = "http://127.0.0.1:8976/callback"


def auth_arguments(p: argparse.ArgumentParser) -> None:
    """The ``auth`` flags (kept here, next to the command; the parser adds them when ``auth`` is parsed)."""
    from bulklike.cli.parser import _common

    p.add_argument("--oauth2", action="store_true", help="OAuth 2.0 Authorization Code with PKCE (default: PIN flow)")
    p.add_argument("--client-id", metavar="ID", help="OAuth 2.0 client id (else BULKLIKE_CLIENT_ID or client_id)")
    p.add_argument(
        "--redirect-uri",
        metavar="URI",
        default=DEFAULT_REDIRECT_URI,
        help="OAuth 2.0 redirect URI registered for the app; bulklike listens there (default %(default)s)",
    )
    p.add_argument("--paste", action="store_true", help="OAuth 2.0: paste the redirected URL instead of listening")
    p.add_argument("--no-browser", action="store_true", help="print the authorize URL only; never open a browser")
    p.add_argument("--logout", action="store_true", help="forget the profile's stored tokens (and revoke OAuth 2.0)")
    p.add_argument(
        "--base-url",
        metavar="URL",
        help="API root (default https://api.x.com; a loopback URL puts the authorize pages there too)",
    )
    p.add_argument("--timeout", type=float, metavar="SECONDS", help="per-request timeout (default 30)")
    _common(p)


def cmd_auth(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from bulklike.cli.settings import settings_from

    return run_auth(args, argv, settings_from(args))


def _terminal(no_browser: bool) -> Terminal:
    from bulklike.auth.flows import Terminal

    def show_url(url: str) -> None:
        sys.stderr.write("bulklike: open this URL in a browser and authorize the app:\n")
        sys.stderr.write(url + "\n")  # alone on its line, to copy from a remote shell
        sys.stderr.flush()

    def open_url(url: str) -> None:
        if not no_browser:
            import webbrowser

            try:
                webbrowser.open(url)
            except webbrowser.Error:
                pass  # the URL is on stderr already

    async def read_line(prompt: str) -> str:
        sys.stderr.write(prompt)
        sys.stderr.flush()
        line = await asyncio.to_thread(sys.stdin.readline)
        if not line:
            raise ConfigError("no input on stdin: nothing saved")
        return str(line)

    return Terminal(show_url, open_url, read_line)


def _endpoints(args: argparse.Namespace, settings: Settings) -> Endpoints:
    from bulklike.auth.endpoints import Endpoints
    from bulklike.config import BASE_URLS

    configured = settings.base_url if settings.base_url not in BASE_URLS.values() else None
    return Endpoints.for_base(args.base_url or configured)


def run_auth(args: argparse.Namespace, argv: Sequence[str], settings: Settings) -> int:
    from bulklike.auth.flows import pin_flow, pkce_flow, require_oauth2_client, revoke
    from bulklike.auth.tokens import DEFAULT_PROFILE, TokenStore

    store = TokenStore()
    profile = settings.profile
    endpoints = _endpoints(args, settings)
    creds = settings.credentials
    client_id = args.client_id or creds.client_id
    shown = profile or DEFAULT_PROFILE
    if args.logout:
        entry = store.remove(profile)
        if entry is None:
            sys.stderr.write(f"bulklike: no stored tokens for profile {shown}\n")
            return EXIT_OK
        revoked = asyncio.run(revoke(endpoints, entry, client_id or entry.client_id, creds.client_secret, 30.0))
        sys.stderr.write(f"bulklike: forgot the tokens of profile {shown}" + (" (revoked)" if revoked else "") + "\n")
        return EXIT_OK
    timeout = args.timeout or settings.timeout
    term = _terminal(args.no_browser)
    oauth2 = args.oauth2 or not (creds.consumer_key and creds.consumer_secret)
    if oauth2:
        flow = pkce_flow(
            endpoints,
            require_oauth2_client(client_id),
            creds.client_secret,
            args.redirect_uri,
            term,
            paste=args.paste,
            timeout=timeout,
        )
    else:
        flow = pin_flow(endpoints, creds.consumer_key, creds.consumer_secret, term, timeout=timeout)
    entry = asyncio.run(flow)
    store.put(profile, entry)
    kind = "OAuth 2.0" if oauth2 else "OAuth 1.0a"
    sys.stderr.write(
        f"bulklike: authorized @{entry.screen_name or entry.user_id} ({kind}, profile {shown}); "
        f"tokens saved in {store.path}\n"
    )
    return EXIT_OK
