"""A local fake of the PagerDuty Events API v2 (`POST /v2/enqueue`) that keeps incidents by
`dedup_key`, for tests and fire drills. Standard library only; binds loopback only.

Strict like the real service: a known routing key, `event_action` trigger/acknowledge/resolve,
`dedup_key` up to 255 characters, and for a trigger `payload.summary` (up to 1,024 characters),
`payload.source` and `payload.severity` (critical, error, warning, info). Accepted events get
`202 {"status": "success", "message": "Event processed", "dedup_key": ...}`; refused ones `400` with
`errors`. A trigger opens an incident for its key (or adds to the open one); a resolve closes only
the incident with that key. `fail_next()` makes the next answers fail on purpose. It never logs or
echoes a routing key.
"""

from __future__ import annotations

import contextlib
import json
import ssl
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any, Final

from .server import _loopback
from .serving import LoopbackServer, Served, respond_json

PATH: Final = "/v2/enqueue"
MAX_DEDUP_KEY: Final = 255
MAX_SUMMARY: Final = 1024
SEVERITIES: Final = ("critical", "error", "warning", "info")
ACTIONS: Final = ("trigger", "acknowledge", "resolve")
MAX_BODY_BYTES: Final = 512 * 1024  # PagerDuty refuses events over 512 KB


@dataclass
class Incident:
    """Everything sent for one dedup_key while it was open (a new trigger after a resolve opens
    a new incident with the same key)."""

    dedup_key: str
    status: str  # "triggered", "acknowledged" or "resolved"
    summary: str
    severity: str
    triggers: int = 1
    events: list[dict[str, Any]] = field(default_factory=list)  # as received, routing key removed


@dataclass(frozen=True)
class _Failure:
    status: int
    body: dict[str, Any]
    retry_after: str | None
    delay: float  # seconds to wait before answering (a slow service)


