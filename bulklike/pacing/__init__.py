"""Pacing: staying inside the limits the API states.

``limits`` (COUNT/WINDOW values), ``windows`` (the pure rolling-window arithmetic), ``ledger`` (the SQLite
send log shared by every run of an app and user) and ``pacer`` (hands out send slots, pauses on 429s).
May import ``bulklike.store`` for its SQLite helpers; never the network or the journal's records.
"""
