"""The Events API v2 client against the fake PagerDuty over real HTTP(S): incidents by dedup_key,
retries, refusals named without the key, TLS verified, redirects not followed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from queue_stats.delivery import ChannelFailed, Retryable, deliver
from queue_stats.pagerduty import PagerDutyClient, key_from_secret
from symbee_sim.pagerduty import FakePagerDuty
from symbee_sim.tls import self_signed_certificate, server_context
from tests.faults.servers import Exchange, ScriptedServer

KEY = "R0UT1NGKEY0123456789abcdefABCDEF"
TRIGGER: dict[str, Any] = {
    "event_action": "trigger",
    "dedup_key": "SymbeeQueueStats-prod-OldestItemAge/q1",
    "payload": {"summary": "prod / Queue 1: Oldest item too old", "source": "prod", "severity": "error"},
}
RESOLVE = {"event_action": "resolve", "dedup_key": TRIGGER["dedup_key"]}


class StaticKey:
    def __init__(self, *keys: str) -> None:
        self.keys = list(keys)
        self.reads = 0

    def get(self, *, refresh: bool = False) -> str:
        """The first key; a refresh moves on to the next one (a rotation), if any."""
        self.reads += 1
        if refresh and len(self.keys) > 1:
            self.keys.pop(0)
        return self.keys[0]


@pytest.fixture
def pager() -> Iterator[FakePagerDuty]:
    with FakePagerDuty(routing_keys={KEY}) as fake:
        yield fake


def send(client: PagerDutyClient, event: dict[str, Any]) -> Any:
    (delivery,) = deliver([client.message(event)], deadline=float("inf"))
    return delivery


def test_trigger_then_resolve_closes_that_incident(pager: FakePagerDuty) -> None:
    client = PagerDutyClient(pager.url, StaticKey(KEY))
    assert send(client, TRIGGER).ok
    assert send(client, RESOLVE).ok
    (incident,) = pager.incidents()
    assert (incident.dedup_key, incident.status) == (TRIGGER["dedup_key"], "resolved")


def test_a_repeated_trigger_adds_to_the_open_incident(pager: FakePagerDuty) -> None:
    client = PagerDutyClient(pager.url, StaticKey(KEY))
    send(client, TRIGGER)
    send(client, TRIGGER)
    (incident,) = pager.incidents()
    assert incident.triggers == 2


def test_429_waits_for_retry_after_then_succeeds(pager: FakePagerDuty) -> None:
    pager.fail_next(429, retry_after="0")
    delivery = send(PagerDutyClient(pager.url, StaticKey(KEY)), TRIGGER)
    assert (delivery.ok, delivery.attempts) == (True, 2)


def test_a_timed_out_attempt_is_retried_because_dedup_key_makes_it_harmless(pager: FakePagerDuty) -> None:
    client = PagerDutyClient(pager.url, StaticKey(KEY))
    pager.fail_next(202, delay=1.5)  # slower than the read timeout below
    with pytest.raises(Retryable, match="timed out"):
        client.post(TRIGGER, KEY, remaining_seconds=0.5)


def test_a_refused_event_names_what_pagerduty_said(pager: FakePagerDuty) -> None:
    bad = {**TRIGGER, "payload": {**TRIGGER["payload"], "severity": "urgent"}}
    delivery = send(PagerDutyClient(pager.url, StaticKey(KEY)), bad)
    assert not delivery.ok
    assert delivery.detail == (
        "PagerDuty refused the event (HTTP 400): Event object is invalid; "
        "'payload.severity' must be one of critical, error, warning, info"
    )


def test_an_unknown_key_is_re_read_once(pager: FakePagerDuty) -> None:
    key = StaticKey("OLDKEY000000000000000000000000000", KEY)
    delivery = send(PagerDutyClient(pager.url, key), TRIGGER)
    assert (delivery.ok, delivery.attempts) == (True, 2)


def test_tls_is_verified(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a fake PagerDuty behind a self-signed certificate
    cert, private_key = self_signed_certificate(tmp_path)
    with FakePagerDuty(routing_keys={KEY}, host="localhost", ssl_context=server_context(cert, private_key)) as fake:
        # When the system's CAs are trusted, then when the certificate is (as a private CA would be)
        untrusted = send(PagerDutyClient(fake.url, StaticKey(KEY)), TRIGGER)
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
        trusted = send(PagerDutyClient(fake.url, StaticKey(KEY)), TRIGGER)
    # Then the first is refused before anything is sent, the second accepted
    assert not untrusted.ok
    assert untrusted.detail.startswith("TLS verification failed for localhost: [SSL: CERTIFICATE_VERIFY_FAILED]")
    assert trusted.ok
    assert fake.requests == 1


def test_a_redirect_is_not_followed() -> None:
    def respond(exchange: Exchange) -> None:
        exchange.answer(307, b"", headers=[("Location", "https://elsewhere.example.com/v2/enqueue")])

    with ScriptedServer(respond) as server:
        delivery = send(PagerDutyClient(server.url(), StaticKey(KEY)), TRIGGER)
    assert not delivery.ok
    assert "redirected (HTTP 307); not followed" in delivery.detail


@pytest.mark.parametrize(
    ("secret", "key"),
    [
        (KEY, KEY),
        (f"  {KEY}\n", KEY),
        (json.dumps({"routing_key": KEY}), KEY),
        (json.dumps({"integrationKey": KEY, "service": "x"}), KEY),
    ],
    ids=["plain", "surrounding-whitespace", "json", "json-integration-key"],
)
def test_the_secret_holds_the_key_or_a_json_object_with_it(secret: str, key: str) -> None:
    assert key_from_secret(secret, "pd") == key


@pytest.mark.parametrize(
    ("secret", "words"),
    [
        ("", "holds an empty routing key"),
        ("two words", "does not hold a routing key"),
        ("{not json", "starts with '{' but is not JSON"),
        (json.dumps({"other": "x"}), "without a routing_key field (fields: other)"),
    ],
)
def test_an_unusable_secret_says_why(secret: str, words: str) -> None:
    with pytest.raises(ChannelFailed, match="Secrets Manager secret 'pd'") as raised:
        key_from_secret(secret, "pd")
    assert words in str(raised.value)
