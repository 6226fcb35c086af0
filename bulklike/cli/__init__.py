"""The command line: argument parsing, one handler per command, the live line and the dry-run plan.

Only wiring and presentation live here; every decision is made by the engine (``bulklike.session``,
``runner``, ``recorder``) that the Python API exposes too. Nothing outside ``cli`` imports it.
"""
