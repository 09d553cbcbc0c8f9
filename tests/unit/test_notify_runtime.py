"""One event through the notifier's runtime with fake clients: which events are sent, muted,
ignored or not notified, and a formatting bug in one channel never silencing the others."""

from __future__ import annotations

from typing import Any

import pytest

from queue_stats import messages
from queue_stats import names as n
from queue_stats.notify_runtime import NotifyRuntime
from queue_stats.settings import NotifierSettings
from tests.fixtures import event

EMAIL = "arn:aws:sns:us-east-1:123456789012:alerts"
CHAT = "arn:aws:sns:us-east-1:123456789012:chat"


class FakeSns:
    def __init__(self) -> None:
        self.published: list[dict[str, Any]] = []

    def publish(self, **kwargs: Any) -> dict[str, Any]:
        self.published.append(kwargs)
        return {"MessageId": f"m-{len(self.published)}"}


class FakeCloudWatch:
    def get_metric_data(self, **kwargs: Any) -> dict[str, Any]:
        return {"MetricDataResults": []}


def runtime(sns: FakeSns, **env: str) -> NotifyRuntime:
    settings = NotifierSettings.from_env(
        {n.ENV_ENVIRONMENT: "prod", "AWS_REGION": "us-east-1", n.ENV_NOTIFY_TOPIC_ARN: EMAIL, **env}
    )
    return NotifyRuntime(settings, sns=sns, cloudwatch=FakeCloudWatch(), pager=None)


def test_a_transition_is_sent_to_each_configured_topic() -> None:
    sns = FakeSns()
    outcome = runtime(sns, CHAT_TOPIC_ARN=CHAT).handle(event("queue_alarm"), 30_000)
    assert outcome.status == "sent"
    assert sorted(p["TopicArn"] for p in sns.published) == sorted([EMAIL, CHAT])  # sent concurrently
    assert [d.channel for d in outcome.deliveries] == ["email", "chat"]


@pytest.mark.parametrize(
    ("name", "status"),
    [("queue_alarm_muted", "muted"), ("queue_alarm", "sent"), ("health_ok", "sent")],
)
def test_each_fixture_gets_its_status(name: str, status: str) -> None:
    assert runtime(FakeSns()).handle(event(name), 30_000).status == status


def test_insufficient_data_is_not_notified() -> None:
    changed = event("health_alarm")
    changed["detail"]["state"]["value"] = "INSUFFICIENT_DATA"
    sns = FakeSns()
    outcome = runtime(sns).handle(changed, 30_000)
    assert outcome.status == "not_notified"
    assert sns.published == []


def test_a_formatting_bug_in_one_channel_does_not_silence_the_others(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given the chat formatting broken
    def broken(*args: Any) -> dict[str, Any]:
        raise KeyError("bug")

    monkeypatch.setattr(messages, "chat", broken)
    sns = FakeSns()
    # When a transition is handled
    outcome = runtime(sns, CHAT_TOPIC_ARN=CHAT).handle(event("queue_alarm"), 30_000)
    # Then the email still went out and the chat channel is reported failed
    assert [p["TopicArn"] for p in sns.published] == [EMAIL]
    assert [(d.channel, d.ok, d.detail) for d in outcome.deliveries] == [
        ("email", True, "message id m-1"),
        ("chat", False, "could not format the message: KeyError"),
    ]
    assert outcome.status == "failed"


def test_the_result_names_the_queue_state_and_each_channel() -> None:
    result = runtime(FakeSns()).handle(event("queue_ok_no_data"), 30_000).as_dict()
    assert result["status"] == "sent"
    assert result["state"] == "OK (no data)"
    assert result["queue_name"] == "Customer Care Inbound"
    assert result["channels"] == [
        {"channel": "email", "target": EMAIL, "ok": True, "skipped": False, "detail": "message id m-1", "attempts": 1}
    ]
