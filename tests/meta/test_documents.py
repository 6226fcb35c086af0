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


def test_the_readmes_first_screen_tells_who_may_like_through_xs_api() -> None:
    """Before anything else (the contents, the install): likes are Enterprise-only since 2026-04-20, what X's
    Developer Guidelines say (quoted, with their date), and what bulklike does to stay inside them."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    first = text[: text.index("```")]  # before the first command
    assert len(first.splitlines()) <= 35  # a screen, not a chapter
    assert "Like tweets in bulk" not in first  # the old first line promised it to anyone with an app
    for words in (
        "Since **2026-04-20**",
        "**Enterprise** plan",
        "removed from all self-serve tiers",
        "Developer Guidelines say (2026-03-30)",
        '"Likes must be directly initiated by the authenticated user.',
        "Automated, bulk, or indiscriminate liking — including auto-liking by keyword, hashtag, user, or schedule — is",
        "no discovery or auto-like feature",
        "stops when the API says stop",
        "emulator",
    ):
        assert words in first, words
