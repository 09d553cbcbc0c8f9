"""A local OTLP/HTTP metrics endpoint on loopback, standing in for CloudWatch's: it decodes what it
receives with opentelemetry-proto, checks the SigV4 signature, keeps every accepted data point,
and can be scripted to fail the way the real endpoint can (429 with Retry-After, 400, 5xx, a 200
with some points rejected, a hang, an answer trickled byte by byte, a reset connection).

Used by the tests and `make bench`. Not imported by `symbee_sim` itself: it needs
opentelemetry-proto and botocore, which the simulator alone does not.
"""

from __future__ import annotations

import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any, Final

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.message import DecodeError, Message
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

from .serving import LoopbackServer, Served, respond
from .sigv4 import header, signature_problem

PATH: Final = "/v1/metrics"
PROTOBUF: Final = "application/x-protobuf"
# CloudWatch's OTLP limits (what the real endpoint refuses with 400, or rejects point by point).
MAX_POINTS: Final = 1000
MAX_BYTES: Final = 1_000_000
MAX_AHEAD_NANOS: Final = 10 * 60 * 10**9
MAX_AGE_NANOS: Final = 14 * 86_400 * 10**9
FAULT_KINDS: Final = ("status", "partial", "slow", "hang", "trickle", "reset")


@dataclass(frozen=True)
class OtlpFault:
    """One scripted failure, for requests that `match` (all when None), `times` times (None: always).

    - status: answer `status` with `message` as an OTLP Status (protobuf), or as plain text when
      `text` is set, plus `Retry-After: retry_after` when given.
    - partial: 200 whose `partial_success` rejects `rejected` points (all when None) with `message`;
      the rest are kept.
    - slow: wait `delay` seconds, then answer as usual.
    - hang: read the request and never answer; close after `delay` seconds (30 when 0) or at stop().
    - trickle: send a 200's status line and headers one byte every `delay` seconds (0.2 when 0).
    - reset: close the connection with a TCP reset, no answer.
    """

    kind: str
    times: int | None = None
    status: int = 500
    message: str = "Internal failure"
    text: bool = False
    retry_after: str | None = None
    rejected: int | None = None
    delay: float = 0.0
    match: Callable[[ExportMetricsServiceRequest], bool] | None = None

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {', '.join(FAULT_KINDS)}")
        if self.times is not None and self.times < 1:
            raise ValueError(f"times must be at least 1 (or None), got {self.times}")


@dataclass(frozen=True)
class ReceivedPoint:
    """One accepted data point, flattened as PromQL would see it."""

    metric: str
    unit: str
    attributes: dict[str, str]
    time_unix_nano: int
    value: float
    resource: dict[str, str]


@dataclass(frozen=True)
class Export:
    """One request as received, and what was answered."""

    headers: dict[str, str]
    size: int  # body bytes
    points: int  # data points in it (0 when it did not decode)
    status: int  # what was answered (0: no answer: hang, trickle cut, reset)
    signature_problem: str | None  # None when the SigV4 signature checked out


@dataclass
class _Pending:
    fault: OtlpFault
    remaining: int | None


@dataclass
class _State:
    lock: threading.Lock = field(default_factory=threading.Lock)
    faults: list[_Pending] = field(default_factory=list)
    exports: list[Export] = field(default_factory=list)
    points: list[ReceivedPoint] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0


