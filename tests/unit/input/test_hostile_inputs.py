"""Hostile inputs, read end to end: each bad line becomes an exact InvalidLine at its ``name:line``,
the valid IDs around it still come through, and only a whole unusable input raises InputError.

The corpus (``tests/helpers/hostile.py``) is a table: (id, format, bytes, expected records or the InputError message).
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bulklike.errors import InputError
from bulklike.input.readers import InputFormat, open_input, read_records
from tests.helpers.hostile import CORPUS, Expected


@pytest.mark.parametrize(("fmt", "data", "expected"), [c[1:] for c in CORPUS], ids=[c[0] for c in CORPUS])
def test_hostile_input(fmt: InputFormat, data: bytes, expected: Expected) -> None:
    if isinstance(expected, str):
        with pytest.raises(InputError) as caught:
            read_records(io.BytesIO(data), name="in", fmt=fmt)
        assert str(caught.value) == expected
    else:
        assert list(read_records(io.BytesIO(data), name="in", fmt=fmt)) == expected


def _touch(path: Path) -> Path:
    path.write_bytes(b"")
    return path


OPEN_CASES = [
    ("missing-file", lambda tmp: tmp / "nope.txt", "{path}: no such file"),
    ("directory", lambda tmp: tmp, "{path}: is a directory, not a file"),
    ("missing-parent", lambda tmp: tmp / "no" / "ids.csv", "{path}: no such file"),
    ("file-as-directory", lambda tmp: _touch(tmp / "f") / "x", "{path}: cannot open (Not a directory)"),
]


@pytest.mark.parametrize(("make", "message"), [c[1:] for c in OPEN_CASES], ids=[c[0] for c in OPEN_CASES])
def test_unusable_path(tmp_path: Path, make: object, message: str) -> None:
    assert callable(make)
    path = str(make(tmp_path))
    with pytest.raises(InputError) as caught:
        open_input(path, io.BytesIO())
    assert str(caught.value) == message.format(path=path)
