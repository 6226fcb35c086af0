"""Storage on disk: SQLite connections and the one ``transaction()`` (``sqlite``), the ``journal`` (the
queue and the truth of a run), its ``schema`` and migrations, its file ``lock`` (one process per
journal), ``unlikes`` (a journal's action, and the IDs ``unlike``'s filters skip), ``sends`` (the send
ledger's file: every statement the ledger runs), the ingest thread's connection and statements
(``intake``), and what a dry run ``planned`` and earlier runs left pending. All of the package's SQL.

May import ``errors`` only (ARCHITECTURE.md).
"""
