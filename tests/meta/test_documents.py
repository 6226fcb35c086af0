"""The documents stand on their own: every link in them is a web address, an anchor, or a file of this
repository; none points outside it (a reader of a clone or of PyPI has nothing else)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = ["README.md", "ARCHITECTURE.md", "CHANGELOG.md"]
LINK = re.compile(r"\]\(([^)\s]+)\)")


@pytest.mark.parametrize("name", DOCUMENTS)
def test_links_stay_in_the_repository(name: str) -> None:
    text = (ROOT / name).read_text(encoding="utf-8")
    outside = []
    for target in LINK.findall(text):
        if target.startswith(("https://", "http://", "#")):
            continue
        path = target.split("#", 1)[0]
        resolved = (ROOT / path).resolve()
        if path.startswith("/") or not resolved.is_relative_to(ROOT) or not resolved.exists():
            outside.append(target)
    assert outside == [], f"{name} links {outside}"
    assert not re.search(r"(^|[\s(`])/work/|\.\./shared|DESIGN\.md", text), f"{name} points outside the repository"
