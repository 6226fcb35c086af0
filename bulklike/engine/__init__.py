"""The engine: one call of ``Session.like()`` or ``undo()`` from pending IDs to committed results.

``session`` (the public ``bulklike.Session``: journal, ledger and client lifecycles, the account check),
``job`` (one call's wiring, driven in a task, stopped through one ``stop()``), ``runner`` (the workers:
pending IDs to sends, retries, outcomes to the recorder), ``send`` (one send of one ID as a small state
machine: admit, slot, send, settle; what happened as a ``Sent``), ``state`` (the call's one ``RunState``:
whether and why it stops, as a ``StopReason``, never an exit code), ``switch`` (``--api auto``: the one move
from v1.1 to v2), ``earlier`` (what earlier runs left to send, named before the first send), ``recorder``
(group commit of outcomes, then hand-over of results) and ``outbox`` (result lines owed by the journal, each
written once).

May import ``x``, ``auth``, ``config``, ``credentials``, ``errors``, ``input``, ``logs``, ``pacing``,
``paths``, ``plan``, ``report``, ``results`` and ``store``; never the CLI or the emulator (ARCHITECTURE.md).
"""
