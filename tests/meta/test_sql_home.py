"""SQL lives only in ``bulklike/store/``: no other module holds a string that looks like a statement.

The journal's and the send ledger's statements are the store's; the ingest thread calls ``store.intake``,
the ledger ``store.sends``. Found from the source with ``ast`` (string constants, f-string parts included).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import bulklike

PACKAGE = Path(bulklike.__file__).resolve().parent
SQL = re.compile(
    r"\b(INSERT\s+(OR\s+\w+\s+)?INTO|SELECT\b.+\bFROM|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TEMP\s+)?(TABLE|INDEX)"
    r"|ALTER\s+TABLE|PRAGMA\s+\w+)\b",
    re.IGNORECASE | re.DOTALL,
)
OUTSIDE = sorted(path for path in PACKAGE.rglob("*.py") if path.relative_to(PACKAGE).parts[0] != "store")


def sql_strings(source: str, filename: str = "<snippet>") -> list[tuple[int, str]]:
    """(line, text) of every string constant in ``source`` that looks like SQL."""
    return [
        (node.lineno, node.value)
        for node in ast.walk(ast.parse(source, filename))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value)
    ]


def test_the_check_finds_sql() -> None:
    """The check is not vacuous: statements of each kind, also inside an f-string, are found; prose without a
    statement's shape is not (the pattern is broad on purpose: a docstring that trips it can be reworded)."""
    snippet = """
a = "SELECT seq, tweet_id FROM items WHERE status = 'pending'"
b = f"UPDATE items SET status = ? WHERE seq > {n}"
c = "insert or ignore into meta(key, value) values (?, ?)"
d = "PRAGMA cache_size=-1000"
e = "CREATE TEMP TABLE IF NOT EXISTS staged(x)"
f = "delete from temp.staged"
g = "update the journal, then insert the next line"
"""
    found = [text for _, text in sql_strings(snippet)]
    assert len(found) == 6, found
    assert all("the next line" not in text for text in found)


def test_the_store_holds_sql() -> None:
    """The check sees the statements where they belong (a regex that matched nothing would pass anything)."""
    assert sql_strings((PACKAGE / "store" / "intake.py").read_text(encoding="utf-8"))
    assert sql_strings((PACKAGE / "store" / "sends.py").read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", OUTSIDE, ids=[str(p.relative_to(PACKAGE)) for p in OUTSIDE])
def test_no_sql_outside_store(path: Path) -> None:
    found = sql_strings(path.read_text(encoding="utf-8"), str(path))
    assert found == [], f"{path.relative_to(PACKAGE)} holds SQL {found}: move it into bulklike/store/"
