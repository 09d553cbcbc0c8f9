"""Fixtures shared by the test suites: a local AWS (moto_server), the simulator, a Lambda context."""

from __future__ import annotations

import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

ROOT = Path(__file__).resolve().parents[1]
# The Lambda asset's package, importable exactly as the Lambda runtime imports it.
sys.path.insert(0, str(ROOT / "lambda_src"))

from queue_stats import names as n  # noqa: E402
from symbee_sim import SimulatorServer  # noqa: E402
from symbee_sim.local_aws import MotoServer  # noqa: E402
from symbee_sim.otlp_receiver import OtlpReceiver  # noqa: E402

API_KEY = "sim-api-key-0123456789abcdef"
COMPANY = "abc-gadgets"
ENVIRONMENT = "prod"


@dataclass
class FakeLambdaContext:
    """What the contract says a context needs; the remaining time is settable and, as in Lambda,
    runs down from the context's creation (a cold start's set-up spends it too)."""

    remaining_millis: int = 55_000
    function_name: str = "symbee-queue-stats-test"
    memory_limit_in_mb: int = n.POLLER_MEMORY_MB
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:symbee-queue-stats-test"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    created: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        return int(self.remaining_millis - (time.monotonic() - self.created) * 1000)


@pytest.fixture(scope="session")
def otel_synth(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The app synthesized with the OpenTelemetry backend (tests/infra/conftest.py `otel_context`),
    once for the stack tests and the promtool tests."""
    from tests.infra.conftest import otel_context, synthesize

    return synthesize(otel_context(), tmp_path_factory.mktemp("otel") / "cdk.out")


@pytest.fixture(scope="session")
def moto() -> Iterator[MotoServer]:
    with MotoServer() as server:
        yield server


@pytest.fixture
def aws(moto: MotoServer, monkeypatch: pytest.MonkeyPatch) -> MotoServer:
    """A fresh local AWS for one test, holding the API key secret; boto3 pointed at it."""
    moto.reset()
    for name, value in moto.env().items():
        monkeypatch.setenv(name, value)
    boto3.client("secretsmanager").create_secret(Name=n.DEFAULT_API_KEY_SECRET_ID, SecretString=API_KEY)
    return moto


@pytest.fixture
def simulator() -> Iterator[SimulatorServer]:
    with SimulatorServer(api_key=API_KEY, company_code=COMPANY, environment=ENVIRONMENT) as sim:
        yield sim


@pytest.fixture
def otlp() -> Iterator[OtlpReceiver]:
    """A local OTLP/HTTP metrics endpoint that checks signatures made with moto's credentials."""
    env = MotoServer().env()  # the credentials and region the `aws` fixture gives the poller
    credentials = (env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"])
    with OtlpReceiver(credentials=credentials, region=env["AWS_REGION"]) as receiver:
        yield receiver


@pytest.fixture
def poller_env(aws: MotoServer, simulator: SimulatorServer, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The contract's variables, pointing the poller at the simulator and the local AWS."""
    env = {
        n.ENV_COMPANY_CODE: COMPANY,
        n.ENV_ENVIRONMENT: ENVIRONMENT,
        n.ENV_API_URL: simulator.url,
    }
    for name in (n.ENV_QUEUE_IDS, n.ENV_INCLUDE_AMAZON_QUEUES, n.ENV_METRICS_NAMESPACE, n.ENV_API_KEY_SECRET_ID):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return {**aws.env(), **env}


@pytest.fixture(autouse=True)
def _fresh_container() -> Iterator[None]:
    """Each test starts as a cold Lambda container: no cached sessions or key."""
    from queue_stats import handler

    handler._runtime = None
    yield
    handler._runtime = None


@dataclass(frozen=True)
class Datapoint:
    metric: str
    dimensions: dict[str, str]
    value: float  # the Maximum of the minute
    count: float  # the SampleCount of the minute: how many datums landed
    timestamp: datetime
    unit: str | None  # only when read with units


def list_metrics(namespace: str = n.DEFAULT_NAMESPACE) -> list[dict[str, Any]]:
    cloudwatch = boto3.client("cloudwatch")
    pages = cloudwatch.get_paginator("list_metrics").paginate(Namespace=namespace)
    # moto lists a metric once per datum; CloudWatch lists it once.
    unique = {
        (m["MetricName"], tuple(sorted((d["Name"], d["Value"]) for d in m["Dimensions"]))): m
        for page in pages
        for m in page["Metrics"]
    }
    return list(unique.values())


def read_metrics(namespace: str = n.DEFAULT_NAMESPACE, *, units: bool = False) -> list[Datapoint]:
    """Every datapoint in `namespace`, read back from CloudWatch with GetMetricData.

    GetMetricData does not return units; with `units`, GetMetricStatistics adds them."""
    cloudwatch = boto3.client("cloudwatch")
    metrics = list_metrics(namespace)
    end = datetime.now(UTC) + timedelta(minutes=5)
    start = end - timedelta(hours=3)
    points: list[Datapoint] = []
    for first in range(0, len(metrics), 250):  # GetMetricData takes at most 500 queries
        chunk = metrics[first : first + 250]
        queries = [
            {"Id": f"{stat.lower()}{i}", "MetricStat": {"Metric": metric, "Period": 60, "Stat": stat}}
            for i, metric in enumerate(chunk)
            for stat in ("Maximum", "SampleCount")
        ]
        results = {
            r["Id"]: r
            for r in cloudwatch.get_metric_data(MetricDataQueries=queries, StartTime=start, EndTime=end)[
                "MetricDataResults"
            ]
        }
        for i, metric in enumerate(chunk):
            unit = None
            if units:
                stats = cloudwatch.get_metric_statistics(
                    Namespace=namespace,
                    MetricName=metric["MetricName"],
                    Dimensions=metric["Dimensions"],
                    StartTime=start,
                    EndTime=end,
                    Period=60,
                    Statistics=["Maximum"],
                )
                unit = stats["Datapoints"][0]["Unit"]
            maxima, counts = results[f"maximum{i}"], results[f"samplecount{i}"]
            for when, value, count in zip(maxima["Timestamps"], maxima["Values"], counts["Values"], strict=True):
                points.append(
                    Datapoint(
                        metric=metric["MetricName"],
                        dimensions={d["Name"]: d["Value"] for d in metric["Dimensions"]},
                        value=value,
                        count=count,
                        timestamp=when,
                        unit=unit,
                    )
                )
    return points
