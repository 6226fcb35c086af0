"""X's API, the one network bulklike speaks today: how a request is signed and sent, and what an answer means.

``signing`` (OAuth 1.0a and bearer headers), ``client`` (the only aiohttp client in the package: one
request in, one raw ``Answer`` out), ``codes`` (the error vocabulary shared with the emulator) and
``classify`` (pure: an ``Answer`` becomes an ``Outcome``), ``oauth`` (the OAuth 1.0a and 2.0 protocol
messages, built and read with oauthlib) and ``refresh`` (an OAuth 2.0 token that renews itself, shared by
every worker). Also ``account`` (answers about the whole account) and ``network`` (``XNetwork``: all of
this behind the engine's ``Network`` protocol).
May import ``errors``, ``credentials``, ``snowflake`` (the ID rule), ``outcome`` (the network-neutral
value types it classifies into), ``pacing.limits`` (the vocabulary of its limits) and the ``bulklike``
package (its ``__version__``); never the journal, the pacer or the CLI (ARCHITECTURE.md).
"""