class OtlpReceiver(Served):
    """Serves on 127.0.0.1 (a free port) in a background thread; a context manager.

    With `credentials` (access key id, secret key), every request's SigV4 signature is recomputed
    and a wrong one refused with 403, as AWS would. Without, only its form is checked."""

    def __init__(
        self,
        *,
        credentials: tuple[str, str] | None = None,
        region: str = "us-east-1",
        service: str = "monitoring",
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.credentials = credentials
        self.region = region
        self.service = service
        self.clock: Callable[[], float] = time.time
        self._state = _State()
        self._httpd = LoopbackServer(self._handle, ssl_context=ssl_context, server_version="OtlpReceiver/1.0")

    # --- what tests read and script ----------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"{self._httpd.scheme}://127.0.0.1:{self._httpd.port}{PATH}"

    def add_fault(self, fault: OtlpFault) -> None:
        with self._state.lock:
            self._state.faults.append(_Pending(fault, fault.times))

    def clear_faults(self) -> None:
        with self._state.lock:
            self._state.faults.clear()

    @property
    def exports(self) -> list[Export]:
        with self._state.lock:
            return list(self._state.exports)

    @property
    def connections(self) -> int:
        with self._httpd.lock:
            return self._httpd.connections

    @property
    def max_in_flight(self) -> int:
        """The most requests being answered at once so far."""
        with self._state.lock:
            return self._state.max_in_flight

    def points(self) -> list[ReceivedPoint]:
        """Every accepted data point, in arrival order."""
        with self._state.lock:
            return list(self._state.points)

    def reset(self) -> None:
        """Forget what was received (faults stay)."""
        with self._state.lock:
            self._state.exports.clear()
            self._state.points.clear()
            self._state.max_in_flight = 0
        with self._httpd.lock:
            self._httpd.connections = 0

    # --- serving -----------------------------------------------------------------------------------

    def _take_fault(self, request: ExportMetricsServiceRequest | None) -> OtlpFault | None:
        with self._state.lock:
            for index, pending in enumerate(self._state.faults):
                fault = pending.fault
                if fault.match is not None and (request is None or not fault.match(request)):
                    continue
                if pending.remaining is not None:
                    pending.remaining -= 1
                    if pending.remaining == 0:
                        del self._state.faults[index]
                return fault
        return None

    def _record(self, export: Export, points: list[ReceivedPoint]) -> None:
        with self._state.lock:
            self._state.exports.append(export)
            self._state.points.extend(points)

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        state = self._state
        with state.lock:
            state.in_flight += 1
            state.max_in_flight = max(state.max_in_flight, state.in_flight)
        try:
            self._answer(handler)
        finally:
            with state.lock:
                state.in_flight -= 1

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        headers = dict(handler.headers.items())
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        request, points, problem = self._decode(handler.path, headers, body)
        signature = self._signature_problem(handler.path, headers, body)
        count = len(points)

        def done(status: int, kept: list[ReceivedPoint] | None = None) -> None:
            self._record(Export(headers, len(body), count, status, signature), kept or [])

        fault = self._take_fault(request)
        if fault is not None and fault.kind == "slow" and self._httpd.stopping.wait(fault.delay):
            return
        if fault is not None and fault.kind in ("hang", "trickle", "reset"):
            done(0)
            self._misbehave(handler, fault)
            return
        if signature is not None:
            done(403)
            respond(handler, 403, status_body(signature, code=7), PROTOBUF)
            return
        if problem is not None:
            status, message = problem
            done(status)
            respond(handler, status, status_body(message), PROTOBUF)
            return
        if fault is not None and fault.kind == "status":
            done(fault.status)
            extra = [("Retry-After", fault.retry_after)] if fault.retry_after is not None else []
            if fault.text:
                respond(handler, fault.status, fault.message.encode(), "text/plain; charset=utf-8", extra)
            else:
                respond(
                    handler, fault.status, status_body(fault.message, code=_grpc_code(fault.status)), PROTOBUF, extra
                )
            return
        rejected_points = [p for p in points if not self._in_time(p)]
        message = "data points with timestamps out of range" if rejected_points else ""
        kept = [p for p in points if self._in_time(p)]
        if fault is not None and fault.kind == "partial":
            refused = len(kept) if fault.rejected is None else min(fault.rejected, len(kept))
            rejected_points += kept[:refused]
            kept = kept[refused:]
            message = fault.message
        done(200, kept)
        response = ExportMetricsServiceResponse()
        if rejected_points:
            response.partial_success.rejected_data_points = len(rejected_points)
            response.partial_success.error_message = message
        respond(handler, 200, response.SerializeToString(), PROTOBUF)

    def _decode(
        self, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[ExportMetricsServiceRequest | None, list[ReceivedPoint], tuple[int, str] | None]:
        if path.split("?", 1)[0] != PATH:
            return None, [], (404, f"no such path {path!r}: OTLP metrics go to {PATH}")
        content_type = _header(headers, "Content-Type") or ""
        if content_type.split(";", 1)[0].strip() != PROTOBUF:
            return None, [], (415, f"unsupported Content-Type {content_type!r}: send {PROTOBUF}")
        if len(body) > MAX_BYTES:
            return None, [], (400, f"request of {len(body)} bytes is over the {MAX_BYTES}-byte limit")
        request = ExportMetricsServiceRequest()
        try:
            request.ParseFromString(body)
        except DecodeError as error:
            return None, [], (400, f"the body is not an ExportMetricsServiceRequest: {error}")
        points = flatten(request)
        if len(points) > MAX_POINTS:
            return request, points, (400, f"request has {len(points)} data points, at most {MAX_POINTS}")
        return request, points, None

    def _signature_problem(self, path: str, headers: dict[str, str], body: bytes) -> str | None:
        """Why the SigV4 signature would be refused, or None."""
        url = f"{self._httpd.scheme}://{_header(headers, 'Host') or ''}{path}"
        return signature_problem(
            method="POST",
            url=url,
            headers=headers,
            body=body,
            service=self.service,
            region=self.region,
            credentials=self.credentials,
        )

    def _in_time(self, point: ReceivedPoint) -> bool:
        now = int(self.clock() * 10**9)
        return now - MAX_AGE_NANOS <= point.time_unix_nano <= now + MAX_AHEAD_NANOS

    def _misbehave(self, handler: BaseHTTPRequestHandler, fault: OtlpFault) -> None:
        handler.close_connection = True
        if fault.kind == "reset":
            # SO_LINGER 0: close() sends a TCP reset instead of a clean end.
            handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return
        if fault.kind == "hang":
            self._httpd.stopping.wait(fault.delay or 30.0)
            return
        answer = b"HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: 0\r\n\r\n"
        for byte in answer:
            if self._httpd.stopping.wait(fault.delay or 0.2):
                return
            try:
                handler.wfile.write(bytes([byte]))
                handler.wfile.flush()
            except OSError:  # the client gave up (its watchdog cut the connection)
                return


def flatten(request: ExportMetricsServiceRequest) -> list[ReceivedPoint]:
    """Every number data point of a request with its metric, unit, attributes and resource."""
    points: list[ReceivedPoint] = []
    for resource_metrics in request.resource_metrics:
        resource = _attributes(resource_metrics.resource.attributes)
        for scope_metrics in resource_metrics.scope_metrics:
            for metric in scope_metrics.metrics:
                kind = metric.WhichOneof("data")
                if kind not in ("gauge", "sum"):
                    continue
                data = metric.gauge if kind == "gauge" else metric.sum
                for point in data.data_points:
                    value = point.as_double if point.WhichOneof("value") == "as_double" else float(point.as_int)
                    points.append(
                        ReceivedPoint(
                            metric=metric.name,
                            unit=metric.unit,
                            attributes=_attributes(point.attributes),
                            time_unix_nano=point.time_unix_nano,
                            value=value,
                            resource=resource,
                        )
                    )
    return points


def _attributes(pairs: Any) -> dict[str, str]:
    return {pair.key: _string(pair.value) for pair in pairs}


def _string(value: AnyValue) -> str:
    kind = value.WhichOneof("value")
    return str(getattr(value, kind)) if kind else ""


# --- google.rpc.Status, the body of an OTLP/HTTP error ---------------------------------------------
# opentelemetry-proto does not ship it; a private descriptor pool defines the two fields used here.


def _status_class() -> type[Message]:
    file = descriptor_pb2.FileDescriptorProto(name="symbee_sim/rpc_status.proto", package="google.rpc", syntax="proto3")
    message = file.message_type.add(name="Status")
    message.field.add(name="code", number=1, type=descriptor_pb2.FieldDescriptorProto.TYPE_INT32, label=1)
    message.field.add(name="message", number=2, type=descriptor_pb2.FieldDescriptorProto.TYPE_STRING, label=1)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("google.rpc.Status"))


_STATUS = _status_class()


def status_body(message: str, *, code: int = 3) -> bytes:
    """A serialized google.rpc.Status (code 3: INVALID_ARGUMENT)."""
    status = _STATUS()
    status.code = code  # type: ignore[attr-defined]
    status.message = message  # type: ignore[attr-defined]
    return status.SerializeToString()


def _grpc_code(http_status: int) -> int:
    return {400: 3, 401: 16, 403: 7, 404: 5, 429: 8, 503: 14}.get(http_status, 13)


_header = header


__all__ = ["FAULT_KINDS", "Export", "OtlpFault", "OtlpReceiver", "ReceivedPoint", "flatten", "status_body"]
