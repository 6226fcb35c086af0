"""Who signs, and as whom: obtaining tokens, keeping them, choosing the signer, and the account's identity.

``endpoints`` (where the OAuth endpoints and authorize pages are, from ``--base-url``), ``flows``
(the OAuth 1.0a PIN flow and OAuth 2.0 Authorization Code with PKCE, with ``listener``, the
one-shot loopback server for the redirect), ``tokens`` (the token store of ``bulklike auth``),
``signer`` (settings -> the request signer, with refresh for stored OAuth 2.0 tokens) and ``identity``
(the account is the numeric user id the API confirmed: ledger keys and journal binding).

May import ``x``, ``credentials``, ``errors``, ``config`` (also for the one loopback rule), ``store``,
``paths`` (the token store's place), ``pacing`` (the ledger's account key) and ``snowflake`` (the ID
rule); never the engine or the CLI (ARCHITECTURE.md).
"""
