"""OAuth 1.0a signer: published vectors, equivalence with oauthlib, server-side verification, masking."""

from __future__ import annotations

import json
import pickle
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oauthlib.common import Request
from oauthlib.oauth1 import Client
from oauthlib.oauth1.rfc5849 import signature, utils

from bulklike.credentials import Credentials, Secret
from bulklike.errors import ConfigError
from bulklike.x import signing as auth
from bulklike.x.signing import BearerSigner, OAuth1Signer, Signer
from tests.helpers.clock import FakeClock
from tests.helpers.examples import examples

DATA = Path(__file__).resolve().parents[2] / "data"
X_VECTOR = json.loads((DATA / "twitter_signature_example.json").read_text())
RFC = json.loads((DATA / "rfc5849_examples.json").read_text())

CK = "xvz1evFS4wEEPTGEFPHBog"
CS = "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw"
TOKEN = "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb"
TS = "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE"
NONCE = "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg"
TIMESTAMP = 1318622958
STATUS = "Hello Ladies + Gentlemen, a signed OAuth request!"
X_PARAMS = [("include_entities", "true"), ("status", STATUS)]
LIKE_URL = "https://api.twitter.com/1.1/favorites/create.json"


def creds(ck: str = CK, cs: str = CS, token: str = TOKEN, ts: str = TS) -> Credentials:
    return Credentials(
        consumer_key=Secret(ck),
        consumer_secret=Secret(cs),
        access_token=Secret(token),
        access_token_secret=Secret(ts),
    )


def fixed_signer(nonce: str = NONCE, timestamp: float = TIMESTAMP, **kw: str) -> OAuth1Signer:
    return OAuth1Signer(creds(**kw), clock=lambda: timestamp, nonce=lambda: nonce)


def header_params(header: str) -> dict[str, str]:
    """The decoded oauth_* values of an ``Authorization: OAuth ...`` header."""
    return {k: utils.unescape(v) for k, v in utils.parse_authorization_header(header)}


def server_accepts(header: str, method: str, url: str, query: str, cs: str = CS, ts: str = TS) -> bool:
    """What an oauthlib-based server does: collect parameters from the request, then verify."""
    uri = f"{url}?{query}" if query else url
    request = Request(uri, method, "", {"Authorization": header})
    request.params = signature.collect_parameters(uri_query=query, headers={"Authorization": header})
    request.signature = header_params(header)["oauth_signature"]
    return bool(signature.verify_hmac_sha1(request, cs, ts))


# --- X's "Creating a signature" example -----------------------------------------------------------


def test_x_documented_example_gives_documented_header() -> None:
    header = fixed_signer().authorization("POST", "https://api.twitter.com/1.1/statuses/update.json", X_PARAMS)
    assert header == (
        'OAuth oauth_consumer_key="xvz1evFS4wEEPTGEFPHBog", '
        'oauth_nonce="kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg", '
        'oauth_signature="hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D", oauth_signature_method="HMAC-SHA1", '
        'oauth_timestamp="1318622958", '
        'oauth_token="370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb", oauth_version="1.0"'
    )
    assert header_params(header)["oauth_signature"] == "hCtSmYh+iHYCEqBWrE7C7hYmtUk="


@pytest.mark.parametrize("variant", X_VECTOR["variants"], ids=lambda v: v["base_url"])
def test_every_published_variant_of_the_x_example(variant: dict[str, str]) -> None:
    signer = fixed_signer()
    base = signer.base_string("POST", variant["base_url"], X_PARAMS, NONCE, str(TIMESTAMP))
    assert base == variant["expected_signature_base_string"]
    assert base.split("&", 2)[2] == utils.escape(X_VECTOR["expected_parameter_string"])
    assert signer.sign(base) == variant["expected_signature"]
    header = signer.authorization("POST", variant["base_url"], X_PARAMS)
    assert header_params(header)["oauth_signature"] == variant["expected_signature"]


def test_signing_key_matches_documented_key() -> None:
    # The key is private, so check it through oauthlib's own HMAC with the documented key parts.
    key_consumer, key_token = X_VECTOR["expected_signing_key"].split("&")
    base = X_VECTOR["variants"][0]["expected_signature_base_string"]
    theirs = signature.sign_hmac_sha1_with_client(
        base, Client(CK, client_secret=key_consumer, resource_owner_secret=key_token)
    )
    assert fixed_signer().sign(base) == theirs == "hCtSmYh+iHYCEqBWrE7C7hYmtUk="


@pytest.mark.parametrize("raw,encoded", sorted(X_VECTOR["percent_encoding_examples_from_doc"]["cases"].items()))
def test_percent_encoding_examples(raw: str, encoded: str) -> None:
    assert auth._escape(raw) == encoded
    base = fixed_signer().base_string("POST", LIKE_URL, [("q", raw)], NONCE, "1")
    assert f"q%3D{encoded.replace('%', '%25')}" in base


