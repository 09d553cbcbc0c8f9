"""The parser's fast path (msgspec into typed records) against its general path (json, field by
field): for any answer the fast path accepts, both give exactly the same queues, values (with their
types), names and problems; and a clean answer really takes the fast path.

Examples per run: 400 + 300 = 700 (see EXAMPLES).
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from queue_stats import model
from queue_stats import names as n
from queue_stats.model import MAX_VALUE, MIN_POSITIVE_VALUE, ParsedResponse, parse_body
from symbee_sim import generate_queues, vendor_example

EXAMPLES = {"typed": 400, "broken": 300}
COUNT_FIELDS = [m.field for m in n.COUNT_METRICS if m.name != n.METRIC_OLDEST_ITEM_AGE]
STATES = ["OPERATING_HOURS_OPEN", "OPERATING_HOURS_CLOSED", "FORCED_OPEN", "FORCED_CLOSED", "OPERATING_HOURS_UNKNOWN"]


def _settings(name: str) -> Any:
    return settings(max_examples=EXAMPLES[name], deadline=None, suppress_health_check=[HealthCheck.too_slow])


def typed_view(parsed: ParsedResponse) -> Any:
    """Everything the poller reads from a parse, value types included (1 == 1.0, but int is not float)."""
    return (
        [
            (
                q.queue_id,
                q.queue_name,
                q.delivery_provider,
                q.task_type,
                q.open_state,
                [(k, type(v), v) for k, v in q.values.items()],
            )
            for q in parsed.queues
        ],
        parsed.problems,
    )


def assert_same_as_general(body: bytes) -> bool:
    """Compares the two paths on `body`; True when the fast path accepted it."""
    fast = model._parse_typed(body)
    if fast is None:
        return False
    assert typed_view(fast) == typed_view(model._parse_general(body))
    return True


# --- strategies: answers with the documented types, and the edges of every rule -------------------

counts = st.one_of(st.integers(0, 500), st.sampled_from([0, 1, MAX_VALUE - 1, MAX_VALUE]), st.integers(0, MAX_VALUE))
ages = st.one_of(
    counts,
    st.floats(min_value=0, max_value=MAX_VALUE),
    st.sampled_from([0.0, -0.0, 0.5, 5e-324, 1e-300, MIN_POSITIVE_VALUE, MIN_POSITIVE_VALUE / 2, float(MAX_VALUE)]),
)
texts = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["email-care", "Zürich-é", "日本", " ", "", "a\\b", 'q"1', "\x00\x1f", "😀"]),
    st.just("q" * 1024),
    st.just("q" * 1025),
    st.just("ü" * 255 + "a"),  # 1,021 characters once escaped to ASCII
    st.just("ü" * 256),  # 1,024 characters, 1,536 once escaped
)
ids = st.one_of(texts, st.sampled_from(["dup-1", "dup-2"]))  # the same id twice in one answer
optional_texts = st.one_of(st.none(), texts, st.just("n" * 1500))
any_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=10,
)


@st.composite
def typed_records(draw: st.DrawFn) -> dict[str, Any]:
    info: dict[str, Any] = {"queueId": draw(ids)}
    for key in ("queueName", "deliveryProvider", "taskType"):
        if draw(st.booleans()):
            info[key] = draw(optional_texts)
    if draw(st.integers(0, 4)) == 0:
        info["extra"] = draw(any_json)
    record: dict[str, Any] = {
        "queueInfo": info,
        "openClosedState": draw(st.sampled_from(STATES) | st.text(max_size=20)),
    }
    for field in COUNT_FIELDS:
        record[field] = draw(counts)
    record["oldestItem"] = draw(ages)
    if draw(st.integers(0, 4)) == 0:
        record["newVendorField"] = draw(any_json)
    keys = draw(st.permutations(list(record)))
    return {key: record[key] for key in keys}


@st.composite
def json_texts(draw: st.DrawFn, records: Any, shadows: Any) -> bytes:
    """The answer as the vendor might write it: any key order, escaped or raw Unicode, spacing,
    and now and then a key written twice (JSON keeps the last; `shadows` draws the first)."""
    data = draw(records)
    ascii_only = draw(st.booleans())
    separator = draw(st.sampled_from([(",", ":"), (", ", ": "), ("\n,", " :\t")]))
    parts = []
    for record in data:
        items = [
            f"{json.dumps(k, ensure_ascii=ascii_only)}{separator[1]}{json.dumps(v, ensure_ascii=ascii_only)}"
            for k, v in record.items()
        ]
        if items and draw(st.integers(0, 5)) == 0:
            key = draw(st.sampled_from(list(record)))
            items.insert(0, f"{json.dumps(key)}:{json.dumps(draw(shadows(key)))}")
        parts.append("{" + separator[0].join(items) + "}")
    return ("[" + separator[0].join(parts) + "]").encode()


@st.composite
def broken_records(draw: st.DrawFn) -> dict[str, Any]:
    """A typed record with one field dropped or replaced by anything."""
    record = draw(typed_records())
    key = draw(st.sampled_from([*record, "queueInfo.queueId", "queueInfo.queueName"]))
    target, name = (record["queueInfo"], key.split(".")[1]) if "." in key else (record, key)
    if draw(st.booleans()):
        target.pop(name, None)
    else:
        target[name] = draw(any_json | st.sampled_from([-1, MAX_VALUE + 1, 2.5, 1e300, True, "5"]))
    return record


def typed_shadow(key: str) -> Any:
    """A first value for `key` of the documented type: the decoder checks it too."""
    if key == "queueInfo":
        return st.just({"queueId": "shadowed"})
    if key == "openClosedState":
        return st.sampled_from(STATES)
    return ages if key == "oldestItem" else counts if key in COUNT_FIELDS else any_json


def any_shadow(key: str) -> Any:
    return any_json | counts | st.just({"queueId": "shadowed"})


# --- the properties --------------------------------------------------------------------------------


@_settings("typed")
@given(json_texts(st.lists(typed_records(), max_size=6), typed_shadow))
@example(b"[]")
def test_the_fast_path_gives_exactly_what_the_general_path_gives(body: bytes) -> None:
    # Given an answer whose records have the documented types (edges of every rule included)
    # When both paths parse it, Then the fast path accepted it and the results are identical
    assert assert_same_as_general(body)


@_settings("broken")
@given(json_texts(st.lists(typed_records() | broken_records(), min_size=1, max_size=6), any_shadow))
def test_whatever_the_fast_path_accepts_it_parses_exactly_as_the_general_path(body: bytes) -> None:
    # Given an answer with some records broken in any way
    # When the fast path accepts it, Then its result is the general path's, to the value type
    assert_same_as_general(body)


@pytest.mark.parametrize("queues", [1, 10, 1_000])
def test_the_simulators_answers_take_the_fast_path(queues: int) -> None:
    # Given what the simulator serves (the vendor's shapes, every state, provider and task type)
    body = json.dumps(generate_queues(queues, seed=7, now=time.time())).encode()
    # Then the fast path parses it, the same as the general path
    assert assert_same_as_general(body)


def test_the_vendors_example_takes_the_fast_path() -> None:
    assert assert_same_as_general(json.dumps(vendor_example()).encode())


@pytest.mark.parametrize(
    "body",
    [
        b'[{"queueInfo": {"queueId": "q"}, "openClosedState": "FORCED_OPEN", "agentsStaffed": NaN}]',
        b'[{"queueInfo": {"queueId": "q"}, "agentsStaffed": null}]',
        b'[{"queueInfo": {"queueId": "q"}, "oldestItem": 1e999}]',
        b'[{"queueInfo": {"queueId": "q"}}]',
        b'\xef\xbb\xbf[{"queueInfo": {"queueId": "q"}}]',
        '[{"queueInfo": {"queueId": "q"}}]'.encode("utf-16"),
    ],
    ids=["nan-literal", "null-count", "infinite-age", "fields-missing", "utf8-bom", "utf16"],
)
def test_what_json_accepts_and_the_typed_decoder_does_not_goes_the_general_way(body: bytes) -> None:
    # Given an answer Python's json reads but the fast path refuses
    # Then the fast path steps aside and parse_body still reads it, field by field
    assert model._parse_typed(body) is None
    parsed = parse_body(body)
    assert [q.queue_id for q in parsed.queues] == ["q"]
    assert parsed.problems
