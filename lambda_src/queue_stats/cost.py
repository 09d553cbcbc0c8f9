"""The monthly AWS bill of one monitored environment, one line per item, from one table of unit
prices that names each price's source. Pure: the command line and the README's Cost section
(scripts/cost_table.py) both render what `estimate` returns.

Every figure that rests on something not known here (free tiers used elsewhere in the account,
how long a poll runs on Lambda, a price AWS has not published) says so in `Estimate.assumptions`
or shows as unknown, rather than being guessed silently.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Final

from queue_stats import alarm_catalog
from queue_stats import names as n
from queue_stats.metrics import MAX_DATUMS_PER_REQUEST

PRICES_READ_ON: Final = "2026-11-30"
REGION: Final = "us-east-1"
HOURS_PER_MONTH: Final = 730  # AWS's month for prorating metrics and alarms
SECONDS_PER_MONTH: Final = HOURS_PER_MONTH * 3600
DAYS_PER_MONTH: Final = HOURS_PER_MONTH / 24

# The poller's memory, from the one constant the stack is tested to deploy.
POLLER_MEMORY_MB: Final = n.POLLER_MEMORY_MB


# --- unit prices ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Tier:
    """`usd` per unit for the units up to `up_to` (counted from the first unit; None: no limit)."""

    up_to: float | None
    usd: float


@dataclass(frozen=True)
class Price:
    """One unit price: `tiers` per `per` units of `unit`; None when no source states it."""

    key: str
    name: str
    unit: str
    tiers: tuple[Tier, ...] | None
    source: str
    checked: str  # how the figure was confirmed, shown next to the source
    per: float = 1.0
    free: float = 0.0  # the account's monthly free tier, in units (shared with everything else)
    free_text: str = ""

    def cost(self, quantity: float) -> float | None:
        """The charge for `quantity` units in one month, tier by tier; None when unknown."""
        if self.tiers is None:
            return None
        total, start = 0.0, 0.0
        for tier in self.tiers:
            end = quantity if tier.up_to is None else min(quantity, tier.up_to)
            if end > start:
                total += (end - start) / self.per * tier.usd
            if tier.up_to is None or quantity <= tier.up_to:
                break
            start = tier.up_to
        return total

    def free_tier_value(self, quantity: float) -> float:
        """What the free tier would take off `quantity`, if nothing else in the account used it."""
        full = self.cost(quantity)
        rest = self.cost(max(0.0, quantity - self.free))
        return 0.0 if full is None or rest is None else full - rest

    @property
    def short(self) -> str:
        """The first tier only, for a line item: `$0.30 per metric-month, less above 10,000`."""
        if self.tiers is None or len(self.tiers) == 1:
            return self.text
        first = replace(self, tiers=self.tiers[:1]).text
        return f"{first}, less above {number(self.tiers[0].up_to or 0)}"

    @property
    def text(self) -> str:
        """The price as a person reads it, e.g. `$0.01 per 1,000 requests`."""
        if self.tiers is None:
            return "unknown"
        per = f"{self.unit}" if self.per == 1 else f"{number(self.per)} {self.unit}"
        if len(self.tiers) == 1:
            return f"{usd_exact(self.tiers[0].usd)} per {per}"
        parts, start = [], 0.0
        for tier in self.tiers:
            if tier.up_to is None:
                parts.append(f"{usd_exact(tier.usd)} over {number(start)}")
            else:
                parts.append(f"{usd_exact(tier.usd)} {'first' if start == 0 else 'next'} {number(tier.up_to - start)}")
                start = tier.up_to
        return f"{', '.join(parts)} per {per}"


_CLOUDWATCH: Final = "https://aws.amazon.com/cloudwatch/pricing/"
# The copy of CloudWatch's pricing page readable offline here shows its free tier (read first-hand)
# but not the paid tabs; those figures agree across several independent sources that quote the
# pages, and are marked "quoted" rather than passed off as first-hand.
QUOTED: Final = "quoted"
QUOTED_MEANS: Final = (
    f"the figure as several independent sources quote the page, checked {PRICES_READ_ON}; the copy of AWS's "
    "pricing pages readable offline here shows the free tiers, not the paid figures, so it is not confirmed "
    "first-hand"
)
PRICES: Final = {
    p.key: p
    for p in (
        Price(
            "metric",
            "CloudWatch custom metrics",
            "metric-month",
            (Tier(10_000, 0.30), Tier(250_000, 0.10), Tier(1_000_000, 0.05), Tier(None, 0.02)),
            _CLOUDWATCH,
            QUOTED,
            free=10,
            free_text="10 metrics",
        ),
        Price(
            "put_metric_data",
            "CloudWatch API requests (PutMetricData)",
            "requests",
            (Tier(None, 0.01),),
            _CLOUDWATCH,
            QUOTED,
            per=1_000,
            free=1_000_000,
            free_text="1 million API requests",
        ),
        Price(
            "get_metric_data",
            "CloudWatch GetMetricData",
            "metrics requested",
            (Tier(None, 0.01),),
            _CLOUDWATCH,
            f"{QUOTED}; the free tier excludes GetMetricData (read on the page)",
            per=1_000,
        ),
        Price(
            "insights_alarm",
            "Metrics Insights alarms",
            "metric analysed per month",
            (Tier(None, 0.10),),
            _CLOUDWATCH,
            f"{QUOTED}; the free tier excludes alarms that use a Metrics Insights query (read on the page)",
        ),
        Price(
            "standard_alarm",
            "CloudWatch standard-resolution alarms",
            "alarm metric-month",
            (Tier(None, 0.10),),
            _CLOUDWATCH,
            QUOTED,
            free=10,
            free_text="10 alarm metrics",
        ),
        Price(
            "dashboard",
            "CloudWatch dashboards",
            "dashboard-month",
            (Tier(None, 3.00),),
            _CLOUDWATCH,
            QUOTED,
            free=3,
            free_text="3 dashboards",
        ),
        Price(
            "logs",
            "CloudWatch Logs ingestion (standard)",
            "GB",
            (Tier(None, 0.50),),
            _CLOUDWATCH,
            QUOTED,
            free=5,
            free_text="5 GB of logs",
        ),
        Price(
            "lambda_requests",
            "Lambda requests",
            "requests",
            (Tier(None, 0.20),),
            "https://aws.amazon.com/lambda/pricing/",
            QUOTED,
            per=1_000_000,
            free=1_000_000,
            free_text="Lambda's 1 million requests",
        ),
        Price(
            "lambda_arm_gb_seconds",
            "Lambda compute, arm64",
            "GB-second",
            (Tier(None, 0.0000133334),),
            "https://aws.amazon.com/lambda/pricing/",
            f"{QUOTED}; this price holds for the first 7.5 billion GB-seconds a month",
            free=400_000,
            free_text="400,000 GB-seconds",
        ),
        Price(
            "secrets_api",
            "Secrets Manager API calls",
            "calls",
            (Tier(None, 0.05),),
            "https://aws.amazon.com/secrets-manager/pricing/",
            QUOTED,
            per=10_000,
        ),
        Price(
            "kms_key",
            "KMS customer managed key",
            "key-month",
            (Tier(None, 1.00),),
            "https://aws.amazon.com/kms/pricing/",
            QUOTED,
        ),
        Price(
            "sns_publish",
            "SNS publishes",
            "requests",
            (Tier(None, 0.50),),
            "https://aws.amazon.com/sns/pricing/",
            QUOTED,
            per=1_000_000,
            free=1_000_000,
            free_text="1 million SNS publishes",
        ),
        Price(
            "sns_email",
            "SNS email deliveries",
            "emails",
            (Tier(None, 2.00),),
            "https://aws.amazon.com/sns/pricing/",
            QUOTED,
            per=100_000,
            free=1_000,
            free_text="1,000 emails",
        ),
        Price(
            "eventbridge",
            "EventBridge scheduled rules and AWS service events",
            "event",
            (Tier(None, 0.0),),
            "https://aws.amazon.com/eventbridge/pricing/",
            QUOTED,
        ),
        # OpenTelemetry metrics are billed per GB ingested with no per-metric or per-request
        # charge. AWS's own price per GB could not be read here: the default is the higher of the
        # two third-party figures, and `cost --otlp-gb-price` sets another.
        Price(
            "otlp_ingest",
            "CloudWatch OpenTelemetry metrics ingestion",
            "GB",
            (Tier(None, 0.50),),
            _CLOUDWATCH,
            "not confirmed: AWS's figure could not be read here; $0.50 is a third-party figure (the higher of "
            "the two published, the other $0.08); set yours with --otlp-gb-price",
        ),
        Price(
            "promql_alarm",
            "CloudWatch PromQL alarms",
            "alarm",
            None,
            _CLOUDWATCH,
            "not published where we could read it",
        ),
        # AWS documents PromQL queries through the API as charged per million samples scanned
        # (console queries free); the figure is not published where we could read it.
        Price(
            "promql_query",
            "CloudWatch PromQL API queries",
            "samples scanned",
            None,
            _CLOUDWATCH,
            "charged per million samples scanned; the price is not published where we could read it",
            per=1_000_000,
        ),
    )
}

# --- what a poll and a notification use ----------------------------------------------------------
# How long a poll runs on Lambda: not measured there. `make bench` measures the poller's own CPU
# at about 0.033 ms per datum on one full core (358 ms for 11,346 datums, 37 ms for 1,131:
# README "Performance"); Lambda gives 512 MB about 512/1,769 of a vCPU. The network waits (the
# Symbee API over a reused TLS connection, the PutMetricData round trips) are a stated 0.15 s.
POLL_NETWORK_SECONDS: Final = 0.15
POLL_CPU_SECONDS_PER_DATUM: Final = 0.000033
LAMBDA_FULL_VCPU_MB: Final = 1769  # Lambda's memory at which a function gets one whole vCPU

# Logs per successful poll: the poller's one JSON line ("Poll succeeded", about 530 bytes with a
# short function name, measured by tests/integration/test_cost_logs.py; a deployed function's
# longer name and ARN add about 80) and Lambda's own START, END and REPORT lines. CloudWatch Logs
# counts 26 bytes more per event.
POLL_LOG_LINE_BYTES: Final = 700
LAMBDA_PLATFORM_LOG_BYTES: Final = 260
LOG_EVENT_OVERHEAD_BYTES: Final = 26
LOG_EVENTS_PER_INVOCATION: Final = 4

# OpenTelemetry ingestion per GB: the default price (a third-party figure, see PRICES) and the
# other figure quoted, which the README prices too.
DEFAULT_OTLP_GB_PRICE: Final = 0.50
LOW_OTLP_GB_PRICE: Final = 0.08

# The notifier (one run per alarm transition): stated until it is measured on Lambda.
DEFAULT_TRANSITIONS_PER_DAY: Final = 20.0  # e.g. 10 alarms a day, each ALARM then OK
NOTIFIER_MEMORY_MB: Final = n.NOTIFIER_MEMORY_MB  # the stack deploys this (tests/infra/test_cost_config.py)
NOTIFIER_SECONDS: Final = 1.0
# One GetMetricData of a queue transition: the queue's 7 numbers, PollSucceeded's minimum and
# maximum and QueuesIdle (tests/unit/test_cost.py counts the notifier's own queries).
NOTIFIER_METRICS_READ: Final = 10
# With `otel` the same series over PromQL: each minute of the lookback and the minute under way
# scans each series' samples of that minute, one a poll (a failed poll's 0 adds one). How
# CloudWatch counts "samples scanned" is not documented; this is the count PromQL's engine reads.
NOTIFIER_PROMQL_MINUTES: Final = 16  # readings.LOOKBACK_MINUTES + 1 (tests/unit/test_cost.py)
NOTIFIER_PUBLISHES: Final = 2  # the email topic and the chat topic
NOTIFIER_LOG_BYTES: Final = 1_500
NOTIFIER_ALARMS: Final = 2  # its errors and its dead letters, standard alarms on one metric each

# The stack's per-queue alarms by their cdk.json key, and the metric each reads; the three health
# alarms are standard alarms on one metric each. Kept here so pricing needs neither the CDK nor
# Node; tests/infra/test_cost_config.py checks both against the stack's alarm definitions.
# Each per-queue alarm's cdk.json key and the metric it reads (the alarm catalog's).
QUEUE_ALARM_METRICS: Final = {kind.key: kind.metric for kind in alarm_catalog.KINDS if kind.per_queue}
# What each of those alarms reads as a PromQL alarm (metricsBackend otel/both), by its classic metric.
PROMQL_ALARM_METRICS: Final = {
    kind.metric: alarm_catalog.promql_metrics(kind) for kind in alarm_catalog.KINDS if kind.per_queue
}
DEFAULT_QUEUE_ALARM_METRICS: Final = tuple(QUEUE_ALARM_METRICS.values())
DEFAULT_HEALTH_ALARMS: Final = sum(not kind.per_queue for kind in alarm_catalog.KINDS)
DEFAULT_EMAIL_SUBSCRIBERS: Final = 1

# The options the README compares, and the opening hours it assumes for idle skipping.
COMPARED_HOURS_OPEN: Final = 10.0
README_QUEUE_COUNTS: Final = (10, 100, 1_000)


@dataclass(frozen=True)
class QueueAlarm:
    """One kind of per-queue alarm: the fleet alarm over every queue, and per-queue overrides."""

    metric: str  # the per-queue metric it reads
    fleet: bool = True  # the fleet alarm is enabled
    excluded: int = 0  # queues that leave the fleet alarm for an override (enabled or not)
    own: int = 0  # enabled override alarms, one queue each


@dataclass(frozen=True)
class Setup:
    """What the stack deploys for one environment, as far as the bill is concerned."""

    name: str = "one environment"
    metrics: tuple[str, ...] = n.QUEUE_METRIC_NAMES
    skip_idle: bool = False
    poll_rate_minutes: int = 1
    queue_alarms: tuple[QueueAlarm, ...] = tuple(QueueAlarm(m) for m in DEFAULT_QUEUE_ALARM_METRICS)
    health_alarms: int = DEFAULT_HEALTH_ALARMS
    poll_failed_alarm: bool = True  # one of the health alarms; a PromQL alarm with OpenTelemetry
    api_key_max_age_seconds: int = n.DEFAULT_API_KEY_MAX_AGE_SECONDS
    backend: str = n.DEFAULT_METRICS_BACKEND
    environment: str = "prod"  # a label of every OTLP data point, so part of its billed size
    email_subscribers: int = DEFAULT_EMAIL_SUBSCRIBERS
    dashboards: int = 1
    kms_keys: int = 1  # the alarm topic's key
    notifier_alarms: int = NOTIFIER_ALARMS


@dataclass(frozen=True)
class Scenario:
    """What the environment meets: its queues, their opening hours, the alarms' churn."""

    queues: int
    hours_open: float = 24.0  # hours a day a queue is not idle (matters only with skip_idle)
    transitions_per_day: float = DEFAULT_TRANSITIONS_PER_DAY
    poll_seconds: float | None = None  # a measured duration per poll; None: the stated model
    otlp_gb_price: float = DEFAULT_OTLP_GB_PRICE  # OpenTelemetry ingestion, $ per GB


