"""The notifier's work for one event, with real adapters (SNS, CloudWatch, PagerDuty) built once
per container from its settings. Shared by the Lambda handler and `notify-test`.

One event: parse -> (ignored | muted | not notified) or read the queue's numbers -> format ->
send through every configured channel -> a per-channel outcome. Every AWS client honours
AWS_REGION and AWS_ENDPOINT_URL through boto3's own configuration chain. The numbers come from
where the metrics are (`NotifierSettings.reads_promql`): GetMetricData, or with METRICS_BACKEND
otel CloudWatch's PromQL query API, signed with the same credentials.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Final

import boto3
from botocore.config import Config
from botocore.exceptions import NoRegionError

from queue_stats import messages
from queue_stats import names as n
from queue_stats.alarm_catalog import AlarmKind
from queue_stats.alerts import ALARM, INSUFFICIENT_DATA, OK, Alert, Ignored, Queue, parse_event
from queue_stats.delivery import Delivery, Outbound, PublishClient, SnsMessage, deliver
from queue_stats.errors import ConfigError
from queue_stats.model import dimension_value
from queue_stats.pagerduty import PagerDutyClient, SecretsManagerRoutingKey
from queue_stats.readings import CloudWatchReader, Numbers, NumbersReader
from queue_stats.rules import otlp_label_value
from queue_stats.settings import NotifierSettings, monitoring_host_for_region

logger = logging.getLogger(__name__)

# SNS: one attempt per call (delivery.py decides what is safe to retry); short timeouts, like the
# poller's clients: a healthy Publish answers in well under a second.
SNS_CONNECT_TIMEOUT_SECONDS: Final = 1
SNS_READ_TIMEOUT_SECONDS: Final = 3
SNS_MIN_ATTEMPT_SECONDS: Final = SNS_CONNECT_TIMEOUT_SECONDS + SNS_READ_TIMEOUT_SECONDS + 0.25
_SNS_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": 1},
    connect_timeout=SNS_CONNECT_TIMEOUT_SECONDS,
    read_timeout=SNS_READ_TIMEOUT_SECONDS,
)
# Reads may be retried freely; two attempts keep the numbers from eating the channels' time.
_READ_CONFIG = Config(retries={"mode": "standard", "total_max_attempts": 2}, connect_timeout=1, read_timeout=3)
# Reading the numbers is skipped with less time left than this: sending matters more.
NUMBERS_MIN_SECONDS: Final = 12.0
# Kept back at the end of the invocation for the result's log line and the error.
END_MARGIN_SECONDS: Final = 1.0

SENT: Final = "sent"
FAILED: Final = "failed"
IGNORED: Final = "ignored"
MUTED: Final = "muted"
NOT_NOTIFIED: Final = "not_notified"


@dataclass(frozen=True)
class NotifyOutcome:
    """What happened to one event; `as_dict()` is the handler's result."""

    status: str
    reason: str = ""
    alert: Alert | None = None
    deliveries: tuple[Delivery, ...] = ()
    numbers: Numbers | None = None
    problems: tuple[str, ...] = field(default=())

    @property
    def failed(self) -> list[Delivery]:
        return [d for d in self.deliveries if not d.ok]

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status}
        if self.reason:
            out["reason"] = self.reason
        alert = self.alert
        if alert is not None:
            out["alarm"] = alert.alarm_name
            out["state"] = messages.state_label(alert)
            if alert.queue is not None:
                out["queue_id"] = alert.queue.queue_id
                out["queue_name"] = alert.queue.display_name
            if alert.test:
                out["test"] = True
        if self.numbers is not None:
            out["numbers"] = "read" if self.numbers.unavailable is None else f"unavailable: {self.numbers.unavailable}"
        if self.problems:
            out["event_problems"] = list(self.problems)
        out["channels"] = [d.as_dict() for d in self.deliveries]
        return out


