"""A poll's snapshot as OTLP/HTTP protobuf requests, and what CloudWatch's OTLP endpoint answers.
Pure: the wire format is opentelemetry-proto's; no I/O.

The same values as the classic backend (metrics.py), as gauges with the same metric names. Each
queue's points carry the attributes `Environment`, `QueueId`, `QueueName` (as the API wrote them:
OTLP labels are UTF-8, so nothing is escaped as it must be for CloudWatch dimensions), and
`DeliveryProvider` and `TaskType` when the API gave them; health points carry `Environment` only.
Requests hold at most 1,000 data points and 1 MB, the endpoint's limits, in the fewest requests.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from google.protobuf.empty_pb2 import Empty
from google.protobuf.internal.containers import RepeatedCompositeFieldContainer
from google.protobuf.message import DecodeError
from google.protobuf.unknown_fields import UnknownFieldSet
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, InstrumentationScope, KeyValue
from opentelemetry.proto.metrics.v1.metrics_pb2 import NumberDataPoint
from opentelemetry.proto.resource.v1.resource_pb2 import Resource

from queue_stats import names as n
from queue_stats import rules
from queue_stats.metrics import UNITS, health_values
from queue_stats.model import QueueStats
from queue_stats.publish import Snapshot

CONTENT_TYPE = "application/x-protobuf"
# CloudWatch's OTLP endpoint: at most 1,000 data points (summed over the request) and 1 MB
# uncompressed per request.
MAX_POINTS_PER_REQUEST = 1000
MAX_REQUEST_BYTES = 1_000_000
# CloudWatch's own mapping of its units to OpenTelemetry's (UCUM), as its metric streams write
# them: PromQL users who also stream classic metrics see the same unit strings.
OTEL_UNITS: dict[str, str] = {"Count": "{Count}", "Seconds": "s", "Milliseconds": "ms", "None": "1"}
METRIC_UNITS: dict[str, str] = {name: OTEL_UNITS[unit] for name, unit in UNITS.items()}
# A failed poll's PollSucceeded 0 is stamped this long after the poll's time: a series holds one
# sample per timestamp, so a 0 at the very instant of an already landed 1 could be refused as a
# duplicate, and the failure would not show.
FAILURE_OFFSET_NANOS = 1_000_000

# Who sent the points: `@resource.service.name` in PromQL.
RESOURCE = Resource(
    attributes=[KeyValue(key="service.name", value=AnyValue(string_value=n.PRODUCT))],
)
SCOPE = InstrumentationScope(name="queue_stats")

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class ExportRequest:
    """One serialized ExportMetricsServiceRequest and how many data points it holds."""

    body: bytes
    points: int


def encode_snapshot(
    snapshot: Snapshot,
    *,
    max_points: int = MAX_POINTS_PER_REQUEST,
    max_bytes: int = MAX_REQUEST_BYTES,
) -> list[ExportRequest]:
    """Every data point of one poll, queues first, then the poller's health, in the fewest
    requests that respect both limits."""
    nanos = unix_nanos(snapshot.timestamp)
    requests = _Requests(max_points, max_bytes)
    for queue in snapshot.queues:
        if queue.values:
            requests.add_series(queue_attributes(queue, snapshot.environment), nanos, queue.values.items())
    health = health_values(snapshot.health)
    if health:
        stamp = nanos if snapshot.health.succeeded else nanos + FAILURE_OFFSET_NANOS
        requests.add_series([_attribute(n.DIM_ENVIRONMENT, snapshot.environment)], stamp, health)
    return requests.finish()


def queue_attributes(queue: QueueStats, environment: str) -> list[KeyValue]:
    """A queue's data-point attributes; provider and task type only when the API gave them."""
    attributes = [
        _attribute(n.DIM_ENVIRONMENT, environment),
        _attribute(n.DIM_QUEUE_ID, queue.queue_id),
        _attribute(n.DIM_QUEUE_NAME, queue.queue_name),
    ]
    # The parser bounds ids and names; these two come as the API sent them, so they are cut to the
    # same length: one absurd value must not make every request of the poll too big to send.
    if queue.delivery_provider:
        attributes.append(_attribute(n.ATTR_DELIVERY_PROVIDER, queue.delivery_provider[: n.MAX_DIMENSION_VALUE]))
    if queue.task_type:
        attributes.append(_attribute(n.ATTR_TASK_TYPE, queue.task_type[: n.MAX_DIMENSION_VALUE]))
    return attributes


# One rule for what an attribute value becomes, shared with the stack's PromQL (infra/promql.py).
label_value = rules.otlp_label_value


def unix_nanos(timestamp: datetime) -> int:
    """Nanoseconds since the Unix epoch, exactly (no float rounding)."""
    delta = timestamp - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000


def _attribute(key: str, value: str) -> KeyValue:
    return KeyValue(key=key, value=AnyValue(string_value=label_value(value)))