class FakePagerDuty(Served):
    """A context manager serving the Events API v2 on 127.0.0.1 (or TLS with `ssl_context`)."""

    def __init__(
        self,
        *,
        routing_keys: set[str] | frozenset[str] = frozenset({"R0UT1NGKEY0123456789abcdefABCDEF"}),
        host: str = "127.0.0.1",
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._host = host
        self._routing_keys = set(routing_keys)
        self._lock = threading.Condition()
        self._incidents: list[Incident] = []  # every incident ever opened, oldest first
        self._accepted: list[dict[str, Any]] = []
        self._requests = 0
        self._failures: list[_Failure] = []
        self._httpd = LoopbackServer(
            self._handle, host=_loopback(host), ssl_context=ssl_context, server_version="FakePagerDuty/1.0"
        )

    # --- what tests read and set ----------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"{self._httpd.scheme}://{self._host}:{self._httpd.port}{PATH}"

    @property
    def requests(self) -> int:
        """Every POST received, whatever the answer."""
        with self._lock:
            return self._requests

    @property
    def accepted(self) -> list[dict[str, Any]]:
        """Every accepted event, in order, without its routing key."""
        with self._lock:
            return list(self._accepted)

    def incidents(self) -> list[Incident]:
        """Every incident ever opened, oldest first."""
        with self._lock:
            return list(self._incidents)

    def open_incidents(self) -> dict[str, Incident]:
        """dedup_key -> the incident still triggered (or acknowledged) for it."""
        with self._lock:
            return {i.dedup_key: i for i in self._incidents if i.status != "resolved"}

    def fail_next(
        self, status: int, *, count: int = 1, retry_after: str | None = None, delay: float = 0.0, message: str = ""
    ) -> None:
        """Answer the next `count` requests with `status` (after `delay` seconds)."""
        body = {"status": "error", "message": message or f"fake failure {status}", "errors": [message or "injected"]}
        with self._lock:
            self._failures += [_Failure(status, body, retry_after, delay)] * count

    def rotate_key(self, new_key: str) -> None:
        """Accept only `new_key` from now on (a routing key rotated in PagerDuty)."""
        with self._lock:
            self._routing_keys = {new_key}

    def wait_for_requests(self, count: int, timeout: float = 10.0) -> bool:
        """Until `count` requests have arrived (any answer), or False after `timeout`."""
        with self._lock:
            return self._lock.wait_for(lambda: self._requests >= count, timeout=timeout)

    # --- one request ------------------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        if handler.command != "POST" or handler.path != PATH:
            respond_json(handler, 404, {"status": "error", "message": "Not found"})
            return
        length = handler.headers.get("Content-Length", "")
        if not length.isdigit() or int(length) > MAX_BODY_BYTES:
            respond_json(handler, 400, _invalid("Event object is invalid", "missing or oversized body"))
            return
        status, answer, headers, delay = self._answer(handler.rfile.read(int(length)))
        if delay and self._httpd.stopping.wait(delay):
            return
        with contextlib.suppress(OSError):  # the client gave up waiting
            respond_json(handler, status, answer, headers)

    def _answer(self, body: bytes) -> tuple[int, dict[str, Any], dict[str, str], float]:
        with self._lock:
            self._requests += 1
            self._lock.notify_all()
            if self._failures:
                failure = self._failures.pop(0)
                headers = {"Retry-After": failure.retry_after} if failure.retry_after else {}
                return failure.status, failure.body, headers, failure.delay
            status, answer = self._process(body)
            return status, answer, {}, 0.0

    def _process(self, body: bytes) -> tuple[int, dict[str, Any]]:
        try:
            event = json.loads(body)
        except ValueError:
            return 400, _invalid("Event object is invalid", "The body is not JSON")
        if not isinstance(event, dict):
            return 400, _invalid("Event object is invalid", "The body is not a JSON object")
        routing_key = event.pop("routing_key", None)
        if routing_key not in self._routing_keys:
            return 400, _invalid("Event object is invalid", "Invalid routing key")
        problem = _problem(event)
        if problem:
            return 400, _invalid("Event object is invalid", problem)
        action = event["event_action"]
        key = event.get("dedup_key") or uuid.uuid4().hex
        open_now = next((i for i in self._incidents if i.dedup_key == key and i.status != "resolved"), None)
        if action == "trigger":
            payload = event["payload"]
            if open_now is None:
                open_now = Incident(key, "triggered", payload["summary"], payload["severity"], triggers=0)
                self._incidents.append(open_now)
            open_now.triggers += 1
            open_now.summary = payload["summary"]
        elif open_now is not None:
            open_now.status = "resolved" if action == "resolve" else "acknowledged"
        if open_now is not None:
            open_now.events.append(event)
        self._accepted.append(event)
        return 202, {"status": "success", "message": "Event processed", "dedup_key": key}


def _problem(event: dict[str, Any]) -> str | None:
    action = event.get("event_action")
    if action not in ACTIONS:
        return f"'event_action' must be one of {', '.join(ACTIONS)}"
    key = event.get("dedup_key")
    if key is not None and (not isinstance(key, str) or not key or len(key) > MAX_DEDUP_KEY):
        return f"'dedup_key' must be a string of 1 to {MAX_DEDUP_KEY} characters"
    if action != "trigger":
        return None if key else "'dedup_key' is required for acknowledge and resolve"
    payload = event.get("payload")
    if not isinstance(payload, dict):
        return "'payload' is required for trigger"
    summary = payload.get("summary")
    if not isinstance(summary, str) or not summary or len(summary) > MAX_SUMMARY:
        return f"'payload.summary' must be a string of 1 to {MAX_SUMMARY} characters"
    if not isinstance(payload.get("source"), str) or not payload["source"]:
        return "'payload.source' is required"
    if payload.get("severity") not in SEVERITIES:
        return f"'payload.severity' must be one of {', '.join(SEVERITIES)}"
    links = event.get("links", [])
    if not isinstance(links, list) or any(not isinstance(x, dict) or "href" not in x for x in links):
        return "'links' must be a list of objects with an 'href'"
    return None


def _invalid(message: str, error: str) -> dict[str, Any]:
    return {"status": "invalid event", "message": message, "errors": [error]}
