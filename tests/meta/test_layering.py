"""The package's layering, checked from the source: who may import whom, and the size of each module.

``MAY_IMPORT`` and ``ONLY_IN`` are the one statement of the rules; ARCHITECTURE.md shows the same table
between its ``layering`` markers (a test below checks they agree). Every import counts, including those
under ``if TYPE_CHECKING:`` and inside functions: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import bulklike

PACKAGE = Path(bulklike.__file__).resolve().parent
ARCHITECTURE = PACKAGE.parent / "ARCHITECTURE.md"
MODULES = sorted(PACKAGE.rglob("*.py"))
ANY = "*"

#: unit (a subpackage or a top-level module; ``bulklike`` is the package's ``__init__``) -> what it may
#: import from bulklike besides itself: units, or single modules of a unit (``api.codes``). ``*`` = anything.
MAY_IMPORT: dict[str, tuple[str, ...]] = {
    "errors": (),
    "credentials": (),
    "paths": (),
    "logs": (),
    "snowflake": (),
    "outcome": (),
    "store": ("errors",),
    "input": ("errors", "snowflake", "store"),
    "x": ("bulklike", "credentials", "errors", "outcome", "pacing.limits", "snowflake"),
    "pacing": ("store", "x.codes"),
    "config": ("auth.tokens", "credentials", "errors", "pacing"),
    "auth": ("config", "credentials", "errors", "pacing", "paths", "snowflake", "store", "x"),
    "results": ("errors",),
    "report": ("pacing",),
    "plan": ("config", "input", "pacing", "store"),
    "engine": (
        "auth",
        "config",
        "credentials",
        "errors",
        "input",
        "logs",
        "outcome",
        "pacing",
        "paths",
        "plan",
        "report",
        "results",
        "store",
        "x",
    ),
    "bulklike": ("credentials", "engine.session", "errors", "plan", "report", "results"),
    "cli": (ANY,),
    "__main__": ("cli",),
    # the emulator shares vocabulary with the client, never its code; ``errors`` for ConfigError, so that
    # ``bulklike emulate``'s bad flags exit like every other command's
    "emulator": ("errors", "pacing.limits", "snowflake", "x.codes"),
}

#: a third-party module -> the only places that may import it (``aiohttp`` alone is its client)
ONLY_IN: dict[str, tuple[str, ...]] = {
    "aiohttp": ("x.client",),
    "aiohttp.web": ("auth.listener", "emulator"),
    "structlog": ("logs",),
    "sqlite3": ("store",),
}

#: (unit, what it imports) -> the only modules of that unit that may: the engine reaches X through
#: ``engine.xnet`` alone (the default network, built from the settings), everything else through
#: ``engine.network.Network``, so a second network lands beside X without touching the engine
ONLY_FROM: dict[tuple[str, str], tuple[str, ...]] = {
    ("engine", "x"): ("engine.xnet",),
}

MAX_LINES = 400


def _name(path: Path) -> str:
    """``bulklike/x/client.py`` -> ``api.client``; the package's ``__init__`` -> ``bulklike``."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts) or "bulklike"


def _unit(name: str) -> str:
    return name.split(".", 1)[0]


def _resolve(module: str, attribute: str) -> str:
    """``from bulklike.x import codes`` imports the module ``api.codes``; ``from bulklike.x.codes
    import X`` imports ``api.codes``. Names relative to the package, ``bulklike`` for the package itself."""
    relative = module.removeprefix("bulklike").lstrip(".")
    candidate = f"{relative}.{attribute}" if relative else attribute
    as_path = PACKAGE.joinpath(*candidate.split("."))
    if as_path.with_suffix(".py").is_file() or (as_path / "__init__.py").is_file():
        return candidate
    return relative or "bulklike"


def imports(path: Path) -> tuple[set[str], set[str]]:
    """(bulklike modules, third-party names) that ``path`` imports anywhere in its body."""
    ours: set[str] = set()
    theirs: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "bulklike" or alias.name.startswith("bulklike."):
                    ours.add(alias.name.removeprefix("bulklike").lstrip(".") or "bulklike")
                else:
                    theirs.add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import (the package uses absolute ones)"
            module = node.module or ""
            for alias in node.names:
                if module == "bulklike" or module.startswith("bulklike."):
                    ours.add(_resolve(module, alias.name))
                else:
                    theirs.add(f"{module}.{alias.name}")
    return ours, theirs


def _allowed(target: str, rules: tuple[str, ...]) -> bool:
    return any(rule == ANY or target == rule or target.startswith(rule + ".") for rule in rules)


def _owner(third_party: str) -> str | None:
    """The most specific ``ONLY_IN`` key that covers a third-party name."""
    keys = [key for key in ONLY_IN if third_party == key or third_party.startswith(key + ".")]
    return max(keys, key=len, default=None)


IDS = [str(p.relative_to(PACKAGE)) for p in MODULES]


def test_every_module_belongs_to_a_unit_of_the_table() -> None:
    units = {_unit(_name(path)) for path in MODULES}
    assert units - MAY_IMPORT.keys() == set(), "add the new module or subpackage to MAY_IMPORT and ARCHITECTURE.md"
    assert MAY_IMPORT.keys() - units == set(), "MAY_IMPORT names a unit that no longer exists"


@pytest.mark.parametrize("path", MODULES, ids=IDS)
def test_imports_follow_the_layering(path: Path) -> None:
    name = _name(path)
    ours, theirs = imports(path)
    rules = MAY_IMPORT[_unit(name)]
    wrong = sorted(t for t in ours if _unit(t) != _unit(name) and not _allowed(t, rules))
    assert wrong == [], f"{name} imports {wrong}; {_unit(name)} may import only {rules} (tests/meta/test_layering.py)"
    misplaced = sorted(t for t in theirs if (key := _owner(t)) and not _allowed(name, ONLY_IN[key]))
    assert misplaced == [], (
        f"{name} imports {misplaced}, which belong in {[ONLY_IN[_owner(t) or ''] for t in misplaced]}"
    )


