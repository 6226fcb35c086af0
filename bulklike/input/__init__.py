"""Input: where tweet IDs come from.

Lines and files in, values out: ``ids`` parses an ID or a status URL, ``lines`` holds the parsed-line
types, ``readers`` and ``delimited`` read text, JSON Lines and CSV/TSV, and ``ingest`` is the thread that
feeds them into the journal in batches. May import ``bulklike.errors`` and ``bulklike.store``; never the
network or pacing.
"""
