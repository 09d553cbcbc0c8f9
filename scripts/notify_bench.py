"""The notifier's cost per event, measured with the real handler against local stand-ins (moto_server
for SNS, CloudWatch and Secrets Manager; the fake PagerDuty): cold and warm time per event, the
AWS calls per transition, and peak memory. Prints a Markdown table for the README's Notifications
section. Not a test: figures on a shared machine are indications, not judgements.

    python scripts/notify_bench.py [--runs 5] [--warm 40]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "lambda_src"), str(ROOT / "simulator")]

import boto3  # noqa: E402

from queue_stats import names as n  # noqa: E402
from symbee_sim.local_aws import LocalLambdaContext, MotoServer  # noqa: E402
from symbee_sim.pagerduty import FakePagerDuty  # noqa: E402
from tests.fixtures import event  # noqa: E402

os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"  # the handler's INFO line per event would flood the table
ROUTING_KEY = "R0UT1NGKEY0123456789abcdefABCDEF"
SECRET = "symbee/pagerduty-routing-key"
QUEUE_ID, QUEUE_NAME = "q-bench", "Bench Queue"

# One fresh interpreter: import the handler, handle one event; report the times and peak memory.
COLD = """
import json, sys, time
began = time.perf_counter()
from queue_stats.notify import lambda_handler
imported = time.perf_counter()
from symbee_sim.local_aws import LocalLambdaContext
lambda_handler(json.loads(sys.argv[1]), LocalLambdaContext("notifier", seconds=30))
done = time.perf_counter()
peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({"import_ms": (imported - began) * 1000, "first_ms": (done - imported) * 1000, "peak_kb": peak}))
"""


def setup(moto: MotoServer, pager: FakePagerDuty) -> dict[str, str]:
    os.environ.update(moto.env())
    sns, sqs = boto3.client("sns"), boto3.client("sqs")
    env = {
        n.ENV_ENVIRONMENT: "prod",
        n.ENV_PAGERDUTY_ROUTING_KEY_SECRET_ID: SECRET,
        n.ENV_PAGERDUTY_EVENTS_URL: pager.url,
    }
    for channel, variable in (("alerts", n.ENV_NOTIFY_TOPIC_ARN), ("chat", n.ENV_CHAT_TOPIC_ARN)):
        topic = sns.create_topic(Name=channel)["TopicArn"]
        queue_url = sqs.create_queue(QueueName=channel)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
        env[variable] = topic
    boto3.client("secretsmanager").create_secret(Name=SECRET, SecretString=ROUTING_KEY)
    dimensions = [
        {"Name": n.DIM_ENVIRONMENT, "Value": "prod"},
        {"Name": n.DIM_QUEUE_ID, "Value": QUEUE_ID},
        {"Name": n.DIM_QUEUE_NAME, "Value": QUEUE_NAME},
    ]
    boto3.client("cloudwatch").put_metric_data(
        Namespace=n.DEFAULT_NAMESPACE,
        MetricData=[
            {"MetricName": metric, "Dimensions": dimensions, "Value": 3.0}
            for metric in (n.METRIC_ITEMS_IN_QUEUE, n.METRIC_AGENTS_STAFFED, n.METRIC_AGENTS_AVAILABLE)
        ]
        + [
            {
                "MetricName": n.METRIC_POLL_SUCCEEDED,
                "Dimensions": [{"Name": n.DIM_ENVIRONMENT, "Value": "prod"}],
                "Value": 1.0,
            }
        ],
    )
    os.environ.update(env)
    return env


def transition(name: str) -> dict[str, Any]:
    raw = event(name)
    raw["detail"]["alarmContributor"]["attributes"] = {n.DIM_QUEUE_ID: QUEUE_ID, n.DIM_QUEUE_NAME: QUEUE_NAME}
    return raw


def cold(runs: int) -> list[dict[str, float]]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "lambda_src"), str(ROOT / "simulator")])}
    out = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", COLD, json.dumps(transition("queue_alarm"))],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        out.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return out


def warm(count: int) -> tuple[list[float], Counter[str], Counter[str]]:
    """Per-event times of a warm container, and the AWS calls of its first and later events."""
    import botocore.client

    from queue_stats.notify import lambda_handler

    calls: Counter[str] = Counter()
    original = botocore.client.BaseClient._make_api_call

    def counting(self: Any, operation: str, params: Any) -> Any:
        calls[operation] += 1
        return original(self, operation, params)

    botocore.client.BaseClient._make_api_call = counting  # type: ignore[method-assign]
    try:
        lambda_handler(transition("queue_alarm"), LocalLambdaContext("notifier", seconds=30))
        first = Counter(calls)
        calls.clear()
        times = []
        for index in range(count):
            name = "queue_ok" if index % 2 else "queue_alarm"
            began = time.perf_counter()
            lambda_handler(transition(name), LocalLambdaContext("notifier", seconds=30))
            times.append((time.perf_counter() - began) * 1000)
        later = Counter({op: calls[op] / count for op in calls})
    finally:
        botocore.client.BaseClient._make_api_call = original  # type: ignore[method-assign]
    return times, first, later


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="cold starts to measure")
    parser.add_argument("--warm", type=int, default=40, help="warm events to measure")
    args = parser.parse_args()
    with MotoServer() as moto, FakePagerDuty(routing_keys={ROUTING_KEY}) as pager:
        setup(moto, pager)
        colds = cold(args.runs)
        times, first, later = warm(args.warm)
        pager_requests = pager.requests
    imports = [c["import_ms"] for c in colds]
    firsts = [c["first_ms"] for c in colds]
    peak = max(c["peak_kb"] for c in colds) / 1024
    rows = [
        ("cold: import queue_stats.notify (fresh interpreter)", imports),
        ("cold: first event after the import (clients, routing key read, first connections)", firsts),
        ("warm: one event (ALARM and OK alternating)", times),
    ]
    print("| figure | median | range |")
    print("| --- | ---: | ---: |")
    for label, values in rows:
        print(f"| {label} | {statistics.median(values):.0f} ms | {min(values):.0f}-{max(values):.0f} ms |")
    print(f"| peak memory of a fresh process: import + one event (VmHWM) | {peak:.0f} MB | - |")
    print(f"| AWS calls, first event of a container | {_calls(first)} | - |")
    print(f"| AWS calls per later event | {_calls(later)} | - |")
    print(f"| PagerDuty requests, {args.warm + 1} events in-process | {pager_requests - args.runs} | - |")
    return 0


def _calls(counter: Counter[str]) -> str:
    return ", ".join(f"{op} {count:g}" for op, count in sorted(counter.items()))


if __name__ == "__main__":
    sys.exit(main())
