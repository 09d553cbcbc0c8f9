"""The notification part of the configuration: chat channels (Slack, Microsoft Teams through Amazon Q
Developer in chat applications), the pager (PagerDuty's Events API v2) and alarm mute rules, each
checked against what CloudFormation and CloudWatch accept. `infra/config.py` puts them in the
environment's model; what needs the whole environment (the alarms a rule mutes, names built from
the stack's) is checked there.
"""

from __future__ import annotations

import hashlib
import re
import zoneinfo
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Final
from urllib.parse import quote

from pydantic import BeforeValidator, Field, model_validator

from infra import config_values as values
from infra.config_alarms import HEALTH_ALARM_KINDS, QUEUE_ALARM_KINDS, AlarmKind
from infra.config_types import Check, Model, Text, Whole, as_list, between, located, matches, problem

if TYPE_CHECKING:
    from infra.config import EnvironmentConfig

# The runbook link goes into every alarm description (CloudWatch takes at most 1,024 characters);
# tests/infra/test_alarms.py shows the longest description fits with a link this long.
MAX_RUNBOOK_URL: Final = 300
RUNBOOK_URL_LENGTH: Final = Check(
    lambda v: len(v) <= MAX_RUNBOOK_URL,
    f"must be at most {MAX_RUNBOOK_URL} characters (it goes into every alarm description)",
    {"maxLength": MAX_RUNBOOK_URL},
)

# --- chat --------------------------------------------------------------------------------------------
# Amazon Q Developer's configuration names: letters, digits, '-' and '_', at most 128 characters.
MAX_CHAT_CONFIGURATION_NAME: Final = 128
_UUID: Final = r"[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}"

ChannelName = Annotated[
    Text, matches(r"[A-Za-z0-9_-]{1,64}", "must be 1-64 letters, digits, '-' or '_' (it names the configuration)")
]
Uuid = Annotated[Text, matches(_UUID, "must be a GUID such as 8f2c1a4e-0b7d-4c3e-9a61-2d5f7e8b9c0a")]


def _teams_channel_id(value: Any) -> Any:
    """Teams shows a channel id as `19:...@thread.tacv2`; CloudFormation wants ':' and '@' encoded."""
    if isinstance(value, str) and ("@" in value or ":" in value):
        return quote(value.strip(), safe="-_=+/.,%")
    return value


TeamsChannelId = Annotated[
    Text,
    BeforeValidator(_teams_channel_id),
    matches(
        r"[A-Za-z0-9\-_=+/.,]*%3[aA][A-Za-z0-9\-_=+/.,]*%40[A-Za-z0-9\-_=+/.,]*",
        "must be a Teams channel id such as 19:abc123...@thread.tacv2 (from the channel's link)",
    ),
    Check(lambda v: len(v) <= 256, "must be at most 256 characters", {"maxLength": 256}),
]


class SlackChannel(Model):
    """A Slack channel that receives the notifier's chat messages."""

    workspace_id: Annotated[
        Text, matches(r"[0-9A-Z]{1,255}", "must be a Slack workspace id such as T0123ABCD (upper case letters, digits)")
    ] = Field(description="the workspace id (Amazon Q Developer console, or Slack's workspace settings)")
    channel_id: Annotated[
        Text, matches(r"[A-Za-z0-9]{1,256}", "must be a Slack channel id such as C0123ABCD (letters, digits)")
    ] = Field(description="the channel id (the end of the channel's link)")
    name: ChannelName | None = Field(None, description="names the configuration; default: the channel id")


class TeamsChannel(Model):
    """A Microsoft Teams channel that receives the notifier's chat messages."""

    team_id: Uuid = Field(description="the team's id (the `groupId` in the channel's link)")
    channel_id: TeamsChannelId = Field(description="the channel's id, `19:...@thread.tacv2` (encoded or not)")
    tenant_id: Uuid = Field(description="the Microsoft Entra tenant id (the `tenantId` in the channel's link)")
    name: ChannelName | None = Field(
        None, description="names the configuration; default: `teams-` and a digest of the team and channel"
    )

    @property
    def digest(self) -> str:
        """Stands for the channel in names and construct ids: it follows the channel, not its place in
        the list, so removing or reordering channels never renames (so replaces) another one."""
        return hashlib.sha256(f"{self.team_id}/{self.channel_id}".encode()).hexdigest()[:10]


