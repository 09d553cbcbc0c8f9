"""Failures the simulator can inject, and the broken bodies some of them serve.

A `Fault` describes one misbehaviour of the API or the network in front of it; `FaultPlan` hands
them out to requests in order, thread-safely. `break_types` documents (in code) exactly which
fields the `wrong_types` fault breaks, so tests of the poller can predict what it must skip.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

FAULT_KINDS: Final = (
    "status",
    "slow",
    "hang",
    "dribble",
    "malformed",
    "truncated",
    "html",
    "empty",
    "null",
    "object",
    "wrong_types",
    "redirect",
    "reset",
)
DEFAULT_HANG_SECONDS: Final = 30.0
DEFAULT_REDIRECT_STATUS: Final = 302


@dataclass(frozen=True)
class Fault:
    """One injected failure. Faults hit requests to the API path only, before any check of the
    request (they stand for a failure in or in front of the service), in the order they were added.

    - status: answer `status` with a JSON error body, plus `Retry-After: retry_after` if given.
    - slow: wait `delay` seconds, then answer as usual.
    - hang: read the request, never answer; close after `delay` seconds (30 when 0) or at stop().
    - dribble: send the usual headers (with Content-Length) at once, then the body a few bytes at a
      time spread over `delay` seconds.
    - malformed / truncated / html / empty / null / object / wrong_types: 200 with a broken body.
    - redirect: `status` if it is a 3xx, else 302, to `location`.
    - reset: close the connection with a TCP reset and no response.
    `times=N` applies the fault to the next N API requests only; None applies it to every one.
    """

    kind: str
    times: int | None = None
    status: int = 500
    retry_after: str | None = None
    delay: float = 0.0
    location: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {', '.join(FAULT_KINDS)}")
        if self.times is not None and self.times < 1:
            raise ValueError(f"times must be at least 1 (or None for every request), got {self.times}")
        if not 200 <= self.status <= 599:
            raise ValueError(f"status must be an HTTP status code, got {self.status}")
        if self.delay < 0:
            raise ValueError(f"delay must be >= 0 seconds, got {self.delay}")
        if self.kind == "redirect" and not self.location:
            raise ValueError("a redirect fault needs a location")

    @property
    def redirect_status(self) -> int:
        return self.status if 300 <= self.status <= 399 else DEFAULT_REDIRECT_STATUS

    @property
    def hang_seconds(self) -> float:
        return self.delay or DEFAULT_HANG_SECONDS


@dataclass
class _Pending:
    fault: Fault
    remaining: int | None


class FaultPlan:
    """The queue of pending faults. Each API request takes the first one (using up one of its times)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[_Pending] = []

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._pending.append(_Pending(fault, fault.times))

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()

    def take(self) -> Fault | None:
        with self._lock:
            if not self._pending:
                return None
            entry = self._pending[0]
            if entry.remaining is not None:
                entry.remaining -= 1
                if entry.remaining == 0:
                    self._pending.pop(0)
            return entry.fault


# --- broken bodies ------------------------------------------------------------------------------

MALFORMED_BODY: Final = b'[{"queueInfo": {"queueId": "email-customer-care", queueName: Email Customer Care}'
HTML_BODY: Final = (
    b"<!DOCTYPE html>\n<html><head><title>503 Service Temporarily Unavailable</title></head>\n"
    b"<body><h1>Service Temporarily Unavailable</h1>"
    b"<p>The server is down for maintenance. Please try again later.</p></body></html>\n"
)


def truncated(body: bytes) -> bytes:
    """A valid JSON document cut in half (the client sees a complete, short HTTP body)."""
    return body[: len(body) // 2]


def as_object(records: Sequence[dict[str, Any]]) -> bytes:
    """The records wrapped in an object, as an API redesign might return them."""
    return json.dumps({"queues": list(records)}).encode()


def break_types(records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Copies of the records with fields broken, by position in the list (i = index % 3):

    - i == 0: `agentsStaffed` becomes a string of its number (e.g. "26"); `agentsAvailable` is null.
    - i == 1: `itemsInQueue` becomes negative (-(n + 1)); `agentsWorking` becomes the boolean true.
    - i == 2: `queueInfo` is missing (the record has no queue id at all).
    Every other field keeps its usual value.
    """
    broken: list[dict[str, Any]] = []
    for index, record in enumerate(records):
        copy = dict(record)
        which = index % 3
        if which == 0:
            copy["agentsStaffed"] = str(record.get("agentsStaffed", 0))
            copy["agentsAvailable"] = None
        elif which == 1:
            copy["itemsInQueue"] = -(int(record.get("itemsInQueue", 0)) + 1)
            copy["agentsWorking"] = True
        else:
            copy.pop("queueInfo", None)
        broken.append(copy)
    return broken
