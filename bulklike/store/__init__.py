"""Storage on disk: SQLite connections and the one ``transaction()`` (``sqlite``), the ``journal`` (the
queue and the truth of a run), what a dry run ``planned`` and earlier runs left pending, and the journal's
file ``lock`` (one process per journal).

May import ``errors`` only (ARCHITECTURE.md).
"""
