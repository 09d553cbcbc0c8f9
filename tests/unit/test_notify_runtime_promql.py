"""The notifier's runtime under METRICS_BACKEND otel, with a reader handed in: an OK of a PromQL
contributor is told apart from a queue that stopped reporting by the numbers (the OK's reason does
not tell), contributor labels are OTLP's, and the drill looks the queue up with the reader."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from queue_stats import names as n
from queue_stats.alerts import Alert, Queue
from queue_stats.notify_runtime import NotifyRuntime
from queue_stats.readings import Numbers, Reading
from queue_stats.settings import NotifierSettings
from tests.fixtures import QUEUE_NUMBERS, event
from tests.unit.test_notify_runtime import EMAIL, FakeCloudWatch, FakeSns

NOW = datetime(2026, 9, 23, 19, 58, 20, tzinfo=UTC)
MINUTE = datetime(2026, 9, 23, 19, 58, tzinfo=UTC)


class FakeReader:
    """Hands out fixed numbers and remembers what it was asked."""

    def __init__(self, numbers: Numbers, found: Queue | None = None) -> None:
        self.numbers = numbers
        self.found = found
        self.read_for: list[Alert] = []
        self.looked_up: list[str] = []

    def read(self, alert: Alert, *, now: datetime) -> Numbers:
        self.read_for.append(alert)
        return self.numbers

    def find_queue(self, text: str) -> Queue | None:
        self.looked_up.append(text)
        return self.found


def numbers(*, queue_minute: datetime | None, success_minute: datetime, latest_poll: float = 1) -> Numbers:
    queue = {} if queue_minute is None else {m: Reading(v, queue_minute) for m, v in QUEUE_NUMBERS.items()}
    return Numbers(queue=queue, poll=Reading(latest_poll, MINUTE), last_success=success_minute)


def runtime(reader: FakeReader, sns: FakeSns, backend: str = "otel") -> NotifyRuntime:
    settings = NotifierSettings.from_env(
        {
            n.ENV_ENVIRONMENT: "prod",
            "AWS_REGION": "us-east-1",
            n.ENV_NOTIFY_TOPIC_ARN: EMAIL,
            "METRICS_BACKEND": backend,
        }
    )
    return NotifyRuntime(settings, sns=sns, cloudwatch=FakeCloudWatch(), pager=None, reader=reader, now=lambda: NOW)


def ok_event() -> dict[str, Any]:
    ok = event("promql_queue_alarm")
    ok["detail"]["state"]["value"] = "OK"
    return ok


def subject(sns: FakeSns) -> str:
    (published,) = sns.published
    return str(published["Subject"])


def test_an_ok_while_the_queue_is_in_the_latest_poll_is_a_recovery() -> None:
    # Given the queue's numbers from the minute of the poller's last success
    sns = FakeSns()
    reader = FakeReader(numbers(queue_minute=MINUTE, success_minute=MINUTE))
    # When its PromQL contributor goes OK
    outcome = runtime(reader, sns).handle(ok_event(), 30_000)
    # Then it is sent as a plain OK
    assert outcome.as_dict()["state"] == "OK"
    assert subject(sns) == "OK: prod / Zurich Kundendienst: Oldest item too old"


def test_an_ok_while_the_queue_is_missing_from_the_latest_poll_is_no_data() -> None:
    # Given a healthy poller whose latest success left the queue out (its last numbers are older)
    sns = FakeSns()
    reader = FakeReader(numbers(queue_minute=MINUTE - timedelta(minutes=3), success_minute=MINUTE))
    # When its PromQL contributor goes OK
    outcome = runtime(reader, sns).handle(ok_event(), 30_000)
    # Then it is "OK (no data)": the queue stopped reporting, nothing was fixed
    assert outcome.as_dict()["state"] == "OK (no data)"
    assert subject(sns).startswith("OK (no data): prod / Zurich Kundendienst")
    assert "stopped reporting (deleted, renamed, or filtered out of the poll)" in sns.published[0]["Message"]


def test_an_ok_while_the_poller_fails_is_no_data_because_of_the_poller() -> None:
    sns = FakeSns()
    reader = FakeReader(
        numbers(queue_minute=MINUTE - timedelta(minutes=3), success_minute=MINUTE - timedelta(minutes=3), latest_poll=0)
    )
    runtime(reader, sns).handle(ok_event(), 30_000)
    assert "stopped reporting because the poller is failing" in sns.published[0]["Message"]


def test_an_ok_whose_numbers_could_not_be_read_stays_a_plain_ok() -> None:
    # Nothing known either way: the event's word stands
    sns = FakeSns()
    runtime(FakeReader(Numbers(unavailable="HTTP 403")), sns).handle(ok_event(), 30_000)
    assert subject(sns).startswith("OK: ")


def test_the_classic_backend_trusts_the_reason_not_the_numbers() -> None:
    # Given the same numbers with classic alarms, whose OK reason says when no data was returned
    sns = FakeSns()
    reader = FakeReader(numbers(queue_minute=MINUTE - timedelta(minutes=3), success_minute=MINUTE))
    runtime(reader, sns, backend="both").handle(event("queue_ok"), 30_000)
    assert subject(sns).startswith("OK: ")


def test_the_queue_is_read_with_its_labels_as_the_api_gave_them() -> None:
    reader = FakeReader(numbers(queue_minute=MINUTE, success_minute=MINUTE))
    runtime(reader, FakeSns()).handle(event("promql_queue_alarm"), 30_000)
    (alert,) = reader.read_for
    assert alert.queue == Queue("zurich-kundendienst", "Zürich Kundendienst", escaped=False)


def test_the_drill_names_an_unknown_queue_as_typed_over_otlp() -> None:
    # Given a queue the reader cannot find / When the drill looks it up
    reader = FakeReader(Numbers())
    queue, note = runtime(reader, FakeSns()).find_queue(" Zürich Kundendienst ")
    # Then it asked the reader, and names the queue as typed, unescaped (an OTLP label)
    assert reader.looked_up == [" Zürich Kundendienst "]
    assert queue == Queue("Zürich Kundendienst", "Zürich Kundendienst", escaped=False)
    assert note is not None
