"""The engine: one call of ``Session.like()`` or ``undo()`` from pending IDs to committed results.

``session`` (the public ``bulklike.Session``: journal, ledger and client lifecycles, the account check),
``job`` (one call's wiring, driven in a task, stopped through one ``stop()``), ``runner`` (the workers:
pending IDs through pacer and client, retries and stops), ``switch`` (``--api auto``: the one move from
v1.1 to v2), ``earlier`` (what earlier runs left to send, named before the first send), ``recorder``
(group commit of outcomes, then hand-over of results) and ``outbox`` (result lines owed by the journal,
each written once).

May import ``x``, ``auth``, ``config``, ``credentials``, ``errors``, ``input``, ``logs``, ``pacing``,
``paths``, ``plan``, ``report``, ``results`` and ``store``; never the CLI or the emulator (ARCHITECTURE.md).
"""
