"""The contract's publishing rules, written out a second time and independently of the product's
parser, so tests can say what must be published for any input record.

CONTRACT.md: a value is published only when present and valid; `QueueOpen` is 1/0 for OPEN/CLOSED
states; `OldestItemAge` is not published for 0 while items wait (or their count is unknown);
`UnattendedItems` is the waiting count when nobody is available and the queue is not closed.
CloudWatch itself stores no value between 0 and 2^-360 and none beyond 2^360.
"""

from __future__ import annotations

import math
from typing import Any

from queue_stats import names as n

MAX_COUNT = 2**53
CLOUDWATCH_MIN = 2.0**-360
_OLDEST = "oldestItem"
COUNT_FIELDS = {m.field: m.name for m in n.COUNT_METRICS if m.field != _OLDEST}


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def valid_count(value: object) -> bool:
    if not is_number(value):
        return False
    assert isinstance(value, int | float)
    return (
        math.isfinite(value)
        and 0 <= value <= MAX_COUNT
        and float(value).is_integer()
        and (value == 0 or value >= CLOUDWATCH_MIN)
    )


def valid_age(value: object) -> bool:
    if not is_number(value):
        return False
    assert isinstance(value, int | float)
    return math.isfinite(value) and 0 <= value <= MAX_COUNT and (value == 0 or value >= CLOUDWATCH_MIN)


def open_state(state: object) -> int | None:
    if not isinstance(state, str):
        return None
    words = state.upper().split("_")
    return 1 if "OPEN" in words else 0 if "CLOSED" in words else None


def expected_values(record: dict[str, Any]) -> dict[str, Any]:
    """metric name -> the value that must be published for this (usable) record."""
    out: dict[str, Any] = {}
    for field, metric in COUNT_FIELDS.items():
        if field in record and valid_count(record[field]):
            out[metric] = record[field]
    state = open_state(record.get("openClosedState"))
    if state is not None:
        out[n.METRIC_QUEUE_OPEN] = state
    waiting = out.get(n.METRIC_ITEMS_IN_QUEUE)
    if _OLDEST in record and valid_age(record[_OLDEST]) and (record[_OLDEST] != 0 or waiting == 0):
        out[n.METRIC_OLDEST_ITEM_AGE] = record[_OLDEST]
    available = out.get(n.METRIC_AGENTS_AVAILABLE)
    if waiting is not None and available is not None:
        out[n.METRIC_UNATTENDED_ITEMS] = waiting if available == 0 and state != 0 else 0
    return out


def bad_fields(record: dict[str, Any]) -> list[str]:
    """The numeric fields of a usable record that must be skipped and counted."""
    bad = [field for field in COUNT_FIELDS if not (field in record and valid_count(record[field]))]
    if not (_OLDEST in record and valid_age(record[_OLDEST])):
        bad.append(_OLDEST)
    return bad


def dimension(text: str) -> str:
    """What CloudWatch can store of a queue's name: `escaped`, cut to 1,024 characters."""
    return escaped(text)[: n.MAX_DIMENSION_VALUE]


def escaped(text: str) -> str:
    """Printable ASCII as it is, every other character as a Python-style escape."""
    if text.isascii() and text.isprintable():
        return text
    out = []
    for char in text:
        code = ord(char)
        if 0x20 <= code < 0x7F:
            out.append(char)
        elif code < 0x100:
            out.append(f"\\x{code:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return "".join(out)
