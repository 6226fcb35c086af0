"""The emulator's numeric flags: one converter, a one-line usage error naming what is wrong."""

from __future__ import annotations

import argparse

import pytest

from bulklike.emulator.cli import _count, _fraction, _non_negative


def test_valid_numbers_pass_through() -> None:
    assert (_fraction("0.25"), _fraction("1"), _non_negative("0"), _count("7")) == (0.25, 1.0, 0.0, 7)
    assert isinstance(_count("7"), int) and isinstance(_fraction("1"), float)


@pytest.mark.parametrize(
    ("convert", "text", "said"),
    [
        (_fraction, "2", "2 is over 1"),
        (_fraction, "-0.1", "-0.1 is negative"),
        (_fraction, "half", "'half' is not a number"),
        (_non_negative, "-1", "-1 is negative"),
        (_count, "1.5", "'1.5' is not a whole number"),
        (_count, "-3", "-3 is negative"),
    ],
)
def test_bad_numbers_are_usage_errors(convert: object, text: str, said: str) -> None:
    assert callable(convert)
    with pytest.raises(argparse.ArgumentTypeError, match=f"^{said}$".replace(".", r"\.")):
        convert(text)
