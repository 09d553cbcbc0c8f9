"""The Symbee API misbehaving: status codes, the network, TLS, redirects, hostile headers."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import boto3
import pytest

from queue_stats import names as n
from queue_stats.errors import ApiError
from symbee_sim import Fault, SimulatorServer, vendor_example
from symbee_sim.local_aws import MotoServer
from tests.faults.checks import assert_failed, assert_succeeded
from tests.faults.harness import Invoke, Watch, remaining_ms_for_api
from tests.faults.registry import covers
from tests.faults.servers import Exchange, ScriptedServer, closed_port, self_signed_tls

VENDOR_BODY = json.dumps(vendor_example()).encode()
# Remaining time that leaves the API call 2 s: its deadline keeps time back for publishing.
TWO_SECOND_BUDGET_MS = remaining_ms_for_api(2.0)


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Callable[[Exchange], None]], ScriptedServer]]:
    """A scripted server the poller is pointed at."""
    servers: list[ScriptedServer] = []

    def start(respond: Callable[[Exchange], None]) -> ScriptedServer:
        server = ScriptedServer(respond)
        servers.append(server)
        monkeypatch.setenv(n.ENV_API_URL, server.url())
        return server

    yield start
    for server in servers:
        server.stop()


@covers("api-5xx-lasting")
@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_lasting_server_error_fails_after_three_tries(
    invoke: Invoke, simulator: SimulatorServer, aws: MotoServer, status: int
) -> None:
    simulator.add_fault(Fault("status", status=status))
    outcome = invoke()
    assert_failed(outcome, aws, ApiError, f"Symbee API call failed 3 times, last: HTTP {status}", within=5)
    assert simulator.requests == 3


@covers("api-429-retry-after")
def test_lasting_429_waits_as_asked_between_tries(invoke: Invoke, simulator: SimulatorServer, aws: MotoServer) -> None:
    simulator.add_fault(Fault("status", status=429, retry_after="1"))
    outcome = invoke()
    assert_failed(outcome, aws, ApiError, "failed 3 times, last: HTTP 429", within=4)
    assert outcome.seconds >= 2.0  # two waits of the 1 s asked for
    assert simulator.requests == 3
    assert [w for w in outcome.warnings if "retrying in 1.0 s" in w] == [
        "Symbee API attempt 1 failed (HTTP 429); retrying in 1.0 s",
        "Symbee API attempt 2 failed (HTTP 429); retrying in 1.0 s",
    ]


@covers("api-429-no-retry-after")
def test_lasting_429_without_retry_after_backs_off_and_fails(
    invoke: Invoke, simulator: SimulatorServer, aws: MotoServer
) -> None:
    simulator.add_fault(Fault("status", status=429))
    outcome = invoke()
    assert_failed(outcome, aws, ApiError, "failed 3 times, last: HTTP 429", within=5)
    assert simulator.requests == 3


@covers("api-retry-after-over-budget")
def test_a_retry_after_beyond_the_budget_fails_at_once(
    invoke: Invoke, simulator: SimulatorServer, aws: MotoServer
) -> None:
    simulator.add_fault(Fault("status", status=429, retry_after="120"))
    outcome = invoke()
    assert_failed(
        outcome,
        aws,
        ApiError,
        "Symbee API call failed (HTTP 429) and a retry in 120.0 s would not fit in the time budget",
        within=3,
    )
    assert simulator.requests == 1


@covers("api-retry-after-unreadable")
def test_an_unreadable_retry_after_falls_back_to_our_backoff(
    invoke: Invoke, scripted: Callable[[Callable[[Exchange], None]], ScriptedServer], aws: MotoServer
) -> None:
    # Given an API that says 429 twice with Retry-After values that are no number of seconds
    # ("²" passes str.isdigit but not float), then answers
    answers = iter([("429", "\xb2"), ("429", "soon"), ("200", None)])

    def respond(exchange: Exchange) -> None:
        status, retry_after = next(answers)
        if status == "200":
            exchange.answer(200, VENDOR_BODY, [("Content-Type", "application/json")])
        else:
            exchange.answer(429, b"{}", [("Retry-After", str(retry_after))])

    server = scripted(respond)
    outcome = invoke()
    assert_succeeded(outcome, aws, queues_reported=3, invalid=0, within=5)
    assert outcome.result is not None
    assert outcome.result["api_attempts"] == 3
    assert len(server.received) == 3


@covers("api-connection-refused")
def test_a_refused_connection_is_retried_then_fails(
    invoke: Invoke, aws: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(n.ENV_API_URL, f"http://127.0.0.1:{closed_port()}{n.API_PATH}")
    outcome = invoke()
    assert_failed(
        outcome,
        aws,
        ApiError,
        "Symbee API call failed 3 times, last: could not connect to 127.0.0.1: "
        "Failed to establish a new connection: [Errno 111] Connection refused",
        within=5,
    )


@covers("api-connection-reset")
def test_a_connection_reset_every_time_is_retried_then_fails(
    invoke: Invoke, simulator: SimulatorServer, aws: MotoServer
) -> None:
    simulator.add_fault(Fault("reset"))
    outcome = invoke()
    assert_failed(
        outcome,
        aws,
        ApiError,
        "Symbee API call failed 3 times, last: could not connect to 127.0.0.1: [Errno 104] Connection reset by peer",
        within=5,
    )
    assert simulator.requests == 3


@covers("api-dns-failure")
def test_a_host_that_does_not_resolve_fails_fast(
    invoke: Invoke, aws: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # .invalid never resolves (RFC 6761): the resolver answers at once, online or not
    monkeypatch.setenv(n.ENV_API_URL, f"https://symbee-api.invalid:9443{n.API_PATH}")
    outcome = invoke()
    assert_failed(
        outcome,
        aws,
        ApiError,
        "Symbee API call failed 3 times, last: could not connect to symbee-api.invalid: "
        "Failed to resolve 'symbee-api.invalid'",
        within=6,
    )


@covers("api-never-answers")
def test_a_server_that_never_answers_ends_at_the_deadline(
    invoke: Invoke, simulator: SimulatorServer, aws: MotoServer
) -> None:
    simulator.add_fault(Fault("hang", delay=60))
    outcome = invoke(TWO_SECOND_BUDGET_MS)
    assert_failed(
        outcome, aws, ApiError, "timed out waiting for the Symbee API", "would not fit in the time budget", within=3.5
    )
    assert outcome.seconds >= 1.5
    assert simulator.requests == 1


@covers("api-headers-dribble")
def test_headers_dribbling_past_the_deadline_are_cut_off(
    invoke: Invoke, scripted: Callable[[Callable[[Exchange], None]], ScriptedServer], aws: MotoServer
) -> None:
    # Given a server that sends its status line and headers one byte every 0.2 s: each read
    # returns within any read timeout, so only a deadline on the whole answer can stop it
    def respond(exchange: Exchange) -> None:
        for byte in b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Padding: " + b"a" * 1000:
            if exchange.wait(0.2):
                return
            exchange.write(bytes([byte]))

    scripted(respond)
    outcome = invoke(TWO_SECOND_BUDGET_MS)
    assert_failed(
        outcome,
        aws,
        ApiError,
        "Symbee API was still answering at the deadline (",  # about 2 s: a cold start spends some of it
        " s); the connection was cut",
        within=5,  # the 2 s budget plus room for a loaded machine; the dribble itself would last 200 s
    )


@covers("api-body-dribble")
def test_a_body_dribbling_past_the_deadline_is_abandoned(
    invoke: Invoke, simulator: SimulatorServer, aws: MotoServer
) -> None:
    simulator.add_fault(Fault("dribble", delay=30))
    outcome = invoke(TWO_SECOND_BUDGET_MS)
    assert_failed(outcome, aws, ApiError, "response body was still arriving", "at the deadline", within=3.5)
    assert simulator.requests == 1


@covers("api-tls-untrusted")
def test_a_self_signed_certificate_is_refused_and_nothing_is_sent(
    invoke: Invoke,
    serve: Callable[..., SimulatorServer],
    aws: MotoServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR"):
        monkeypatch.delenv(name, raising=False)
    with self_signed_tls() as context:
        sim = serve(ssl_context=context)
    assert sim.url.startswith("https://")
    outcome = invoke()
    assert_failed(
        outcome,
        aws,
        ApiError,
        "TLS verification failed for 127.0.0.1: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
        "self-signed certificate",
        within=3,
    )
    assert sim.connections == 1  # one handshake, no retry
    assert sim.requests == 0  # no HTTP request, so no key, went over it


@covers("api-redirect")
@pytest.mark.parametrize("status", [302, 307])
def test_a_redirect_is_not_followed_and_the_other_host_gets_nothing(
    invoke: Invoke, simulator: SimulatorServer, aws: MotoServer, status: int
) -> None:
    with ScriptedServer(lambda exchange: exchange.answer(200, VENDOR_BODY)) as elsewhere:
        simulator.add_fault(Fault("redirect", status=status, location=elsewhere.url(host="localhost")))
        outcome = invoke()
        assert_failed(
            outcome,
            aws,
            ApiError,
            f"Symbee API redirected (HTTP {status}) to localhost; not followed, "
            "the API key is sent only to the configured URL",
            within=3,
        )
        assert elsewhere.connections == 0
    assert simulator.requests == 1


@covers("api-redirect-unparseable")
def test_a_redirect_to_an_unparseable_location_fails_clearly(
    invoke: Invoke, simulator: SimulatorServer, aws: MotoServer
) -> None:
    simulator.add_fault(Fault("redirect", status=302, location="http://[not-a-host/queue"))
    outcome = invoke()
    # `within` only bounds a cold start on a loaded machine: the refusal itself is immediate
    assert_failed(outcome, aws, ApiError, "redirected (HTTP 302) to an unreadable location; not followed", within=5)


SLASHED_KEY = "sim/key+with/slashes=0123"


@covers("api-400-echoes-key")
@pytest.mark.parametrize("echo", ["as sent", "JSON-escaped"])
def test_an_error_body_that_repeats_the_key_is_quoted_without_it(
    invoke: Invoke,
    scripted: Callable[[Callable[[Exchange], None]], ScriptedServer],
    aws: MotoServer,
    watch: Watch,
    echo: str,
) -> None:
    # Given a key with slashes, which a Java JSON writer may send back as "\/"
    watch.secrets |= {SLASHED_KEY, SLASHED_KEY.replace("/", "\\/")}
    boto3.client("secretsmanager", endpoint_url=aws.url).put_secret_value(
        SecretId=n.DEFAULT_API_KEY_SECRET_ID, SecretString=SLASHED_KEY
    )

    def respond(exchange: Exchange) -> None:
        key = exchange.headers.get("X-sc-company-api-key", "")
        shown = key if echo == "as sent" else key.replace("/", "\\/")
        exchange.answer(400, ('{"error": "tenant mismatch for key ' + shown + '"}').encode())

    server = scripted(respond)
    outcome = invoke()
    # Then the error quotes the body with the key taken out, in any form
    message = assert_failed(
        outcome, aws, ApiError, "Symbee API answered HTTP 400", "tenant mismatch for key [", within=3
    )
    assert "sim" not in message.split("tenant mismatch for key", 1)[1]
    assert len(server.received) == 1
    assert server.received[0].headers["X-sc-company-api-key"] == SLASHED_KEY  # it was there to repeat


@covers("api-content-length-unreadable")
def test_a_content_length_that_is_not_a_number_is_read_under_the_cap(
    invoke: Invoke, scripted: Callable[[Callable[[Exchange], None]], ScriptedServer], aws: MotoServer
) -> None:
    scripted(lambda exchange: exchange.answer(200, VENDOR_BODY, [("Content-Length", "\xb2")]))
    outcome = invoke()
    assert_succeeded(outcome, aws, queues_reported=3, invalid=0, within=3)
