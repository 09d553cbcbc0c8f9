"""Throwaway servers for the fault suite, all on 127.0.0.1 and stopped by the test that made them.

- `ScriptedServer`: an HTTP server whose every answer is written by a function the test hands in
  (redirect targets, over-sized or compressed bodies, slow headers, hostile header values).
- `AwsProxy`: a proxy in front of moto_server that can fail chosen AWS calls (throttling, a batch
  refused for good, AccessDenied), leave them unanswered (`Hang`) or answer them a byte at a time
  (`Trickle`), and that checks PutMetricData the way CloudWatch does where moto does not
  (ASCII-only dimension values, the value range, timestamps), so a request real CloudWatch would
  refuse is refused here too.
- `self_signed_tls`: a server-side TLS context with a certificate nobody trusts.
"""

from __future__ import annotations

import contextlib
import gzip
import http.client
import json
import math
import select
import socket
import ssl
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

from symbee_sim.serving import Handle, LoopbackServer
from symbee_sim.tls import self_signed_certificate, server_context

_IDLE_SECONDS = 30.0
# A stalled answer gives up after this long even if its client never does (the server stops first).
_STALL_SECONDS = 120.0


class _Background:
    """The servers' shared plumbing: symbee_sim's loopback server, started at once, every connection
    cut at stop, and a connection idle for 30 s dropped."""

    def _start(self, handle: Handle) -> None:
        self._httpd = LoopbackServer(handle, idle_seconds=_IDLE_SECONDS)
        self._httpd.start()

    @property
    def port(self) -> int:
        return self._httpd.port

    @property
    def connections(self) -> int:
        with self._httpd.lock:
            return self._httpd.connections

    @property
    def stopping(self) -> threading.Event:
        return self._httpd.stopping

    def stop(self) -> None:
        self._httpd.stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


# --- a server whose answers the test writes ------------------------------------------------------


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class Exchange:
    """One request and the means to answer it, byte by byte if need be."""

    def __init__(self, handler: BaseHTTPRequestHandler, body: bytes, stopping: threading.Event) -> None:
        self._handler = handler
        self.body = body
        self.stopping = stopping

    @property
    def headers(self) -> Any:
        return self._handler.headers

    def write(self, data: bytes) -> None:
        self._handler.wfile.write(data)
        self._handler.wfile.flush()

    def wait(self, seconds: float) -> bool:
        """Sleep unless the server stops first; True when it is stopping."""
        return self.stopping.wait(seconds)

    def answer(self, status: int, body: bytes = b"", headers: Iterable[tuple[str, str]] = ()) -> None:
        head = [f"HTTP/1.1 {status} X", *(f"{k}: {v}" for k, v in headers)]
        if not any(k.lower() in ("content-length", "transfer-encoding") for k, _ in headers):
            head.append(f"Content-Length: {len(body)}")
        head.append("Connection: close")
        self.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)

    def answer_chunked(self, status: int, chunks: Iterable[bytes], headers: Iterable[tuple[str, str]] = ()) -> None:
        """A body of unknown length: no Content-Length, chunked transfer encoding."""
        head = [f"HTTP/1.1 {status} X", *(f"{k}: {v}" for k, v in headers), "Transfer-Encoding: chunked"]
        self.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        for chunk in chunks:
            if self.stopping.is_set():
                return
            self.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        self.write(b"0\r\n\r\n")


Responder = Callable[[Exchange], None]


class ScriptedServer(_Background):
    """Answers every request with `respond(exchange)`; records what it received (and never prints it)."""

    def __init__(self, respond: Responder) -> None:
        self._respond = respond
        self._received: list[Received] = []
        self._lock = threading.Lock()
        self._start(self._handle)

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        with self._lock:
            self._received.append(Received(handler.command, handler.path, dict(handler.headers.items()), body))
        handler.close_connection = True
        self._respond(Exchange(handler, body, self.stopping))

    def url(self, host: str = "127.0.0.1", path: str = "/symbee") -> str:
        return f"http://{host}:{self.port}{path}"

    @property
    def received(self) -> list[Received]:
        with self._lock:
            return list(self._received)


# --- AWS behind a fault-injecting, CloudWatch-strict proxy ---------------------------------------


@dataclass(frozen=True)
class AwsCall:
    """One AWS request as the proxy saw it."""

    service: str  # "cloudwatch" or "secretsmanager"
    operation: str  # e.g. "PutMetricData"
    body: bytes  # uncompressed
    params: Any  # the decoded JSON request, None if it could not be decoded


