"""The recorder's per-like log line: a debug event, so the default level neither renders nor gathers it;
a failure stays a warning. A real journal on disk and a structlog logger that captures what it is given."""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

import pytest
import structlog
from structlog.testing import CapturingLogger

from bulklike.engine.outbox import Handover
from bulklike.engine.recorder import Recorder
from bulklike.input.ingest import Ingestor, Source
from bulklike.input.lines import ParsedId
from bulklike.store.journal import Journal, Record


def _journal(path: Path) -> Journal:
    journal = Journal(str(path))
    run = journal.begin_run("run", 1.0)
    ids = [ParsedId(t, f"t:{t}") for t in ("1", "2")]
    ingestor = Ingestor(str(path), run, [Source("t", iter(ids), io.BytesIO())], on_commit=lambda _: None)
    ingestor.start()
    assert ingestor.done.wait(10) and ingestor.stats.error is None
    return journal


def _events(tmp_path: Path, level: int) -> list[tuple[str, str, dict[str, Any]]]:
    """Record one like and one failure through a recorder whose logger filters at ``level``."""
    captured = CapturingLogger()
    log = structlog.wrap_logger(captured, processors=[], wrapper_class=structlog.make_filtering_bound_logger(level))
    journal = _journal(tmp_path / "j.db")
    recorder = Recorder(journal, Handover(journal), log=log)
    recorder.add(Record("1", "liked", 1, 200, None, None, 5.0))
    recorder.add(Record("2", "failed", 3, 503, None, "over capacity", 5.0))
    recorder.close()
    journal.close()
    return [(call.method_name, call.kwargs.pop("event"), call.kwargs) for call in captured.calls]


@pytest.mark.parametrize("level", [logging.INFO, logging.WARNING])
def test_a_like_logs_nothing_at_the_default_levels_and_a_failure_warns(tmp_path: Path, level: int) -> None:
    events = _events(tmp_path, level)
    assert [(method, event, fields["tweet_id"]) for method, event, fields in events] == [("warning", "outcome", "2")]


def test_at_debug_every_outcome_is_an_event_with_its_stable_keys(tmp_path: Path) -> None:
    events = _events(tmp_path, logging.DEBUG)
    assert events[0] == ("debug", "outcome", {"tweet_id": "1", "status": "liked", "attempts": 1, "http_status": 200})
    assert events[1][:2] == ("warning", "outcome") and events[1][2]["message"] == "over capacity"
