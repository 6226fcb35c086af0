"""The command line: argument parsing, one handler per command, the live line and the dry-run plan.

``main`` (parse, log set-up, exit codes), ``parser`` (the argparse tree, heavy parts deferred), ``settings``
(flags + environment + config -> ``Settings``), one module per command (``run``, ``unlike``, ``undo``, ``status``,
``export``, ``auth``, ``profiles`` for ``accounts``, ``emulate``, ``demo``, ``completion``), ``driver``
(``run``/``undo`` on a ``Session`` with signals and the summary), ``progress`` (the live line), ``plan``
(the printed dry run), ``timeparse`` (``--until``), ``timefmt`` (times and durations for people) and
``signals`` (Ctrl-C and SIGTERM as loop calls on every platform).

Only wiring and presentation live here; every decision is made by the engine (``bulklike.engine``) that
the Python API exposes too. May import anything in the package; nothing outside ``cli`` (but
``__main__``) imports it (ARCHITECTURE.md).
"""
