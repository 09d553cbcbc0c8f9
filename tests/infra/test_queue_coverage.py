"""Which queue each synthesized queue alarm evaluates, by Metrics Insights' own WHERE semantics
(`label = 'value'`, `label != 'value'`, AND; single-quoted values with backslash escapes: the only
operators CloudWatch documents), evaluated here in Python over the queries the stack deploys.

- Every queue id, whatever its characters, is evaluated by exactly one alarm of each kind: the
  fleet alarm, or its override's own alarm; an override switched off is evaluated by none. So the
  fleet and override queries partition any set of queue ids, known at synth or not.
- Above 500 queues a query keeps the first 500 in its ORDER BY: each queue alarm orders by its
  own statistic, highest first, and fires on `>=`, so the queues it keeps are the ones nearest to
  breaching (README: "More than 500 queues")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infra.alarms import GREATER_OR_EQUAL
from queue_stats import names, rules
from tests.infra.conftest import DEFAULT_STACK, Synth, cdk_json_context, synthesize

OVERRIDES: dict[str, dict[str, Any]] = {
    "email-customer-care": {"oldestItemAge": {"threshold": 900}},
    "arn:aws:connect:us-east-1:123456789012:instance/0f3c-9a/queue/5d1e-77": {"itemsInQueue": {"threshold": 40}},
    "VIP (24×7) / callbacks": {"unattendedItems": {"minutes": 2}, "agentsInError": {"enabled": False}},
    "Zürich-support": {"oldestItemAge": {"enabled": False}, "itemsInQueue": {"minutes": 10}},
}
QUEUE_KINDS = ("OldestItemAge", "ItemsInQueue", "UnattendedItems", "AgentsInError")
pytestmark = pytest.mark.slow  # one synth of its own (seconds)


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    context = {**cdk_json_context(), "queueOverrides": OVERRIDES}
    return synthesize(context, Path(tmp_path_factory.mktemp("coverage")) / "cdk.out")


@dataclass(frozen=True)
class Condition:
    label: str
    equal: bool
    value: str


@dataclass(frozen=True)
class QueueQuery:
    alarm: str
    select_function: str
    where: tuple[Condition, ...]
    order_by: str

    def matches(self, dimensions: dict[str, str]) -> bool:
        return all((dimensions.get(c.label) == c.value) == c.equal for c in self.where)


_QUERY = re.compile(r"SELECT (\w+)\((\w+)\) FROM SCHEMA\(.*?\) WHERE (.*) GROUP BY .*? ORDER BY (\w+\(\) \w+)$")
_CONDITION = re.compile(r"(\w+) (=|!=) '((?:[^'\\]|\\.)*)'")


def parse_where(text: str) -> tuple[Condition, ...]:
    """`a = 'x' AND b != 'y\\'s'` as conditions, values unescaped as Metrics Insights reads them."""
    conditions, position = [], 0
    while True:
        match = _CONDITION.match(text, position)
        assert match, f"not a condition at {text[position:]!r}"
        value = re.sub(r"\\(.)", r"\1", match[3])
        conditions.append(Condition(match[1], match[2] == "=", value))
        position = match.end()
        if position == len(text):
            return tuple(conditions)
        assert text.startswith(" AND ", position), f"only AND joins conditions: {text[position:]!r}"
        position += len(" AND ")


def queue_queries(synth: Synth) -> dict[str, list[QueueQuery]]:
    """Every queue alarm's query in the synthesized template, by alarm kind."""
    found: dict[str, list[QueueQuery]] = {kind: [] for kind in QUEUE_KINDS}
    for resource in synth.resources(DEFAULT_STACK, "AWS::CloudWatch::Alarm").values():
        properties = resource["Properties"]
        for metric in properties.get("Metrics", []):
            match = _QUERY.fullmatch(metric["Expression"])
            assert match, metric["Expression"]
            found[match[2]].append(QueueQuery(properties["AlarmName"], match[1], parse_where(match[3]), match[4]))
    return found


