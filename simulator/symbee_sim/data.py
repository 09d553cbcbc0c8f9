"""Queue records the simulator serves: the vendor's own example, and generated contact centres.

Pure and standard-library only. `generate_queues` is deterministic for (count, seed, minute of
`now`), so a test can compute exactly what the simulator will answer at a given clock.
"""

from __future__ import annotations

import math
import uuid
from typing import Any, Final

Record = dict[str, Any]

# The vendor page's example response, value for value (including its placeholder ARN).
_VENDOR_EXAMPLE: Final[tuple[Record, ...]] = (
    {
        "queueInfo": {
            "queueId": (
                "arn:aws:connect:us-east-1:xxxxx:instance/xxxx-xxxx-xxx-xxxx-xxxxxxx/queue/xxxxx-xxxx-xxxx-xxxx-xxxxxx"
            ),
            "queueName": "Customer Care Inbound",
            "deliveryProvider": "AMAZON",
            "taskType": "AMAZON_ANY",
        },
        "openClosedState": "OPERATING_HOURS_UNKNOWN",
        "agentsStaffed": 26,
        "agentsAvailable": 0,
        "agentsWorking": 11,
        "agentsInWrap": 3,
        "agentsInError": 0,
        "agentsUnavailable": 10,
        "itemsInQueue": 5,
        "itemsScheduled": 0,
        "itemsBeingDelivered": 0,
        "oldestItem": 125,
    },
    {
        "queueInfo": {
            "queueId": "email-customer-care",
            "queueName": "Email Customer Care",
            "deliveryProvider": "SYMBEE",
            "taskType": "EMAIL",
        },
        "openClosedState": "OPERATING_HOURS_OPEN",
        "agentsStaffed": 10,
        "agentsAvailable": 0,
        "agentsWorking": 5,
        "agentsInWrap": 2,
        "agentsInError": 0,
        "agentsUnavailable": 3,
        "itemsInQueue": 27,
        "itemsScheduled": 0,
        "itemsBeingDelivered": 0,
        "oldestItem": 0,
    },
    {
        "queueInfo": {
            "queueId": "sms-customer-care",
            "queueName": "SMS Customer Care",
            "deliveryProvider": "SYMBEE",
            "taskType": "SMS_PINPOINT",
        },
        "openClosedState": "FORCED_OPEN",
        "agentsStaffed": 6,
        "agentsAvailable": 2,
        "agentsWorking": 1,
        "agentsInWrap": 0,
        "agentsInError": 0,
        "agentsUnavailable": 1,
        "itemsInQueue": 0,
        "itemsScheduled": 0,
        "itemsBeingDelivered": 0,
        "oldestItem": 0,
    },
)


def vendor_example() -> list[Record]:
    """The vendor's three-queue example response (one AMAZON, two SYMBEE), as a fresh copy."""
    return [{**record, "queueInfo": dict(record["queueInfo"])} for record in _VENDOR_EXAMPLE]


# --- generated queues ---------------------------------------------------------------------------

AMAZON_ACCOUNT: Final = "123456789012"
AMAZON_REGION: Final = "us-east-1"
STATE_UNKNOWN: Final = "OPERATING_HOURS_UNKNOWN"
STATE_OPEN: Final = "OPERATING_HOURS_OPEN"
STATE_FORCED_OPEN: Final = "FORCED_OPEN"
STATE_CLOSED: Final = "OPERATING_HOURS_CLOSED"
MAX_ITEMS_WHEN_CLOSED: Final = 3

# Symbee task type -> (queue id prefix, display label, backlog factor). Written channels (email)
# build long backlogs; conversational ones (chat, SMS) are worked almost as they arrive.
_SYMBEE_TYPES: Final = (
    ("EMAIL", "email", "Email", 4.0),
    ("SMS_PINPOINT", "sms", "SMS", 1.5),
    ("CHAT", "chat", "Chat", 1.0),
    ("SOCIAL", "social", "Social", 2.0),
    ("PREVIEW_DIAL", "dial", "Preview Dial", 3.0),
    ("ROUTED_EMAIL", "routed-email", "Routed Email", 4.0),
)
_AMAZON_BACKLOG: Final = 1.2
_TEAMS: Final = (
    ("care", "Customer Care"),
    ("sales", "Sales"),
    ("billing", "Billing"),
    ("support", "Tech Support"),
    ("returns", "Returns"),
    ("vip", "VIP"),
    ("claims", "Claims"),
    ("retention", "Retention"),
)
_AMAZON_KINDS: Final = ("Inbound", "Callback", "Escalations", "Overflow")
# Sites in several time zones, so that at any hour some queues are busy and some are closed.
_UTC_OFFSETS: Final = (-8, -7, -6, -5, -4, 0, 1, 2, 10)

