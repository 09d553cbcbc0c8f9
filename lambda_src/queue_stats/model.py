"""The API's response as typed values: parsing, validation and the contract's rules. Pure.

Nothing fake is ever published: a value is kept only when it is present and valid, and every
field or record skipped is reported as a `Problem` so the poller can count and log it.

Two paths, one set of rules. An answer whose records all have the documented types and ranges is
decoded by msgspec straight into typed records, checked by the decoder itself (the fast path: a
large poll's parsing is CPU its Lambda pays for every minute). Any other answer, a single odd value
anywhere included, is decoded by `json` and checked field by field, so that each problem is named
and everything valid in the same answer still goes out. The fast path returns exactly what the
general one would (tests/unit/test_model_fast_path.py compares the two on generated answers).
"""

from __future__ import annotations

import json
import math
import types
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Any, Final

import msgspec
from msgspec.structs import astuple

from queue_stats import names as n
from queue_stats import rules
from queue_stats.errors import ResponseError
from queue_stats.rules import queue_id_fits

# Largest integer a double (CloudWatch's value type) holds exactly; anything above is not a count.
MAX_VALUE = 2**53
# The smallest magnitude CloudWatch stores (PutMetricData refuses the whole request for less).
MIN_POSITIVE_VALUE = 2.0**-360
# An integer literal longer than this is above MAX_VALUE (16 digits) whatever its digits; it is
# read as a float, because Python refuses to convert integers of more than 4,300 digits and one
# such field must not fail the whole answer.
_MAX_INT_DIGITS = 20
MAX_DIMENSION_VALUE = n.MAX_DIMENSION_VALUE
dimension_value = rules.dimension_value  # one rule with the stack's synth checks (rules.py)
# Marks a field absent from the record (distinct from an explicit null).
_MISSING: Any = object()

_COUNTS: Final = tuple(m for m in n.COUNT_METRICS if m.name != n.METRIC_OLDEST_ITEM_AGE)
_COUNT_FIELDS: Final = tuple((m.name, m.field) for m in _COUNTS)
_OLDEST_FIELD: Final = next(m.field for m in n.COUNT_METRICS if m.name == n.METRIC_OLDEST_ITEM_AGE)


@dataclass(frozen=True)
class QueueStats:
    """One queue's snapshot. `values` holds only what may be published, keyed by metric name."""

    queue_id: str
    queue_name: str
    delivery_provider: str | None
    task_type: str | None
    open_state: str | None
    values: Mapping[str, float]


@dataclass(frozen=True)
class Problem:
    """A record or field skipped as invalid."""

    index: int
    queue_id: str | None
    field: str | None
    reason: str

    def __str__(self) -> str:
        where = f"record {self.index}" + (f" (queue {self.queue_id!r})" if self.queue_id is not None else "")
        return f"{where}: {self.field + ' ' if self.field else ''}{self.reason}"


@dataclass(frozen=True)
class ParsedResponse:
    queues: tuple[QueueStats, ...]
    problems: tuple[Problem, ...]


def parse_body(body: bytes) -> ParsedResponse:
    """Decode the API's 200 body. A body that is not a JSON array fails the whole poll."""
    fast = _parse_typed(body)
    return fast if fast is not None else _parse_general(body)


def _parse_general(body: bytes) -> ParsedResponse:
    try:
        data = json.loads(body, parse_int=_parse_int)
    except RecursionError:
        raise ResponseError("Symbee API response is nested too deeply to be queue statistics") from None
    except ValueError as error:  # JSONDecodeError, UnicodeDecodeError, int too long
        detail = str(error).splitlines()[0][:120] if str(error) else type(error).__name__
        snippet = " (empty body)" if not body.strip() else ""
        raise ResponseError(f"Symbee API response is not valid JSON{snippet}: {detail}") from None
    return parse_records(data)


def parse_records(data: object) -> ParsedResponse:
    """Validate the decoded response: a JSON array of queue records."""
    if not isinstance(data, list):
        raise ResponseError(f"Symbee API response is a JSON {_json_type(data)}, expected an array of queue records")
    result = _Collector()
    for index, record in enumerate(data):
        queue = _parse_record(index, record, result.problems)
        if queue is not None:
            result.add(index, queue)
    return result.response()


class _Collector:
    """The queues and problems of one answer, as both paths gather them."""

    __slots__ = ("first_index", "problems", "queues")

    def __init__(self) -> None:
        self.queues: list[QueueStats] = []
        self.problems: list[Problem] = []
        self.first_index: dict[str, int] = {}

    def add(self, index: int, queue: QueueStats) -> None:
        # A queue id twice in one answer cannot both be true for the same minute; keep the first
        # (the vendor's order) and report the rest rather than publish two datapoints. Compared as
        # CloudWatch will see them.
        seen = self.first_index.setdefault(dimension_value(queue.queue_id), index)
        if seen != index:
            self.problems.append(
                Problem(index, queue.queue_id, None, f"duplicate queueId (first seen at record {seen})")
            )
            return
        self.queues.append(queue)

    def response(self) -> ParsedResponse:
        return ParsedResponse(tuple(self.queues), tuple(self.problems))


