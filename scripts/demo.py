"""`make demo`: the real Lambda handler end to end, with local stand-ins for Symbee and AWS.

Starts moto_server (Secrets Manager + CloudWatch) and the Symbee API simulator on free loopback
ports, stores an API key, runs a few polls through `queue_stats.handler.lambda_handler` (one of
them right after a key rotation), then reads the datapoints back from the local CloudWatch with
GetMetricData and prints them per queue. Both servers are stopped at the end.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "lambda_src"))

import boto3  # noqa: E402

from queue_stats import names as n  # noqa: E402
from queue_stats.model import QueueStats  # noqa: E402
from queue_stats.table import render_queues  # noqa: E402
from symbee_sim import SimulatorServer  # noqa: E402
from symbee_sim.local_aws import LocalLambdaContext, MotoServer  # noqa: E402

COMPANY, ENVIRONMENT = "abc-gadgets", "prod"
POLLS = 3


def main() -> int:
    started = time.monotonic()
    with (
        MotoServer() as moto,
        SimulatorServer(api_key="demo-key-1", company_code=COMPANY, environment=ENVIRONMENT) as sim,
    ):
        os.environ.update(moto.env())
        os.environ.update({n.ENV_COMPANY_CODE: COMPANY, n.ENV_ENVIRONMENT: ENVIRONMENT, n.ENV_API_URL: sim.url})
        # The handler logs JSON lines (as in CloudWatch Logs); keep the demo's screen for the results.
        os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
        logging.getLogger("queue_stats").setLevel(logging.WARNING)
        print(f"local AWS (moto_server)   {moto.url}")
        print(f"Symbee API simulator      {sim.url}")
        secrets = boto3.client("secretsmanager")
        secrets.create_secret(Name=n.DEFAULT_API_KEY_SECRET_ID, SecretString="demo-key-1")

        from queue_stats.handler import lambda_handler

        for poll in range(1, POLLS + 1):
            if poll == POLLS:
                # Symbee rotates the key: the poller's cached key is refused once, re-read, retried.
                sim.rotate_key("demo-key-2")
                secrets.put_secret_value(SecretId=n.DEFAULT_API_KEY_SECRET_ID, SecretString="demo-key-2")
            result = lambda_handler({"source": "aws.events"}, LocalLambdaContext("symbee-queue-stats-demo"))
            note = " (after a key rotation)" if poll == POLLS else ""
            print(
                f"poll {poll}: {result['queues']} queues, {result['datums']} datums in "
                f"{result['requests']} PutMetricData request(s), "
                f"{result['api_attempts']} API attempt(s){note}"
            )
        print()
        print_metrics(boto3.client("cloudwatch"))
    print(f"\ndemo finished in {time.monotonic() - started:.1f} s; both local servers stopped")
    return 0


def print_metrics(cloudwatch: Any) -> None:
    """Reads every metric back with GetMetricData and prints them as the CLI's queue table."""
    pages = cloudwatch.get_paginator("list_metrics").paginate(Namespace=n.DEFAULT_NAMESPACE)
    unique = {_metric_key(m): m for page in pages for m in page["Metrics"]}
    metrics = list(unique.values())
    end = datetime.now(UTC) + timedelta(minutes=1)
    queries = [
        {"Id": f"m{i}", "MetricStat": {"Metric": metric, "Period": 60, "Stat": stat}}
        for i, metric in enumerate(metrics)
        for stat in ("Maximum",)
    ]
    results = {
        r["Id"]: r
        for first in range(0, len(queries), 500)
        for r in cloudwatch.get_metric_data(
            MetricDataQueries=queries[first : first + 500], StartTime=end - timedelta(hours=1), EndTime=end
        )["MetricDataResults"]
    }
    queues: dict[tuple[str, str], dict[str, float]] = {}
    health: dict[str, float] = {}
    datapoints = 0
    for i, metric in enumerate(metrics):
        dims = {d["Name"]: d["Value"] for d in metric["Dimensions"]}
        result = results[f"m{i}"]
        datapoints += len(result["Values"])
        if not result["Values"]:
            continue
        latest = max(zip(result["Timestamps"], result["Values"], strict=True))[1]
        if n.DIM_QUEUE_ID in dims:
            queues.setdefault((dims[n.DIM_QUEUE_ID], dims[n.DIM_QUEUE_NAME]), {})[metric["MetricName"]] = latest
        else:
            health[metric["MetricName"]] = latest
    print(
        f"Read back from the local CloudWatch with GetMetricData: {len(metrics)} metrics, "
        f"{datapoints} datapoints (namespace {n.DEFAULT_NAMESPACE}, Maximum per minute)\n"
    )
    stats = [QueueStats(qid, name, None, None, None, values) for (qid, name), values in queues.items()]
    print(render_queues(stats))
    print("\nPoller health (dimension Environment=prod): " + ", ".join(f"{k} {v:g}" for k, v in sorted(health.items())))
    print("'-' is a value not published: e.g. OldestItemAge of a Symbee queue, which the vendor does not measure yet.")


def _metric_key(metric: dict[str, Any]) -> tuple[str, tuple[tuple[str, str], ...]]:
    return metric["MetricName"], tuple(sorted((d["Name"], d["Value"]) for d in metric["Dimensions"]))


if __name__ == "__main__":
    sys.exit(main())
