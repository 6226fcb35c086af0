"""The X API: how a request is signed and sent, and what an answer means.

``signing`` (OAuth 1.0a and bearer headers), ``client`` (the only aiohttp client in the package: one
request in, one raw ``Answer`` out), ``codes`` (the error vocabulary shared with the emulator) and
``classify`` (pure: an ``Answer`` becomes an ``Outcome``). May import ``bulklike.errors`` and
``bulklike.credentials``; never the journal, the pacer or the CLI.
"""