@dataclass(frozen=True)
class Line:
    item: str
    quantity: float
    unit: str
    price: Price
    monthly: float | None  # None: unknown
    detail: str = ""


@dataclass(frozen=True)
class Estimate:
    setup: Setup
    scenario: Scenario
    lines: tuple[Line, ...]
    assumptions: tuple[str, ...]
    free_tier: float  # what unused free tiers could take off the total
    free_tier_items: tuple[str, ...]

    @property
    def total(self) -> float:
        """The sum of the known lines (see `unknown`)."""
        return sum(line.monthly or 0.0 for line in self.lines)

    @property
    def per_queue(self) -> float:
        return self.total / self.scenario.queues

    @property
    def unknown(self) -> tuple[str, ...]:
        return tuple(line.item for line in self.lines if line.monthly is None)


@dataclass(frozen=True)
class Option:
    """One way of configuring the same environment, for comparison."""

    label: str
    estimate: Estimate


# --- the estimate -----------------------------------------------------------------------------------
def estimate(setup: Setup, scenario: Scenario) -> Estimate:
    """Every monthly line item of `setup` meeting `scenario`, with the assumptions behind them."""
    _check(setup, scenario)
    queues = scenario.queues
    metrics = len(setup.metrics)
    # Idle skipping: a queue publishes only in the hours it is not idle; the health metrics always.
    active = scenario.hours_open / 24 if setup.skip_idle else 1.0
    health = len(n.HEALTH_METRIC_NAMES) if setup.skip_idle else len(n.HEALTH_METRIC_NAMES) - 1
    polls = HOURS_PER_MONTH * 60 / setup.poll_rate_minutes
    busy_polls, idle_polls = polls * active, polls * (1 - active)
    busy_datums, idle_datums = queues * metrics + health, health
    classic = setup.backend in (n.BACKEND_CLOUDWATCH, n.BACKEND_BOTH)
    otel = setup.backend in (n.BACKEND_OTEL, n.BACKEND_BOTH)
    published = frozenset(setup.metrics)
    lines: list[Line] = []
    notes: list[str] = [
        f"{REGION} list prices read {PRICES_READ_ON}; other regions differ. A {HOURS_PER_MONTH}-hour month, "
        f"{number(polls)} polls (every {minutes(setup.poll_rate_minutes)}). Taxes, support and data transfer "
        "are not included, nor the Symbee API-key secret, which Symbee's own stack owns.",
    ]

    def add(item: str, quantity: float, unit: str, key: str, detail: str = "") -> None:
        price = PRICES[key]
        lines.append(Line(item, quantity, unit, price, price.cost(quantity), detail))

    if classic:
        metric_months = queues * metrics * active + health
        add(
            "custom metrics",
            metric_months,
            "metric-months",
            "metric",
            f"{queues:,} queues × {metrics} metrics{_share(active)} + {health} health metrics",
        )
        requests = busy_polls * math.ceil(busy_datums / MAX_DATUMS_PER_REQUEST) + idle_polls * math.ceil(
            idle_datums / MAX_DATUMS_PER_REQUEST
        )
        add(
            "PutMetricData requests",
            requests,
            "requests",
            "put_metric_data",
            f"{math.ceil(busy_datums / MAX_DATUMS_PER_REQUEST)} per poll "
            f"(≤ {MAX_DATUMS_PER_REQUEST:,} datums each)" + (", 1 while every queue is idle" if active < 1 else ""),
        )
        notes.append(
            "Every selected metric is published for every queue; a metric a queue never reports (such as "
            "ItemsScheduled on a queue that takes no callbacks) costs nothing, so the real figure can be lower. "
            "CloudWatch prorates a metric by the hours in which it receives data. The metric tiers are counted "
            "from this environment alone: in an account already past 10,000 metrics each one costs less."
        )
    alarmed = [a for a in setup.queue_alarms if a.metric in published]
    series = sum((queues - min(a.excluded, queues) if a.fleet else 0) + a.own for a in alarmed)
    alarm_count = sum(a.fleet for a in alarmed) + sum(a.own for a in alarmed)
    if classic and alarmed:
        add(
            "Metrics Insights alarms",
            series * active,
            "metrics analysed",
            "insights_alarm",
            f"{alarm_count} alarms over {series:,} queue series{_share(active)}",
        )
        notes.append(
            "Metrics Insights alarms: every queue's series counts as analysed, also beyond the 500 a query returns."
        )
        if active < 1:
            extra = PRICES["insights_alarm"].cost(series * (1 - active)) or 0.0
            notes.append(
                "Assumed, not confirmed: an idle queue's series is not analysed in the hours it has no data, "
                f"as a metric is not billed then. If CloudWatch counts it all day, add {usd(extra)}."
            )
    if otel:
        promql = [a for a in setup.queue_alarms if all(m in published for m in PROMQL_ALARM_METRICS[a.metric])]
        promql_count = sum(a.fleet for a in promql) + sum(a.own for a in promql) + setup.poll_failed_alarm
        shadows = setup.backend == n.BACKEND_BOTH
        lines.append(
            Line(
                "PromQL shadow alarms" if shadows else "PromQL alarms",
                promql_count,
                "alarms",
                PRICES["promql_alarm"],
                None,
                "copies without actions, beside the classic alarms"
                if shadows
                else "the queue alarms and No successful poll",
            )
        )
    # With OTLP alone, No successful poll is a PromQL alarm; the Lambda alarms stay standard.
    standard = setup.health_alarms - (setup.poll_failed_alarm and not classic)
    add("standard alarms", standard, "alarms", "standard_alarm", "the poller's health, 1 metric each")
    add("dashboard", setup.dashboards, "dashboards", "dashboard")
    notes.append("The dashboard is counted: it is free only while the account has no more than 3 (unknown here).")
    add("KMS key of the alarm topic", setup.kms_keys, "keys", "kms_key")

    if otel:
        # Measured with the poller's own encoder: protobuf only when OTLP is priced.
        from queue_stats.otlp_size import point_size  # noqa: PLC0415

        size = point_size(setup.metrics, setup.environment)
        queue_points, health_points = busy_polls * queues * metrics, polls * health
        points = queue_points + health_points
        gigabytes = (queue_points * size.queue_point + health_points * size.health_point) / 1e9
        price = PRICES["otlp_ingest"]
        if scenario.otlp_gb_price != DEFAULT_OTLP_GB_PRICE:
            price = replace(price, tiers=(Tier(None, scenario.otlp_gb_price),), checked="set with --otlp-gb-price")
        lines.append(
            Line(
                "OpenTelemetry metrics ingestion",
                gigabytes,
                "GB",
                price,
                price.cost(gigabytes),
                f"{number(points)} data points, {size.queue_point:.0f} bytes a queue point",
            )
        )
        notes.append(
            f"OpenTelemetry: {size.queue_point:.0f} bytes per queue data point and {size.health_point:.0f} per health "
            "point, measured with the poller's encoder as each point's serialized size (name, labels, resource "
            "attribute, timestamp, value: what CloudWatch bills), for a Symbee queue and an Amazon queue (its ARN "
            f"is the id) of typical length; long names cost more. {usd(price.tiers[0].usd if price.tiers else 0)} per "
            "GB is not AWS's confirmed price (see Unit prices); PromQL alarms have no published price and are "
            "not counted; OTLP ingestion and PromQL were free during the preview."
        )

    seconds = _poll_seconds(scenario, busy_datums), _poll_seconds(scenario, idle_datums)
    poller_gb_seconds = (busy_polls * seconds[0] + idle_polls * seconds[1]) * POLLER_MEMORY_MB / 1024
    add("poller: Lambda requests", polls, "requests", "lambda_requests")
    add(
        "poller: Lambda compute",
        poller_gb_seconds,
        "GB-seconds",
        "lambda_arm_gb_seconds",
        f"{POLLER_MEMORY_MB} MB × {seconds[0]:.2f} s a poll" + (f" ({seconds[1]:.2f} s idle)" if active < 1 else ""),
    )
    if scenario.poll_seconds is None:
        notes.append(
            f"Poll duration is stated, not measured on Lambda: {POLL_NETWORK_SECONDS} s of network waits plus "
            f"{POLL_CPU_SECONDS_PER_DATUM * 1000:.3f} ms of CPU per datum on a full vCPU (make bench), at "
            f"{POLLER_MEMORY_MB}/{LAMBDA_FULL_VCPU_MB:,} of a vCPU. Read Billed Duration in the function's "
            "REPORT log lines and pass it with --poll-seconds."
        )
    transitions = scenario.transitions_per_day * DAYS_PER_MONTH
    poll_log_bytes = (
        POLL_LOG_LINE_BYTES + LAMBDA_PLATFORM_LOG_BYTES + LOG_EVENTS_PER_INVOCATION * (LOG_EVENT_OVERHEAD_BYTES)
    )
    log_gb = (polls * poll_log_bytes + transitions * NOTIFIER_LOG_BYTES) / 1e9
    add("CloudWatch Logs ingestion", log_gb, "GB", "logs", f"{poll_log_bytes:,} bytes a poll")
    notes.append(
        f"Logs: {poll_log_bytes:,} bytes a poll (the poller's line, Lambda's START, END and REPORT lines, "
        f"{LOG_EVENT_OVERHEAD_BYTES} bytes per event); invalid data and failed polls log more. Archive storage "
        "($0.03 per GB-month, compressed) is left out."
    )
    reads = SECONDS_PER_MONTH / _seconds_between_key_reads(setup)
    add(
        "Secrets Manager GetSecretValue",
        reads,
        "calls",
        "secrets_api",
        f"the key is cached {setup.api_key_max_age_seconds:,} s",
    )
    notes.append("Secrets Manager: one read per key max-age, plus one per new Lambda container (not counted).")
    add("EventBridge schedule and alarm events", polls + transitions, "events", "eventbridge")

    gb_seconds = transitions * NOTIFIER_SECONDS * NOTIFIER_MEMORY_MB / 1024
    add("notifier: Lambda requests", transitions, "requests", "lambda_requests")
    add(
        "notifier: Lambda compute",
        gb_seconds,
        "GB-seconds",
        "lambda_arm_gb_seconds",
        f"{NOTIFIER_MEMORY_MB} MB × {NOTIFIER_SECONDS:g} s a transition",
    )
    if setup.backend == n.BACKEND_OTEL:
        samples = NOTIFIER_PROMQL_MINUTES * NOTIFIER_METRICS_READ / setup.poll_rate_minutes
        price = PRICES["promql_query"]
        lines.append(
            Line(
                "notifier: PromQL queries",
                transitions * samples,
                "samples scanned",
                price,
                price.cost(transitions * samples),
                f"about {samples:,.0f} samples a transition",
            )
        )
    else:
        add(
            "notifier: GetMetricData",
            transitions * NOTIFIER_METRICS_READ,
            "metrics requested",
            "get_metric_data",
            f"{NOTIFIER_METRICS_READ} metrics a transition",
        )
    add("notifier: SNS publishes", transitions * NOTIFIER_PUBLISHES, "requests", "sns_publish")
    add("notifier: its own alarms", setup.notifier_alarms, "alarms", "standard_alarm", "errors, dead letters")
    add(
        "notifier: email deliveries",
        transitions * setup.email_subscribers,
        "emails",
        "sns_email",
        f"{setup.email_subscribers} subscriber(s)",
    )
    read = (
        f"one PromQL query_range over {NOTIFIER_METRICS_READ} series (CloudWatch charges PromQL API queries per "
        "million samples scanned, at a price not published where we could read it: not counted; GetMetricData "
        "only for a Lambda alarm's own metric)"
        if setup.backend == n.BACKEND_OTEL
        else f"one GetMetricData of {NOTIFIER_METRICS_READ} metrics"
    )
    notes.append(
        f"Notifier: {scenario.transitions_per_day:g} alarm transitions a day (--transitions-per-day), each one "
        f"run of {NOTIFIER_SECONDS:g} s at {NOTIFIER_MEMORY_MB} MB (stated), {read}, {NOTIFIER_PUBLISHES} SNS "
        "publishes and an email per subscriber."
    )
    if setup.skip_idle:
        notes.append(
            f"Idle skipping: each queue is busy {scenario.hours_open:g} hours a day and idle (closed or unstaffed, "
            "with nothing waiting, scheduled or being delivered) the rest; the health metrics go out every poll."
        )
    free, free_items = _free_tier(lines)
    return Estimate(setup, scenario, tuple(lines), tuple(notes), free, free_items)


