"""Who signs, and as whom: obtaining tokens, choosing the signer, and the account's identity.

``endpoints`` (where the OAuth endpoints and authorize pages are, from ``--base-url``), ``flows``
(the OAuth 1.0a PIN flow and OAuth 2.0 Authorization Code with PKCE, with ``listener``, the
one-shot loopback server for the redirect), ``signer`` (settings -> the request signer, with
refresh for stored OAuth 2.0 tokens) and ``identity`` (the account is the numeric user id the API
confirmed: ledger keys and journal binding). May import ``api``, ``credentials``, ``errors``, ``tokens``,
``config``, ``store`` and ``pacing`` (the ledger's account key); never the runner or the CLI
(ARCHITECTURE.md).
"""
