"""Properties of the parser, for any input: it either returns only values that are present, valid
and unchanged in the input, or fails with the project's own ResponseError; never another error.

Examples per run: 400 + 300 + 300 + 200 = 1,200 (see EXAMPLES). The expected values come from
tests/faults/oracle.py, the contract written out independently of the parser.
"""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from queue_stats import names as n
from queue_stats.errors import ResponseError
from queue_stats.model import ParsedResponse, parse_body, parse_records
from tests.faults.oracle import COUNT_FIELDS, bad_fields, escaped, expected_values

EXAMPLES = {"records": 400, "any_json": 300, "mutated_text": 300, "any_bytes": 200}
NUMERIC_FIELDS = [m.field for m in n.COUNT_METRICS]
STATES = ["OPERATING_HOURS_OPEN", "OPERATING_HOURS_CLOSED", "FORCED_OPEN", "FORCED_CLOSED", "OPERATING_HOURS_UNKNOWN"]
IDS = ["email-care", "sms-care", "arn:aws:connect:us-east-1:1:instance/i/queue/q", "Zürich-é", "日本", " ", ""]


def _settings(name: str) -> Any:
    return settings(max_examples=EXAMPLES[name], deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- strategies ----------------------------------------------------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**60), max_value=2**60),
    st.sampled_from([0, 1, 2**53, 2**53 + 1, -1, 10**30]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 2.5, 1e-300, 2.0**-360, 5e-324, 1e300, 26.0]),
    st.text(max_size=20),
)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=30,
)
# Numbers a real answer has, and everything a broken one might put in their place.
field_values = st.one_of(
    st.integers(min_value=0, max_value=500),
    st.integers(min_value=0, max_value=2**53),
    st.floats(min_value=0, max_value=10**6),
    json_values,
)
queue_ids = st.one_of(st.sampled_from(IDS), st.text(max_size=12), json_values, st.just("q" * 1025))
names = st.one_of(st.text(max_size=30), st.just("n" * 1500), st.none(), json_values)


@st.composite
def records(draw: st.DrawFn) -> Any:
    """A record shaped like the vendor's, with any field possibly missing, broken or replaced."""
    if draw(st.integers(0, 19)) == 0:
        return draw(json_values)  # not even an object
    record: dict[str, Any] = {}
    if draw(st.integers(0, 9)):
        info: Any = {"queueId": draw(queue_ids), "queueName": draw(names)}
        for key in ("deliveryProvider", "taskType"):
            if draw(st.booleans()):
                info[key] = draw(st.sampled_from(["AMAZON", "SYMBEE", "EMAIL"]) | json_values)
        if draw(st.integers(0, 9)) == 0:
            info = draw(json_values)
        record["queueInfo"] = info
    if draw(st.integers(0, 4)):
        record["openClosedState"] = draw(st.sampled_from(STATES) | st.text(max_size=20) | json_values)
    for field in NUMERIC_FIELDS:
        if draw(st.integers(0, 7)):
            record[field] = draw(field_values)
    return record


responses = st.lists(records(), max_size=8)


# --- the property ----------------------------------------------------------------------------------


def check(parsed: ParsedResponse, data: Any) -> None:
    """Everything published is present, valid and unchanged in `data`; nothing is lost unreported."""
    assert isinstance(data, list)
    kept: dict[int, Any] = {}
    for queue in parsed.queues:
        # its record: the first one with a usable id that CloudWatch will see as this queue's
        index = next(
            i
            for i, r in enumerate(data)
            if isinstance(r, dict)
            and isinstance(r.get("queueInfo"), dict)
            and isinstance(r["queueInfo"].get("queueId"), str)
            and escaped(r["queueInfo"]["queueId"]) == escaped(queue.queue_id)
        )
        record, info = data[index], data[index]["queueInfo"]
        assert index not in kept
        kept[index] = queue
        assert info["queueId"] == queue.queue_id
        assert queue.queue_id.strip()
        assert len(escaped(queue.queue_id)) <= n.MAX_DIMENSION_VALUE  # usable whole, never cut
        name = info.get("queueName")
        if isinstance(name, str) and name.strip():
            assert queue.queue_name == name[: n.MAX_DIMENSION_VALUE]
        else:
            assert queue.queue_name == queue.queue_id
        # every value is exactly the contract's, the very value the input holds
        expected = expected_values(record)
        assert dict(queue.values) == expected
        for metric, value in queue.values.items():
            assert type(value) is type(expected[metric])
            assert not isinstance(value, bool)
            assert math.isfinite(value)
            assert value == 0 or 2.0**-360 <= abs(value) <= 2**53
        # and every field not published is reported, naming the field
        reported = {p.field for p in parsed.problems if p.index == index}
        assert set(bad_fields(record)) <= reported
    for problem in parsed.problems:
        assert 0 <= problem.index < len(data)
        if problem.field in COUNT_FIELDS or problem.field == "oldestItem":
            # a valid value is never called invalid
            assert problem.index not in kept or problem.field in bad_fields(data[problem.index])
    # a record that published nothing is reported
    reported_records = {p.index for p in parsed.problems}
    for index in range(len(data)):
        assert index in kept or index in reported_records


def parse_or_refuse(data: Any) -> None:
    try:
        parsed = parse_records(data)
    except ResponseError:
        assert not isinstance(data, list)
        return
    check(parsed, data)


@_settings("records")
@given(responses)
def test_any_mix_of_good_and_bad_records_publishes_only_what_the_contract_allows(data: list[Any]) -> None:
    check(parse_records(data), data)


@_settings("any_json")
@given(json_values)
@example([{"queueInfo": {"queueId": "q"}, "agentsStaffed": float("nan"), "oldestItem": 1e-300}])
def test_any_json_value_is_parsed_or_refused_with_our_own_error(data: Any) -> None:
    parse_or_refuse(data)


@_settings("mutated_text")
@given(responses, st.data())
@example([], None)
def test_a_mutated_valid_answer_is_parsed_or_refused_with_our_own_error(data: list[Any], edits: Any) -> None:
    text = json.dumps(data)
    if edits is not None:
        for _ in range(edits.draw(st.integers(1, 3))):
            at = edits.draw(st.integers(0, len(text)))
            cut = edits.draw(st.integers(0, 3))
            text = (
                text[:at]
                + edits.draw(st.sampled_from(["", "{", "]", '"', ",", "-", "0", "e9", "NaN", "\\"]))
                + text[at + cut :]
            )
    try:
        parsed = parse_body(text.encode())
    except ResponseError:
        return
    check(parsed, json.loads(text))


@_settings("any_bytes")
@given(st.binary(max_size=200))
@example(b"[" * 50_000 + b"]" * 50_000)
@example(b'[{"queueInfo": {"queueId": "q"}, "agentsStaffed": 1' + b"0" * 5000 + b"}]")
@example(b"\xff\xfe[]")
def test_any_bytes_are_parsed_or_refused_with_our_own_error(body: bytes) -> None:
    try:
        parsed = parse_body(body)
    except ResponseError:
        return
    check(parsed, json.loads(body, parse_int=lambda s: int(s) if len(s) <= 20 else float(s)))
