"""The command line: argument parsing, one handler per command, the live line and the dry-run plan.

Only wiring and presentation live here; every decision is made by the engine (``bulklike.session``,
``runner``, ``recorder``) that the Python API exposes too. May import anything in the package; nothing
outside ``cli`` (but ``__main__``) imports it (ARCHITECTURE.md).
"""
