"""The billed size of an OTLP data point, measured with the poller's encoder: it follows the
labels and names actually sent, so the cost of the OpenTelemetry path cannot drift from the wire."""

from __future__ import annotations

from queue_stats import names as n
from queue_stats.otlp_size import TYPICAL_QUEUES, point_size


def test_every_byte_of_the_environment_label_is_billed_on_every_point() -> None:
    # Given the same metrics in an environment named 6 characters longer
    short, long = point_size(n.QUEUE_METRIC_NAMES, "prod"), point_size(n.QUEUE_METRIC_NAMES, "production")
    # Then every point, queue or health, is 6 bytes bigger
    assert long.queue_point - short.queue_point == 6
    assert long.health_point - short.health_point == 6


def test_the_metric_names_sent_are_what_is_measured() -> None:
    # Given one metric with a short name, and one with a long name
    short = point_size((n.METRIC_QUEUE_OPEN,), "prod").queue_point
    long = point_size((n.METRIC_ITEMS_BEING_DELIVERED,), "prod").queue_point
    # Then the difference is the names' length difference, and the units' (1 vs {Count})
    unit_difference = len("{Count}") - len("1")
    assert long - short == len(n.METRIC_ITEMS_BEING_DELIVERED) - len(n.METRIC_QUEUE_OPEN) + unit_difference


def test_a_queue_point_carries_its_ids_names_and_the_resource() -> None:
    # Given the typical queues / Then a point costs at least its labels and the resource attribute
    size = point_size((n.METRIC_QUEUE_OPEN,), "prod").queue_point
    labels = sum(
        len(q.queue_id) + len(q.queue_name) + len(q.delivery_provider) + len(q.task_type) for q in TYPICAL_QUEUES
    ) / len(TYPICAL_QUEUES)
    assert size > labels + len("service.name") + len(n.PRODUCT) + 16  # timestamp and value: 8 bytes each
