"""The project's own exceptions: each message says what failed in words a person can act on.

No message ever contains the API key: callers build messages from names and codes, never from
request headers or secret values.
"""

from __future__ import annotations


class QueueStatsError(Exception):
    """Base of every error the poller reports as a one-line message."""


class ConfigError(QueueStatsError):
    """A configuration value is missing or invalid; the message names the variable."""


class ApiKeyError(QueueStatsError):
    """The API key could not be read from Secrets Manager."""


class ApiError(QueueStatsError):
    """The Symbee API call failed (network, HTTP status, time budget)."""


class ApiKeyRejected(ApiError):
    """The Symbee API refused the key, even after re-reading it from Secrets Manager."""


class ResponseError(QueueStatsError):
    """The Symbee API answered 200 with a body that is not a JSON array of queue records."""


class PublishError(QueueStatsError):
    """One or more requests to the metrics backend failed for good."""


class NotifyError(QueueStatsError):
    """The notifier could not deliver a transition on one or more channels; the message names them."""
