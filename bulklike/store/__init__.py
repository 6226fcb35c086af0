"""Storage on disk: the SQLite journal (the queue and the truth of a run) and its file lock.

May import ``bulklike.errors`` only.
"""