@pytest.mark.parametrize("path", MODULES, ids=IDS)
def test_imports_come_through_their_one_door(path: Path) -> None:
    name = _name(path)
    ours, _ = imports(path)
    for (unit, target), doors in ONLY_FROM.items():
        if _unit(name) != unit:
            continue
        through = sorted(t for t in ours if _allowed(t, (target,)))
        assert through == [] or _allowed(name, doors), f"{name} imports {through}; only {doors} may (ONLY_FROM)"


def test_the_one_door_rules_catch_a_stray_import() -> None:
    """The check above would flag ``engine.send`` importing ``x.classify``: the rule is not vacuous."""
    assert _allowed("x.classify", ("x",)) and not _allowed("engine.send", ONLY_FROM[("engine", "x")])
    assert any(_allowed(t, ("x",)) for t in imports(PACKAGE / "engine" / "xnet.py")[0])


def test_architecture_md_states_the_one_door_rules() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    for (unit, target), doors in ONLY_FROM.items():
        row = f"| `{unit}` | `{target}` | " + ", ".join(f"`{door}`" for door in doors) + " |"
        assert row in text, row


def test_nothing_outside_cli_imports_cli_or_the_emulator() -> None:
    """The engine is a library; the command line (and its demo on the emulator) is one of its clients."""
    offenders = []
    for path in MODULES:
        name = _name(path)
        if _unit(name) in ("cli", "__main__", "emulator"):
            continue
        ours, _ = imports(path)
        offenders += [(name, t) for t in ours if _unit(t) in ("cli", "emulator")]
    assert offenders == []


def test_the_rules_are_not_wider_than_the_code() -> None:
    """Every rule is used: the table states the code as it is, so a dependency that goes away narrows it."""
    used: dict[str, set[str]] = {unit: set() for unit in MAY_IMPORT}
    for path in MODULES:
        name = _name(path)
        ours, _ = imports(path)
        rules = MAY_IMPORT[_unit(name)]
        for target in ours:
            used[_unit(name)].update(
                rule for rule in rules if _allowed(target, (rule,)) and _unit(target) != _unit(name)
            )
    unused = {unit: set(rules) - used[unit] for unit, rules in MAY_IMPORT.items() if set(rules) - used[unit] - {ANY}}
    assert unused == {}


def _architecture_table() -> dict[str, tuple[str, ...]]:
    """The rows between ``<!-- layering -->`` and ``<!-- /layering -->``: | `unit` | `a`, `b` | why |."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    block = text.split("<!-- layering -->", 1)[1].split("<!-- /layering -->", 1)[0]
    table: dict[str, tuple[str, ...]] = {}
    for line in block.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 2 or not cells[0].startswith("`"):
            continue
        unit = cells[0].strip("`").removesuffix("/")
        allowed = tuple(sorted(name.removesuffix("/") for name in re.findall(r"`([^`]+)`", cells[1])))
        table[unit] = allowed
    return table


def test_architecture_md_states_the_same_table() -> None:
    expected = {unit: tuple(sorted(rules)) for unit, rules in MAY_IMPORT.items()}
    assert _architecture_table() == expected


def test_architecture_md_states_the_third_party_rules() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    for module, places in ONLY_IN.items():
        row = f"| `{module}` | " + ", ".join(f"`{place}`" for place in places) + " |"
        assert row in text, row


@pytest.mark.parametrize("path", MODULES, ids=IDS)
def test_no_module_over_400_lines(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(PACKAGE)} has {lines} lines: split it along its jobs"


SUBPACKAGES = sorted(path for path in PACKAGE.glob("*/__init__.py"))


@pytest.mark.parametrize("path", SUBPACKAGES, ids=[p.parent.name for p in SUBPACKAGES])
def test_subpackage_docstring_says_what_it_may_import(path: Path) -> None:
    """Each subpackage's docstring names its modules and the units it may import, as the table does."""
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    assert "ARCHITECTURE.md" in doc, f"{path.parent.name}/__init__.py: point to ARCHITECTURE.md"
    modules = sorted(p.stem for p in path.parent.glob("*.py") if p.stem != "__init__")
    unnamed = [module for module in modules if f"``{module}``" not in doc]
    assert unnamed == [], f"{path.parent.name}/__init__.py's docstring does not say what {unnamed} are for"
    rules = MAY_IMPORT[path.parent.name]
    if rules == (ANY,):
        assert "anything" in doc
        return
    missing = [rule for rule in rules if not re.search(rf"\b{re.escape(rule)}\b", doc)]
    assert missing == [], f"{path.parent.name}/__init__.py's docstring does not name {missing}"
    assert "import" in doc.lower()


@pytest.mark.parametrize("path", MODULES, ids=IDS)
def test_exit_codes_are_the_clis_alone(path: Path) -> None:
    """The engine speaks in stop reasons (``report.StopReason``); only ``cli/`` maps them to process exit
    codes, and ``errors`` defines the table (its exception tree keeps one code per branch)."""
    name = _name(path)
    if name == "errors" or name == "cli" or name.startswith("cli."):
        return
    tree = ast.parse(path.read_text(encoding="utf-8"))
    used = sorted(
        {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and node.id.startswith("EXIT_")}
        | {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute) and node.attr.startswith("EXIT_")}
        | {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            for alias in node.names
            if alias.name.startswith("EXIT_")
        }
    )
    assert used == [], f"{name} uses {used}: say why it stops (a StopReason) and let cli/ pick the exit code"