# --- RFC 5849 --------------------------------------------------------------------------------------


def without_version(base: str) -> str:
    """The RFC examples omit the optional oauth_version, which bulklike always sends (X expects it)."""
    assert "%26oauth_version%3D1.0" in base
    return base.replace("%26oauth_version%3D1.0", "")


def test_rfc5849_3_4_1_base_string_example() -> None:
    ex = RFC["signature_base_string_example_3_4_1"]
    oauth = ex["oauth_header_params_excluding_realm_and_signature"]
    params = [(k, v) for k, v in ex["decoded_parameters_table_3_4_1_3_1"] if not k.startswith("oauth_")]
    signer = OAuth1Signer(creds(oauth["oauth_consumer_key"], "j49sk3j29djd", oauth["oauth_token"], "dh893hdasih9"))
    base = signer.base_string(
        "POST", "http://example.com/request", params, oauth["oauth_nonce"], oauth["oauth_timestamp"]
    )
    assert without_version(base) == ex["expected_signature_base_string"]
    # The RFC prints a wrong signature (erratum 2550); the corrected one follows from its base string.
    assert signer.sign(ex["expected_signature_base_string"]) == ex["signature_correct_per_erratum_2550"]


@pytest.mark.parametrize("case", RFC["base_string_uri_examples_3_4_1_2"]["cases"], ids=lambda c: c["host_header"])
def test_rfc5849_3_4_1_2_base_string_uri(case: dict[str, str]) -> None:
    path = case["request_line"].split()[1].split("?")[0]
    url = f"{case['scheme']}://{case['host_header']}{path}"
    base = fixed_signer().base_string("GET", url, [], NONCE, "1")
    assert base.split("&")[1] == utils.escape(case["expected_base_string_uri"])


# The temporary-credential request has no token, which bulklike never signs without: left out.
@pytest.mark.parametrize(
    "req", [r for r in RFC["photos_example_1_2"]["requests"] if r["token_secret"]], ids=lambda r: r["name"]
)
def test_rfc5849_photos_example_signatures(req: dict[str, object]) -> None:
    params = req["params"]
    assert isinstance(params, dict)
    signer = OAuth1Signer(
        creds(params["oauth_consumer_key"], str(req["client_secret"]), params["oauth_token"], str(req["token_secret"]))
    )
    # HMAC over the RFC's base string with the RFC's secrets gives the RFC's signature ...
    assert signer.sign(str(req["computed_signature_base_string"])) == req["expected_signature_from_rfc"]
    # ... and where the request carries only the parameters bulklike sends, so does our base string.
    if "oauth_verifier" in params:
        return
    other = [(k, v) for k, v in params.items() if not k.startswith("oauth_")]
    base = signer.base_string(
        str(req["method"]), str(req["base_string_uri"]), other, params["oauth_nonce"], params["oauth_timestamp"]
    )
    assert without_version(base) == req["computed_signature_base_string"]


def test_default_ports_are_dropped_and_host_lowercased() -> None:
    signer = fixed_signer()
    a = signer.base_string("POST", "https://API.Twitter.com:443/1.1/favorites/create.json", [("id", "1")], "n", "1")
    b = signer.base_string("POST", LIKE_URL, [("id", "1")], "n", "1")
    c = signer.base_string("POST", "http://127.0.0.1:8080/1.1/favorites/create.json", [("id", "1")], "n", "1")
    d = signer.base_string("POST", "http://127.0.0.1:80/1.1/favorites/create.json", [("id", "1")], "n", "1")
    assert a == b
    assert "http%3A%2F%2F127.0.0.1%3A8080%2F1.1" in c
    assert "http%3A%2F%2F127.0.0.1%2F1.1" in d


# --- equivalence with oauthlib and server-side verification ----------------------------------------

text = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)  # no lone surrogates: not UTF-8
urls = st.sampled_from([LIKE_URL, "https://API.X.com:443/2/users/1/likes", "http://localhost:8080/a%20b/c"])


@settings(max_examples=examples(200), deadline=None)
@given(
    params=st.lists(st.tuples(text, text), max_size=6),
    url=urls,
    nonce=st.text("abcdefXYZ0123456789-._~", min_size=1, max_size=40),
    timestamp=st.integers(0, 2**31),
)
def test_identical_to_oauthlib_client_sign(params: list[tuple[str, str]], url: str, nonce: str, timestamp: int) -> None:
    query = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in params)
    client = Client(CK, CS, TOKEN, TS, nonce=nonce, timestamp=str(timestamp))
    _, headers, _ = client.sign(f"{url}?{query}" if query else url, "GET")
    ours = fixed_signer(nonce, timestamp).authorization("GET", url, params)
    assert header_params(ours) == header_params(headers["Authorization"])
    assert server_accepts(ours, "GET", url, query)


