"""The usual client: tweepy's ``API.create_favorite`` in a plain loop, against the emulator.

``python -m benchmarks.tweepy_loop BASE_URL START N`` likes tweets START..START+N-1 one after
another and prints one JSON line. tweepy builds every URL as ``https://`` + ``host``; the only
change made to it here is a wrapper around this one ``API`` object's own ``requests.Session.request``
that turns ``https://HOST`` into ``http://HOST`` before requests prepares (and so before
requests-oauthlib signs) the request. Signing, sending, status checks and parsing into a
``Status`` model are tweepy's own. Retries and rate-limit waits are off (``retry_count=0``,
``wait_on_rate_limit=False``), so it is a plain loop; any non-2xx answer raises and is counted.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any
from urllib.parse import urlsplit

import tweepy

from bulklike.emulator import DEMO_ACCOUNT


def make_api(base_url: str) -> tweepy.API:
    a = DEMO_ACCOUNT
    auth = tweepy.OAuth1UserHandler(a.consumer_key, a.consumer_secret, a.access_token, a.access_token_secret)
    host = urlsplit(base_url).netloc
    api = tweepy.API(auth, host=host, retry_count=0, retry_delay=0, wait_on_rate_limit=False, timeout=30)
    secure, plain = f"https://{host}/", f"http://{host}/"
    send = api.session.request

    def request(method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        if url.startswith(secure):
            url = plain + url[len(secure) :]
        return send(method, url, *args, **kwargs)

    api.session.request = request
    return api


def main(argv: list[str]) -> int:
    base_url, start, n = argv[0], int(argv[1]), int(argv[2])
    api = make_api(base_url)
    liked = 0
    errors: dict[str, int] = {}
    started = time.perf_counter()
    for tweet_id in range(start, start + n):
        try:
            status = api.create_favorite(tweet_id)
        except tweepy.TweepyException as exc:
            errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
            continue
        liked += bool(status.favorited and status.id_str == str(tweet_id))
    print(json.dumps({"liked": liked, "errors": errors, "seconds": time.perf_counter() - started}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