def series(queue_id: str) -> dict[str, str]:
    """The dimensions the poller publishes for a queue of the stack's environment."""
    return {
        names.DIM_ENVIRONMENT: cdk_json_context()["environment"],
        names.DIM_QUEUE_ID: rules.dimension_value(queue_id),
    }


def expected_alarm(kind: str, queue_id: str) -> str | None:
    """The alarm that should evaluate `queue_id` for `kind`: its override's, the fleet's, or none."""
    override = OVERRIDES.get(queue_id, {}).get(kind[0].lower() + kind[1:])
    if override is None:
        return f"{DEFAULT_STACK}-{kind}"
    return None if override.get("enabled") is False else f"{DEFAULT_STACK}-{kind}-{queue_id}"


@pytest.fixture(scope="module")
def deployed_queries(synth: Synth) -> dict[str, list[QueueQuery]]:
    return queue_queries(synth)


def test_the_parser_reads_what_the_stack_writes(deployed_queries: dict[str, list[QueueQuery]]) -> None:
    # Given the fleet OldestItemAge query; Then it is the environment minus the overridden queues
    (fleet,) = [q for q in deployed_queries["OldestItemAge"] if q.alarm.endswith("-OldestItemAge")]
    assert fleet.where == (
        Condition(names.DIM_ENVIRONMENT, True, "prod"),
        Condition(names.DIM_QUEUE_ID, False, "email-customer-care"),
        Condition(names.DIM_QUEUE_ID, False, rules.dimension_value("Zürich-support")),
    )


QUEUE_IDS = st.one_of(
    st.from_regex(r"[a-z][a-z0-9-]{0,40}", fullmatch=True),  # Symbee skill queue ids
    st.builds(
        "arn:aws:connect:us-east-1:123456789012:instance/{}/queue/{}".format, st.uuids(), st.uuids()
    ),  # Amazon Connect queue ARNs
    st.text(min_size=1, max_size=60),  # anything else the API might send, quotes and backslashes too
    st.sampled_from(sorted(OVERRIDES)),
)


@settings(max_examples=300, deadline=None)
@given(queue_id=QUEUE_IDS)
def test_each_queue_is_evaluated_by_exactly_the_alarm_meant_for_it(
    deployed_queries: dict[str, list[QueueQuery]], queue_id: str
) -> None:
    # Given the deployed queue alarms of every kind, and any queue of the environment
    for kind, alarms in deployed_queries.items():
        # When Metrics Insights matches the queue's series against each alarm's WHERE
        matched = [q.alarm for q in alarms if q.matches(series(queue_id))]
        # Then exactly the alarm meant for it evaluates it (none when its override switched it off)
        wanted = expected_alarm(kind, queue_id)
        assert matched == ([] if wanted is None else [wanted]), (kind, queue_id)


def test_another_environments_queues_are_never_evaluated(deployed_queries: dict[str, list[QueueQuery]]) -> None:
    other = {names.DIM_ENVIRONMENT: "uat", names.DIM_QUEUE_ID: "email-customer-care"}
    assert [q.alarm for qs in deployed_queries.values() for q in qs if q.matches(other)] == []


def test_above_500_queues_each_alarm_keeps_the_ones_nearest_to_breaching(
    synth: Synth, deployed_queries: dict[str, list[QueueQuery]]
) -> None:
    # Given every queue alarm: it fires when its statistic is at or above the threshold
    templates = synth.resources(DEFAULT_STACK, "AWS::CloudWatch::Alarm").values()
    comparisons = {r["Properties"]["AlarmName"]: r["Properties"]["ComparisonOperator"] for r in templates}
    for alarms in deployed_queries.values():
        for query in alarms:
            assert comparisons[query.alarm] == GREATER_OR_EQUAL
            # Then it ranks the queues by that same statistic, highest first
            assert query.order_by == f"{query.select_function}() DESC", query.alarm
