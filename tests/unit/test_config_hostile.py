"""Settings that once ended in a traceback (or a wrong error deep in a run): each is exit 2 with
one line naming the key or the file, before anything is read, journaled or sent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bulklike.cli.main import main
from tests.helpers.workspace import DEMO_ENV

CONFIGS = [
    ('profiles = "x"', "profiles"),
    ('credentials = "x"', "credentials"),
    ("[[credentials]]", "credentials"),
    ("timeout = inf", "timeout"),
    ("timeout = nan", "timeout"),
    ("min_interval = nan", "min_interval"),
    ("min_interval = inf", "min_interval"),
    ("concurrency = 4.5", "concurrency"),
    ("concurrency = true", "concurrency"),
    ("concurrency = 100000000", "concurrency"),
    ("max_attempts = 2.5", "max_attempts"),
    ("journal = []", "journal"),
    ("ledger = 7", "ledger"),
    ("base_url = 5", "base_url"),
]
FLAGS = [
    (["--base-url", "http://user:pass@127.0.0.1:9"], "--base-url"),
    (["--base-url", "http://127.0.0.1:99999"], "--base-url"),
    (["--timeout", "inf"], "timeout"),
    (["--timeout", "nan"], "timeout"),
    (["--timeout", "1e400"], "timeout"),
    (["--min-interval", "nan"], "min_interval"),
]
STORES = {
    "utf16": json.dumps({"version": 1, "profiles": {}}).encode("utf-16"),
    "invalid-utf8": b'{"version": 1, "profiles": {"\xff\xfe": {}}}',
    "nested-100000-deep": b"[" * 100_000 + b"]" * 100_000,
    "expires-at-1e400": json.dumps(
        {"version": 1, "profiles": {"default": {"kind": "oauth2", "user_id": "1", "access_token": "t"}}}
    )
    .replace('"t"}', '"t", "expires_at": 1e400}')
    .encode(),
}


@pytest.fixture(autouse=True)
def _workspace(isolated: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key, value in DEMO_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    (tmp_path / "ids.txt").write_text("1\n")


def one_line(capsys: pytest.CaptureFixture[str], code: int, *fragments: str) -> None:
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("bulklike: error: "), err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


@pytest.mark.parametrize(("toml", "key"), CONFIGS, ids=[c[0] for c in CONFIGS])
def test_bad_config_values(tmp_path: Path, capsys: pytest.CaptureFixture[str], toml: str, key: str) -> None:
    (tmp_path / "bulklike.toml").write_text(toml + "\n")
    one_line(capsys, main(["run", "ids.txt", "--no-progress"]), key)
    assert not (tmp_path / "bulklike.db").exists() and not (tmp_path / "[]").exists()


@pytest.mark.parametrize(("flags", "key"), FLAGS, ids=[" ".join(f[0]) for f in FLAGS])
def test_bad_flag_values(tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: list[str], key: str) -> None:
    one_line(capsys, main(["run", "ids.txt", "--journal", "j.db", "--no-progress", *flags]), key)
    assert not (tmp_path / "j.db").exists()


@pytest.mark.parametrize("name", list(STORES))
def test_a_damaged_token_store(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str) -> None:
    store = tmp_path / "config" / "bulklike" / "tokens.json"
    store.parent.mkdir(parents=True)
    store.write_bytes(STORES[name])
    one_line(capsys, main(["accounts"]), str(store), "damaged")