def compare(setup: Setup, scenario: Scenario, *, hours_open: float = COMPARED_HOURS_OPEN) -> tuple[Option, ...]:
    """The same environment with every metric, with `essential`, and `essential` with idle
    queues skipped for all but `hours_open` hours a day."""
    essential = tuple(n.METRIC_PROFILES[n.PROFILE_ESSENTIAL])
    options = (
        ("all metrics", replace(setup, metrics=n.QUEUE_METRIC_NAMES, skip_idle=False), scenario),
        ("essential", replace(setup, metrics=essential, skip_idle=False), scenario),
        (
            f"essential, idle skipped ({hours_open:g} h a day open)",
            replace(setup, metrics=essential, skip_idle=True),
            replace(scenario, hours_open=hours_open),
        ),
    )
    return tuple(Option(label, estimate(s, c)) for label, s, c in options)


def describe(setup: Setup) -> str:
    """The settings that drive the bill, in a few words."""
    profile = next((p for p, chosen in n.METRIC_PROFILES.items() if tuple(chosen) == setup.metrics), None)
    metrics = (
        f"all {len(setup.metrics)} metrics"
        if profile == n.PROFILE_ALL
        else f"{profile} ({len(setup.metrics)} metrics)"
        if profile
        else f"{len(setup.metrics)} metrics ({', '.join(setup.metrics)})"
    )
    parts = [metrics, f"polled every {minutes(setup.poll_rate_minutes)}"]
    if setup.skip_idle:
        parts.append("idle queues skipped")
    if setup.backend != n.DEFAULT_METRICS_BACKEND:
        parts.append(f"backend {setup.backend}")
    return ", ".join(parts)


