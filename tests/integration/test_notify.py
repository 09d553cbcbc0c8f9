"""The real notifier handler over real HTTP: moto_server as SNS (delivered to SQS and read back),
CloudWatch (holding a real poll's datapoints) and Secrets Manager (the routing key), and the fake
PagerDuty keeping incidents by dedup_key."""

from __future__ import annotations

from collections import Counter
from typing import Any

import boto3
import pytest

from queue_stats import names as n
from queue_stats.errors import NotifyError
from symbee_sim.local_aws import MotoServer, free_port
from symbee_sim.pagerduty import FakePagerDuty
from tests.conftest import FakeLambdaContext
from tests.fixtures import QUEUE_NUMBERS, event
from tests.notify_support import (
    NAME_A,
    NAME_B,
    OLDEST_ALARM,
    QUEUE_A,
    QUEUE_B,
    ROUTING_KEY,
    ROUTING_KEY_SECRET,
    NotifyWorld,
    cold_notifier,  # noqa: F401 - an autouse fixture
    contributor,
    fresh,
    invoke,
    notify_world,
    pager,  # noqa: F401 - a fixture
    put_health,
    put_queue_numbers,
)


@pytest.fixture
def world(aws: MotoServer, pager: FakePagerDuty, monkeypatch: pytest.MonkeyPatch) -> NotifyWorld:  # noqa: F811
    return notify_world(pager, monkeypatch)


def queue_event(name: str, queue_id: str = QUEUE_A, queue_name: str = NAME_A) -> dict[str, Any]:
    return fresh(contributor(event(name), queue_id, queue_name))


# --- one incident per (alarm, queue) ------------------------------------------------------------


def test_queue_a_ok_resolves_only_queue_a_incident(world: NotifyWorld) -> None:
    # Given two queues of one alarm in ALARM
    put_health({n.METRIC_POLL_SUCCEEDED: 1})
    for queue_id, queue_name in ((QUEUE_A, NAME_A), (QUEUE_B, NAME_B)):
        assert invoke(queue_event("queue_alarm", queue_id, queue_name))[1] is None
    # When queue A goes back to OK
    result, error = invoke(queue_event("queue_ok", QUEUE_A, NAME_A))
    # Then A's incident is resolved and B's stays open: one incident per (alarm, queue)
    assert error is None, error
    assert result is not None
    assert result["status"] == "sent"
    incidents = {i.dedup_key: i.status for i in world.pager.incidents()}
    assert incidents == {f"{OLDEST_ALARM}/{QUEUE_A}": "resolved", f"{OLDEST_ALARM}/{QUEUE_B}": "triggered"}


def test_each_queue_pages_once_and_its_summary_names_it(world: NotifyWorld) -> None:
    # Given two queues' ALARMs
    for queue_id, queue_name in ((QUEUE_A, NAME_A), (QUEUE_B, NAME_B)):
        invoke(queue_event("queue_alarm", queue_id, queue_name))
    # Then the pager holds two incidents, each triggered once and naming its own queue
    incidents = world.pager.incidents()
    assert [(i.triggers, i.severity) for i in incidents] == [(1, "error"), (1, "error")]
    assert NAME_A in incidents[0].summary
    assert NAME_B in incidents[1].summary


def test_health_alarm_pages_critical_keyed_on_the_alarm(world: NotifyWorld) -> None:
    # When the poller-health alarm fires
    _result, error = invoke(fresh(event("health_alarm")))
    # Then one critical incident keyed on the alarm's name
    assert error is None, error
    (incident,) = world.pager.incidents()
    assert (incident.dedup_key, incident.severity) == ("SymbeeQueueStats-prod-PollFailed", "critical")


# --- what a person reads --------------------------------------------------------------------------


def test_the_email_names_state_environment_queue_and_title_with_the_numbers_now(world: NotifyWorld) -> None:
    # Given the queue's numbers in CloudWatch
    put_queue_numbers(QUEUE_A, NAME_A, QUEUE_NUMBERS)
    put_health({n.METRIC_POLL_SUCCEEDED: 1})
    # When its ALARM is notified
    invoke(queue_event("queue_alarm"))
    # Then one email whose subject and body say it all, with absolute links
    (mail,) = world.email.messages()
    assert mail["Subject"] == "ALARM: prod / Customer Care Inbound: Oldest item too old"
    body = mail["Message"]
    for words in (
        "Waiting:          5",
        "Oldest item:      7m00s",
        "Agents available: 0 of 26 staffed",
        "Queue:            open",
        "Condition:   Oldest item age >= 5m00s for 2 minutes",
        "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/",
        "What to do:",
    ):
        assert words in body, body


