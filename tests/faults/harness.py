"""The fault suite's plain helpers: an invocation's outcome, and reading back what landed in
CloudWatch (straight from moto, never through the fault proxy)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from queue_stats import names as n
from queue_stats.runtime import PUBLISH_RESERVE_SECONDS, api_deadline
from symbee_sim.local_aws import MotoServer
from tests.conftest import API_KEY, ENVIRONMENT


@dataclass
class Outcome:
    """One invocation as a user sees it."""

    result: dict[str, Any] | None
    error: Exception | None
    seconds: float
    lines: list[dict[str, Any]]  # the Lambda's JSON log lines of this invocation

    @property
    def errors(self) -> list[str]:
        return [line["message"] for line in self.lines if line.get("level") == "ERROR"]

    @property
    def warnings(self) -> list[str]:
        return [line["message"] for line in self.lines if line.get("level") == "WARNING"]


Invoke = Callable[..., Outcome]  # the `invoke` fixture: run the handler once, never raises


@dataclass
class Watch:
    """What the leak check reads at the end of a test; tests add keys they bring in."""

    secrets: set[str] = field(default_factory=lambda: {API_KEY})
    outcomes: list[Outcome] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)  # e.g. CLI output


def remaining_ms_for_api(seconds: float) -> int:
    """The invocation's remaining time that leaves the API call (the key read included) `seconds`."""
    remaining = 2 * seconds if seconds <= PUBLISH_RESERVE_SECONDS else seconds + PUBLISH_RESERVE_SECONDS
    millis = round(remaining * 1000)
    assert abs(api_deadline(millis) - time.monotonic() - seconds) < 0.1, "the runtime plans its deadlines otherwise"
    return millis


# --- reading back what landed --------------------------------------------------------------------


@dataclass(frozen=True)
class Landed:
    """One metric's datapoints of the last hours, as CloudWatch aggregates them per minute."""

    minimum: float
    maximum: float
    count: float


def landed(
    moto: MotoServer,
    namespace: str = n.DEFAULT_NAMESPACE,
    *,
    only: Callable[[dict[str, str]], bool] | None = None,
) -> dict[tuple[str, tuple[tuple[str, str], ...]], Landed]:
    """Every metric in `namespace`, read straight from moto (not through the proxy): key is
    (metric name, sorted dimensions). `only` picks metrics by their dimensions."""
    client = boto3.client("cloudwatch", endpoint_url=moto.url)
    pages = client.get_paginator("list_metrics").paginate(Namespace=namespace)
    metrics = [m for page in pages for m in page["Metrics"]]
    if only is not None:
        metrics = [m for m in metrics if only({d["Name"]: d["Value"] for d in m["Dimensions"]})]
    end = datetime.now(UTC) + timedelta(minutes=5)
    start = end - timedelta(hours=3)
    out: dict[tuple[str, tuple[tuple[str, str], ...]], Landed] = {}
    stats = ("Minimum", "Maximum", "SampleCount")
    for first in range(0, len(metrics), 160):  # GetMetricData takes at most 500 queries
        chunk = metrics[first : first + 160]
        queries = [
            {"Id": f"s{s}m{i}", "MetricStat": {"Metric": metric, "Period": 60, "Stat": stat}}
            for i, metric in enumerate(chunk)
            for s, stat in enumerate(stats)
        ]
        results = {
            r["Id"]: r["Values"]
            for r in client.get_metric_data(MetricDataQueries=queries, StartTime=start, EndTime=end)[
                "MetricDataResults"
            ]
        }
        for i, metric in enumerate(chunk):
            values = [results[f"s{s}m{i}"] for s in range(len(stats))]
            if not values[0]:
                continue
            key = (metric["MetricName"], tuple(sorted((d["Name"], d["Value"]) for d in metric["Dimensions"])))
            out[key] = Landed(min(values[0]), max(values[1]), sum(values[2]))
    return out


def health(points: dict[tuple[str, tuple[tuple[str, str], ...]], Landed]) -> dict[str, Landed]:
    return {name: value for (name, dims), value in points.items() if dims == ((n.DIM_ENVIRONMENT, ENVIRONMENT),)}


def queues(points: dict[tuple[str, tuple[tuple[str, str], ...]], Landed]) -> dict[str, dict[str, float]]:
    """QueueId -> metric -> value (the maximum; each must have landed once)."""
    out: dict[str, dict[str, float]] = {}
    for (name, dims), value in points.items():
        d = dict(dims)
        if n.DIM_QUEUE_ID in d:
            out.setdefault(d[n.DIM_QUEUE_ID], {})[name] = value.maximum
    return out


def queue_names(points: dict[tuple[str, tuple[tuple[str, str], ...]], Landed]) -> dict[str, str]:
    return {dict(dims)[n.DIM_QUEUE_ID]: dict(dims)[n.DIM_QUEUE_NAME] for (_, dims) in points if len(dims) == 3}
