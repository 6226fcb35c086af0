"""bulklike: like tweets in bulk through the X API, paced, journaled and resumable."""

__version__ = "0.1.0"
