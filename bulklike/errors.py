"""The one exception tree of bulklike, exported as ``bulklike.*``; the CLI maps each branch to one exit code.

::

    BulklikeError                    exit 2 unless noted
    ├── ConfigError                  bad flags, config file, credentials
    ├── InputError                   a whole input unusable (missing, directory, no ID column)
    ├── JournalError                 corrupt, foreign, newer, locked or unwritable journal / ledger
    ├── OutputError                  the results output cannot be written (a full disk; the CLI's only)
    └── ApiError                     an answer from the API that ends the run
        └── FatalApiError            exit 3: credentials, suspension, lock, automation flag
            ├── AuthExpired          exit 3: stored tokens can no longer be renewed (run `auth`)
            └── TlsRefused           exit 3: the server's certificate failed verification

``Session.like()`` and ``undo()`` raise these (a fatal answer after the last result, the unsent
IDs left pending); misuse of the API itself (a Session not entered, one string instead of an
iterable of IDs) raises the built-in ``RuntimeError`` or ``TypeError``. Per-request answers
(retryable, permanent) are values (``api.classify.Outcome``), not exceptions: a bad answer for
one tweet must never unwind the run.
"""

from __future__ import annotations

# Exit codes, one table for the whole program (the README's "Exit codes" section).
EXIT_OK = 0  # nothing left to do, nothing failed or invalid
EXIT_SOME_FAILED = 1  # finished with some failed or invalid records
EXIT_USAGE = 2  # usage, config, input or journal error
EXIT_FATAL = 3  # stopped by a fatal API answer
EXIT_LIMIT = 75  # stopped by --max-likes / --until / --offline-timeout with work pending (EX_TEMPFAIL)
EXIT_SIGINT = 130
EXIT_SIGTERM = 143
EXIT_PIPE = 141  # stdout's reader went away (128 + SIGPIPE), after recording the requests in flight


class BulklikeError(Exception):
    """Base of every error bulklike reports to the user as one line."""

    exit_code = 2


class ConfigError(BulklikeError):
    """Flags, environment or config file are unusable."""


class InputError(BulklikeError):
    """A whole input cannot be read (a bad line is a record, not an error)."""


class JournalError(BulklikeError):
    """The journal or ledger cannot be opened or written; the file is left as it was."""


class OutputError(BulklikeError):
    """The results output (``--output`` or stdout) cannot be written: the lines not written stay owed."""


class ApiError(BulklikeError):
    """The API said something that ends the run."""


class FatalApiError(ApiError):
    """Credentials refused, account suspended or locked, automation flagged: stop, never retry."""

    exit_code = 3


class AuthExpired(FatalApiError):
    """The OAuth 2.0 token cannot be renewed (refresh refused or impossible): ``bulklike auth`` again."""


class TlsRefused(FatalApiError):
    """The server's TLS certificate failed verification: nothing was sent, and waiting will not fix it."""
