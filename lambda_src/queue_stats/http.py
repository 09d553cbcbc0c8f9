"""The HTTP plumbing every outbound client shares (the Symbee API, OTLP export, PagerDuty): a
session that never follows redirects, with TLS verified and connections the deadline watchdog can
cut; the reading of Retry-After; and requests' errors in words a person can act on."""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Iterator
from typing import Any

import requests

from queue_stats.names import PRODUCT
from queue_stats.watchdog import WatchedAdapter

# The watchdog cuts a connection this long after the deadline: a socket timeout that fires at the
# deadline itself says more ("timed out"), so it gets the first chance.
CUT_GRACE_SECONDS = 0.25


class NoRedirectSession(requests.Session):
    """Never follows a redirect, nor prepares the request that would: requests does that even with
    allow_redirects=False, and a `Location` that is not a URL then raises a bare ValueError."""

    def resolve_redirects(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        return iter(())


def new_session() -> requests.Session:
    """One session per process: its connection pool keeps the TLS connection warm."""
    session = NoRedirectSession()
    session.verify = True
    session.headers["User-Agent"] = PRODUCT
    for prefix in ("https://", "http://"):
        session.mount(prefix, WatchedAdapter())
    return session


def is_digits(value: str) -> bool:
    """Only ASCII digits: str.isdigit() also accepts '²', which int() and float() refuse."""
    return value.isascii() and value.isdigit()


def retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), None when absent or bad."""
    if not value:
        return None
    value = value.strip()
    if is_digits(value):
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


# urllib3 names the connection or pool in its messages ("<...HTTPSConnection object at 0x7f...>: ",
# "HTTPSConnection(host='...', port=9443): "): noise next to the host we name ourselves.
_OBJECT_REPR = re.compile(r"(<[^<>]* object at 0x[0-9a-fA-F]+>|\b\w*Connection(?:Pool)?\(host=[^()]*\)):?\s*")


def error_reason(error: BaseException) -> str:
    """The innermost useful words of a requests/urllib3 error, on one line.

    requests wraps urllib3's MaxRetryError, whose text starts with the pool and the whole URL path,
    so the cause that says what to fix (a failed name lookup, an untrusted certificate) would be
    cut off; the innermost exception says it first."""
    inner = error
    for _ in range(10):  # a chain of wrappers; bounded in case one points back
        nested = getattr(inner, "reason", None)
        if not isinstance(nested, BaseException):
            nested = next((arg for arg in inner.args if isinstance(arg, BaseException)), None)
        if nested is None:
            break
        inner = nested
    text = _OBJECT_REPR.sub("", str(inner)).replace("\n", " ").strip()
    return (text[:200] + "...") if len(text) > 200 else text or type(inner).__name__