_MASK: Final = (1 << 64) - 1
_TO_UNIT: Final = 1.0 / (1 << 64)
_KNOT_MINUTES: Final = 5  # slow noise changes shape every five minutes; fast jitter every minute

# Salts: one per independent random draw, so adding a draw never changes the others.
(
    _S_SIZE,
    _S_OFFSET,
    _S_TYPE,
    _S_TEAM,
    _S_MODE,
    _S_OPENS,
    _S_CLOSES,
    _S_STAFF,
    _S_LOAD,
    _S_QUEUE,
    _S_UNAVAILABLE,
    _S_ERROR,
    _S_OTHER_SKILL,
    _S_WRAP,
    _S_DELIVERING,
    _S_SCHEDULED,
    _S_OLDEST,
    _S_CLOSED_ITEMS,
    _S_CLOSED_STAFF,
    _S_UUID_HI,
    _S_UUID_LO,
) = range(1, 22)


def _mix(x: int) -> int:
    """SplitMix64 finaliser: a fast, well-spread 64-bit hash (random.Random is too slow to seed per queue)."""
    x = (x + 0x9E3779B97F4A7C15) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


def _key(*parts: int) -> int:
    key = 0
    for part in parts:
        key = _mix(key ^ (part & _MASK))
    return key


def _unit(key: int, salt: int) -> float:
    """A uniform float in [0, 1) determined by (key, salt)."""
    return _mix(key ^ (salt * 0xD1B54A32D192ED03 & _MASK)) * _TO_UNIT


def _uuid(key: int) -> str:
    value = (_mix(key ^ _S_UUID_HI) << 64) | _mix(key ^ _S_UUID_LO)
    return str(uuid.UUID(int=value, version=4))


def _daily_load(hour: float) -> float:
    """Share of peak demand at a local hour: quiet at night, peaks mid-morning and late afternoon."""
    if hour < 7.0 or hour >= 20.0:
        return 0.05
    x = (hour - 7.0) / 13.0
    return 0.05 + 0.95 * math.sin(math.pi * x) * (0.85 - 0.15 * math.cos(4.0 * math.pi * x))


def _smooth(knots: tuple[int, int], fast: int, salt: int, fraction: float) -> float:
    """Noise in [0, 1) that drifts between five-minute knots, plus a little per-minute jitter."""
    start = _unit(knots[0], salt)
    drift = start + (_unit(knots[1], salt) - start) * fraction
    return 0.8 * drift + 0.2 * _unit(fast, salt)


