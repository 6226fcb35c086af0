"""The results writer never raises: a reader gone is a flag, a failed write an ``OutputError`` kept for the
outbox; and what it renders is byte for byte what it writes (the outbox's intent depends on it)."""

from __future__ import annotations

import errno
import io
import math
import time

from hypothesis import given
from hypothesis import strategies as st

from bulklike.errors import OutputError
from bulklike.results import ResultWriter, iso, result_line


class Failing(io.StringIO):
    def __init__(self, exc: OSError) -> None:
        super().__init__()
        self.exc = exc

    def flush(self) -> None:
        raise self.exc


def test_a_full_disk_is_kept_as_one_clear_error_and_nothing_more_is_written() -> None:
    stream = Failing(OSError(errno.ENOSPC, "No space left on device"))
    writer = ResultWriter(stream, "jsonl", name="out.jsonl")
    writer.write(result_line("1", "liked", 1, 200, None, None, 0.0))
    writer.flush()  # does not raise
    assert isinstance(writer.error, OutputError) and not writer.broken
    assert str(writer.error).startswith("out.jsonl: cannot write results: No space left on device;")
    writer.write(result_line("2", "liked", 1, 200, None, None, 0.0))
    assert stream.getvalue().count("\n") == 1  # nothing written after the failure


def test_a_closed_pipe_is_a_flag_not_an_error() -> None:
    writer = ResultWriter(Failing(BrokenPipeError(errno.EPIPE, "Broken pipe")), "jsonl")
    writer.write(result_line("1", "liked", 1, 200, None, None, 0.0))
    writer.flush()
    assert writer.broken and writer.error is None


def test_what_is_rendered_is_what_is_written_header_included() -> None:
    stream = io.StringIO()
    writer = ResultWriter(stream, "csv")
    line = {"tweet_id": None, "status": "invalid", "input": "=1+1", "source": "a:1", "message": "x, y"}
    expected = writer.header() + writer.render(line)
    writer.write(line)
    assert stream.getvalue() == expected and writer.header() == ""
    assert "'=1+1" in expected and '"x, y"' in expected  # neutralised and quoted as before


@given(st.floats(0.0, 4e9, allow_nan=False))
def test_iso_is_strftime_of_the_utc_second(ts: float) -> None:
    """``iso`` keeps each second's text (likes of one second share it): the same text as formatting afresh."""
    expected = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))
    assert iso(ts) == expected and iso(ts) == expected  # computed, then from the cache
    assert iso(math.floor(ts) + 0.999) == expected and iso(None) is None