def test_chat_keeps_one_thread_per_alarm_and_queue(world: NotifyWorld) -> None:
    # Given ALARM for A, ALARM for B, OK for A
    invoke(queue_event("queue_alarm", QUEUE_A, NAME_A))
    invoke(queue_event("queue_alarm", QUEUE_B, NAME_B))
    invoke(queue_event("queue_ok", QUEUE_A, NAME_A))
    # Then three custom notifications; A's two share a thread, B's is another
    a_alarm, b_alarm, a_ok = world.chats()
    assert {m["version"] for m in (a_alarm, b_alarm, a_ok)} == {"1.0"}
    assert {m["source"] for m in (a_alarm, b_alarm, a_ok)} == {"custom"}
    assert a_alarm["metadata"]["threadId"] == a_ok["metadata"]["threadId"] != b_alarm["metadata"]["threadId"]
    assert a_alarm["content"]["title"] == "ALARM: prod / Customer Care Inbound: Oldest item too old"
    assert a_ok["content"]["title"] == "OK: prod / Customer Care Inbound: Oldest item too old"


@pytest.mark.parametrize(
    ("health", "skip_idle", "words"),
    [
        ({n.METRIC_POLL_SUCCEEDED: 0}, "false", "stopped reporting because the poller is failing"),
        ({n.METRIC_POLL_SUCCEEDED: 1, n.METRIC_QUEUES_IDLE: 2}, "false", "went idle"),
        ({n.METRIC_POLL_SUCCEEDED: 1}, "true", "went idle"),
        ({n.METRIC_POLL_SUCCEEDED: 1}, "false", "stopped reporting (deleted, renamed, or filtered out"),
    ],
    ids=["poller-failing", "queues-idle", "skip-idle-setting", "queue-gone"],
)
def test_ok_with_no_data_says_why_the_queue_stopped_reporting(
    world: NotifyWorld, monkeypatch: pytest.MonkeyPatch, health: dict[str, float], skip_idle: str, words: str
) -> None:
    # Given the poller's health in CloudWatch and the idle-skipping setting
    put_health(health)
    monkeypatch.setenv(n.ENV_SKIP_IDLE_QUEUES, skip_idle)
    # When the queue's contributor goes OK because no data was returned
    invoke(queue_event("queue_ok_no_data"))
    # Then the email, the chat and (as a resolve) the pager hear of it, and it never reads as fixed
    (mail,) = world.email.messages()
    assert mail["Subject"] == "OK (no data): prod / Customer Care Inbound: Oldest item too old"
    assert words in mail["Message"]
    assert "recover" not in mail["Message"].lower()
    assert words in world.chats()[0]["content"]["description"]


