"""The engine: one call of ``Session.like()`` or ``undo()`` from pending IDs to committed results.

``session`` (the public ``bulklike.Session``: journal, ledger and network lifecycles, the account check),
``job`` (one call's wiring, driven in a task, stopped through one ``stop()``), ``runner`` (the workers:
pending IDs to sends, retries, outcomes to the recorder), ``send`` (one send of one ID as a small state
machine: admit, slot, send, settle; what happened as a ``Sent``), ``network`` (the ``Network`` protocol
every send goes through: the seam between the engine and a network), ``xnet`` (the engine's one door to
X: the default network from the settings, ``--api auto``'s move from v1.1 to v2), ``breaker`` (unknown
answers: one tweet's trouble or the account's), ``state`` (the call's one ``RunState``: whether and why it
stops, as a ``StopReason``, never an exit code), ``earlier`` (what earlier runs left to send, named before
the first send), ``recorder`` (group commit of outcomes, then hand-over of results) and ``outbox`` (the
``Outbox`` protocol: result lines owed by the journal, each written once, or results handed to the caller).

May import ``outcome``, ``auth``, ``config``, ``credentials``, ``errors``, ``input``, ``logs``, ``pacing``,
``paths``, ``plan``, ``report``, ``results`` and ``store``, and ``x`` from ``xnet`` alone; never the CLI or
the emulator (ARCHITECTURE.md).
"""
