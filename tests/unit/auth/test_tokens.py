"""The token store: private from creation, replaced atomically, one entry per profile, damage reported."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from bulklike.auth.tokens import Kind, TokenEntry, TokenStore
from bulklike.credentials import Secret
from bulklike.errors import ConfigError


def entry(n: int = 1, kind: Kind = "oauth2") -> TokenEntry:
    return TokenEntry(
        kind=kind,
        user_id=f"150000000000000000{n}",
        screen_name=f"user{n}",
        access_token=Secret(f"access-{n}"),
        refresh_token=Secret(f"refresh-{n}") if kind == "oauth2" else Secret(""),
        access_token_secret=Secret(f"secret-{n}") if kind == "oauth1" else Secret(""),
        expires_at=1_700_007_200.0 if kind == "oauth2" else None,
        lifetime=7200.0 if kind == "oauth2" else None,
        scopes=("tweet.read", "like.write") if kind == "oauth2" else (),
        client_id="client" if kind == "oauth2" else "",
    )


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_created_0600_under_a_permissive_umask_and_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "tokens.json"
    old = os.umask(0)
    try:
        store = TokenStore(str(path))
        store.put(None, entry(1), now=5.0)
        store.put("work", entry(2, "oauth1"), now=6.0)
    finally:
        os.umask(old)
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700
    loaded = store.load()
    assert set(loaded) == {"default", "work"}
    assert loaded["default"].refresh_token.reveal() == "refresh-1" and loaded["default"].saved_at == 5.0
    assert loaded["work"].access_token_secret.reveal() == "secret-2" and loaded["work"].kind == "oauth1"
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_a_failed_replace_leaves_the_old_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "tokens.json"
    store = TokenStore(str(path))
    store.put(None, entry(1))
    before = path.read_bytes()

    def broken(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(ConfigError, match="cannot write the token store: No space left"):
        store.put(None, entry(2))
    assert path.read_bytes() == before  # the old entry, whole
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []  # no debris


def test_replacement_is_a_rename_never_an_in_place_write(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    store = TokenStore(str(path))
    store.put(None, entry(1))
    first_inode = path.stat().st_ino
    with open(path, "rb") as held:  # a reader that opened the old file keeps reading the old content
        store.put(None, entry(2))
        assert json.loads(held.read())["profiles"]["default"]["access_token"] == "access-1"
    assert path.stat().st_ino != first_inode
    got = store.get(None)
    assert got is not None and got.access_token.reveal() == "access-2"


def test_remove_keeps_other_profiles(tmp_path: Path) -> None:
    store = TokenStore(str(tmp_path / "tokens.json"))
    store.put(None, entry(1))
    store.put("b", entry(2))
    removed = store.remove(None)
    assert removed is not None and removed.user_id == entry(1).user_id
    assert set(store.load()) == {"b"}
    assert store.remove("nobody") is None


@pytest.mark.parametrize("text", ["{", '{"profiles": []}', '{"profiles": {"x": {"kind": "oauth3"}}}', "[]"])
def test_a_damaged_store_is_one_clear_error_without_its_content(tmp_path: Path, text: str) -> None:
    path = tmp_path / "tokens.json"
    path.write_text(text.replace("}", ', "access_token": "SHOULD-NOT-SHOW"}', 1) if "kind" in text else text)
    with pytest.raises(ConfigError) as caught:
        TokenStore(str(path)).load()
    assert "damaged" in str(caught.value) and "SHOULD-NOT-SHOW" not in str(caught.value)


def test_entries_never_show_a_token(tmp_path: Path) -> None:
    e = entry(1)
    shown = repr(e) + str(e) + e.describe(1_700_000_000.0)
    assert "access-1" not in shown and "refresh-1" not in shown
    assert "expires in 120 min (refreshable)" in e.describe(1_700_000_000.0)
    assert "expired" in e.describe(1_800_000_000.0)