keys = st.one_of(
    text, st.sampled_from(["id", "oauth", "oauth_", "oauth_a", "oauth_nonce", "oauth_token", "oauth_w", "p"])
)


@settings(max_examples=examples(300), deadline=None)
@given(params=st.lists(st.tuples(keys, text), max_size=6), method=st.sampled_from(["GET", "post", "DELETE"]))
def test_base_string_equals_oauthlib_primitives(params: list[tuple[str, str]], method: str) -> None:
    # Includes user parameters named oauth_*, which must sort among the protocol parameters.
    nonce, timestamp = "n0nce", "1700000000"
    oauth = [
        ("oauth_consumer_key", CK),
        ("oauth_nonce", nonce),
        ("oauth_signature_method", "HMAC-SHA1"),
        ("oauth_timestamp", timestamp),
        ("oauth_token", TOKEN),
        ("oauth_version", "1.0"),
    ]
    url = "https://API.X.com:443/2/users/1/likes"
    theirs = signature.signature_base_string(
        method, signature.base_string_uri(url), signature.normalize_parameters(params + oauth)
    )
    assert fixed_signer().base_string(method, url, params, nonce, timestamp) == theirs


def test_oauthlib_server_accepts_a_like_and_rejects_tampering() -> None:
    signer = OAuth1Signer(creds())
    header = signer.authorization("POST", LIKE_URL, [("id", "1293593516040269825")])
    assert server_accepts(header, "POST", LIKE_URL, "id=1293593516040269825")
    assert not server_accepts(header, "POST", LIKE_URL, "id=1293593516040269826")  # another tweet
    assert not server_accepts(header, "DELETE", LIKE_URL, "id=1293593516040269825")  # another method
    assert not server_accepts(header, "POST", LIKE_URL, "id=1293593516040269825", ts="wrong")


# --- per-request values ----------------------------------------------------------------------------


def test_fresh_nonce_and_clock_timestamp_per_request() -> None:
    clock = FakeClock(1700000000.9)
    signer = OAuth1Signer(creds(), clock=clock)
    first = header_params(signer.authorization("POST", LIKE_URL, [("id", "1")]))
    clock.advance(5)
    second = header_params(signer.authorization("POST", LIKE_URL, [("id", "1")]))
    assert first["oauth_timestamp"] == "1700000000"
    assert second["oauth_timestamp"] == "1700000005"
    assert first["oauth_nonce"] != second["oauth_nonce"]
    assert re.fullmatch(r"[0-9a-f]{32}", first["oauth_nonce"])
    assert first["oauth_signature"] != second["oauth_signature"]


def test_odd_injected_nonce_is_escaped_in_header_and_base_string() -> None:
    header = fixed_signer(nonce="a b/c").authorization("GET", LIKE_URL)
    assert 'oauth_nonce="a%20b%2Fc"' in header
    assert header_params(header)["oauth_nonce"] == "a b/c"
    assert server_accepts(header, "GET", LIKE_URL, "")


def test_uri_cache_stays_bounded() -> None:
    signer = fixed_signer()
    for i in range(auth._URI_CACHE_SIZE * 3):
        header = signer.authorization("DELETE", f"https://api.x.com/2/users/1/likes/{i}")
    assert len(signer._uri_cache) == auth._URI_CACHE_SIZE
    assert server_accepts(header, "DELETE", f"https://api.x.com/2/users/1/likes/{i}", "")


# --- secrets ---------------------------------------------------------------------------------------


def test_secrets_never_shown() -> None:
    c = creds()
    oauth1, bearer = OAuth1Signer(c), BearerSigner(Secret("bearer-token-value"))
    shown = " ".join((repr(oauth1), str(oauth1), f"{oauth1}", repr(bearer), str(bearer), repr([oauth1, bearer])))
    for secret in (*c.secrets(), "bearer-token-value"):
        assert secret not in shown
    assert "***" in repr(oauth1) and "***" in repr(bearer)
    for signer in (oauth1, bearer):
        with pytest.raises(TypeError):
            pickle.dumps(signer)


def test_missing_credentials_is_a_config_error_without_values() -> None:
    with pytest.raises(ConfigError) as info:
        OAuth1Signer(creds(ts=""))
    assert CS not in str(info.value) and CK not in str(info.value)
    with pytest.raises(ConfigError):
        BearerSigner(Secret(""))


def test_bearer_signer() -> None:
    signer: Signer = BearerSigner(Secret("AAAA%2Fbearer"))
    assert signer.authorization("POST", "https://api.x.com/2/users/1/likes") == "Bearer AAAA%2Fbearer"