class NotifyRuntime:
    def __init__(
        self,
        settings: NotifierSettings,
        *,
        sns: PublishClient | None,
        cloudwatch: Any,  # GetMetricData (and ListMetrics for the drill)
        pager: PagerDutyClient | None,
        reader: NumbersReader | None = None,  # None: GetMetricData through `cloudwatch`
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.settings = settings
        self._sns = sns
        self._reader = reader or CloudWatchReader(
            cloudwatch, environment=settings.environment, namespace=settings.namespace
        )
        self._pager = pager
        self._clock = clock
        self._now = now

    @classmethod
    def create(cls, settings: NotifierSettings) -> NotifyRuntime:
        session = boto3.session.Session()
        try:
            cloudwatch = session.client("cloudwatch", region_name=settings.aws_region, config=_READ_CONFIG)
            sns = None
            if settings.notify_topic_arn or settings.chat_topic_arn:
                sns = session.client("sns", region_name=settings.aws_region, config=_SNS_CONFIG)
            pager = None
            if settings.pagerduty_routing_key_secret_id:
                secrets = session.client("secretsmanager", region_name=settings.aws_region, config=_READ_CONFIG)
                key = SecretsManagerRoutingKey(
                    secret_id=settings.pagerduty_routing_key_secret_id,
                    max_age_seconds=settings.routing_key_max_age_seconds,
                    client=secrets,
                )
                pager = PagerDutyClient(settings.pagerduty_events_url, key)
        except NoRegionError:
            raise ConfigError("AWS_REGION is not set: name the region of the topics and metrics") from None
        reader: NumbersReader | None = None
        if settings.reads_promql:
            # Imported only here: the classic notifier never loads it.
            from queue_stats.promql_reader import PromQLReader  # noqa: PLC0415

            region = settings.aws_region or cloudwatch.meta.region_name
            reader = PromQLReader(
                endpoint=settings.promql_endpoint or monitoring_host_for_region(region),
                region=region,
                credentials=session.get_credentials,
                environment=settings.environment,
                namespace=settings.namespace,
                classic=cloudwatch,  # a health alarm's own AWS/Lambda metric
            )
        return cls(settings, sns=sns, cloudwatch=cloudwatch, pager=pager, reader=reader)

    # --- one event ---------------------------------------------------------------------------

    def handle(self, event: object, remaining_millis: float | None = None) -> NotifyOutcome:
        parsed = parse_event(event, escaped_labels=not self.settings.reads_promql)
        if isinstance(parsed, Ignored):
            logger.info("Event ignored: %s", parsed.reason)
            return NotifyOutcome(IGNORED, parsed.reason)
        alert = parsed
        for problem in alert.problems:
            logger.warning("Event %s: %s", alert.event_id or "(no id)", problem)
        if alert.mute is not None:
            reason = (
                f"muted by {alert.mute.rule_arn} (window {alert.mute.window_start} to {alert.mute.window_end}); "
                "nothing sent on any channel"
            )
            logger.info(
                "Transition muted: %s %s%s: %s",
                alert.state,
                alert.alarm_name,
                f" / {alert.queue.queue_id}" if alert.queue else "",
                reason,
            )
            return NotifyOutcome(MUTED, reason, alert, problems=alert.problems)
        if not self.settings.channels:
            reason = (
                f"no channel is configured ({n.ENV_NOTIFY_TOPIC_ARN}, {n.ENV_CHAT_TOPIC_ARN}, "
                f"{n.ENV_PAGERDUTY_ROUTING_KEY_SECRET_ID} are all unset): nothing sent"
            )
            logger.warning("Not notified: %s", reason)
            return NotifyOutcome(NOT_NOTIFIED, reason, alert, problems=alert.problems)
        if alert.state == INSUFFICIENT_DATA:
            # The stack's alarms act on ALARM and OK only; a queue contributor never has this state.
            reason = "INSUFFICIENT_DATA transitions are not notified (the alarms act on ALARM and OK)"
            logger.info("Not notified: %s %s: %s", alert.alarm_name, alert.state, reason)
            return NotifyOutcome(NOT_NOTIFIED, reason, alert, problems=alert.problems)
        return self.notify(alert, remaining_millis)

    def notify(self, alert: Alert, remaining_millis: float | None = None) -> NotifyOutcome:
        """Read the numbers, format and send through every configured channel."""
        deadline = self._deadline(remaining_millis)
        if deadline - self._clock() < NUMBERS_MIN_SECONDS:
            numbers = Numbers(unavailable="not read: too little time left in the invocation")
        else:
            numbers = self._reader.read(alert, now=self._now())
        alert = self._absent(alert, numbers)
        context = self.context()
        outbound, skipped = self._outbound(alert, numbers, context)
        sent = deliver(outbound, deadline=deadline, clock=self._clock)
        deliveries = tuple(sorted([*sent, *skipped], key=lambda d: _CHANNEL_ORDER.get(d.channel, 9)))
        status = FAILED if any(not d.ok for d in deliveries) else SENT
        return NotifyOutcome(status, alert=alert, deliveries=deliveries, numbers=numbers, problems=alert.problems)

    def drill(self, queue: Queue | None, kind: AlarmKind, *, alarm_name: str, resolve: bool) -> NotifyOutcome:
        """`notify-test`: a TEST transition of (alarm, queue) through every configured channel."""
        alert = Alert(
            alarm_name=alarm_name,
            state=OK if resolve else ALARM,
            kind=kind,
            queue=queue,
            reason="A test sent by `symbee-queue-stats notify-test`.",
            changed_at=self._now().replace(microsecond=0),
            region=self.settings.aws_region,
            test=True,
        )
        return self.notify(alert)

    def find_queue(self, text: str) -> tuple[Queue, str | None]:
        """The queue named by `text` (a name or an id) as CloudWatch knows it, and a note when it
        does not: then the test names the queue as given, and its numbers show as missing."""
        as_given = _as_given(text, otlp=self.settings.reads_promql)
        try:
            found = self._reader.find_queue(text)
        except Exception as error:  # botocore's or the PromQL API's errors: the drill still goes out
            return as_given, f"could not look the queue up in CloudWatch ({error}); naming it as given"
        if found is None:
            note = (
                f"no metric of environment {self.settings.environment!r} in the last 3 hours has a queue id or "
                f"name {text.strip()!r}; the test names it as given"
            )
            return as_given, note
        return found, None

    def context(self) -> messages.MessageContext:
        return messages.MessageContext(
            environment=self.settings.environment,
            dashboard_url=self.settings.dashboard_url,
            runbook_url=self.settings.runbook_url,
            skip_idle_queues=self.settings.skip_idle_queues,
            region=self.settings.aws_region,
        )

    def _absent(self, alert: Alert, numbers: Numbers) -> Alert:
        """A PromQL contributor's OK says nothing of why (what CloudWatch writes then is not
        documented), and a queue that stops reporting leaves the query like one that recovered:
        the numbers tell them apart. A queue left out of the latest successful poll (or a failing
        poller) makes the OK "no data", never a recovery."""
        if not self.settings.reads_promql or alert.state != OK or alert.queue is None or alert.test:
            return alert
        if alert.no_data or not numbers.queue_absent:
            return alert
        logger.info(
            "OK of %s / %s: the queue is not in the latest poll, so it stopped reporting",
            alert.alarm_name,
            alert.queue.queue_id,
        )
        return replace(alert, absent=True)

    def _deadline(self, remaining_millis: float | None) -> float:
        if remaining_millis is None:
            return math.inf
        return self._clock() + max(0.0, remaining_millis / 1000.0 - END_MARGIN_SECONDS)

    def _outbound(
        self, alert: Alert, numbers: Numbers, context: messages.MessageContext
    ) -> tuple[list[Outbound], list[Delivery]]:
        """The message for each configured channel, and the channels that send nothing (or could
        not be formatted: a bug in one channel's formatting must not silence the others)."""
        settings = self.settings
        attributes = _attributes(alert, context)
        sns = self._sns
        pager = self._pager
        builders: list[tuple[str, str, Callable[[], Outbound | Delivery]]] = []
        if settings.notify_topic_arn and sns is not None:
            topic = settings.notify_topic_arn

            def email() -> Outbound:
                mail = messages.email(alert, numbers, context)
                return SnsMessage(
                    sns,
                    channel="email",
                    topic_arn=topic,
                    subject=mail.subject,
                    message=mail.body,
                    attributes=attributes,
                    min_attempt_seconds=SNS_MIN_ATTEMPT_SECONDS,
                    fifo_ids=_fifo_ids(topic, alert, "email"),
                )

            builders.append(("email", topic, email))
        if settings.chat_topic_arn and sns is not None:
            chat_topic = settings.chat_topic_arn

            def chat() -> Outbound:
                return SnsMessage(
                    sns,
                    channel="chat",
                    topic_arn=chat_topic,
                    message=json.dumps(messages.chat(alert, numbers, context), ensure_ascii=False),
                    attributes=attributes,
                    min_attempt_seconds=SNS_MIN_ATTEMPT_SECONDS,
                    fifo_ids=_fifo_ids(chat_topic, alert, "chat"),
                )

            builders.append(("chat", chat_topic, chat))
        if pager is not None:

            def page() -> Outbound | Delivery:
                event = messages.pager_event(alert, numbers, context)
                if event is None:
                    nothing = f"nothing sent: a {alert.state} transition neither triggers nor resolves an incident"
                    return Delivery("pager", pager.url, True, nothing, skipped=True)
                return pager.message(event)

            builders.append(("pager", pager.url, page))

        outbound: list[Outbound] = []
        settled: list[Delivery] = []
        for channel, target, build in builders:
            if alert.state == OK and not settings.notify_on_ok and channel in _PEOPLE_CHANNELS:
                # The pager still resolves: an incident left open is worse than an OK message.
                why = f"nothing sent: OK transitions go to the pager only ({n.ENV_NOTIFY_ON_OK}=false)"
                settled.append(Delivery(channel, target, True, why, skipped=True))
                continue
            try:
                item = build()
            except Exception as error:
                logger.exception("Could not format the %s message", channel)
                why = f"could not format the message: {type(error).__name__}"
                settled.append(Delivery(channel, target, False, why))
                continue
            if isinstance(item, Delivery):
                settled.append(item)
            else:
                outbound.append(item)
        return outbound, settled


_CHANNEL_ORDER: Final = {"email": 0, "chat": 1, "pager": 2}
_PEOPLE_CHANNELS: Final = frozenset({"email", "chat"})  # what NOTIFY_ON_OK=false keeps OKs from


def _attributes(alert: Alert, context: messages.MessageContext) -> dict[str, str]:
    """SNS message attributes, so a subscription can filter (e.g. ALARM only to an SMS number)."""
    attributes = {
        "state": alert.state,
        "environment": context.environment,
        "alarm": alert.alarm_name,
        "kind": alert.kind.key if alert.kind else "unknown",
        "test": "true" if alert.test else "false",
    }
    if alert.no_data:
        attributes["noData"] = "true"
    return attributes


def _fifo_ids(topic_arn: str, alert: Alert, channel: str) -> tuple[str, str] | None:
    """For a FIFO topic: one message group per (alarm, queue), in order, and one deduplication id
    per transition, so a transition EventBridge delivers twice is published once."""
    if not topic_arn.endswith(".fifo"):
        return None
    when = alert.changed_at.isoformat() if alert.changed_at else ""
    transition = "|".join((channel, messages.dedup_key(alert), alert.state, when))
    return messages.thread_id(alert), hashlib.sha256(transition.encode()).hexdigest()


def _as_given(text: str, *, otlp: bool) -> Queue:
    """A queue named as typed: an OTLP label value, or a CloudWatch dimension value (escaped)."""
    if otlp:
        label = otlp_label_value(text.strip())
        return Queue(label, label, escaped=False)
    value = dimension_value(text.strip())
    return Queue(value, value)
