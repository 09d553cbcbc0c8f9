"""A local fake of CloudWatch's PromQL query API (`/api/v1/query`, `/api/v1/query_range`, GET or
POST with a form body) on loopback, for the notifier's tests: it checks each request's SigV4
signature (service `monitoring`), keeps every request, answers in Prometheus's JSON format with the
results a test sets, and can be scripted to fail the ways the real one can (4xx with Prometheus's
error JSON, 5xx, 429 with Retry-After, a hang).

It evaluates nothing: promtool proves what the queries mean (tests/promql/). Needs botocore, which
the simulator alone does not.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

from .serving import LoopbackServer, Served, respond_json
from .sigv4 import header, signature_problem

QUERY: Final = "/api/v1/query"
QUERY_RANGE: Final = "/api/v1/query_range"
RESULT_TYPES: Final = {QUERY: "vector", QUERY_RANGE: "matrix"}
REQUIRED: Final = {QUERY: ("query",), QUERY_RANGE: ("query", "start", "end", "step")}
FORM: Final = "application/x-www-form-urlencoded"
MAX_BODY_BYTES: Final = 1024 * 1024
# Prometheus's errorType for each status the fake is asked to fail with.
ERROR_TYPES: Final = {400: "bad_data", 422: "execution", 429: "throttled", 503: "unavailable"}


@dataclass(frozen=True)
class Received:
    """One request as received, and what was answered (0: no answer, a hang)."""

    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    status: int
    signature_problem: str | None


@dataclass(frozen=True)
class _Failure:
    status: int  # 0: hang
    message: str
    retry_after: str | None
    seconds: float


@dataclass
class _State:
    lock: threading.Condition = field(default_factory=threading.Condition)
    results: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    failures: list[_Failure] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)


class FakePromQLApi(Served):
    """Serves on 127.0.0.1 (a free port) in a background thread; a context manager.

    With `credentials` (access key id, secret key) each signature is recomputed and a wrong one
    refused with 403, as AWS would; without, only its form, service and region are checked."""

    def __init__(
        self,
        *,
        credentials: tuple[str, str] | None = None,
        region: str = "us-east-1",
        service: str = "monitoring",
    ) -> None:
        self.credentials = credentials
        self.region = region
        self.service = service
        self._state = _State()
        self._httpd = LoopbackServer(self._handle, server_version="FakePromQLApi/1.0")

    # --- what tests set and read ---------------------------------------------------------------------
    @property
    def url(self) -> str:
        """The base URL (what PROMQL_ENDPOINT holds); the API's paths follow it."""
        return f"http://127.0.0.1:{self._httpd.port}"

    def set_result(self, path: str, result: list[dict[str, Any]], *, warnings: list[str] | None = None) -> None:
        """Answer every later query on `path` with `result` (series in Prometheus's JSON format)."""
        if path not in RESULT_TYPES:
            raise ValueError(f"unknown path {path!r}; expected one of {', '.join(RESULT_TYPES)}")
        with self._state.lock:
            self._state.results[path] = list(result)
            self._state.warnings = list(warnings or [])

    def fail_next(self, status: int, *, count: int = 1, message: str = "", retry_after: str | None = None) -> None:
        """Answer the next `count` requests with `status` and Prometheus's error JSON (AWS's
        AccessDeniedException for 401 and 403)."""
        with self._state.lock:
            self._state.failures += [_Failure(status, message or f"injected {status}", retry_after, 0.0)] * count

    def hang_next(self, *, count: int = 1, seconds: float = 30.0) -> None:
        """Read the next `count` requests and answer nothing for `seconds` (or until stop())."""
        with self._state.lock:
            self._state.failures += [_Failure(0, "", None, seconds)] * count

    @property
    def received(self) -> list[Received]:
        with self._state.lock:
            return list(self._state.received)

    def wait_for_requests(self, count: int, timeout: float = 10.0) -> bool:
        """Until `count` requests have arrived (any answer), or False after `timeout`."""
        with self._state.lock:
            return self._state.lock.wait_for(lambda: len(self._state.received) >= count, timeout=timeout)

    # --- one request ---------------------------------------------------------------------------------
    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        method = handler.command
        if method not in ("GET", "POST"):
            respond_json(handler, 405, _error("bad_data", f"method {method} not allowed"))
            return
        headers = dict(handler.headers.items())
        parts = urlsplit(handler.path)
        body = b""
        if method == "POST":
            length = handler.headers.get("Content-Length", "")
            if not length.isdigit() or int(length) > MAX_BODY_BYTES:
                respond_json(handler, 400, _error("bad_data", "missing or oversized body"))
                return
            body = handler.rfile.read(int(length))
        url = f"http://{header(headers, 'Host') or ''}{handler.path}"
        problem = signature_problem(
            method=method,
            url=url,
            headers=headers,
            body=body,
            service=self.service,
            region=self.region,
            credentials=self.credentials,
        )
        params = _params(parts.query, body if method == "POST" else b"", header(headers, "Content-Type"))
        status, answer, extra, hang = self._answer(parts.path, params, problem)
        with self._state.lock:
            self._state.received.append(Received(method, parts.path, params, headers, status, problem))
            self._state.lock.notify_all()
        if hang:
            handler.close_connection = True
            self._httpd.stopping.wait(hang)
            return
        with contextlib.suppress(OSError):  # the client gave up waiting
            respond_json(handler, status, answer, extra)

    def _answer(
        self, path: str, params: dict[str, str], problem: str | None
    ) -> tuple[int, dict[str, Any], dict[str, str], float]:
        with self._state.lock:
            if self._state.failures:
                failure = self._state.failures.pop(0)
                if failure.status == 0:
                    return 0, {}, {}, failure.seconds
                extra = {"Retry-After": failure.retry_after} if failure.retry_after else {}
                if failure.status in (401, 403):  # AWS's own refusal, before any engine
                    return failure.status, {"__type": "AccessDeniedException", "message": failure.message}, extra, 0.0
                kind = ERROR_TYPES.get(failure.status, "internal" if failure.status >= 500 else "bad_data")
                return failure.status, _error(kind, failure.message), extra, 0.0
            results = self._state.results.get(path, [])
            warnings = list(self._state.warnings)
        if path not in RESULT_TYPES:
            return 404, _error("bad_data", f"no such path {path!r}"), {}, 0.0
        if problem is not None:
            return 403, {"message": problem}, {}, 0.0
        missing = [name for name in REQUIRED[path] if not params.get(name)]
        if missing:
            return 400, _error("bad_data", f"missing parameter {missing[0]!r}"), {}, 0.0
        answer: dict[str, Any] = {"status": "success", "data": {"resultType": RESULT_TYPES[path], "result": results}}
        if warnings:
            answer["warnings"] = warnings
        return 200, answer, {}, 0.0


def _params(query: str, body: bytes, content_type: str | None) -> dict[str, str]:
    """The form's fields (the body's win over the URL's, as in Prometheus)."""
    fields = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
    if body and (content_type or "").split(";", 1)[0].strip() == FORM:
        fields |= {k: v[-1] for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items()}
    return fields


def _error(kind: str, message: str) -> dict[str, Any]:
    return {"status": "error", "errorType": kind, "error": message}


__all__ = ["QUERY", "QUERY_RANGE", "FakePromQLApi", "Received"]
