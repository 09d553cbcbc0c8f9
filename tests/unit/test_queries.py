"""The dashboard's query text: Metrics Insights, SEARCH and Logs Insights, spelled out once here as
CloudWatch expects it (the product builds it from the shared names)."""

from __future__ import annotations

from infra import queries

NS = "SymbeeConnect/Queues"
SCHEMA = 'SCHEMA("SymbeeConnect/Queues", Environment, QueueId, QueueName)'
SEARCH_SCHEMA = '{"SymbeeConnect/Queues",Environment,QueueId,QueueName}'


def test_a_total_over_every_queue_is_one_series() -> None:
    # When the items waiting of every queue of prod are added up
    query = queries.queue_total_query(namespace=NS, environment="prod", metric="ItemsInQueue", function="SUM")
    # Then it is one ungrouped Metrics Insights query over the queue schema
    assert query == f"SELECT SUM(ItemsInQueue) FROM {SCHEMA} WHERE Environment = 'prod'"


def test_top_queues_are_ranked_worst_first_and_limited() -> None:
    query = queries.top_queues_query(namespace=NS, environment="prod", metric="OldestItemAge", function="MAX", limit=10)
    # Then one series per queue name, the highest first, at most 10
    assert query == (
        f"SELECT MAX(OldestItemAge) FROM {SCHEMA} WHERE Environment = 'prod' "
        "GROUP BY QueueName ORDER BY MAX() DESC LIMIT 10"
    )


def test_search_for_every_queue_or_one_named_queue() -> None:
    every = queries.queue_search(
        namespace=NS, environment="prod", metric="AgentsStaffed", statistic="Maximum", period_seconds=300
    )
    one = queries.queue_search(
        namespace=NS,
        environment="prod",
        metric="AgentsStaffed",
        statistic="Maximum",
        period_seconds=300,
        queue_name="Billing",
    )
    assert every == f"SEARCH('{SEARCH_SCHEMA} MetricName=\"AgentsStaffed\" Environment=\"prod\"', 'Maximum', 300)"
    # The name is matched exactly (quoted), so "Billing" does not also find "Billing Premium".
    assert one == every.replace('Environment="prod"', 'Environment="prod" QueueName="Billing"')


def test_counting_series_above_zero() -> None:
    assert queries.count_above_zero("SEARCH('x', 'Maximum', 60)") == "SUM(SEARCH('x', 'Maximum', 60) > 0)"


def test_log_lines_newest_first() -> None:
    query = queries.log_lines_query(containing='Poll "failed":', fields=("message",), limit=20)
    assert query.splitlines() == [
        "fields @timestamp, message",
        '| filter @message like "Poll \\"failed\\":"',
        "| sort @timestamp desc",
        "| limit 20",
    ]