# --- helpers ------------------------------------------------------------------------------------------
def _check(setup: Setup, scenario: Scenario) -> None:
    if scenario.queues < 1:
        raise ValueError(f"queues must be at least 1, got {scenario.queues}")
    if not 0 <= scenario.hours_open <= 24:
        raise ValueError(f"hours open must be between 0 and 24, got {scenario.hours_open:g}")
    if scenario.transitions_per_day < 0:
        raise ValueError(f"transitions per day must not be negative, got {scenario.transitions_per_day:g}")
    if scenario.poll_seconds is not None and scenario.poll_seconds <= 0:
        raise ValueError(f"poll seconds must be more than 0, got {scenario.poll_seconds:g}")
    if scenario.otlp_gb_price < 0:
        raise ValueError(f"the OTLP price per GB must not be negative, got {scenario.otlp_gb_price:g}")
    if setup.poll_rate_minutes < 1:
        raise ValueError(f"poll rate must be at least 1 minute, got {setup.poll_rate_minutes}")
    if setup.backend not in n.METRICS_BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(n.METRICS_BACKENDS)}, got {setup.backend!r}")
    unknown = [m for m in setup.metrics if m not in n.QUEUE_METRIC_NAMES]
    if unknown or not setup.metrics:
        raise ValueError(f"metrics must be per-queue metric names, got {', '.join(unknown) or 'none'}")


