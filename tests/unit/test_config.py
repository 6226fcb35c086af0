"""Settings: precedence, profiles, validation, masking, and the loopback rule."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bulklike.config import Settings, build_settings, check_base_url, read_config_file, require_credentials
from bulklike.credentials import Credentials, Secret
from bulklike.errors import ConfigError
from bulklike.pacing.limits import Limit
from bulklike.x.signing import OAuth1Signer

ENV = {
    "BULKLIKE_CONSUMER_KEY": "env-ck",
    "BULKLIKE_CONSUMER_SECRET": "env-cs",
    "BULKLIKE_ACCESS_TOKEN": "1-env-at",
    "BULKLIKE_ACCESS_TOKEN_SECRET": "env-ats",
}
DATA = {
    "concurrency": 2,
    "quota": ["10/1m"],
    "min_interval": 0.5,
    "credentials": {
        "consumer_key": "file-ck",
        "consumer_secret": "file-cs",
        "access_token": "1-file-at",
        "access_token_secret": "file-ats",
    },
    "profiles": {"work": {"consumer_key": "work-ck", "api": "v2", "quota": ["5/15m"], "concurrency": 3}},
}


def test_defaults_follow_the_api() -> None:
    v1 = build_settings({}, {}, {})
    assert (v1.api, v1.base_url, v1.user_limits, v1.app_limits) == (
        "v1.1",
        "https://api.x.com",  # X's documented root for v1.1 too since 2026
        (Limit(1000, 86400.0),),
        (Limit(1000, 86400.0),),
    )
    v2 = build_settings({"api": "v2"}, {}, {})
    assert v2.base_url == "https://api.x.com" and v2.user_limits == (Limit(50, 900.0), Limit(1000, 86400.0))
    assert (v1.concurrency, v1.timeout, v1.max_attempts, v1.min_interval) == (4, 30.0, 5, 1.0)


def test_precedence_flags_env_profile_file() -> None:
    settings = build_settings({"concurrency": 8}, ENV, DATA)
    assert settings.concurrency == 8 and settings.min_interval == 0.5 and settings.user_limits == (Limit(10, 60.0),)
    assert settings.credentials.consumer_key.reveal() == "env-ck"  # the environment wins over the file
    profile = build_settings({"profile": "work"}, {}, DATA)
    assert profile.api == "v2" and profile.concurrency == 3 and profile.user_limits == (Limit(5, 900.0),)
    assert profile.credentials.consumer_key.reveal() == "work-ck"
    assert profile.credentials.consumer_secret.reveal() == "file-cs"  # the rest from [credentials]


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        ({"api": "v3"}, "api: expected auto, v1.1 or v2"),
        ({"concurrency": 0}, "at least 1"),
        ({"timeout": 0}, "must be positive"),
        ({"quota": ["ten/1m"]}, "invalid limit"),
        ({"min_interval": -1}, "must not be negative"),
        ({"profile": "nope"}, "no profile 'nope'"),
        ({"base_url": "ftp://x"}, "https"),
        ({"max_attempts": "x"}, "expected a whole number"),
        ({"quota": ["10/8d"]}, "longer than the 7 days the send ledger remembers"),
    ],
)
def test_invalid_settings(flags: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        build_settings(flags, {}, DATA)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080",
        "http://localhost",
        "http://[::1]:9/",
        "http://127.9.9.9",
        "https://api.twitter.com",
        "https://example.org/prefix/",
    ],
)
def test_base_url_allowed(url: str) -> None:
    assert check_base_url(url) == url.rstrip("/")


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com",
        "http://10.0.0.1",
        "http://localhost.evil.com",
        "http://128.0.0.1",
        "file:///etc/passwd",
        "https://",
    ],
)
def test_base_url_refused(url: str) -> None:
    with pytest.raises(ConfigError):
        check_base_url(url)


def test_missing_credentials_named() -> None:
    with pytest.raises(ConfigError, match="BULKLIKE_ACCESS_TOKEN_SECRET"):
        require_credentials(build_settings({}, {**ENV, "BULKLIKE_ACCESS_TOKEN_SECRET": ""}, {}))
    require_credentials(build_settings({"api": "v2"}, {"BULKLIKE_BEARER_TOKEN": "b"}, {}))  # bearer is enough
    with pytest.raises(ConfigError, match="BULKLIKE_BEARER_TOKEN for v2"):
        require_credentials(build_settings({"api": "v2"}, {}, {}))


def test_api_auto_is_the_default_and_starts_on_v1() -> None:
    settings = build_settings({}, ENV, {})
    assert settings.auto and settings.api == "v1.1" and settings.app_limits == (Limit(1000, 86400.0),)
    v2 = settings.as_v2()
    assert (v2.api, v2.auto, v2.base_url) == ("v2", False, "https://api.x.com")
    assert v2.user_limits == (Limit(50, 900.0), Limit(1000, 86400.0)) and v2.app_limits == ()
    assert v2.credentials == settings.credentials  # the same OAuth 1.0a credentials


def test_api_auto_keeps_what_the_user_chose_after_the_switch() -> None:
    flags = {"base_url": "http://127.0.0.1:9", "quota": ["5/2s"]}
    v2 = build_settings(flags, ENV, {}).as_v2()
    assert v2.base_url == "http://127.0.0.1:9" and v2.user_limits == (Limit(5, 2.0),) and v2.app_limits == ()


def test_api_auto_with_only_a_bearer_token_is_v2() -> None:
    settings = build_settings({}, {"BULKLIKE_BEARER_TOKEN": "b"}, {})
    assert settings.api == "v2" and not settings.auto and settings.base_url == "https://api.x.com"
    require_credentials(settings)
    explicit = build_settings({"api": "v1.1"}, ENV, {})
    assert explicit.api == "v1.1" and not explicit.auto


def test_secrets_masked_everywhere() -> None:
    settings = build_settings({}, ENV, {})
    creds = settings.credentials
    for text in (repr(settings), str(settings), repr(creds), f"{creds.consumer_secret}", repr(OAuth1Signer(creds))):
        for secret in ENV.values():
            assert secret not in text
    assert creds.secrets() == tuple(ENV.values())
    assert Secret("a") == Secret("a") and Secret("a") != Secret("b")
    assert creds.token_id != creds.app_id and len(creds.token_id) == 16
    assert "env" not in creds.token_id  # a fingerprint, not the value


def test_spread_interval() -> None:
    settings = Settings(spread=True, user_limits=(Limit(50, 900.0), Limit(1000, 86400.0)))
    assert settings.interval == 86.4  # the tightest long-run pace: 24 h / 1000
    assert Settings(min_interval=2.0).interval == 2.0


def test_config_file_permissions_warning(tmp_path: Path) -> None:
    path = tmp_path / "bulklike.toml"
    path.write_text('[credentials]\nconsumer_key = "k"\n')
    os.chmod(path, 0o644)
    warnings: list[str] = []
    assert read_config_file(str(path), warn=warnings)["credentials"] == {"consumer_key": "k"}
    assert len(warnings) == 1 and "chmod 600" in warnings[0]
    os.chmod(path, 0o600)
    warnings.clear()
    read_config_file(str(path), warn=warnings)
    assert warnings == []


def test_config_file_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="not found"):
        read_config_file(str(tmp_path / "missing.toml"), warn=[])
    bad = tmp_path / "bad.toml"
    bad.write_text("api = \n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        read_config_file(str(bad), warn=[])
    monkeypatch.chdir(tmp_path)
    assert read_config_file(None, warn=[]) == {}  # no ./bulklike.toml: no config, not an error
    (tmp_path / "bulklike.toml").write_text("concurrency = 2\n")
    assert read_config_file(None, warn=[]) == {"concurrency": 2}  # the default file is read when present


def test_credentials_defaults_are_empty() -> None:
    assert not Credentials().has_oauth1 and Credentials().secrets() == ()


def test_the_shipped_template_keeps_the_defaults() -> None:
    """``configs/bulklike.toml`` is copied as it is: it must not pin v1.1 nor replace the API's own limits."""
    template = Path(__file__).resolve().parents[2] / "configs" / "bulklike.toml"
    data = read_config_file(str(template), warn=[])
    assert build_settings({}, {}, data) == build_settings({}, {}, {})
    settings = build_settings({}, {}, data)
    assert settings.auto and settings.base_url == "https://api.x.com" and not settings.given
    assert settings.as_v2().user_limits == (Limit(50, 900.0), Limit(1000, 86400.0))  # v2's own, after a move
