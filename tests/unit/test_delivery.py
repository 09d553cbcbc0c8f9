"""Delivery: bounded retries within the time left, only what is safe to send again, and one
channel failing never stopping the others."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from botocore.exceptions import ClientError, ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError

from queue_stats.delivery import ChannelFailed, Retryable, SnsMessage, deliver


class Clock:
    """A fake monotonic clock; sleeping advances it."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class Scripted:
    """An Outbound whose attempts follow a script of outcomes (an exception or a detail string)."""

    def __init__(self, channel: str, *outcomes: Exception | str, min_attempt_seconds: float = 1.0) -> None:
        self.channel = channel
        self.target = f"{channel}-target"
        self.min_attempt_seconds = min_attempt_seconds
        self._outcomes = list(outcomes)
        self.attempts = 0

    def attempt(self, remaining_seconds: float) -> str:
        self.attempts += 1
        outcome = self._outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


def test_a_retryable_failure_is_retried_then_delivered() -> None:
    clock = Clock()
    message = Scripted("pager", Retryable("HTTP 503", 0.5), "accepted")
    (delivery,) = deliver([message], deadline=30, clock=clock, sleep=clock.sleep)
    assert (delivery.ok, delivery.attempts, delivery.detail) == (True, 2, "accepted")
    assert clock.slept == [0.5]


def test_retries_are_bounded() -> None:
    clock = Clock()
    message = Scripted("pager", *[Retryable("HTTP 503", 0.0)] * 5)
    (delivery,) = deliver([message], deadline=30, clock=clock, sleep=clock.sleep)
    assert not delivery.ok
    assert delivery.detail == "failed 3 times, last: HTTP 503"
    assert message.attempts == 3


def test_a_channel_failure_is_not_retried() -> None:
    clock = Clock()
    message = Scripted("email", ChannelFailed("SNS refused the message: NotFound: Topic does not exist"))
    (delivery,) = deliver([message], deadline=30, clock=clock, sleep=clock.sleep)
    assert (delivery.ok, delivery.attempts) == (False, 1)
    assert delivery.detail == "SNS refused the message: NotFound: Topic does not exist"


def test_a_retry_that_would_not_fit_is_not_started() -> None:
    clock = Clock()
    message = Scripted("pager", Retryable("HTTP 429", 20.0), "accepted")
    (delivery,) = deliver([message], deadline=10, clock=clock, sleep=clock.sleep)
    assert not delivery.ok
    assert delivery.detail == "failed (HTTP 429) and a retry in 20.0 s would not fit in the time left"
    assert clock.slept == []


def test_no_attempt_starts_without_its_minimum_time() -> None:
    clock = Clock()
    message = Scripted("email", "sent", min_attempt_seconds=4.25)
    (delivery,) = deliver([message], deadline=4.0, clock=clock, sleep=clock.sleep)
    assert (delivery.ok, delivery.attempts, delivery.detail) == (False, 0, "ran out of time after 0 attempt(s)")


def test_one_failing_channel_does_not_stop_the_others() -> None:
    clock = Clock()
    failing = Scripted("email", ChannelFailed("refused"))
    working = [Scripted("chat", "chat id"), Scripted("pager", "dedup")]
    deliveries = deliver([failing, *working], deadline=30, clock=clock, sleep=clock.sleep)
    assert [(d.channel, d.ok) for d in deliveries] == [("email", False), ("chat", True), ("pager", True)]


def test_channels_are_sent_concurrently() -> None:
    # Given three channels that each wait until all three are in flight
    barrier = threading.Barrier(3, timeout=10)

    class Waiting(Scripted):
        def attempt(self, remaining_seconds: float) -> str:
            barrier.wait()
            return "sent"

    deliveries = deliver([Waiting("email"), Waiting("chat"), Waiting("pager")], deadline=float("inf"))
    assert [d.ok for d in deliveries] == [True, True, True]


def test_an_unexpected_error_fails_that_channel_only() -> None:
    clock = Clock()
    deliveries = deliver(
        [Scripted("email", ValueError("bug")), Scripted("chat", "ok")], deadline=30, clock=clock, sleep=clock.sleep
    )
    assert [(d.ok, d.detail) for d in deliveries] == [(False, "unexpected ValueError"), (True, "ok")]


# --- SNS: what is safe to publish again --------------------------------------------------------


class FakeSns:
    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.calls: list[dict[str, Any]] = []

    def publish(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        if self.error is not None:
            raise self.error
        return {"MessageId": "m-1"}


def sns_message(client: FakeSns) -> SnsMessage:
    return SnsMessage(
        client,
        channel="email",
        topic_arn="arn:aws:sns:us-east-1:123456789012:alerts",
        message="body",
        subject="ALARM: prod",
        attributes={"state": "ALARM"},
        min_attempt_seconds=4.25,
    )


def client_error(code: str, status: int) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": f"{code} happened"}, "ResponseMetadata": {"HTTPStatusCode": status}},
        "Publish",
    )


def test_sns_publish_sends_subject_message_and_attributes() -> None:
    client = FakeSns()
    assert sns_message(client).attempt(10) == "message id m-1"
    assert client.calls == [
        {
            "TopicArn": "arn:aws:sns:us-east-1:123456789012:alerts",
            "Message": "body",
            "Subject": "ALARM: prod",
            "MessageAttributes": {"state": {"DataType": "String", "StringValue": "ALARM"}},
        }
    ]


@pytest.mark.parametrize(
    "error",
    [
        client_error("Throttling", 400),
        client_error("InternalError", 500),
        EndpointConnectionError(endpoint_url="https://sns.us-east-1.amazonaws.com"),
        ConnectTimeoutError(endpoint_url="https://sns.us-east-1.amazonaws.com"),
    ],
    ids=["throttled", "5xx", "no-connection", "connect-timeout"],
)
def test_sns_failures_that_published_nothing_are_retryable(error: Exception) -> None:
    with pytest.raises(Retryable):
        sns_message(FakeSns(error)).attempt(10)


def test_an_sns_refusal_is_final_and_named() -> None:
    with pytest.raises(ChannelFailed, match="SNS refused the message: AuthorizationError: AuthorizationError happened"):
        sns_message(FakeSns(client_error("AuthorizationError", 403))).attempt(10)


def test_an_sns_read_timeout_is_not_retried_as_it_may_have_published() -> None:
    with pytest.raises(ChannelFailed, match="not retried, as SNS may have delivered it"):
        sns_message(FakeSns(ReadTimeoutError(endpoint_url="https://sns"))).attempt(10)


def test_a_fifo_topic_gets_group_and_deduplication_ids() -> None:
    client = FakeSns()
    message = SnsMessage(
        client,
        channel="email",
        topic_arn="arn:aws:sns:us-east-1:123456789012:alerts.fifo",
        message="body",
        min_attempt_seconds=4.25,
        fifo_ids=("group", "dedup"),
    )
    message.attempt(10)
    assert (client.calls[0]["MessageGroupId"], client.calls[0]["MessageDeduplicationId"]) == ("group", "dedup")


def test_an_unanswered_publish_to_a_fifo_topic_is_retried_as_sns_drops_the_repeat() -> None:
    message = SnsMessage(
        FakeSns(ReadTimeoutError(endpoint_url="https://sns")),
        channel="email",
        topic_arn="arn:aws:sns:us-east-1:123456789012:alerts.fifo",
        message="body",
        min_attempt_seconds=4.25,
        fifo_ids=("group", "dedup"),
    )
    with pytest.raises(Retryable, match="the FIFO topic drops a repeat"):
        message.attempt(10)