def test_without_notify_on_ok_an_ok_only_resolves_the_page(world: NotifyWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given NOTIFY_ON_OK=false (cdk.json notifyOnOk: false) and a queue in ALARM
    monkeypatch.setenv(n.ENV_NOTIFY_ON_OK, "false")
    invoke(queue_event("queue_alarm"))
    # When it goes back to OK
    result, error = invoke(queue_event("queue_ok"))
    # Then people saw the ALARM only, and the pager's incident is resolved
    assert error is None, error
    assert result is not None
    assert [m["Subject"].split(":", 1)[0] for m in world.email.messages()] == ["ALARM"]
    assert [m["content"]["title"].split(":", 1)[0] for m in world.chats()] == ["ALARM"]
    assert [i.status for i in world.pager.incidents()] == ["resolved"]
    assert {c["channel"]: c["skipped"] for c in result["channels"]} == {"email": True, "chat": True, "pager": False}


def test_a_muted_transition_is_logged_and_sent_nowhere(world: NotifyWorld, caplog: pytest.LogCaptureFixture) -> None:
    # When a transition arrives inside a mute rule's window
    caplog.set_level("INFO")
    result, error = invoke(fresh(event("queue_alarm_muted")))
    # Then nothing is sent, and the log names the rule and the window
    assert error is None
    assert result is not None
    assert result["status"] == "muted"
    assert world.email.messages() == []
    assert world.chat.messages() == []
    assert world.pager.requests == 0
    assert "alarm-mute-rule:night-maintenance" in caplog.text
    assert "2026-09-23T19:00:00.000+0000 to 2026-09-23T21:00:00.000+0000" in caplog.text


# --- bad events: a clear log line and the best message that can still be sent ---------------------


def test_unknown_detail_type_is_logged_and_ignored(world: NotifyWorld, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO")
    configuration_change = {**event("queue_alarm"), "detail-type": "CloudWatch Alarm Configuration Change"}
    result, error = invoke(configuration_change)
    assert error is None
    assert result is not None
    assert result["status"] == "ignored"
    assert "unsupported detail type 'CloudWatch Alarm Configuration Change'" in caplog.text
    assert world.email.messages() == []
    assert world.pager.requests == 0


def test_a_contributor_without_attributes_still_notifies_at_alarm_level(
    world: NotifyWorld, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a contributor event whose attributes are missing
    broken = queue_event("queue_alarm")
    del broken["detail"]["alarmContributor"]["attributes"]
    # When it is handled
    _result, error = invoke(broken)
    # Then a WARNING says what was missing, and every channel still hears about the alarm
    assert error is None, error
    assert "detail.alarmContributor.attributes is missing" in caplog.text
    (mail,) = world.email.messages()
    assert mail["Subject"] == "ALARM: prod: Oldest item too old"
    assert "The event was incomplete" in mail["Message"]
    assert [i.dedup_key for i in world.pager.incidents()] == [OLDEST_ALARM]


def test_a_queue_cloudwatch_has_no_data_for_still_notifies(world: NotifyWorld) -> None:
    invoke(queue_event("queue_alarm", "never-reported", "Never Reported"))
    (mail,) = world.email.messages()
    assert "Queue numbers: none in the last 15 minutes: it is not reporting" in mail["Message"]


def test_cloudwatch_unreachable_gives_numbers_unavailable_and_still_sends(
    world: NotifyWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given CloudWatch's endpoint refusing connections
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDWATCH", f"http://127.0.0.1:{free_port()}")
    # When an ALARM is handled
    result, error = invoke(queue_event("queue_alarm"))
    # Then every channel still sends, saying why the numbers are missing
    assert error is None, error
    assert result is not None
    assert result["numbers"].startswith("unavailable: CloudWatch GetMetricData failed")
    (mail,) = world.email.messages()
    assert "Numbers: unavailable: CloudWatch GetMetricData failed" in mail["Message"]
    assert len(world.pager.incidents()) == 1


# --- failures: bounded retries, the others still go out, one error naming the failed channels ------


def test_pager_5xx_is_retried_into_one_incident(world: NotifyWorld) -> None:
    world.pager.fail_next(503, count=2, retry_after="0")
    result, error = invoke(queue_event("queue_alarm"))
    assert error is None, error
    assert world.pager.requests == 3
    assert len(world.pager.incidents()) == 1
    assert result is not None
    assert [c["attempts"] for c in result["channels"]] == [1, 1, 3]


def test_a_pager_refusal_fails_the_invocation_after_email_and_chat_went_out(world: NotifyWorld) -> None:
    # Given PagerDuty refusing every event
    world.pager.fail_next(400, count=5, message="Event object is invalid")
    # When an ALARM is handled
    _, error = invoke(queue_event("queue_alarm"))
    # Then the invocation fails naming the pager (and never the key), after email and chat were sent
    assert isinstance(error, NotifyError)
    assert "1 of 3 channel(s) failed: pager" in str(error)
    assert "HTTP 400" in str(error)
    assert "Event object is invalid" in str(error)
    assert ROUTING_KEY not in str(error)
    assert len(world.email.messages()) == 1
    assert len(world.chat.messages()) == 1


def test_a_missing_topic_fails_email_only(world: NotifyWorld) -> None:
    # Given the email topic deleted
    boto3.client("sns").delete_topic(TopicArn=world.email.topic_arn)
    # When an ALARM is handled
    _, error = invoke(queue_event("queue_alarm"))
    # Then the error names the email channel; chat and pager went out
    assert isinstance(error, NotifyError)
    assert str(error).startswith(f"1 of 3 channel(s) failed: email ({world.email.topic_arn}): SNS refused the message")
    assert len(world.chat.messages()) == 1
    assert len(world.pager.incidents()) == 1


def test_a_rotated_routing_key_is_read_again(world: NotifyWorld) -> None:
    # Given a warm notifier that cached the key, then the key rotated in PagerDuty and the secret
    invoke(queue_event("queue_alarm"))
    new_key = "N3WROUT1NGKEY456789abcdefABCDEF0"
    world.pager.rotate_key(new_key)
    boto3.client("secretsmanager").put_secret_value(SecretId=ROUTING_KEY_SECRET, SecretString=new_key)
    # When the next transition is handled
    _, error = invoke(queue_event("queue_ok"))
    # Then the refused key is re-read once and the incident resolved
    assert error is None, error
    assert [i.status for i in world.pager.incidents()] == ["resolved"]


def test_a_routing_key_secret_that_cannot_be_read_names_the_secret(
    world: NotifyWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(n.ENV_PAGERDUTY_ROUTING_KEY_SECRET_ID, "no-such-secret")
    _, error = invoke(queue_event("queue_alarm"))
    assert isinstance(error, NotifyError)
    assert "could not read the PagerDuty routing key from Secrets Manager secret 'no-such-secret'" in str(error)
    assert len(world.email.messages()) == 1


def test_no_channel_configured_sends_nothing_and_says_so(world: NotifyWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (n.ENV_NOTIFY_TOPIC_ARN, n.ENV_CHAT_TOPIC_ARN, n.ENV_PAGERDUTY_ROUTING_KEY_SECRET_ID):
        monkeypatch.delenv(name)
    result, error = invoke(queue_event("queue_alarm"))
    assert error is None
    assert result is not None
    assert result["status"] == "not_notified"
    assert result["reason"].startswith("no channel is configured")


def test_a_bad_setting_fails_with_a_line_naming_the_variable(
    world: NotifyWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(n.ENV_PAGERDUTY_EVENTS_URL, "http://events.example.com/v2/enqueue")
    _, error = invoke(queue_event("queue_alarm"))
    assert error is not None
    assert str(error) == f"{n.ENV_PAGERDUTY_EVENTS_URL} must use https (http is allowed only for localhost)"


def test_the_handler_reports_each_channel(world: NotifyWorld) -> None:
    result, _ = invoke(queue_event("queue_alarm"))
    assert result is not None
    assert [(c["channel"], c["target"], c["ok"]) for c in result["channels"]] == [
        ("email", world.email.topic_arn, True),
        ("chat", world.chat.topic_arn, True),
        ("pager", world.pager.url, True),
    ]


def test_a_warm_container_reads_the_routing_key_once(world: NotifyWorld, aws: MotoServer) -> None:
    # Given a warm notifier
    from queue_stats import notify

    invoke(queue_event("queue_alarm"))
    runtime = notify._runtime
    # When a second event arrives
    invoke(queue_event("queue_ok"))
    # Then the same runtime served it (clients and the key cache kept)
    assert notify._runtime is runtime


def test_remaining_time_too_short_skips_the_numbers_not_the_messages(world: NotifyWorld) -> None:
    from queue_stats.notify import lambda_handler

    result = lambda_handler(queue_event("queue_alarm"), FakeLambdaContext(8_000))
    assert result["numbers"] == "unavailable: not read: too little time left in the invocation"
    assert [c["ok"] for c in result["channels"]] == [True, True, True]


def test_a_transition_makes_the_calls_the_readme_prices(world: NotifyWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given every AWS call counted
    import botocore.client

    calls: Counter[str] = Counter()
    original = botocore.client.BaseClient._make_api_call

    def counting(self: Any, operation: str, params: Any) -> Any:
        calls[operation] += 1
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counting)
    # When a cold container handles one transition, then a warm one another
    invoke(queue_event("queue_alarm"))
    first = Counter(calls)
    calls.clear()
    invoke(queue_event("queue_ok"))
    # Then: one GetMetricData, one Publish per topic, the key read once per container; one pager call each
    assert first == Counter({"GetMetricData": 1, "Publish": 2, "GetSecretValue": 1})
    assert calls == Counter({"GetMetricData": 1, "Publish": 2})
    assert world.pager.requests == 2


def test_a_fifo_topic_publishes_a_transition_delivered_twice_once(
    world: NotifyWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given email going to a FIFO topic (delivered to a FIFO queue)
    sns, sqs = boto3.client("sns"), boto3.client("sqs")
    topic = sns.create_topic(Name="alerts.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    queue_url = sqs.create_queue(QueueName="alerts-inbox.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    monkeypatch.setenv(n.ENV_NOTIFY_TOPIC_ARN, topic)
    # When EventBridge delivers one transition twice
    transition = queue_event("queue_alarm")
    for _ in range(2):
        _, error = invoke(transition)
        assert error is None, error
    # Then the FIFO topic published it once
    received = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
    assert len(received) == 1
