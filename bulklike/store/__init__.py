"""Storage on disk: SQLite connections and the one ``transaction()`` (``sqlite``), the ``journal`` (the
queue and the truth of a run) and its file ``lock`` (one process per journal), and ``unlikes`` (a journal's
action, and the IDs ``unlike``'s filters skip).

May import ``errors`` only (ARCHITECTURE.md).
"""
