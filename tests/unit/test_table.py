"""The command line's tables: attention rules, formatting, no crash on odd names."""

from __future__ import annotations

import pytest

from queue_stats.model import QueueStats
from queue_stats.table import attention, format_age, render_discovery, render_queues


def queue(name: str = "Sales", state: str | None = "OPERATING_HOURS_OPEN", **values: float) -> QueueStats:
    return QueueStats(f"id-{name}", name, "SYMBEE", "EMAIL", state, values)


@pytest.mark.parametrize(("seconds", "text"), [(0, "0s"), (59, "59s"), (60, "1m00s"), (125, "2m05s"), (7260, "2h01m")])
def test_ages_read_like_a_clock(seconds: int, text: str) -> None:
    assert format_age(seconds) == text


def test_waiting_with_nobody_available_is_urgent() -> None:
    flag = attention(queue(UnattendedItems=3))
    assert flag.urgent
    assert flag.reasons == ("waiting, nobody available",)


def test_an_old_item_is_urgent_at_the_threshold() -> None:
    assert attention(queue(OldestItemAge=300)).urgent
    assert not attention(queue(OldestItemAge=299)).urgent
    assert attention(queue(OldestItemAge=60), oldest_warning_seconds=60).reasons == ("oldest 1m00s",)


def test_agents_in_error_is_worth_a_look_but_not_urgent() -> None:
    flag = attention(queue(AgentsInError=1))
    assert (flag.urgent, flag.reasons) == (False, ("agents in error",))


def test_a_quiet_queue_needs_nothing() -> None:
    assert attention(queue(ItemsInQueue=0, AgentsAvailable=2, UnattendedItems=0)).reasons == ()


def test_rows_are_sorted_by_name_unknown_values_are_dashes_and_flags_lead() -> None:
    text = render_queues([queue("b-queue", ItemsInQueue=2, UnattendedItems=2), queue("A queue", ItemsInQueue=0)])
    header, first, second = text.splitlines()
    assert header.split()[:4] == ["Queue", "Type", "State", "Waiting"]
    assert first.startswith("  A queue")
    assert second.startswith("! b-queue")
    assert " - " in first  # Oldest is not known


def test_colour_only_when_asked() -> None:
    rows = [queue(UnattendedItems=1)]
    assert "\033[" not in render_queues(rows)
    assert "\033[31;1m" in render_queues(rows, color=True)


def test_long_and_multiline_names_keep_the_table_aligned() -> None:
    text = render_queues([queue("x" * 100), queue("line\nbreak\tand tab")])
    lines = text.splitlines()
    assert len(lines) == 3
    assert "…" in lines[2]
    assert "line break and tab" in lines[1]


def test_an_empty_answer_says_so() -> None:
    assert "(no queues reported)" in render_queues([])


def test_discovery_lists_id_name_provider_task_type_and_state() -> None:
    text = render_discovery([queue("Email Care", "FORCED_OPEN")])
    assert text.splitlines()[1].split() == ["id-Email", "Care", "Email", "Care", "SYMBEE", "EMAIL", "FORCED_OPEN"]


def test_control_characters_from_the_vendor_never_reach_the_terminal() -> None:
    hostile = QueueStats("id\x1b[2J", "name\x1b]0;pwned\x07", "SYM\x1bBEE", "EMAIL", "OPEN\x1b", {})
    for text in (render_queues([hostile]), render_discovery([hostile])):
        assert "\x1b" not in text
        assert "\x07" not in text
