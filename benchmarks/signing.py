"""Microseconds per signed request: bulklike's ``OAuth1Signer`` versus ``oauthlib.oauth1.Client.sign``.

Both produce the ``Authorization`` header of the same request (``POST favorites/create.json``
with an ``id`` query parameter, a fresh nonce and timestamp each time). Before timing, the two
are checked to agree byte for byte under a fixed nonce and clock, and bulklike's signer is
checked to still use oauthlib's RFC 5849 primitives: a speedup from leaving the RFC would not count.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable

from oauthlib.oauth1 import Client
from oauthlib.oauth1.rfc5849 import signature as rfc_signature
from oauthlib.oauth1.rfc5849 import utils as rfc_utils

from benchmarks.common import BenchError
from bulklike.cli.demo import demo_credentials
from bulklike.emulator import DEMO_ACCOUNT
from bulklike.x import signing as auth
from bulklike.x.signing import OAuth1Signer

URL = "https://api.twitter.com/1.1/favorites/create.json"
TWEET_ID = "1234567890123456789"


def _oauthlib_client(**fixed: str) -> Client:
    a = DEMO_ACCOUNT
    return Client(
        a.consumer_key,
        client_secret=a.consumer_secret,
        resource_owner_key=a.access_token,
        resource_owner_secret=a.access_token_secret,
        **fixed,
    )


def check_agreement() -> None:
    """Same header as oauthlib for a fixed nonce and timestamp, and built on oauthlib's primitives."""
    used = vars(auth)
    if used.get("_signature") is not rfc_signature or used.get("_utils") is not rfc_utils:
        raise BenchError("bulklike.x.signing no longer signs with oauthlib's RFC 5849 primitives")
    nonce, timestamp = "4572616e48616d6d65724c61686176", "1318622958"
    ours = OAuth1Signer(demo_credentials(), clock=lambda: float(timestamp), nonce=lambda: nonce)
    mine = ours.authorization("POST", URL, (("id", TWEET_ID),))
    _, headers, _ = _oauthlib_client(nonce=nonce, timestamp=timestamp).sign(f"{URL}?id={TWEET_ID}", "POST")

    def fields(header: str) -> dict[str, str]:
        return dict(part.strip().split("=", 1) for part in header.removeprefix("OAuth ").split(","))

    if fields(mine) != fields(headers["Authorization"]):
        raise BenchError("bulklike's OAuth 1.0a header differs from oauthlib's for the same request")


def _per_call_us(call: Callable[[], object], number: int, repeats: int) -> float:
    """Median over ``repeats`` timed batches of ``number`` calls; the GC is off while timing, as timeit does."""
    samples = []
    for _ in range(repeats):
        gc.disable()
        try:
            started = time.perf_counter()
            for _ in range(number):
                call()
            samples.append((time.perf_counter() - started) / number * 1e6)
        finally:
            gc.enable()
    return statistics.median(samples)


def measure_signing(number: int = 20_000, repeats: int = 7) -> dict[str, float]:
    """µs per header, bulklike's signer and oauthlib's ``Client.sign``, for the same request."""
    check_agreement()
    signer = OAuth1Signer(demo_credentials())
    params = (("id", TWEET_ID),)
    client = _oauthlib_client()
    uri = f"{URL}?id={TWEET_ID}"
    bulklike_us = _per_call_us(lambda: signer.authorization("POST", URL, params), number, repeats)
    oauthlib_us = _per_call_us(lambda: client.sign(uri, "POST"), max(1, number // 5), repeats)
    return {"bulklike_us": bulklike_us, "oauthlib_us": oauthlib_us, "speedup": oauthlib_us / bulklike_us}


if __name__ == "__main__":
    print(measure_signing())