@dataclass(frozen=True)
class AwsSeen:
    """What the proxy keeps of a call it answered (not the body: 50,000 queues are 500 MB of them)."""

    service: str
    operation: str
    status: int  # 0: stalled (never answered in full)
    datums: int  # PutMetricData: how many datums the request held
    at: float = 0.0  # time.monotonic() when the request arrived
    closed_by_client: threading.Event = field(default_factory=threading.Event, compare=False)  # stalled calls


@dataclass(frozen=True)
class AwsAnswer:
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Hang:
    """Accept the call and send nothing back, until the client gives up or the server stops."""


@dataclass(frozen=True)
class Trickle:
    """moto's real answer, one byte every `interval` seconds: each read by the client returns well
    inside any read timeout, so only a deadline on the whole call stops it."""

    interval: float = 0.5


@dataclass
class AwsRule:
    """Answer calls that `match` with `answer` instead of forwarding them, `times` times (None: always)."""

    match: Callable[[AwsCall], bool]
    answer: AwsAnswer | Hang | Trickle
    times: int | None = None
    used: int = 0


def aws_error(code: str, message: str, status: int = 400) -> AwsAnswer:
    """An error as AWS's JSON protocols send it (CloudWatch and Secrets Manager both speak it)."""
    body = json.dumps({"__type": code, "message": message}).encode()
    headers = (("Content-Type", "application/x-amz-json-1.0"), ("x-amzn-query-error", f"{code};Sender"))
    return AwsAnswer(status, body, headers)


def aws_ok(body: bytes = b"{}") -> AwsAnswer:
    return AwsAnswer(200, body, (("Content-Type", "application/x-amz-json-1.0"),))


# What CloudWatch's PutMetricData refuses (API reference: Dimension, MetricDatum) and moto accepts.
_MIN_MAGNITUDE = 2.0**-360
_MAX_MAGNITUDE = 2.0**360


def cloudwatch_refusal(params: Any) -> str | None:
    """Why real CloudWatch would refuse this PutMetricData request, or None."""
    data = params.get("MetricData", []) if isinstance(params, dict) else []
    if len(data) > 1000:
        return f"MetricData has {len(data)} members, at most 1000"
    now = datetime.now(UTC)
    for i, datum in enumerate(data, start=1):
        for j, dim in enumerate(datum.get("Dimensions", []), start=1):
            value = dim.get("Value", "")
            where = f"MetricData.member.{i}.Dimensions.member.{j}.Value"
            if not value.isascii() or not value.isprintable():
                return f"The value for parameter {where} contains non-ASCII characters."
            if not value.strip() or len(value) > 1024:
                return f"The parameter {where} must be 1 to 1024 characters with one non-whitespace character."
        number = datum.get("Value")
        if number is not None and (
            not math.isfinite(number) or (number != 0 and not _MIN_MAGNITUDE <= abs(number) <= _MAX_MAGNITUDE)
        ):
            return f"The value {number} for parameter MetricData.member.{i}.Value is not in the accepted range."
        stamp = datum.get("Timestamp")
        if isinstance(stamp, int | float):
            when = datetime.fromtimestamp(stamp, UTC)
            if not now - timedelta(days=14) <= when <= now + timedelta(hours=2):
                return f"The parameter MetricData.member.{i}.Timestamp is out of range."
    return None


