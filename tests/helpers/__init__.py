"""What the tests share, so that no test module imports another and conftest files only declare fixtures.

- ``clock``: the one ``FakeClock`` (a clock to inject, and an async ``sleep`` that moves it), ``T0``.
- ``workspace``: ``Workspace`` (a temporary folder and the CLI as a real subprocess), ``CliResult``,
  ``DEMO_ENV``, ``EmulatorFactory`` (the ``emulator`` fixture's type), ``ids``.
- ``emulator``: ``Caller`` and ``Answer`` (signed requests to an emulator), test accounts ``ALICE`` ...
- ``signing``: an independent hand-written OAuth 1.0a signer for checking the emulator's verifier.
- ``pacing``: ``NOW``, ``DAY``, rate-limit header names, hypothesis strategies, window counters.
- ``journal``: ``journal_problems`` (a journal file's consistency, read behind bulklike's back).
- ``records``: expected reader records written short (``ok``, ``bad``) and ``ids_of``.
- ``hostile``: the hostile-input corpus.
- ``examples``: the hypothesis profiles (``full``, ``dev``) and ``examples(n)``, a test's own count scaled.
- ``archive_files``: real-shaped X archive data files and zips, twarc2 pages and flattened lines.
- ``authflow``: driving ``bulklike auth`` as a user would (the PIN page, the loopback redirect).
- ``terminal``: the CLI with stderr on a pseudo-terminal.
- ``crash_harness``, ``crash_checks``: SIGKILL a run at random moments and check the books
  (``python -m tests.helpers.crash_harness``).
"""