# --- pager -------------------------------------------------------------------------------------------
class PagerDuty(Model):
    """Where the notifier pages: a PagerDuty Events API v2 integration (or any tool that accepts its payload)."""

    routing_key_secret_id: values.SecretId = Field(
        description="the Secrets Manager secret (name, or complete ARN) holding the routing key, in the stack's "
        "region. Only its name reaches the template; the function may read this one secret"
    )
    routing_key_secret_kms_key_arn: values.KmsKeyArn | None = Field(
        None, description="the KMS key ARN encrypting that secret, if not the AWS managed key"
    )
    events_url: values.HttpsUrl | None = Field(
        None, description="the Events API v2 URL, for another region's PagerDuty or another tool"
    )


# --- mute rules ----------------------------------------------------------------------------------------
# CloudWatch: a mute lasts 1 minute to 15 days; one rule mutes at most 100 alarms by name.
MAX_MUTE_MINUTES: Final = 15 * 24 * 60
MAX_MUTED_ALARMS: Final = 100
MAX_MUTE_RULE_NAME: Final = 255
MAX_SCHEDULE_EXPRESSION: Final = 256
MAX_TIMEZONE: Final = 50
DATE_FORMAT: Final = "%Y-%m-%dT%H:%M"  # CloudWatch's yyyy-MM-ddTHH:mm, in the rule's time zone
# Which alarms a rule mutes: a group, or an `alarms` key (every alarm of that kind, overrides included).
QUEUE_GROUP: Final = "queue"
HEALTH_GROUP: Final = "health"
ALL_GROUP: Final = "all"
GROUPS: Final = {
    QUEUE_GROUP: QUEUE_ALARM_KINDS,
    HEALTH_GROUP: HEALTH_ALARM_KINDS,
    ALL_GROUP: (*QUEUE_ALARM_KINDS, *HEALTH_ALARM_KINDS),
}
SELECTORS: Final = (*GROUPS, *(kind.value for kind in AlarmKind))

_MONTHS: Final = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAYS: Final = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
# (field, lowest, highest, names allowed, numbers allowed) of cron(minute hour day month weekday).
_CRON_FIELDS: Final = (
    ("minute", 0, 59, (), True),
    ("hour", 0, 23, (), True),
    ("day of month", 1, 31, (), True),
    ("month", 1, 12, _MONTHS, True),
    # Cron dialects disagree on whether Sunday is 0 or 1; CloudWatch documents the names.
    ("day of week", 0, 0, _DAYS, False),
)


def selected(selector: str) -> tuple[AlarmKind, ...]:
    """The kinds of alarm one entry of a rule's `alarms` names."""
    return GROUPS[selector] if selector in GROUPS else (AlarmKind(selector),)


def _cron_value_problem(text: str, field: tuple[str, int, int, tuple[str, ...], bool]) -> str | None:
    what, low, high, names, numbers = field
    if text.upper() in names or (numbers and text.isdigit() and low <= int(text) <= high):
        return None
    ranges = [f"{low}-{high}"] if numbers else []
    ranges += [f"{names[0]}-{names[-1]}"] if names else []
    return f"{what} {text!r} is not in {' or '.join(ranges)}"


def _cron_problem(fields_text: str) -> str | None:
    parts = fields_text.split()
    if len(parts) != len(_CRON_FIELDS):
        return (
            f"has {len(parts)} fields; a mute rule's cron has 5: cron(minute hour day-of-month month day-of-week), "
            "e.g. cron(0 22 * * MON-FRI)"
        )
    for part, field in zip(parts, _CRON_FIELDS, strict=True):
        for item in part.split(","):
            if item == "*":
                continue
            for value in item.split("-") if item.count("-") == 1 else [item]:
                if (trouble := _cron_value_problem(value, field)) is not None:
                    return f"{trouble} (CloudWatch accepts *, ranges a-b and lists a,b in each field)"
    return None