def _parse_record(index: int, record: object, problems: list[Problem]) -> QueueStats | None:
    """The general path: one decoded record, checked field by field."""
    if not isinstance(record, dict):
        problems.append(Problem(index, None, None, f"is a JSON {_json_type(record)}, not an object"))
        return None
    info = record.get("queueInfo")
    if not isinstance(info, dict):
        reason = "is missing" if info is None else f"is a JSON {_json_type(info)}, not an object"
        problems.append(Problem(index, None, "queueInfo", reason))
        return None
    queue_id = info.get("queueId")
    if not isinstance(queue_id, str) or not _usable_id(queue_id):
        problems.append(Problem(index, None, "queueInfo.queueId", _id_reason(queue_id)))
        return None

    name = info.get("queueName")
    if name is not None and not isinstance(name, str):
        problems.append(Problem(index, queue_id, "queueInfo.queueName", f"is a JSON {_json_type(name)}"))
        name = None

    values: dict[str, float] = {}
    for metric, field in _COUNT_FIELDS:
        value = record.get(field, _MISSING)
        # Fast path for the common case: a plain non-negative int.
        if type(value) is int and 0 <= value <= MAX_VALUE:
            values[metric] = value
            continue
        problem = _number_problem(value, whole=True)
        if problem is None:
            values[metric] = value
        else:
            problems.append(Problem(index, queue_id, field, problem))

    state = record.get("openClosedState", _MISSING)
    if isinstance(state, str):
        is_open = _open_state(index, queue_id, state, problems)
    else:
        is_open = None
        problems.append(
            Problem(index, queue_id, "openClosedState", "is missing" if state is _MISSING else "is not a string")
        )

    oldest = record.get(_OLDEST_FIELD, _MISSING)
    oldest_problem = _number_problem(oldest, whole=False)
    if oldest_problem is not None:
        problems.append(Problem(index, queue_id, _OLDEST_FIELD, oldest_problem))
        oldest = None
    return _queue_stats(
        queue_id, name, info.get("deliveryProvider"), info.get("taskType"), state, is_open, values, oldest
    )


# --- the fast path ---------------------------------------------------------------------------------
# A record with every documented field present and of its documented type and range. The decoder
# checks all of it in C; what it cannot express (blank or over-long ids, unknown states, ages too
# small for CloudWatch) is checked below by the same helpers as the general path.
_Count = Annotated[int, msgspec.Meta(ge=0, le=MAX_VALUE)]
_Age = _Count | Annotated[float, msgspec.Meta(ge=0, le=MAX_VALUE)]


class _TypedInfo(msgspec.Struct, gc=False, rename="camel"):
    # gc=False: these hold only strings, so the garbage collector need not track thousands of them.
    queue_id: str
    queue_name: str | None = None
    delivery_provider: str | None = None
    task_type: str | None = None


# The counts first, in names.COUNT_METRICS order, so that a record's tuple zips with their names.
_TypedRecord = msgspec.defstruct(
    "_TypedRecord",
    [*((m.field, _Count) for m in _COUNTS), (_OLDEST_FIELD, _Age), ("openClosedState", str), ("queueInfo", _TypedInfo)],
    gc=False,
)
_AGE_AT, _STATE_AT, _INFO_AT = len(_COUNTS), len(_COUNTS) + 1, len(_COUNTS) + 2
_COUNT_NAMES: Final = tuple(m.name for m in _COUNTS)
_DECODER: Final = msgspec.json.Decoder(types.GenericAlias(list, (_TypedRecord,)))


def _parse_typed(body: bytes) -> ParsedResponse | None:
    """The answer through the fast path, or None when any part of it needs the general path."""
    try:
        records = _DECODER.decode(body)
    except (msgspec.MsgspecError, ValueError, RecursionError):
        return None
    result = _Collector()
    problems = result.problems
    for index, record in enumerate(records):
        fields = astuple(record)
        info: _TypedInfo = fields[_INFO_AT]
        queue_id = info.queue_id
        if not _usable_id(queue_id):
            problems.append(Problem(index, None, "queueInfo.queueId", _id_reason(queue_id)))
            continue
        state: str = fields[_STATE_AT]
        is_open = _open_state(index, queue_id, state, problems)  # problems in the general path's order
        oldest: float | None = fields[_AGE_AT]
        if type(oldest) is float and 0 < oldest < MIN_POSITIVE_VALUE:
            problems.append(Problem(index, queue_id, _OLDEST_FIELD, _number_problem(oldest, whole=False) or ""))
            oldest = None
        queue = _queue_stats(
            queue_id,
            info.queue_name,
            info.delivery_provider,
            info.task_type,
            state,
            is_open,
            dict(zip(_COUNT_NAMES, fields, strict=False)),  # the counts come first
            oldest,
        )
        result.add(index, queue)
    return result.response()


