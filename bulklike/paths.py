"""Where bulklike keeps its files: the config (and token store) directory and the state directory.

platformdirs gives each platform's native place: XDG on Linux and other Unixes (so existing ledgers under
``$XDG_STATE_HOME/bulklike`` stay where they are), ``~/Library/Application Support/bulklike`` on macOS and
``%LOCALAPPDATA%\\bulklike`` on Windows. Imported by the CLI's fast paths, so it must stay light.
"""

from __future__ import annotations

import os

import platformdirs

APP_NAME = "bulklike"


def config_dir() -> str:
    """The user's bulklike config directory (``$XDG_CONFIG_HOME/bulklike`` on Linux)."""
    return platformdirs.user_config_dir(APP_NAME, appauthor=False)


def state_dir() -> str:
    """The user's bulklike state directory (``$XDG_STATE_HOME/bulklike`` on Linux): the send ledger."""
    return platformdirs.user_state_dir(APP_NAME, appauthor=False)


def default_ledger_path() -> str:
    """The send ledger shared by every run of this user: ``state_dir()/ledger.sqlite3``."""
    return os.path.join(state_dir(), "ledger.sqlite3")
