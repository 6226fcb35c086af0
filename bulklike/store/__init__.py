"""Storage on disk: SQLite connections and the one ``transaction()`` (``sqlite``), the ``journal`` (the
queue and the truth of a run), ``intake`` (the ingest thread's own connection: new IDs and invalid lines in)
and its file ``lock`` (one process per journal).

May import ``errors`` only (ARCHITECTURE.md).
"""
