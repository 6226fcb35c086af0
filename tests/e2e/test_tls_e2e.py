"""A TLS handshake that fails verification sends nothing: no attempt spent, no quota slot kept,
exit 3 with "TLS verification failed for HOST". Once, every ID of the list was tried to the end
of its attempts and ended ``failed``, each holding a slot for a request that never left.
"""

from __future__ import annotations

import sqlite3

import pytest

from tests.helpers.tls import tls_server
from tests.helpers.workspace import Workspace, ids

pytestmark = pytest.mark.timeout(60)


def args(workspace: Workspace, base_url: str) -> list[str]:
    return [
        "--base-url",
        base_url,
        "--journal",
        str(workspace.journal),
        "--ledger",
        str(workspace.ledger),
        "--min-interval",
        "0",
        "--no-progress",
        "--max-attempts",
        "3",
    ]


@pytest.mark.parametrize("known_account", [True, False], ids=["likes", "account-lookup"])
async def test_a_self_signed_certificate_stops_the_run_before_anything_is_sent(
    workspace: Workspace, known_account: bool
) -> None:
    path = workspace.write("ids.txt", "\n".join(ids(12)) + "\n")
    extra = ["--user-id", "12345"] if known_account else []
    async with tls_server(workspace.path) as server:
        result = await workspace.cli("run", str(path), *args(workspace, server.base_url), *extra)
    assert result.code == 3, result.stderr
    assert "TLS verification failed for 127.0.0.1" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert server.requests == []
    assert set(workspace.rows().values()) == {("pending", 0, None, None)}  # no attempt spent
    if workspace.ledger.exists():
        with sqlite3.connect(workspace.ledger) as conn:
            kept = conn.execute("SELECT count(*) FROM sends WHERE until > 0").fetchone()[0]
        conn.close()
        assert kept == 0  # every slot given back: no request left
