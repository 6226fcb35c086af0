"""Read-only media for tests: a directory nothing can be created in, not even by root (chattr +i)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def read_only_dir(directory: Path) -> Iterator[None]:
    """``directory`` as read-only media: nothing can be created in it, not even by root."""
    directory.chmod(0o555)
    immutable = False
    try:
        if os.geteuid() == 0:
            if shutil.which("chattr") is None:
                pytest.skip("root without chattr: no way to make a directory read-only")
            if subprocess.run(["chattr", "+i", str(directory)], capture_output=True).returncode != 0:
                pytest.skip("chattr +i refused here: no way to make a directory read-only for root")
            immutable = True
        yield
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(directory)], check=False)
        directory.chmod(0o755)