# --- the contract's rules, shared by both paths ------------------------------------------------------


# Positional on purpose: called once per queue, and keyword calls cost measurably more here.
def _queue_stats(  # noqa: PLR0917
    queue_id: str,
    name: str | None,
    provider: object,
    task_type: object,
    state: object,
    is_open: bool | None,
    values: dict[str, float],
    oldest: float | None,
) -> QueueStats:
    """One queue from its checked parts: `values` holds its valid counts, `oldest` its valid age
    (None when not valid); adds the values the contract derives from them."""
    if name is None or not name.strip():
        name = queue_id  # the contract: no name, the id stands in
    elif len(name) > MAX_DIMENSION_VALUE:
        name = name[:MAX_DIMENSION_VALUE]  # a display name: cut to fit rather than lose the queue
    if is_open is not None:
        values[n.METRIC_QUEUE_OPEN] = 1 if is_open else 0
    waiting = values.get(n.METRIC_ITEMS_IN_QUEUE)
    # 0 with items waiting (or an unknown count) means "not measured" (SYMBEE queues today).
    if oldest is not None and (oldest != 0 or waiting == 0):
        values[n.METRIC_OLDEST_ITEM_AGE] = oldest
    available = values.get(n.METRIC_AGENTS_AVAILABLE)
    if waiting is not None and available is not None:
        unattended = available == 0 and is_open is not False
        values[n.METRIC_UNATTENDED_ITEMS] = waiting if unattended else 0
    return QueueStats(
        queue_id,
        name,
        provider if isinstance(provider, str) else None,
        task_type if isinstance(task_type, str) else None,
        state if isinstance(state, str) else None,
        values,
    )


def _usable_id(queue_id: str) -> bool:
    return bool(queue_id.strip()) and queue_id_fits(queue_id)


def _number_problem(value: object, *, whole: bool) -> str | None:
    """Why `value` is not a publishable non-negative number, or None when it is."""
    if value is _MISSING:
        return "is missing"
    if value is None:
        return "is null"
    if isinstance(value, bool):
        return f"is a boolean ({str(value).lower()}), not a number"
    if isinstance(value, str):
        return f"is a string ({value[:40]!r}), not a number"
    if not isinstance(value, int | float):
        return f"is a JSON {_json_type(value)}, not a number"
    if isinstance(value, float) and not math.isfinite(value):
        return f"is {value!r}, not a finite number"
    if value < 0:
        return f"is negative ({value})"
    if value > MAX_VALUE:
        return f"is implausibly large ({value:.3g})"
    if whole and isinstance(value, float) and not value.is_integer():
        return f"is not a whole number ({value})"
    if 0 < value < MIN_POSITIVE_VALUE:
        return f"is too small for CloudWatch ({value:.3g})"
    return None


def _parse_int(text: str) -> int | float:
    return int(text) if len(text) <= _MAX_INT_DIGITS else float(text)


def _open_state(index: int, queue_id: str, state: str, problems: list[Problem]) -> bool | None:
    """True for a state that says OPEN, False for CLOSED, None when unknown."""
    is_open, known = _state_meaning(state)
    if not known:
        problems.append(Problem(index, queue_id, "openClosedState", f"{state[:40]!r} is not a known state"))
    return is_open


@lru_cache(maxsize=64)  # an answer holds a handful of distinct states, repeated for every queue
def _state_meaning(state: str) -> tuple[bool | None, bool]:
    """(True for OPEN, False for CLOSED, None otherwise; whether the state is one we know)."""
    words = state.upper().split("_")
    if "OPEN" in words:
        return True, True
    if "CLOSED" in words:
        return False, True
    # OPERATING_HOURS_UNKNOWN is the vendor saying "unknown": not a fault
    return None, "UNKNOWN" in words


def _id_reason(queue_id: object) -> str:
    if queue_id is None:
        return "is missing"
    if not isinstance(queue_id, str):
        return f"is a JSON {_json_type(queue_id)}, not a string"
    if not queue_id.strip():
        return "is empty"
    if len(queue_id) <= MAX_DIMENSION_VALUE:
        return f"is longer than CloudWatch's {MAX_DIMENSION_VALUE}-character dimension limit once escaped to ASCII"
    return f"is longer than CloudWatch's {MAX_DIMENSION_VALUE}-character dimension limit"


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    return "number"
