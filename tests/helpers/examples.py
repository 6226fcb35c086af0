"""How hard the property tests try: the full run keeps each test's own count; the development loop
(``HYPOTHESIS_PROFILE=dev``) runs a tenth of it, so a quick check of a change stays quick."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

#: the full run's examples per test when a test names no count (hypothesis' own default)
FULL = 100
#: what ``dev`` runs instead of ``FULL``: a tenth (and the same tenth of each test's own count)
DEV = 10

#: no wall-time limits: a per-example deadline and the "input generation is slow" check fail on a loaded
#: machine, not on a wrong program (the suite asserts on no elapsed wall time, tests/meta/test_wall_time.py)
settings.register_profile("full", max_examples=FULL, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", settings.get_profile("full"), max_examples=DEV)


def load_profile() -> str:
    """Load the profile ``HYPOTHESIS_PROFILE`` names (``full`` by default); called by ``tests/conftest.py``."""
    name = os.environ.get("HYPOTHESIS_PROFILE", "full")
    settings.load_profile(name)
    return name


def examples(full: int) -> int:
    """A test's example count: ``full`` in the full run, a tenth of it (at least 5) under ``dev``."""
    return max(5, full * settings().max_examples // FULL)
