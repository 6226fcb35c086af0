"""The classifier against real recorded answers, the xapi.md table, and hostile bodies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bulklike.x.classify import Answer, Kind, TransportError, classify, fatal_hint

DATA = Path(__file__).resolve().parents[2] / "data"


def _entries() -> list[dict[str, Any]]:
    return list(json.loads((DATA / "error_bodies.json").read_text())["entries"])


def _body(entry: dict[str, Any]) -> bytes | None:
    for key in ("body_exact", "body_json_equivalent", "body_json_likely", "body_exact_pretty"):
        value = entry.get(key)
        if isinstance(value, str):
            return value.encode()
        if isinstance(value, dict):
            return json.dumps(value).encode()
    return None


EXPECTED = {
    139: ("done", "already_liked"),
    144: ("permanent", "not_found"),
    32: ("fatal", "fatal"),
    34: ("permanent", "not_found"),
    88: ("rate_limited", "rate_limited"),
}


@pytest.mark.parametrize("entry", [e for e in _entries() if e["http_status"] != 200], ids=lambda e: e["id"])
def test_recorded_error_bodies(entry: dict[str, Any]) -> None:
    body = _body(entry)
    assert body is not None
    code = json.loads(body)["errors"][0]["code"]
    outcome = classify(Answer(entry["http_status"], body))
    assert (outcome.kind.value, outcome.status) == EXPECTED[code]
    assert outcome.error_code == code and outcome.http_status == entry["http_status"]


def _cassette_answers() -> list[tuple[str, int, bytes]]:
    out = []
    for path in sorted((DATA / "cassettes").glob("*.json")):
        for interaction in json.loads(path.read_text())["interactions"]:
            uri = interaction["request"]["uri"]
            response = interaction["response"]
            out.append((uri, response["status"]["code"], response["body"]["string"].encode()))
    return out


@pytest.mark.parametrize(("uri", "status", "body"), _cassette_answers(), ids=lambda v: str(v)[-40:])
def test_recorded_v1_successes(uri: str, status: int, body: bytes) -> None:
    action = "unlike" if "destroy" in uri else "like"
    outcome = classify(Answer(status, body), action)
    assert outcome.kind is Kind.DONE and outcome.status == ("unliked" if action == "unlike" else "liked")


@pytest.mark.parametrize(
    ("body", "action", "status"),
    [
        (b'{"data":{"liked":true}}', "like", "liked"),
        (b'{"data":{"liked":false}}', "unlike", "unliked"),
        (b'{"data":{"id":"1072250532645998596","name":"x","username":"x"}}', "whoami", "ok"),
    ],
)
def test_recorded_v2_successes(body: bytes, action: str, status: str) -> None:
    outcome = classify(Answer(200, body), action)
    assert outcome.kind is Kind.DONE and outcome.status == status


TABLE = [
    (403, 139, "done", "already_liked"),
    (404, 144, "permanent", "not_found"),
    (404, 421, "permanent", "not_found"),
    (404, 422, "permanent", "not_found"),
    (403, 179, "permanent", "forbidden"),
    (403, 136, "permanent", "forbidden"),
    (401, 136, "permanent", "forbidden"),
    (403, 425, "permanent", "forbidden"),
    (429, 88, "rate_limited", None),
    (503, 130, "retryable", "failed"),
    (500, 131, "retryable", "failed"),
    (401, 32, "fatal", None),
    (401, 135, "fatal", None),
    (401, 89, "fatal", None),
    (403, 89, "fatal", None),
    (400, 215, "fatal", None),
    (403, 220, "fatal", None),
    (403, 99, "fatal", None),
    (403, 63, "fatal", None),
    (403, 64, "fatal", None),
    (403, 326, "fatal", None),
    (403, 261, "fatal", None),
    (403, 185, "rate_limited", None),
    (403, 226, "fatal", None),
]


@pytest.mark.parametrize(("http", "code", "kind", "status"), TABLE)
def test_xapi_table(http: int, code: int, kind: str, status: str | None) -> None:
    outcome = classify(Answer(http, json.dumps({"errors": [{"code": code, "message": "m"}]}).encode()))
    assert outcome.kind.value == kind
    if status is not None:
        assert outcome.status == status


def test_fatal_hints_say_what_to_do() -> None:
    assert "clock" in fatal_hint(135, 401)
    assert "locked" in fatal_hint(326, 403)
    assert "automated" in fatal_hint(226, 403)
    assert "credentials" in fatal_hint(None, 401)


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (429, b"", Kind.RATE_LIMITED),  # v1.1's bare daily-cap answer
        (
            429,
            b'{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}',
            Kind.RATE_LIMITED,
        ),
        (429, b'{"title":"x","type":"https://api.twitter.com/2/problems/usage-capped"}', Kind.FATAL),  # a cap
        (502, b"<html><body>Bad Gateway</body></html>", Kind.RETRYABLE),
        (504, b"", Kind.RETRYABLE),
        (200, b'{"created_at":"Wed Oct 10 20:19:24 +0000 2018","id":1,"id_st', Kind.RETRYABLE),  # truncated
        (200, b"<html>maintenance</html>", Kind.RETRYABLE),
        (200, b"[]", Kind.RETRYABLE),
        (0, b"", Kind.RETRYABLE),  # no answer at all
        (
            400,
            b'{"errors":[{"message":"This tweet cannot be found."}],"title":"Invalid Request",'
            b'"type":"https://api.twitter.com/2/problems/invalid-request"}',
            Kind.PERMANENT,
        ),
        (404, b"not json", Kind.PERMANENT),
        (401, b"<html>", Kind.FATAL),
        (403, b'{"errors":[{"code":"139","message":"string code"}]}', Kind.PERMANENT),  # a lying body is not trusted
        (418, b"", Kind.RETRYABLE),
    ],
)
def test_hostile_and_edge_answers(status: int, body: bytes, kind: Kind) -> None:
    assert classify(Answer(status, body, transport_error=TransportError.TIMEOUT if status == 0 else None)).kind is kind


@given(st.integers(min_value=0, max_value=999), st.binary(max_size=300), st.sampled_from(["like", "unlike"]))
def test_never_raises(status: int, body: bytes, action: str) -> None:
    outcome = classify(Answer(status, body), action)
    assert outcome.kind in Kind
    assert (outcome.kind is Kind.DONE) == (outcome.status in ("liked", "unliked", "already_liked"))


def test_an_unlike_answered_144_is_not_liked_and_other_missing_codes_stay_not_found() -> None:
    """v1.1 favorites/destroy answers 144 both for a tweet never liked and for a deleted one."""
    body = json.dumps({"errors": [{"code": 144, "message": "No status found with that ID."}]}).encode()
    assert classify(Answer(404, body), "unlike").status == "not_liked"
    assert classify(Answer(404, body), "like").status == "not_found"
    gone = json.dumps({"errors": [{"code": 421, "message": "This Tweet is no longer available."}]}).encode()
    assert classify(Answer(404, gone), "unlike").status == "not_found"
    assert classify(Answer(200, b'{"data":{"liked":false}}'), "unlike").status == "unliked"  # v2: either way
