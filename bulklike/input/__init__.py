"""Input: where tweet IDs come from.

Lines and files in, values out: ``ids`` parses an ID or a status URL, ``lines`` holds the parsed-line types,
``readers`` picks the format and reads text, ``delimited`` CSV/TSV, ``jsonl`` JSON Lines and twarc2 pages,
``archive`` the X archive's data files and zip over ``jsonstream`` (an incremental JSON reader), ``feed``
reads a Python iterable or async iterable, ``filters`` decides what ``unlike`` leaves alone (snowflake times,
the keep-list), ``sniff`` tells stdin's format by its first line, ``pipe`` reads a pipe ahead so a quiet
producer holds nothing back, and ``ingest`` is the thread that feeds them into the journal in batches. May
import ``errors``, ``store`` and ``snowflake`` (the ID rule); never the network, pacing or the CLI
(ARCHITECTURE.md).
"""
