"""The README's example notifications, rendered by the notifier's own formatting code from the event
fixtures and fixed numbers, so the README shows exactly what people receive.

`scripts/notify_examples.py --write` puts them in README.md between the markers below;
tests/unit/test_notify_readme.py fails when the README's copy is stale.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from queue_stats import messages
from queue_stats.alerts import Alert, parse_event
from queue_stats.readings import Numbers, Reading
from tests.fixtures import QUEUE_NUMBERS, event

START = "<!-- notify-examples:start -->"
END = "<!-- notify-examples:end -->"
AS_OF = datetime(2026, 9, 23, 19, 55, tzinfo=UTC)
CONTEXT = messages.MessageContext(environment="prod")
# The queue's numbers as CloudWatch holds them a minute after the transition.
NUMBERS = Numbers(
    queue={metric: Reading(value, AS_OF) for metric, value in QUEUE_NUMBERS.items()},
    poll=Reading(1, AS_OF),
    last_success=AS_OF,
)
# A queue that stopped reporting while the poller kept succeeding.
NO_QUEUE_NUMBERS = Numbers(poll=Reading(1, AS_OF), last_success=AS_OF)


def alert(name: str) -> Alert:
    parsed = parse_event(event(name))
    if not isinstance(parsed, Alert):
        raise ValueError(f"fixture {name} is not a notified event: {parsed}")
    return parsed


def render() -> str:
    """The Markdown between the README's markers."""
    alarm = alert("queue_alarm")
    mail = messages.email(alarm, NUMBERS, CONTEXT)
    no_data = messages.email(alert("queue_ok_no_data"), NO_QUEUE_NUMBERS, CONTEXT)
    no_data_head = "\n".join(no_data.body.splitlines()[:3])
    trigger = messages.pager_event(alarm, NUMBERS, CONTEXT)
    resolve = messages.pager_event(alert("queue_ok"), NUMBERS, CONTEXT)
    parts = [
        "**Email** (`tests/fixtures/events/queue_alarm.json`, the queue's numbers a minute later):",
        "",
        _block("text", f"Subject: {mail.subject}\n\n{mail.body}"),
        "",
        "**Email, OK because no data was returned** (`queue_ok_no_data.json`, the poller healthy), its start:",
        "",
        _block("text", f"Subject: {no_data.subject}\n\n{no_data_head}\n..."),
        "",
        "**Chat**, the same ALARM (the SNS message's body):",
        "",
        _block("json", _json(messages.chat(alarm, NUMBERS, CONTEXT))),
        "",
        "**Pager**, the same ALARM (POSTed with `routing_key` from the secret added), then that queue's OK:",
        "",
        _block("json", _json(trigger)),
        "",
        _block("json", _json(resolve)),
    ]
    return "\n".join(parts)


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def _block(language: str, text: str) -> str:
    return f"```{language}\n{text.rstrip()}\n```"