class AwsProxy(_Background):
    """Forwards to moto_server, except for calls a rule answers or CloudWatch would refuse."""

    def __init__(self, upstream: str, *, strict_cloudwatch: bool = True) -> None:
        parts = urlsplit(upstream)
        self._upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self._strict = strict_cloudwatch
        self._rules: list[AwsRule] = []
        self._calls: list[AwsSeen] = []
        self._lock = threading.Lock()
        self._parse = True
        self._start(self._handle)

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        arrived = time.monotonic()
        body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        # botocore gzips PutMetricData bodies over 10 KB; rules and checks read them plain
        plain = gzip.decompress(body) if handler.headers.get("Content-Encoding") == "gzip" else body
        call = self._decode(handler.path, dict(handler.headers.items()), plain, parse=self._parse)
        datums = len(call.params.get("MetricData", [])) if isinstance(call.params, dict) else 0
        try:
            rule = self._answer_for(call)
            if isinstance(rule, Hang | Trickle):
                seen = AwsSeen(call.service, call.operation, 0, datums, arrived)
                with self._lock:
                    self._calls.append(seen)
                handler.close_connection = True
                self._stall(handler, rule, seen, body)
                return
            answer = rule or self._forward(handler.command, handler.path, dict(handler.headers.items()), body)
        except Exception as error:  # a bug in a test's rule: make it loud, not a dropped connection
            answer = AwsAnswer(599, f"fault proxy error: {error!r}".encode())
        with self._lock:
            self._calls.append(AwsSeen(call.service, call.operation, answer.status, datums, arrived))
        handler.send_response(answer.status)
        for name, value in answer.headers:
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(answer.body)))
        handler.end_headers()
        handler.wfile.write(answer.body)

    def _stall(self, handler: BaseHTTPRequestHandler, rule: Hang | Trickle, seen: AwsSeen, body: bytes) -> None:
        """Hang or trickle until the client closes the connection (noted in `seen`)."""
        if isinstance(rule, Hang):
            if _wait_for_close(handler.connection, self.stopping):
                seen.closed_by_client.set()
            return
        answer = self._forward(handler.command, handler.path, dict(handler.headers.items()), body)
        head = [f"HTTP/1.1 {answer.status} X", *(f"{k}: {v}" for k, v in answer.headers)]
        head += [f"Content-Length: {len(answer.body)}", "Connection: close"]
        for byte in ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + answer.body:
            if self.stopping.wait(rule.interval):
                return
            try:
                handler.wfile.write(bytes([byte]))
                handler.wfile.flush()
            except OSError:  # the client cut the connection
                seen.closed_by_client.set()
                return

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add_rule(self, rule: AwsRule) -> AwsRule:
        with self._lock:
            self._rules.append(rule)
        return rule

    def calls(self, operation: str | None = None) -> list[AwsSeen]:
        """The calls answered, in arrival order, optionally of one operation."""
        with self._lock:
            return [c for c in self._calls if operation is None or c.operation == operation]

    def _decode(self, path: str, headers: dict[str, str], body: bytes, *, parse: bool) -> AwsCall:
        # AWS JSON protocol: X-Amz-Target "secretsmanager.GetSecretValue" or
        # "GraniteServiceVersion20100801.PutMetricData" (CloudWatch).
        target = next((v for k, v in headers.items() if k.lower() == "x-amz-target"), "")
        prefix, _, operation = target.partition(".")
        service = "cloudwatch" if prefix.startswith("GraniteService") else prefix.lower()
        params: Any = None
        if parse and body:
            with contextlib.suppress(ValueError):
                params = json.loads(body)
        return AwsCall(service, operation or path, body, params)

    def _answer_for(self, call: AwsCall) -> AwsAnswer | Hang | Trickle | None:
        with self._lock:
            for rule in self._rules:
                if (rule.times is None or rule.used < rule.times) and rule.match(call):
                    rule.used += 1
                    return rule.answer
        if self._strict and call.operation == "PutMetricData":
            refusal = cloudwatch_refusal(call.params)
            if refusal is not None:
                return aws_error("InvalidParameterValue", refusal)
        return None

    def _forward(self, method: str, path: str, headers: dict[str, str], body: bytes) -> AwsAnswer:
        connection = http.client.HTTPConnection(*self._upstream, timeout=60)
        try:
            skip = {"host", "connection", "content-length", "keep-alive"}
            connection.request(
                method, path, body=body, headers={k: v for k, v in headers.items() if k.lower() not in skip}
            )
            response = connection.getresponse()
            data = response.read()
            kept = tuple(
                (k, v)
                for k, v in response.getheaders()
                if k.lower() not in ("content-length", "connection", "transfer-encoding")
            )
            return AwsAnswer(response.status, data, kept)
        finally:
            connection.close()


def _wait_for_close(connection: socket.socket, stopping: threading.Event) -> bool:
    """Read nothing, answer nothing: True once the client closes the connection, False if the
    server stops (or the stall's limit passes) first."""
    limit = time.monotonic() + _STALL_SECONDS
    while not stopping.is_set() and time.monotonic() < limit:
        readable, _, _ = select.select([connection], [], [], 0.05)
        if readable:
            try:
                if not connection.recv(1024):
                    return True
            except OSError:
                return True
    return False


# --- TLS with a certificate nobody trusts ------------------------------------------------------


@contextlib.contextmanager
def self_signed_tls() -> Iterator[ssl.SSLContext]:
    """A server context for 127.0.0.1 whose certificate is signed by no CA the poller trusts."""
    with tempfile.TemporaryDirectory() as folder:
        context = server_context(*self_signed_certificate(Path(folder)))
    yield context


def closed_port() -> int:
    """A loopback port nothing listens on: connecting to it is refused at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


__all__ = [
    "AwsAnswer",
    "AwsCall",
    "AwsProxy",
    "AwsRule",
    "AwsSeen",
    "Exchange",
    "Hang",
    "Received",
    "ScriptedServer",
    "Trickle",
    "aws_error",
    "aws_ok",
    "closed_port",
    "cloudwatch_refusal",
    "self_signed_tls",
]
