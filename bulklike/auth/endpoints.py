"""Where the OAuth endpoints are: under the API root, and the OAuth 2.0 authorize page on x.com.

With a loopback ``--base-url`` (the emulator) every endpoint, the authorize pages included, is under
that one URL, so the flows can be tried offline.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from typing import Final

from bulklike.config import check_base_url, is_loopback

DEFAULT_API: Final = "https://api.x.com"
DEFAULT_WEB: Final = "https://x.com"


@dataclass(frozen=True, slots=True)
class Endpoints:
    api: str
    web: str

    @classmethod
    def for_base(cls, base_url: str | None) -> Endpoints:
        api = check_base_url(base_url) if base_url else DEFAULT_API
        loopback = is_loopback(urllib.parse.urlsplit(api).hostname or "")
        return cls(api=api, web=api if loopback else DEFAULT_WEB)

    @property
    def request_token(self) -> str:
        return f"{self.api}/oauth/request_token"

    @property
    def authorize_pin(self) -> str:
        return f"{self.api}/oauth/authorize"

    @property
    def access_token(self) -> str:
        return f"{self.api}/oauth/access_token"

    @property
    def authorize_oauth2(self) -> str:
        return f"{self.web}/i/oauth2/authorize"

    @property
    def token(self) -> str:
        return f"{self.api}/2/oauth2/token"

    @property
    def revoke(self) -> str:
        return f"{self.api}/2/oauth2/revoke"
