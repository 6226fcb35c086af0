"""Small things a newcomer hit: a mistyped ``export --status``, and resume commands that repeated
the very flag that stopped the run."""

from __future__ import annotations

import pytest

from bulklike.cli.export import wanted_statuses
from bulklike.cli.run import without_cause
from bulklike.errors import ConfigError

RESUME = "bulklike run --journal /j.db --api v1.1 --until 2020-01-01T00:00:00Z --max-likes 5"


def test_unknown_status_is_an_error_naming_the_valid_ones() -> None:
    with pytest.raises(ConfigError) as caught:
        wanted_statuses(["liked", "forbiden"])
    assert caught.value.exit_code == 2
    assert "unknown --status 'forbiden'; valid: pending, planned, liked," in str(caught.value)
    assert wanted_statuses(["Forbidden", " liked "]) == ["forbidden", "liked"]


def test_resume_drops_an_until_already_past() -> None:
    said = without_cause(RESUME, until_past=True, v1_refused=False)
    assert said == "bulklike run --journal /j.db --api v1.1 --max-likes 5"
    assert without_cause("bulklike run --until=2020-01-01 -q", until_past=True, v1_refused=False) == "bulklike run -q"


def test_resume_after_a_453_moves_to_v2() -> None:
    said = without_cause(RESUME, until_past=False, v1_refused=True)
    assert said == "bulklike run --journal /j.db --api v2 --until 2020-01-01T00:00:00Z --max-likes 5"
    assert without_cause("bulklike run --api=v1.1", until_past=False, v1_refused=True) == "bulklike run --api=v2"


def test_resume_unchanged_otherwise() -> None:
    assert without_cause(RESUME, until_past=False, v1_refused=False) == RESUME
