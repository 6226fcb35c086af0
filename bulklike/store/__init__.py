"""Storage on disk: SQLite connections and the one ``transaction()`` (``sqlite``), the ``journal`` (the
queue and the truth of a run) and its file ``lock`` (one process per journal), and ``sends`` (the send
ledger's file: every statement the ledger runs).

May import ``errors`` only (ARCHITECTURE.md).
"""
