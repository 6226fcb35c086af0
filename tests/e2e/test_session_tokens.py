"""``bulklike.Session`` without given credentials takes the user's tokens from the token store, last
(after the environment and the config file), as the CLI does; given credentials stand alone."""

from __future__ import annotations

from pathlib import Path

import pytest

import bulklike
from bulklike.auth.tokens import TokenEntry, TokenStore
from bulklike.credentials import Secret, fingerprint
from bulklike.emulator import DEMO_ACCOUNT
from bulklike.errors import ConfigError
from tests.helpers.workspace import EmulatorFactory, ids


@pytest.fixture(autouse=True)
def _app_keys_only(isolated: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BULKLIKE_CONSUMER_KEY", DEMO_ACCOUNT.consumer_key)  # the app's keys only
    monkeypatch.setenv("BULKLIKE_CONSUMER_SECRET", DEMO_ACCOUNT.consumer_secret)


def store_demo_tokens() -> None:
    TokenStore().put(
        None,
        TokenEntry(
            kind="oauth1",
            user_id=DEMO_ACCOUNT.user_id,
            screen_name=DEMO_ACCOUNT.screen_name,
            access_token=Secret(DEMO_ACCOUNT.access_token),
            access_token_secret=Secret(DEMO_ACCOUNT.access_token_secret),
            app=fingerprint(DEMO_ACCOUNT.consumer_key, purpose="app"),
        ),
    )


async def test_stored_tokens_sign_a_library_session(tmp_path: Path, emulator: EmulatorFactory) -> None:
    store_demo_tokens()
    async with (
        emulator() as emu,
        bulklike.Session(
            base_url=emu.base_url, journal=tmp_path / "j.db", ledger=tmp_path / "l.db", min_interval=0
        ) as s,
    ):
        results = [r async for r in s.like(ids(3))]
        stats = emu.stats()
    assert [r.status for r in results] == ["liked"] * 3
    assert stats["requests"] == 3  # the account came with the tokens: no lookup


async def test_no_stored_tokens_is_a_missing_credential(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="missing credential"):
        async with bulklike.Session(journal=tmp_path / "j.db"):
            pass
