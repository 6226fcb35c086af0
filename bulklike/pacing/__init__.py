"""Pacing: staying inside the limits the API states.

``limits`` (COUNT/WINDOW values), ``windows`` (the pure rolling-window arithmetic), ``ledger`` (the SQLite
send log shared by every run of an app and user), ``pacer`` (hands out send slots, pauses on 429s),
``outage`` (waiting out an unreachable API), ``backoff`` (tenacity's retry and back-off rules) and ``budget``
(``--max-likes``). May import ``store``
(the ledger's file, ``store.sends``) and ``x.codes`` (the rate-limit headers' names); never the client, the
journal's records or the CLI (ARCHITECTURE.md).
"""
