"""The test suite's own layout: shared code lives in ``tests/helpers``, conftest files only declare
fixtures, no test module imports another, and there is one fake clock (``tests.helpers.clock``)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
SOURCES = sorted(p for p in TESTS.rglob("*.py") if "data" not in p.relative_to(TESTS).parts)


def _imported_modules(tree: ast.Module, path: Path) -> list[str]:
    """Absolute names of the modules ``path`` imports (relative imports resolved)."""
    package = ".".join(path.relative_to(TESTS.parent).with_suffix("").parts[:-1])
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(part for part in (base, node.module or "") if part)
            names.append(module)
            names.extend(f"{module}.{alias.name}" for alias in node.names)
    return names


def _is_test_module(name: str) -> bool:
    last = name.rsplit(".", 1)[-1]
    return name.startswith("tests.") and (last.startswith("test_") or last == "conftest")


@pytest.mark.parametrize("path", SOURCES, ids=[str(p.relative_to(TESTS)) for p in SOURCES])
def test_no_module_imports_a_test_module_or_a_conftest(path: Path) -> None:
    tree = ast.parse(path.read_text(), str(path))
    wrong = [name for name in _imported_modules(tree, path) if _is_test_module(name)]
    assert wrong == [], f"{path.name} imports {wrong}: move what it needs into tests/helpers"


@pytest.mark.parametrize("path", SOURCES, ids=[str(p.relative_to(TESTS)) for p in SOURCES])
def test_one_fake_clock(path: Path) -> None:
    if path.parent.name == "helpers":
        return
    tree = ast.parse(path.read_text(), str(path))
    clocks = [n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and "clock" in n.name.lower()]
    clocks += [n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name.startswith("FakeTime")]
    assert clocks == [], f"{path.name} defines {clocks}: use tests.helpers.clock.FakeClock"


def _declares_a_fixture_or_hook(node: ast.stmt) -> bool:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return node.name.startswith("pytest_") or any("fixture" in ast.unparse(d) for d in node.decorator_list)
    return isinstance(node, ast.Import | ast.ImportFrom) or (
        isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)  # the docstring
    )


CONFTESTS = [p for p in SOURCES if p.name == "conftest.py"]


@pytest.mark.parametrize("path", CONFTESTS, ids=[str(p.relative_to(TESTS)) for p in CONFTESTS])
def test_conftest_files_only_declare_fixtures(path: Path) -> None:
    tree = ast.parse(path.read_text(), str(path))
    other = [ast.unparse(node).splitlines()[0] for node in tree.body if not _declares_a_fixture_or_hook(node)]
    assert other == [], f"{path.relative_to(TESTS)}: move {other} into tests/helpers"
