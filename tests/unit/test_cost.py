"""The cost model: each line item follows from the configuration and the unit prices, as a user
reading the bill would check it."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from queue_stats import cost, otlp_size
from queue_stats import names as n
from queue_stats.alerts import Alert, parse_event
from queue_stats.cost import PRICES, QueueAlarm, Scenario, Setup, estimate
from queue_stats.metrics import MAX_DATUMS_PER_REQUEST
from queue_stats.promql_reader import range_params
from queue_stats.readings import queries
from tests.fixtures import event

POLLS = 43_800  # a 730-hour month, one poll a minute
ESSENTIAL = tuple(n.METRIC_PROFILES[n.PROFILE_ESSENTIAL])


def line(est: cost.Estimate, item: str) -> cost.Line:
    return next(line for line in est.lines if line.item == item)


def items(est: cost.Estimate) -> list[str]:
    return [line.item for line in est.lines]


def test_every_metric_of_every_queue_is_a_metric_month_plus_the_health_metrics() -> None:
    # Given the defaults and 100 queues
    # When the bill is estimated
    metrics = line(estimate(Setup(), Scenario(100)), "custom metrics")
    # Then 12 metrics per queue and 4 health metrics are billed all month at $0.30
    assert metrics.quantity == 100 * 12 + 4
    assert metrics.monthly == pytest.approx(1_204 * 0.30)


def test_the_metric_tiers_apply_above_ten_thousand_metrics() -> None:
    # Given the custom-metric price
    price = PRICES["metric"]
    # When more than 1,000,000 metric-months are priced
    # Then each tier charges its own units
    assert price.cost(12_004) == pytest.approx(10_000 * 0.30 + 2_004 * 0.10)
    assert price.cost(1_000_010) == pytest.approx(3_000 + 24_000 + 37_500 + 10 * 0.02)


def test_put_metric_data_requests_are_the_pollers_batches() -> None:
    # Given 1,000 queues with every metric: 12,004 datums a poll
    # When the bill is estimated
    requests = line(estimate(Setup(), Scenario(1_000)), "PutMetricData requests")
    # Then each poll sends ceil(datums / 1,000) requests, at $0.01 per 1,000
    assert requests.quantity == POLLS * math.ceil(12_004 / MAX_DATUMS_PER_REQUEST)
    assert requests.monthly == pytest.approx(POLLS * 13 / 1_000 * 0.01)


def test_essential_publishes_seven_metrics_per_queue() -> None:
    # Given the essential profile
    # When 100 queues are priced
    metrics = line(estimate(Setup(metrics=ESSENTIAL), Scenario(100)), "custom metrics")
    # Then 7 metrics per queue are billed
    assert metrics.quantity == 100 * 7 + 4


def test_idle_skipping_bills_queue_metrics_for_the_open_hours_only() -> None:
    # Given idle skipping and queues busy 10 hours a day
    setup = Setup(metrics=ESSENTIAL, skip_idle=True)
    # When 100 queues are priced
    metrics = line(estimate(setup, Scenario(100, hours_open=10)), "custom metrics")
    # Then queue metrics count for 10/24 of the month, and 5 health metrics (QueuesIdle too) all month
    assert metrics.quantity == pytest.approx(100 * 7 * 10 / 24 + 5)


def test_idle_skipping_prorates_the_alarms_and_says_it_is_an_assumption() -> None:
    # Given idle skipping and queues busy 6 hours a day
    est = estimate(Setup(skip_idle=True), Scenario(100, hours_open=6))
    # When the alarm line is read
    alarms = line(est, "Metrics Insights alarms")
    # Then 4 alarms over 100 queues count for a quarter of the month, and the note prices the other case
    assert alarms.quantity == pytest.approx(400 / 4)
    assert any("Assumed, not confirmed" in note and "add $30.00" in note for note in est.assumptions)


def test_an_alarm_on_a_metric_that_is_not_published_costs_nothing() -> None:
    # Given only ItemsInQueue published
    setup = Setup(metrics=(n.METRIC_ITEMS_IN_QUEUE,))
    # When 100 queues are priced
    alarms = line(estimate(setup, Scenario(100)), "Metrics Insights alarms")
    # Then only the alarm that reads it is priced
    assert alarms.quantity == 100


def test_an_override_moves_its_queue_to_an_alarm_of_its_own() -> None:
    # Given one alarm kind with two overridden queues, one of them switched off
    setup = Setup(queue_alarms=(QueueAlarm(n.METRIC_ITEMS_IN_QUEUE, excluded=2, own=1),))
    # When 100 queues are priced
    alarms = line(estimate(setup, Scenario(100)), "Metrics Insights alarms")
    # Then the fleet alarm analyses 98 queues and the override 1
    assert alarms.quantity == 99


def test_a_switched_off_fleet_alarm_analyses_nothing() -> None:
    # Given every queue alarm switched off
    setup = Setup(queue_alarms=tuple(QueueAlarm(m, fleet=False) for m in cost.DEFAULT_QUEUE_ALARM_METRICS))
    # When the bill is estimated
    est = estimate(setup, Scenario(100))
    # Then the alarms line reads 0 metrics analysed
    assert line(est, "Metrics Insights alarms").quantity == 0


def test_a_slower_poll_rate_does_not_lower_the_metric_charge() -> None:
    # Given polls every 5 minutes
    slow = estimate(Setup(poll_rate_minutes=5), Scenario(100))
    fast = estimate(Setup(), Scenario(100))
    # When the two are compared
    # Then the metrics cost the same and the invocations are a fifth
    assert line(slow, "custom metrics").monthly == line(fast, "custom metrics").monthly
    assert line(slow, "poller: Lambda requests").quantity == POLLS / 5


@pytest.mark.parametrize(("rate", "reads"), [(1, POLLS / 5), (10, POLLS / 10)])
def test_the_key_is_read_once_per_max_age_or_once_per_poll(rate: int, reads: float) -> None:
    # Given the key cached 300 s and polls every `rate` minutes
    est = estimate(Setup(poll_rate_minutes=rate), Scenario(10))
    # When the Secrets Manager line is read
    # Then it is read on the first poll after the cache expires
    assert line(est, "Secrets Manager GetSecretValue").quantity == pytest.approx(reads)


def test_a_measured_poll_duration_replaces_the_estimate() -> None:
    # Given a Billed Duration of 0.4 s read from the function's REPORT lines
    est = estimate(Setup(), Scenario(100, poll_seconds=0.4))
    # When the compute line is read
    # Then it is every poll at that duration and the poller's memory
    assert line(est, "poller: Lambda compute").quantity == pytest.approx(POLLS * 0.4 * n.POLLER_MEMORY_MB / 1024)


def test_the_opentelemetry_backend_bills_no_classic_metric() -> None:
    # Given the OTLP backend alone / When the bill is estimated
    est = estimate(Setup(backend=n.BACKEND_OTEL), Scenario(100))
    # Then no custom metric, PutMetricData request or Metrics Insights alarm is billed
    assert not {"custom metrics", "PutMetricData requests", "Metrics Insights alarms"} & set(items(est))


def test_the_opentelemetry_backend_lists_its_promql_alarms_as_unknown() -> None:
    # Given the OTLP backend alone
    est = estimate(Setup(backend=n.BACKEND_OTEL), Scenario(100))
    # Then the 4 queue alarms and No successful poll are PromQL alarms, priced as unknown, and only
    # the two alarms on Lambda's own metrics stay standard (the notifier's queries are unknown too)
    assert est.unknown == ("PromQL alarms", "notifier: PromQL queries")
    assert line(est, "PromQL alarms").quantity == 5
    assert line(est, "standard alarms").quantity == 2


def test_ingestion_is_the_encoders_bytes_per_point_at_the_price_per_gb() -> None:
    # Given the OTLP backend at the other published price, $0.08 per GB
    est = estimate(Setup(backend=n.BACKEND_OTEL), Scenario(100, otlp_gb_price=0.08))
    size = otlp_size.point_size(n.QUEUE_METRIC_NAMES, "prod")
    # When the ingestion line is read
    ingest = line(est, "OpenTelemetry metrics ingestion")
    # Then it is every queue point and health point at its measured size, in GB, at that price
    assert ingest.quantity == pytest.approx(POLLS * (100 * 12 * size.queue_point + 4 * size.health_point) / 1e9)
    assert ingest.monthly == pytest.approx(ingest.quantity * 0.08)


def test_both_backends_add_ingestion_and_shadow_alarms_to_the_classic_bill() -> None:
    # Given both backends
    both = estimate(Setup(backend=n.BACKEND_BOTH), Scenario(100))
    # When compared with CloudWatch alone
    classic = estimate(Setup(), Scenario(100))
    # Then the known total is the classic one plus ingestion, and the shadows' price is unknown
    assert both.total == pytest.approx(classic.total + (line(both, "OpenTelemetry metrics ingestion").monthly or 0))
    assert both.unknown == ("PromQL shadow alarms",)


def test_the_default_otlp_price_is_the_third_party_figure_named_as_such() -> None:
    price = PRICES["otlp_ingest"]
    assert price.text == "$0.50 per GB"
    assert "third-party" in price.checked
    assert "--otlp-gb-price" in price.checked


def test_the_free_tier_is_counted_once_across_the_poller_and_the_notifier() -> None:
    # Given a setup whose Lambda use is far below the free tier
    est = estimate(Setup(), Scenario(10))
    # When the free tier is valued
    lambda_cost = sum(line.monthly or 0 for line in est.lines if line.price.key.startswith("lambda"))
    # Then it takes off 10 metrics at $0.30 and never more than an item costs
    assert "10 metrics $3.00" in est.free_tier_items
    assert est.free_tier <= est.total
    assert any(item.startswith("400,000 GB-seconds") for item in est.free_tier_items)
    assert est.free_tier >= 3.00 + 3.00 + 0.30 + lambda_cost - 0.01


def test_per_queue_is_the_total_over_the_queues() -> None:
    est = estimate(Setup(), Scenario(250))
    assert est.per_queue == pytest.approx(est.total / 250)


def test_the_issues_reference_figures_hold() -> None:
    # Given the figures the issue quotes for the defaults: about $406 at 100 queues, $3,600 at 1,000
    # When estimated
    # Then they agree within a few dollars (the notifier and rounding differ)
    assert estimate(Setup(), Scenario(100)).total == pytest.approx(406, abs=5)
    assert estimate(Setup(), Scenario(1_000)).total == pytest.approx(3_600, rel=0.01)


def test_the_compared_options_get_cheaper_in_order() -> None:
    # Given 100 queues
    options = cost.compare(Setup(), Scenario(100))
    # When the three options are priced
    totals = [option.estimate.total for option in options]
    # Then essential is cheaper than every metric, and idle skipping cheaper still
    assert [o.label for o in options][:2] == ["all metrics", "essential"]
    assert totals == sorted(totals, reverse=True)
    assert options[2].estimate.scenario.hours_open == cost.COMPARED_HOURS_OPEN


@pytest.mark.parametrize(
    ("setup", "scenario", "message"),
    [
        (Setup(), Scenario(0), "queues must be at least 1"),
        (Setup(), Scenario(10, hours_open=25), "hours open must be between 0 and 24"),
        (Setup(), Scenario(10, poll_seconds=0), "poll seconds must be more than 0"),
        (Setup(metrics=("Nope",)), Scenario(10), "metrics must be per-queue metric names, got Nope"),
        (Setup(backend="x"), Scenario(10), "backend must be one of"),
    ],
)
def test_impossible_inputs_are_refused_by_name(setup: Setup, scenario: Scenario, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        estimate(setup, scenario)


def test_every_price_names_its_source_and_how_it_was_checked() -> None:
    for price in PRICES.values():
        assert price.source.startswith("https://aws.amazon.com/"), price.key
        assert price.checked, price.key


def test_unknown_prices_stay_unknown() -> None:
    # Given the PromQL alarm price, which no source we could read states
    # When any quantity is priced
    # Then it is None, never 0
    assert PRICES["promql_alarm"].cost(5.0) is None
    assert PRICES["promql_alarm"].text == "unknown"


def test_the_price_text_lists_the_tiers() -> None:
    assert PRICES["metric"].text == (
        "$0.30 first 10,000, $0.10 next 240,000, $0.05 next 750,000, $0.02 over 1,000,000 per metric-month"
    )
    assert PRICES["lambda_arm_gb_seconds"].text == "$0.0000133334 per GB-second"
    assert PRICES["put_metric_data"].text == "$0.01 per 1,000 requests"


def test_a_transition_is_priced_at_the_metrics_the_notifier_reads() -> None:
    # Given the notifier's own GetMetricData queries for a queue alarm's transition
    alert = parse_event(event("queue_alarm"))
    assert isinstance(alert, Alert)
    # Then the model prices that many metrics per transition
    assert len(queries(alert, environment="prod", namespace=n.DEFAULT_NAMESPACE)) == cost.NOTIFIER_METRICS_READ


def test_with_otel_the_notifier_reads_over_promql_at_an_unknown_price() -> None:
    # Given the OTLP backend alone, polled every minute
    est = estimate(Setup(backend=n.BACKEND_OTEL), Scenario(10, transitions_per_day=100))
    reads = line(est, "notifier: PromQL queries")
    # Then each transition scans each series' sample of every minute read, priced as unknown
    assert reads.quantity == pytest.approx(100 * cost.DAYS_PER_MONTH * cost.NOTIFIER_PROMQL_MINUTES * 10)
    assert (reads.monthly, reads.price.text) == (None, "unknown")
    assert "notifier: GetMetricData" not in [item.item for item in est.lines]


def test_with_both_backends_the_notifier_still_reads_with_getmetricdata() -> None:
    est = estimate(Setup(backend=n.BACKEND_BOTH), Scenario(10))
    assert line(est, "notifier: GetMetricData").monthly is not None
    assert "notifier: PromQL queries" not in [item.item for item in est.lines]


def test_the_promql_minutes_priced_are_the_steps_the_reader_asks_for() -> None:
    alert = parse_event(event("queue_alarm"), escaped_labels=False)
    assert isinstance(alert, Alert)
    params = range_params(alert, environment="prod", now=datetime(2026, 9, 23, 19, 55, 12, tzinfo=UTC))
    steps = (int(params["end"]) - int(params["start"])) // int(params["step"]) + 1
    assert steps == cost.NOTIFIER_PROMQL_MINUTES


def test_the_notifiers_own_alarms_are_priced_as_standard_alarms() -> None:
    est = estimate(Setup(), Scenario(10))
    assert (line(est, "notifier: its own alarms").quantity, line(est, "notifier: its own alarms").price.key) == (
        cost.NOTIFIER_ALARMS,
        "standard_alarm",
    )
