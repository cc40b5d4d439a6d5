"""Typed errors: each says what went wrong and what to do about it.

``retryable`` tells operators whether an Airflow task retry can help; the ones
that cannot (bad configuration, invalid token, bad window) fail the task at once.
None of these messages ever contains the token.
"""

from __future__ import annotations


class WolkvoxError(Exception):
    """Base class of every error this provider raises."""

    retryable: bool = False


class WolkvoxConfigError(WolkvoxError, ValueError):
    """The Wolkvox connection (or an operator argument) is misconfigured."""


class WolkvoxWindowError(WolkvoxError, ValueError):
    """The requested time window is missing, naive, empty or inverted."""


class WolkvoxAuthError(WolkvoxError):
    """The token is missing or not valid (HTTP 401, or 403 PLEASE VALIDATE TOKEN)."""


class WolkvoxQuotaExceededError(WolkvoxError):
    """The token's daily call quota is spent (403 TOKEN LIMIT EXCEEDED)."""


class WolkvoxRequestError(WolkvoxError):
    """The API refused the request itself (HTTP 400): unknown report or missing parameters."""


class WolkvoxResponseError(WolkvoxError):
    """The answer is not the documented JSON envelope (HTML, truncated JSON, no ``data``)."""

    retryable = True


class WolkvoxRowError(WolkvoxResponseError):
    """A row of the answer does not parse (a count that is not an integer, a missing field)."""

    retryable = False


class WolkvoxSchemaError(WolkvoxResponseError):
    """The answer's fields would change the table more than a load may (schema on read's limits);
    nothing was changed."""

    retryable = False


class WolkvoxWarehouseError(WolkvoxError):
    """The warehouse could not be reached before the fetch; nothing was asked of the API. A retry
    may find it back."""

    retryable = True


class WolkvoxWarehousePermissionError(WolkvoxWarehouseError):
    """The warehouse answers, but refuses what the load would do there (read-only file, missing
    grant, missing table without ``create_table``); checked before the fetch, so nothing was asked
    of the API. A grant fixes it, a retry does not."""

    retryable = False


class WolkvoxTransientError(WolkvoxError):
    """The API kept answering with transient failures until the retry budget ran out."""

    retryable = True


class WolkvoxTimeoutError(WolkvoxTransientError):
    """Requests for one window kept timing out (the API stops work after 60 s)."""


class WolkvoxTruncatedError(WolkvoxError):
    """A window as small as the API allows still returns the 60,000-row cap."""


class WolkvoxTaskStopped(BaseException):
    """The task was told to stop (SIGTERM) while it fetched or loaded: the fetch stopped, the
    staging file was removed, and a load in progress rolled back. Airflow retries the task if it
    has retries left.

    A ``BaseException``, as ``KeyboardInterrupt`` and Airflow's ``AirflowTaskTimeout`` are, so that
    no ``except Exception`` on the way out mistakes it for an error to handle.
    """


class WolkvoxEmptyAnswerError(WolkvoxError):
    """The API answered no rows for a window whose loaded rows would be deleted; nothing was changed.

    The live API gives the same empty answer for a report its server does not have, and a
    wrong server or token can look alike, so an empty answer never wipes loaded rows unless
    the operator is told it may (``allow_empty=True``).
    """
