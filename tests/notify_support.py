"""The notifier's world for tests: SNS topics delivered to SQS queues (read back as a person's
inbox and a chat channel would receive them), the routing key in Secrets Manager, the fake
PagerDuty, CloudWatch holding a poll's datapoints, and the handler run as Lambda runs it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from queue_stats import names as n
from symbee_sim.pagerduty import FakePagerDuty
from tests.conftest import ENVIRONMENT, FakeLambdaContext

ROUTING_KEY = "R0UT1NGKEY0123456789abcdefABCDEF"  # 32 characters, like PagerDuty's
ROUTING_KEY_SECRET = "symbee/pagerduty-routing-key"
QUEUE_A = "arn:aws:connect:us-east-1:xxxxx:instance/xxxx-xxxx-xxx-xxxx-xxxxxxx/queue/xxxxx-xxxx-xxxx-xxxx-xxxxxx"
NAME_A = "Customer Care Inbound"
QUEUE_B = "email-customer-care"
NAME_B = "Email Customer Care"
OLDEST_ALARM = "SymbeeQueueStats-prod-OldestItemAge"


@dataclass
class Inbox:
    """An SQS queue subscribed to one SNS topic (standard, not raw: the envelope keeps the Subject)."""

    topic_arn: str
    queue_url: str
    received: list[dict[str, Any]] = field(default_factory=list)

    def messages(self) -> list[dict[str, Any]]:
        """Every SNS envelope delivered so far (moto delivers to SQS within the Publish call)."""
        sqs = boto3.client("sqs")
        while batch := sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get("Messages", []):
            for message in batch:
                self.received.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        return list(self.received)


@dataclass
class NotifyWorld:
    email: Inbox
    chat: Inbox
    pager: FakePagerDuty
    env: dict[str, str]

    def chats(self) -> list[dict[str, Any]]:
        return [json.loads(m["Message"]) for m in self.chat.messages()]


def make_inbox(name: str) -> Inbox:
    sns, sqs = boto3.client("sns"), boto3.client("sqs")
    topic_arn = sns.create_topic(Name=name)["TopicArn"]
    queue_url = sqs.create_queue(QueueName=f"{name}-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    return Inbox(topic_arn, queue_url)


@pytest.fixture(autouse=True)
def cold_notifier() -> Iterator[None]:
    """Each test starts as a cold notifier container: no cached clients or routing key (import it
    into a test module to apply it there)."""
    from queue_stats import notify

    notify._runtime = None
    yield
    notify._runtime = None


@pytest.fixture
def pager() -> Iterator[FakePagerDuty]:
    with FakePagerDuty(routing_keys={ROUTING_KEY}) as fake:
        yield fake


def notify_world(pager: FakePagerDuty, monkeypatch: pytest.MonkeyPatch) -> NotifyWorld:
    """Topics, inboxes, the routing key secret and the notifier's variables (moto must be set up)."""
    boto3.client("secretsmanager").create_secret(Name=ROUTING_KEY_SECRET, SecretString=ROUTING_KEY)
    world = NotifyWorld(make_inbox("alerts"), make_inbox("chat"), pager, {})
    world.env = {
        n.ENV_ENVIRONMENT: ENVIRONMENT,
        n.ENV_NOTIFY_TOPIC_ARN: world.email.topic_arn,
        n.ENV_CHAT_TOPIC_ARN: world.chat.topic_arn,
        n.ENV_PAGERDUTY_ROUTING_KEY_SECRET_ID: ROUTING_KEY_SECRET,
        n.ENV_PAGERDUTY_EVENTS_URL: pager.url,
    }
    for name in (
        n.ENV_DASHBOARD_URL,
        n.ENV_RUNBOOK_URL,
        n.ENV_SKIP_IDLE_QUEUES,
        n.ENV_METRICS_NAMESPACE,
        n.ENV_NOTIFY_ON_OK,
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in world.env.items():
        monkeypatch.setenv(name, value)
    return world


def put_queue_numbers(queue_id: str, queue_name: str, values: dict[str, float], *, minutes_ago: int = 0) -> None:
    """Datapoints for one queue, as the poller publishes them."""
    when = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    dimensions = [
        {"Name": n.DIM_ENVIRONMENT, "Value": ENVIRONMENT},
        {"Name": n.DIM_QUEUE_ID, "Value": queue_id},
        {"Name": n.DIM_QUEUE_NAME, "Value": queue_name},
    ]
    boto3.client("cloudwatch").put_metric_data(
        Namespace=n.DEFAULT_NAMESPACE,
        MetricData=[
            {"MetricName": metric, "Dimensions": dimensions, "Value": value, "Timestamp": when}
            for metric, value in values.items()
        ],
    )


def put_health(values: dict[str, float], *, minutes_ago: int = 0) -> None:
    when = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    boto3.client("cloudwatch").put_metric_data(
        Namespace=n.DEFAULT_NAMESPACE,
        MetricData=[
            {
                "MetricName": metric,
                "Dimensions": [{"Name": n.DIM_ENVIRONMENT, "Value": ENVIRONMENT}],
                "Value": value,
                "Timestamp": when,
            }
            for metric, value in values.items()
        ],
    )


def contributor(event: dict[str, Any], queue_id: str, queue_name: str) -> dict[str, Any]:
    """The same transition for another queue (contributor)."""
    event["detail"]["alarmContributor"]["attributes"] = {n.DIM_QUEUE_ID: queue_id, n.DIM_QUEUE_NAME: queue_name}
    event["detail"]["alarmContributor"]["id"] = f"{abs(hash(queue_id)) % 16**16:016x}"
    return event


def fresh(event: dict[str, Any]) -> dict[str, Any]:
    """The fixture's transition happening now (the numbers read are the last minutes')."""
    now = datetime.now(UTC)
    event["time"] = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    event["detail"]["state"]["timestamp"] = now.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    return event


def invoke(event: dict[str, Any], remaining_ms: int = 30_000) -> tuple[dict[str, Any] | None, Exception | None]:
    """The notifier's handler once, as Lambda runs it; never raises."""
    from queue_stats.notify import lambda_handler

    try:
        return lambda_handler(event, FakeLambdaContext(remaining_ms)), None
    except Exception as error:
        return None, error
