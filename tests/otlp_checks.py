"""What the OTLP tests compare: OTLP data points and CloudWatch datums, both reduced to
(metric, CloudWatch dimensions) -> value, so the two backends can be checked point by point.

OTLP labels carry names as the API wrote them; CloudWatch dimensions carry them escaped to
printable ASCII. `as_dimensions` applies the contract's escaping (the fault suite's oracle, written
independently of the product) to the OTLP side before comparing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from queue_stats import names as n
from symbee_sim.otlp_receiver import ReceivedPoint
from tests.faults.oracle import dimension

Key = tuple[str, tuple[tuple[str, str], ...]]


def otlp_view(points: Iterable[ReceivedPoint]) -> dict[Key, float]:
    """metric and CloudWatch-escaped dimensions -> value; a repeated key fails (one point each)."""
    out: dict[Key, float] = {}
    for point in points:
        dims = tuple(
            (name, dimension(point.attributes[name])) for name in n.QUEUE_DIMENSIONS if name in point.attributes
        )
        key = (point.metric, dims)
        assert key not in out, f"two points for {key}"
        out[key] = point.value
    return out


def datum_view(datums: Iterable[dict[str, Any]]) -> dict[Key, float]:
    out: dict[Key, float] = {}
    for datum in datums:
        dims = {d["Name"]: d["Value"] for d in datum["Dimensions"]}
        key = (datum["MetricName"], tuple((name, dims[name]) for name in n.QUEUE_DIMENSIONS if name in dims))
        assert key not in out, f"two datums for {key}"
        out[key] = datum["Value"]
    return out


def landed_view(points: Iterable[Any]) -> dict[Key, float]:
    """The same for what CloudWatch (moto) holds: tests.conftest.Datapoint values."""
    out: dict[Key, float] = {}
    for point in points:
        key = (
            point.metric,
            tuple((name, point.dimensions[name]) for name in n.QUEUE_DIMENSIONS if name in point.dimensions),
        )
        out[key] = point.value
    return out