def generate_queues(count: int, *, seed: int = 1, now: float) -> list[Record]:
    """`count` queues in the API's response shape, as they stand in the minute of `now`.

    Every third queue (index 0, 3, 6, ...) is an Amazon Connect queue; the rest are Symbee skill
    queues. A queue's identity (id, name, provider, task type, size, hours) depends only on
    (seed, index), so growing `count` keeps the earlier queues; its numbers follow a daily curve in
    its site's time zone plus deterministic noise per minute.
    """
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    minute = math.floor(now / 60.0)
    utc_hour = (minute % 1440) / 60.0
    knot, step = divmod(minute, _KNOT_MINUTES)
    fraction = step / _KNOT_MINUTES
    instance_id = _uuid(_key(seed, 0x1A57A7CE))
    queues: list[Record] = []
    for index in range(count):
        base = _key(seed, index)
        knots = (_key(base, knot), _key(base, knot + 1))
        fast = _key(base, minute)
        is_amazon = index % 3 == 0
        offset = _UTC_OFFSETS[int(_unit(base, _S_OFFSET) * len(_UTC_OFFSETS))]
        hour = (utc_hour + offset) % 24.0
        load = _daily_load(hour)
        team_id, team_name = _TEAMS[int(_unit(base, _S_TEAM) * len(_TEAMS))]

        if is_amazon:
            size = 8 + int(_unit(base, _S_SIZE) * 45)
            kind = _AMAZON_KINDS[int(_unit(base, _S_TYPE) * len(_AMAZON_KINDS))]
            queue_info = {
                "queueId": (
                    f"arn:aws:connect:{AMAZON_REGION}:{AMAZON_ACCOUNT}:instance/{instance_id}/queue/{_uuid(base)}"
                ),
                "queueName": f"{team_name} {kind} {index:03d}",
                "deliveryProvider": "AMAZON",
                "taskType": "AMAZON_ANY",
            }
            state = STATE_UNKNOWN
            is_closed = False
            backlog = _AMAZON_BACKLOG
        else:
            size = 2 + int(_unit(base, _S_SIZE) * 24)
            task_type, prefix, label, backlog = _SYMBEE_TYPES[int(_unit(base, _S_TYPE) * len(_SYMBEE_TYPES))]
            queue_info = {
                "queueId": f"{prefix}-{team_id}-{index:03d}",
                "queueName": f"{label} {team_name} {index:03d}",
                "deliveryProvider": "SYMBEE",
                "taskType": task_type,
            }
            mode = _unit(base, _S_MODE)
            if mode < 0.12:
                state = STATE_FORCED_OPEN  # a supervisor kept it open regardless of hours
            elif mode < 0.30:
                state = STATE_OPEN  # a 24x7 queue
            else:
                opens = 7 + int(_unit(base, _S_OPENS) * 3)
                closes = 17 + int(_unit(base, _S_CLOSES) * 4)
                state = STATE_OPEN if opens <= hour < closes else STATE_CLOSED
            is_closed = state == STATE_CLOSED

        staff_noise = _smooth(knots, fast, _S_STAFF, fraction)
        pressure = load * (0.7 + 0.6 * _smooth(knots, fast, _S_LOAD, fraction))
        if is_closed:
            staffed = int(_unit(fast, _S_CLOSED_STAFF) * 2)  # someone finishing up, or nobody
        else:
            staffed = round(size * (0.15 + 0.85 * load) * (0.9 + 0.2 * staff_noise))

        unavailable = round(staffed * (0.08 + 0.17 * _unit(fast, _S_UNAVAILABLE)))
        in_error = 1 if staffed > unavailable and _unit(fast, _S_ERROR) < 0.05 else 0
        ready = staffed - unavailable - in_error
        # Staffed agents busy on another skill's work appear in none of this queue's states.
        other_skill = round(ready * 0.15 * _unit(fast, _S_OTHER_SKILL))
        ready -= other_skill
        engaged = round(ready * min(1.0, pressure * 1.15))
        in_wrap = round(engaged * (0.1 + 0.15 * _unit(fast, _S_WRAP)))
        working = engaged - in_wrap
        available = ready - engaged

        if is_closed:
            items = int(_unit(fast, _S_CLOSED_ITEMS) * (MAX_ITEMS_WHEN_CLOSED + 1))
        else:
            queue_noise = _smooth(knots, fast, _S_QUEUE, fraction)
            excess = max(0.0, pressure - 0.5) * size * backlog * (0.5 + queue_noise)
            items = round(excess / (1 + available))
        delivering = min(available, int(_unit(fast, _S_DELIVERING) * 3)) if pressure > 0.3 else 0
        scheduled = 0
        oldest = 0
        if is_amazon:
            if _unit(fast, _S_SCHEDULED) < 0.4:
                scheduled = int(_unit(knots[0], _S_SCHEDULED) * 5 * load)
            if items > 0:
                oldest = 5 + int(items * (10 + 50 * _unit(fast, _S_OLDEST)))

        queues.append(
            {
                "queueInfo": queue_info,
                "openClosedState": state,
                "agentsStaffed": staffed,
                "agentsAvailable": available,
                "agentsWorking": working,
                "agentsInWrap": in_wrap,
                "agentsInError": in_error,
                "agentsUnavailable": unavailable,
                "itemsInQueue": items,
                "itemsScheduled": scheduled,
                "itemsBeingDelivered": delivering,
                "oldestItem": oldest,  # always 0 for SYMBEE queues: the vendor does not measure it yet
            }
        )
    return queues
