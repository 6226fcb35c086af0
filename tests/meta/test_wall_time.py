"""No test asserts on elapsed wall time: on a loaded machine any window is wrong sometimes.

Read from the source: inside each function of ``tests/``, a value read from a wall clock
(``time.time()``, ``time.monotonic()``, ``time.perf_counter()``, an event loop's ``.time()``) or computed
from one may not appear in an ``assert``'s comparison. A test that waits waits on an event (or on the
fake clock of ``tests.helpers.clock``, or the fake loop time of ``tests.helpers.fastloop``, whose
``loop_now()`` refuses a real loop); a deadline that only guards a loop goes in an ``if`` that raises
or in ``asyncio.wait_for``, not in an ``assert``.
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
SOURCES = sorted(p for p in TESTS.rglob("*.py") if "data" not in p.relative_to(TESTS).parts)

#: ``module.py::function`` allowed to assert on wall time: none. A test that measures time runs on the
#: fake-time loop (``tests.helpers.fastloop.loop_now``) or waits on an event; none may be added.
KNOWN: frozenset[str] = frozenset()

_CLOCKS = {"time", "monotonic", "perf_counter", "monotonic_ns", "perf_counter_ns", "time_ns"}


def _reads_wall_clock(node: ast.AST, tainted: set[str]) -> bool:
    """``node`` calls a wall clock (``time.monotonic()``, ``loop.time()`` ...) or uses a name holding one."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and sub.id in tainted:
            return True
        if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and sub.func.attr in _CLOCKS:
            owner = ast.unparse(sub.func.value)
            if owner == "time" or owner.endswith(("loop", "get_running_loop()")):
                return True
    return False


def offenders(tree: ast.Module) -> list[str]:
    """The functions of ``tree`` with an ``assert`` that compares a wall-clock value."""
    found: list[str] = []
    for func in ast.walk(tree):
        if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        tainted: set[str] = set()
        for _ in range(3):  # names computed from names computed from a clock
            for node in ast.walk(func):
                if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign) and node.value is not None:
                    if _reads_wall_clock(node.value, tainted):
                        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                        tainted |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        for node in ast.walk(func):
            if isinstance(node, ast.Assert) and any(
                isinstance(c, ast.Compare) and _reads_wall_clock(c, tainted) for c in ast.walk(node.test)
            ):
                found.append(func.name)
                break
    return found


def _all_offenders() -> set[str]:
    found: set[str] = set()
    for path in SOURCES:
        if path.parent.name == "meta" or path.parent.name == "helpers":
            continue
        text = path.read_text(encoding="utf-8")
        if not any(f"{clock}(" in text for clock in _CLOCKS):
            continue  # no clock read at all: nothing to parse
        tree = ast.parse(text, str(path))
        found |= {f"{path.relative_to(TESTS).as_posix()}::{name}" for name in offenders(tree)}
    return found


def test_no_test_asserts_on_elapsed_wall_time() -> None:
    found = _all_offenders()
    assert sorted(found - KNOWN) == [], "wait on an event or the fake clock, not on a time window"
    assert sorted(KNOWN - found) == [], "these no longer assert on wall time: remove them from KNOWN"


def test_the_check_sees_what_it_must() -> None:
    bad = ast.parse(
        "def t():\n    began = time.monotonic()\n    work()\n    took = time.monotonic() - began\n    assert took < 2\n"
        "async def u(loop):\n    start = loop.time()\n    assert loop.time() - start >= 0.1\n"
    )
    good = ast.parse(
        "def t(clock):\n    began = clock()\n    assert clock() - began == 5\n"
        "def u():\n    deadline = time.monotonic() + 5\n    while time.monotonic() < deadline:\n        pass\n"
        "    assert done\n"
    )
    assert offenders(bad) == ["t", "u"]
    assert offenders(good) == []