def _poll_seconds(scenario: Scenario, datums: int) -> float:
    if scenario.poll_seconds is not None:
        return scenario.poll_seconds
    vcpu = min(1.0, POLLER_MEMORY_MB / LAMBDA_FULL_VCPU_MB)
    return POLL_NETWORK_SECONDS + datums * POLL_CPU_SECONDS_PER_DATUM / vcpu


def _seconds_between_key_reads(setup: Setup) -> float:
    """The key is read on the first poll after its cached copy expires."""
    interval = setup.poll_rate_minutes * 60
    return max(1, math.ceil(setup.api_key_max_age_seconds / interval)) * interval


def _free_tier(lines: Sequence[Line]) -> tuple[float, tuple[str, ...]]:
    """Free tiers apply per price across lines (the poller and notifier share Lambda's)."""
    quantities: dict[str, float] = {}
    prices: dict[str, Price] = {}
    for line in lines:
        quantities[line.price.key] = quantities.get(line.price.key, 0.0) + line.quantity
        prices[line.price.key] = line.price
    saved = {key: prices[key].free_tier_value(q) for key, q in quantities.items() if prices[key].free}
    items = tuple(f"{prices[key].free_text} {usd(value)}" for key, value in saved.items() if value >= 0.005)
    return sum(saved.values()), items


def _share(active: float) -> str:
    return "" if active >= 1 else f" × {active:.0%} of the month"


def minutes(rate: int) -> str:
    return "minute" if rate == 1 else f"{rate} minutes"


def usd(value: float) -> str:
    if 0 < value < 0.005:
        return "<$0.01"
    return f"${value:,.2f}"


def usd_exact(value: float) -> str:
    """A unit price with as many decimals as it has (e.g. $0.0000133334)."""
    text = f"{value:.10f}".rstrip("0")
    whole, _, decimals = text.partition(".")
    return f"${int(whole):,}.{decimals.ljust(2, '0')}"


def number(value: float) -> str:
    if value >= 100 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:,.3g}" if value < 1 else f"{value:,.1f}"