def _schedule_problem(expression: str) -> str | None:
    if len(expression) > MAX_SCHEDULE_EXPRESSION:
        return f"is longer than {MAX_SCHEDULE_EXPRESSION} characters"
    if match := re.fullmatch(r"cron\((.*)\)", expression):
        return _cron_problem(match.group(1))
    if match := re.fullmatch(r"at\((.*)\)", expression):
        return _date_problem(match.group(1))
    return "must be cron(minute hour day-of-month month day-of-week) or at(yyyy-MM-ddTHH:mm)"


def _date_problem(text: str) -> str | None:
    try:
        datetime.strptime(text, DATE_FORMAT)
    except ValueError:
        return f"{text!r} is not a date and time written yyyy-MM-ddTHH:mm (e.g. 2026-12-24T18:00)"
    return None


def _timezone_problem(name: str) -> str | None:
    known = zoneinfo.available_timezones()
    if len(name) > MAX_TIMEZONE:
        return f"is longer than {MAX_TIMEZONE} characters"
    # Without a time zone database on this machine only the form can be checked.
    if (name in known) if known else re.fullmatch(r"[A-Za-z0-9_+\-/]+", name):
        return None
    return "must be an IANA time zone name such as Europe/Berlin or America/New_York"


def _checked(rule: Any) -> Check:
    return Check(lambda v: rule(v) is None, lambda v: rule(v) or "")


def _selectors(value: Any) -> tuple[str, ...]:
    items = as_list(value)
    for index, item in enumerate(items):
        if item not in SELECTORS:
            raise located((index,), f"unknown alarms {item!r}; give {', '.join(SELECTORS)}", item)
    if not items:
        raise problem(f"names no alarm; give {QUEUE_GROUP}, {HEALTH_GROUP}, {ALL_GROUP} or alarm keys")
    return tuple(dict.fromkeys(items))


Schedule = Annotated[Text, _checked(_schedule_problem)]
TimeZone = Annotated[Text, _checked(_timezone_problem)]
DateText = Annotated[Text, _checked(_date_problem)]


class MuteRule(Model):
    """A CloudWatch alarm mute rule: while its window is open the muted alarms run no actions and
    the notifier sends nothing for them (each event says which rule muted it)."""

    name: Annotated[Text, matches(r"[A-Za-z0-9_.-]{1,128}", "must be 1-128 letters, digits, '.', '-' or '_'")] = Field(
        description="names the rule (`<stack>-<name>` in CloudWatch); unique in the environment"
    )
    schedule: Schedule = Field(
        description="when a mute starts: `cron(minute hour day-of-month month day-of-week)` for a recurring "
        "window (days of the week as SUN-SAT), `at(yyyy-MM-ddTHH:mm)` for one window"
    )
    duration_minutes: Annotated[Whole, between(1, MAX_MUTE_MINUTES)] = Field(
        description=f"how long each window lasts, 1 to {MAX_MUTE_MINUTES:,} (15 days)"
    )
    alarms: Annotated[tuple[str, ...], BeforeValidator(_selectors)] = Field(
        description=f"what it mutes: `{QUEUE_GROUP}` (the queue alarms), `{HEALTH_GROUP}` (the poller's), "
        f"`{ALL_GROUP}`, or `alarms` keys such as `unattendedItems` (overrides of that alarm included)"
    )
    timezone: TimeZone | None = Field(None, description="the IANA time zone of schedule, start and expire; default UTC")
    start: DateText | None = Field(None, description="`yyyy-MM-ddTHH:mm` before which the rule mutes nothing")
    expire: DateText | None = Field(None, description="`yyyy-MM-ddTHH:mm` after which the rule mutes nothing")

    @model_validator(mode="after")
    def _in_order(self) -> MuteRule:
        if self.start and self.expire and self.expire <= self.start:
            raise located(("expire",), f"is not after start ({self.start})", self.expire)
        return self

    @property
    def kinds(self) -> tuple[AlarmKind, ...]:
        """The kinds of alarm this rule names, in the stack's order."""
        named = {kind for selector in self.alarms for kind in selected(selector)}
        return tuple(kind for kind in AlarmKind if kind in named)

    @property
    def start_date(self) -> datetime | None:
        return datetime.strptime(self.start, DATE_FORMAT) if self.start else None

    @property
    def expire_date(self) -> datetime | None:
        return datetime.strptime(self.expire, DATE_FORMAT) if self.expire else None


