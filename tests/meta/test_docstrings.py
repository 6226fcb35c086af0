"""Every public callable says what it is for: the names in ``bulklike.__all__`` and the public methods and
properties of the exported classes (their own and those inherited from bulklike's classes)."""

from __future__ import annotations

import inspect

import pytest

import bulklike


def _public_objects() -> list[tuple[str, object]]:
    found: list[tuple[str, object]] = []
    for name in bulklike.__all__:
        value = getattr(bulklike, name)
        if not (inspect.isclass(value) or inspect.isfunction(value)):
            continue  # __version__ (a str) and Status (a Literal alias) carry no docstring of their own
        found.append((name, value))
        if not inspect.isclass(value):
            continue
        for klass in value.__mro__:
            if not klass.__module__.startswith("bulklike"):
                continue  # what Exception or object define is documented there
            for attribute, member in vars(klass).items():
                if attribute.startswith("_"):
                    continue
                if isinstance(member, property):
                    found.append((f"{name}.{attribute}", member))
                elif isinstance(member, staticmethod | classmethod) or inspect.isfunction(member):
                    found.append((f"{name}.{attribute}", member))
    return found


PUBLIC = _public_objects()


def test_the_walk_finds_the_api() -> None:
    names = {name for name, _ in PUBLIC}
    assert {"Session", "Session.like", "Session.undo", "Result", "Credentials", "BulklikeError"} <= names


@pytest.mark.parametrize(("name", "value"), PUBLIC, ids=[name for name, _ in PUBLIC])
def test_public_callable_has_a_docstring(name: str, value: object) -> None:
    target = value.__func__ if isinstance(value, staticmethod | classmethod) else value
    assert (inspect.getdoc(target) or "").strip(), f"bulklike.{name} has no docstring"