def _varint_size(value: int) -> int:
    return max(1, (value.bit_length() + 6) // 7)


# A length prefix inside a request is at most 3 bytes (the request is under 2 MiB).
_LENGTH_BYTES = 3


class _Requests:
    """Fills requests point by point; starts a new one when the next point would break a limit.

    Sizes are counted from the messages' own ByteSize(), with every length prefix at its largest,
    so a request's serialized size never exceeds what is counted here."""

    def __init__(self, max_points: int, max_bytes: int) -> None:
        self._max_points = max_points
        self._max_bytes = max_bytes
        self._done: list[ExportRequest] = []
        self._start()

    def _start(self) -> None:
        request = ExportMetricsServiceRequest()
        resource_metrics = request.resource_metrics.add(resource=RESOURCE)
        self._scope = resource_metrics.scope_metrics.add(scope=SCOPE)
        # The two wrappers' length prefixes grow from 1 byte (empty) to at most 3.
        self._size = request.ByteSize() + 2 * (_LENGTH_BYTES - 1)
        self._request = request
        self._metrics: dict[str, RepeatedCompositeFieldContainer[NumberDataPoint]] = {}  # name -> gauge points
        self._points = 0

    def add_series(self, attributes: list[KeyValue], nanos: int, values: Iterable[tuple[str, float]]) -> None:
        """One series' points: same attributes and time, one value per metric."""
        template = NumberDataPoint(attributes=attributes, time_unix_nano=nanos, as_double=0.0)
        size = template.ByteSize()  # as_double is a fixed 8 bytes whatever the value
        point_cost = 1 + _varint_size(size) + size
        for name, value in values:
            points = self._metrics.get(name)
            cost = point_cost if points is not None else point_cost + _metric_overhead(name)
            if self._points and (self._points >= self._max_points or self._size + cost > self._max_bytes):
                self._finish_request()
                points, cost = None, point_cost + _metric_overhead(name)
            if points is None:
                metric = self._scope.metrics.add(name=name, unit=METRIC_UNITS[name])
                points = self._metrics[name] = metric.gauge.data_points
            point = points.add()
            point.CopyFrom(template)  # copying the template is 5x faster than building each point
            point.as_double = value
            self._points += 1
            self._size += cost

    def finish(self) -> list[ExportRequest]:
        if self._points:
            self._finish_request()
        return self._done

    def _finish_request(self) -> None:
        self._done.append(ExportRequest(self._request.SerializeToString(), self._points))
        self._start()


def _metric_overhead(name: str) -> int:
    """A Metric's bytes before its points: its own prefix, name, unit and the gauge's prefix."""
    unit = METRIC_UNITS[name]
    return (
        (1 + _LENGTH_BYTES)
        + (1 + _varint_size(len(name)) + len(name))
        + (1 + _varint_size(len(unit)) + len(unit))
        + (1 + _LENGTH_BYTES)
    )


# --- what the endpoint answers -------------------------------------------------------------------

_REASON_CHARS = 200


@dataclass(frozen=True)
class Rejection:
    """A 200 whose `partial_success` says some data points were refused."""

    rejected_points: int
    message: str


def partial_rejection(body: bytes) -> Rejection | None:
    """The refused part of a successful export, or None when everything was accepted (an empty
    or unreadable 200 body counts as accepted: the status is what OTLP defines as success)."""
    response = ExportMetricsServiceResponse()
    try:
        response.ParseFromString(body)
    except DecodeError:
        return None
    rejected = response.partial_success.rejected_data_points
    if rejected <= 0:
        return None
    return Rejection(rejected, one_line(response.partial_success.error_message))


def error_reason(body: bytes, content_type: str) -> str:
    """The reason in an error answer, on one line, at most 200 characters: the `message` of an
    OTLP `google.rpc.Status` (protobuf or JSON), else the body's text."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind in ("application/x-protobuf", "application/protobuf"):
        message = _status_message(body)
        if message is not None:
            return one_line(message)
    text = body.decode("utf-8", "replace")
    if kind.endswith("json") or text.lstrip().startswith("{"):
        try:
            decoded = json.loads(text)
        except ValueError:
            decoded = None
        if isinstance(decoded, dict):
            for key in ("message", "Message", "error_message", "errorMessage", "error"):
                if isinstance(decoded.get(key), str):
                    return one_line(decoded[key])
    return one_line(text)


def one_line(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _REASON_CHARS else text[:_REASON_CHARS] + "..."


def _status_message(body: bytes) -> str | None:
    """Field 2 (`message`) of a google.rpc.Status. opentelemetry-proto does not ship that message
    type; protobuf's own reader of unknown fields decodes it without one."""
    holder = Empty()
    try:
        holder.ParseFromString(body)
    except DecodeError:
        return None
    fields = UnknownFieldSet(holder)
    for field in (fields[i] for i in range(len(fields))):
        if field.field_number == 2 and isinstance(field.data, bytes):
            return field.data.decode("utf-8", "replace")
    return None