def objects(value: Any) -> list[Any]:
    """A list of objects as cdk.json holds it, or the JSON list `-c` delivers."""
    return as_list(value, comma_separated=False)


def channel_identities(env: EnvironmentConfig) -> tuple[tuple[str, int, tuple[str, str]], ...]:
    """(cdk.json key, index, the channel's identity) of every chat channel: Amazon Q Developer takes
    one configuration per channel and account."""
    return (
        *(
            ("slackChannels", i, ("slack", f"{c.workspace_id}/{c.channel_id}"))
            for i, c in enumerate(env.slack_channels)
        ),
        *(("teamsChannels", i, ("teams", f"{c.team_id}/{c.channel_id}")) for i, c in enumerate(env.teams_channels)),
    )


def check(env: EnvironmentConfig) -> None:
    """Names built from the stack's, one configuration per chat channel, and mute rules that mute
    alarms the stack creates."""
    chat_names: dict[str, tuple[str | int, ...]] = {}
    configured: tuple[tuple[str, tuple[SlackChannel | TeamsChannel, ...]], ...] = (
        ("slackChannels", env.slack_channels),
        ("teamsChannels", env.teams_channels),
    )
    for key, channels in configured:
        for index, channel in enumerate(channels):
            name = env.chat_configuration_name(channel)
            if len(name) > MAX_CHAT_CONFIGURATION_NAME:
                raise located(
                    (key, index),
                    f"its configuration name {name!r} would be longer than "
                    f"{MAX_CHAT_CONFIGURATION_NAME} characters; give a shorter name",
                )
            if name in chat_names:
                raise located((key, index), f"gives the same configuration name ({name}) as another channel")
            chat_names[name] = (key, index)
    identities: dict[tuple[str, str], tuple[str, int]] = {}
    for key, index, identity in channel_identities(env):
        if identity in identities:
            first_key, first = identities[identity]
            raise located(
                (key, index),
                f"is the same channel as {first_key}[{first}]: Amazon Q Developer takes one configuration per "
                "channel and account",
            )
        identities[identity] = (key, index)
    if env.chat_service_key_access and not chat_names:
        raise located(("chatServiceKeyAccess",), "has no effect without slackChannels or teamsChannels")
    seen: set[str] = set()
    for index, rule in enumerate(env.mute_rules):
        where = ("muteRules", index)
        if rule.name in seen:
            raise located((*where, "name"), f"{rule.name!r} names two rules")
        seen.add(rule.name)
        if len(env.mute_rule_name(rule)) > MAX_MUTE_RULE_NAME:
            raise located(
                (*where, "name"),
                f"the rule's name {env.mute_rule_name(rule)!r} would be longer than {MAX_MUTE_RULE_NAME} characters",
            )
        for position, selector in enumerate(rule.alarms):
            if not env.muted_alarm_names(selected(selector)):
                raise located(
                    (*where, "alarms", position),
                    f"{selector!r} names no alarm this stack creates (switched off, or its metric not published)",
                )
        muted = env.muted_alarm_names(rule.kinds)
        if len(muted) > MAX_MUTED_ALARMS:
            raise located(
                (*where, "alarms"),
                f"mutes {len(muted)} alarms, over the {MAX_MUTED_ALARMS} one CloudWatch mute rule "
                "takes: split it into several rules by alarm key",
            )
