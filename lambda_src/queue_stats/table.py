"""Text tables of queue snapshots for the command line. Pure: strings in, strings out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from queue_stats import names as n
from queue_stats.model import QueueStats

# Rows that need a person's attention are marked; these are the watch's defaults.
DEFAULT_OLDEST_WARNING_SECONDS = 300

_RED = "\033[31;1m"
_YELLOW = "\033[33m"
_DIM = "\033[2m"
_RESET = "\033[0m"
_NAME_WIDTH = 34

# (header, metric) for the numeric columns, in the order an operator reads a queue.
_COLUMNS: tuple[tuple[str, str], ...] = (
    ("Waiting", n.METRIC_ITEMS_IN_QUEUE),
    ("Oldest", n.METRIC_OLDEST_ITEM_AGE),
    ("Avail", n.METRIC_AGENTS_AVAILABLE),
    ("Staffed", n.METRIC_AGENTS_STAFFED),
    ("Working", n.METRIC_AGENTS_WORKING),
    ("Wrap", n.METRIC_AGENTS_IN_WRAP),
    ("Error", n.METRIC_AGENTS_IN_ERROR),
    ("Unavail", n.METRIC_AGENTS_UNAVAILABLE),
    ("Alerting", n.METRIC_ITEMS_BEING_DELIVERED),
    ("Sched", n.METRIC_ITEMS_SCHEDULED),
)


@dataclass(frozen=True)
class Attention:
    """Why a queue needs a look, most urgent first; empty when it does not."""

    reasons: tuple[str, ...]
    urgent: bool


def attention(queue: QueueStats, *, oldest_warning_seconds: float = DEFAULT_OLDEST_WARNING_SECONDS) -> Attention:
    values = queue.values
    reasons: list[str] = []
    urgent = False
    if values.get(n.METRIC_UNATTENDED_ITEMS, 0) > 0:
        reasons.append("waiting, nobody available")
        urgent = True
    oldest = values.get(n.METRIC_OLDEST_ITEM_AGE)
    if oldest is not None and oldest >= oldest_warning_seconds:
        reasons.append(f"oldest {format_age(oldest)}")
        urgent = True
    if values.get(n.METRIC_AGENTS_IN_ERROR, 0) > 0:
        reasons.append("agents in error")
    return Attention(tuple(reasons), urgent)


def format_age(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def state_label(queue: QueueStats) -> str:
    is_open = queue.values.get(n.METRIC_QUEUE_OPEN)
    return "open" if is_open == 1 else "closed" if is_open == 0 else "?"


def render_queues(
    queues: Sequence[QueueStats],
    *,
    color: bool = False,
    oldest_warning_seconds: float = DEFAULT_OLDEST_WARNING_SECONDS,
) -> str:
    """A fixed-width table: one row per queue, `-` where a value is not known."""
    header = ["", f"{'Queue':<{_NAME_WIDTH}}", f"{'Type':<12}", f"{'State':<6}"]
    header += [f"{title:>8}" for title, _ in _COLUMNS]
    header.append("  Attention")
    lines = [" ".join(header).rstrip()]
    for queue in sorted(queues, key=lambda q: (q.queue_name.lower(), q.queue_id)):
        flag = attention(queue, oldest_warning_seconds=oldest_warning_seconds)
        cells = [
            "!" if flag.urgent else "*" if flag.reasons else " ",
            f"{_fit(queue.queue_name, _NAME_WIDTH):<{_NAME_WIDTH}}",
            f"{_fit(queue.task_type or queue.delivery_provider or '?', 12):<12}",
            f"{state_label(queue):<6}",
        ]
        cells += [f"{_cell(queue, metric):>8}" for _, metric in _COLUMNS]
        cells.append("  " + ", ".join(flag.reasons))
        line = " ".join(cells).rstrip()
        if color and flag.reasons:
            line = f"{_RED if flag.urgent else _YELLOW}{line}{_RESET}"
        elif color and state_label(queue) == "closed":
            line = f"{_DIM}{line}{_RESET}"
        lines.append(line)
    if not queues:
        lines.append("  (no queues reported)")
    return "\n".join(lines)


def render_discovery(queues: Sequence[QueueStats]) -> str:
    """What `discover` lists: identity and kind of every queue."""
    width = max([len(_printable(q.queue_id)) for q in queues] + [8])
    lines = [f"{'Queue id':<{width}}  {'Name':<{_NAME_WIDTH}}  {'Provider':<9}  {'Task type':<13}  State"]
    for queue in sorted(queues, key=lambda q: (q.delivery_provider or "", q.queue_name.lower())):
        lines.append(
            f"{_printable(queue.queue_id):<{width}}  {_fit(queue.queue_name, _NAME_WIDTH):<{_NAME_WIDTH}}  "
            f"{_fit(queue.delivery_provider or '?', 9):<9}  {_fit(queue.task_type or '?', 13):<13}  "
            f"{_printable(queue.open_state or '?')}"
        )
    return "\n".join(lines)


def _cell(queue: QueueStats, metric: str) -> str:
    value = queue.values.get(metric)
    if value is None:
        return "-"
    if metric == n.METRIC_OLDEST_ITEM_AGE:
        return format_age(value)
    return f"{value:g}"


def _fit(text: str, width: int) -> str:
    text = _printable(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def _printable(text: str) -> str:
    """Names and ids come from the vendor: no newline breaks the table and no escape sequence
    reaches the terminal."""
    text = " ".join(text.split())
    return text if text.isprintable() else "".join(c if c.isprintable() else "?" for c in text)
