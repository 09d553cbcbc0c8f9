"""The Symbee API simulator over real HTTP on loopback: answers, strict checks, faults, TLS, CLI."""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

import queue_stats
import symbee_sim
from queue_stats.names import API_PATH
from symbee_sim import REQUIRED_HEADERS, Fault, SimulatorServer, generate_queues, vendor_example
from symbee_sim.cli import add_arguments, run
from symbee_sim.tls import self_signed_certificate, server_context

AMAZON_ARN = vendor_example()[0]["queueInfo"]["queueId"]
T0 = 1_767_571_200.0  # 2026-01-05 00:00:00 UTC, the start of a minute
TIMEOUT = 5.0  # no test should ever wait this long; it only stops a broken one from hanging


def valid_headers(sim: SimulatorServer, **changes: str | None) -> dict[str, str]:
    """The five headers the simulator expects (plus Content-Type); a None change drops a header."""
    headers = {
        "Content-Type": "application/json",
        "X-sc-platform-code": sim.platform_code,
        "X-sc-company-code": sim.company_code,
        "X-sc-company-environment": sim.environment,
        "X-sc-secrets-region": sim.secrets_region or "us-east-1",
        "X-sc-company-api-key": sim.api_key,
    }
    for name, value in changes.items():
        headers.pop(name, None)
        if value is not None:
            headers[name] = value
    return headers


def valid_body(sim: SimulatorServer, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "tenant": {
            "platformCode": sim.platform_code,
            "companyCode": sim.company_code,
            "environment": sim.environment,
        },
        "includeAmazonQueues": True,
    }
    body.update(changes)
    return body


def post(
    http: requests.Session,
    sim: SimulatorServer,
    *,
    body: Any = None,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> requests.Response:
    """POST to the simulator's API URL; by default a valid request."""
    payload = data if data is not None else json.dumps(valid_body(sim) if body is None else body).encode()
    kwargs.setdefault("timeout", TIMEOUT)
    return http.post(sim.url, data=payload, headers=headers or valid_headers(sim), **kwargs)


def queue_ids(response: requests.Response) -> list[str]:
    return [record["queueInfo"]["queueId"] for record in response.json()]


@pytest.fixture
def sim() -> Iterator[SimulatorServer]:
    with SimulatorServer() as server:
        yield server


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.trust_env = False  # a proxy from the environment must not sit between us and loopback
        yield session


# --- answers ------------------------------------------------------------------------------------


def test_serves_the_vendor_example_by_default(sim: SimulatorServer, http: requests.Session) -> None:
    # Given a default simulator
    # When a valid request arrives
    response = post(http, sim)

    # Then it gets the vendor's example as a JSON array
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == vendor_example()


def test_url_is_loopback_with_the_api_path(sim: SimulatorServer) -> None:
    assert sim.url == f"http://127.0.0.1:{sim.port}{API_PATH}"


def test_without_amazon_queues_only_symbee_queues_come_back(sim: SimulatorServer, http: requests.Session) -> None:
    response = post(http, sim, body=valid_body(sim, includeAmazonQueues=False))

    assert queue_ids(response) == ["email-customer-care", "sms-customer-care"]


def test_queues_interested_filters_by_id(sim: SimulatorServer, http: requests.Session) -> None:
    response = post(http, sim, body=valid_body(sim, queuesInterested=[{"queueId": "sms-customer-care"}]))

    assert queue_ids(response) == ["sms-customer-care"]


def test_queues_interested_accepts_an_amazon_arn(sim: SimulatorServer, http: requests.Session) -> None:
    interested = [{"queueId": AMAZON_ARN}, {"queueId": "no-such-queue"}]

    response = post(http, sim, body=valid_body(sim, queuesInterested=interested))

    assert queue_ids(response) == [AMAZON_ARN]


def test_an_interested_amazon_queue_is_still_dropped_without_amazon_queues(
    sim: SimulatorServer, http: requests.Session
) -> None:
    body = valid_body(sim, includeAmazonQueues=False, queuesInterested=[{"queueId": AMAZON_ARN}])

    assert post(http, sim, body=body).json() == []


def test_serves_generated_queues_for_its_clock(http: requests.Session) -> None:
    # Given a simulator of 12 generated queues whose clock is fixed
    with SimulatorServer(queues=12, seed=7, clock=lambda: T0) as sim:
        # When a valid request arrives
        response = post(http, sim)

    # Then it gets exactly what generate_queues says for that minute
    assert response.json() == generate_queues(12, seed=7, now=T0)


def test_generated_queues_move_with_the_clock(http: requests.Session) -> None:
    # Given a simulator of generated queues and a clock the test moves
    now = [T0 + 9 * 3600]
    with SimulatorServer(queues=30, clock=lambda: now[0]) as sim:
        first = post(http, sim).json()
        # When a minute passes
        now[0] += 60
        second = post(http, sim).json()

    # Then the answer follows
    assert first == generate_queues(30, now=T0 + 9 * 3600)
    assert second == generate_queues(30, now=T0 + 9 * 3600 + 60)
    assert first != second


def test_body_override_is_served_byte_for_byte(http: requests.Session) -> None:
    odd = b'[{"queueInfo": {"queueId": "\xc3\xa9-queue"}}]  '
    with SimulatorServer(body_override=odd) as sim:
        response = post(http, sim)

    assert response.status_code == 200
    assert response.content == odd


def test_records_what_it_received(sim: SimulatorServer, http: requests.Session) -> None:
    # Given a valid request
    body = valid_body(sim)

    # When it is sent
    post(http, sim, body=body)

    # Then the simulator recorded it, and its repr hides the key
    (received,) = sim.received
    assert (received.method, received.path, received.status, received.fault) == ("POST", API_PATH, 200, None)
    assert received.json() == body
    assert received.header("x-SC-company-api-key") == "sim-api-key"
    assert received.header("X-sc-company-code") == "abc-gadgets"
    assert "sim-api-key" not in repr(received)


def test_reuses_one_connection_for_a_session(sim: SimulatorServer, http: requests.Session) -> None:
    # Given one client session
    # When it sends two requests
    post(http, sim)
    post(http, sim)

    # Then both went over one connection
    assert sim.requests == 2
    assert sim.connections == 1


def test_reset_counters_starts_counting_again(sim: SimulatorServer, http: requests.Session) -> None:
    post(http, sim)

    sim.reset_counters()

    assert (sim.requests, sim.connections, sim.received) == (0, 0, [])


def test_is_quiet_unless_verbose(capfd: pytest.CaptureFixture[str], http: requests.Session) -> None:
    # Given a quiet simulator and a verbose one
    with SimulatorServer() as quiet:
        post(http, quiet)
        post(http, quiet, headers=valid_headers(quiet, **{"X-sc-company-api-key": "wrong"}))
    assert capfd.readouterr().err == ""

    with SimulatorServer(verbose=True) as verbose:
        post(http, verbose)

    # Then only the verbose one logs, and never the key
    logged = capfd.readouterr().err
    assert "POST" in logged
    assert "sim-api-key" not in logged


def test_binds_loopback_only() -> None:
    with pytest.raises(ValueError, match="loopback"):
        SimulatorServer(host="0.0.0.0")


# --- strict checks ------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
def test_only_post_is_allowed(sim: SimulatorServer, http: requests.Session, method: str) -> None:
    response = http.request(method, sim.url, headers=valid_headers(sim), timeout=TIMEOUT)

    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"


def test_other_paths_are_not_found(sim: SimulatorServer, http: requests.Session) -> None:
    url = sim.url.replace("retrieveQueueInfo", "retrieveAgentInfo")

    response = http.post(url, json=valid_body(sim), headers=valid_headers(sim), timeout=TIMEOUT)

    assert response.status_code == 404


def test_content_type_must_be_json(sim: SimulatorServer, http: requests.Session) -> None:
    headers = valid_headers(sim, **{"Content-Type": "text/plain"})

    assert post(http, sim, headers=headers).status_code == 415


def test_json_with_a_charset_is_accepted(sim: SimulatorServer, http: requests.Session) -> None:
    headers = valid_headers(sim, **{"Content-Type": "application/json; charset=utf-8"})

    assert post(http, sim, headers=headers).status_code == 200


@pytest.mark.parametrize("header", REQUIRED_HEADERS)
def test_each_header_is_required(sim: SimulatorServer, http: requests.Session, header: str) -> None:
    # Given a request without one of the five headers
    # When it is sent
    response = post(http, sim, headers=valid_headers(sim, **{header: None}))

    # Then it is refused with a message naming that header, and never the key
    assert response.status_code == 400
    assert header in response.json()["error"]
    assert "sim-api-key" not in response.text


@pytest.mark.parametrize("header", ["X-sc-platform-code", "X-sc-company-code", "X-sc-company-environment"])
def test_another_tenant_is_forbidden(sim: SimulatorServer, http: requests.Session, header: str) -> None:
    response = post(http, sim, headers=valid_headers(sim, **{header: "someone-else"}))

    assert response.status_code == 403


def test_secrets_region_is_checked_when_configured(http: requests.Session) -> None:
    # Given a simulator whose key lives in eu-west-2
    with SimulatorServer(secrets_region="eu-west-2") as sim:
        # When requests name another region, and that one
        wrong = post(http, sim, headers=valid_headers(sim, **{"X-sc-secrets-region": "us-east-1"}))
        right = post(http, sim)

    # Then only the right one is served
    assert (wrong.status_code, right.status_code) == (403, 200)


def test_a_wrong_key_is_unauthorized_and_not_echoed(sim: SimulatorServer, http: requests.Session) -> None:
    response = post(http, sim, headers=valid_headers(sim, **{"X-sc-company-api-key": "guessed-key-123"}))

    assert response.status_code == 401
    assert "guessed-key-123" not in response.text
    assert "sim-api-key" not in response.text


def test_rotate_key_refuses_the_old_key(sim: SimulatorServer, http: requests.Session) -> None:
    # Given a request built with the current key
    old_headers = valid_headers(sim)

    # When the key rotates
    sim.rotate_key("fresh-key")

    # Then the old key is refused and the new one accepted
    assert post(http, sim, headers=old_headers).status_code == 401
    assert post(http, sim, headers=valid_headers(sim)).status_code == 200
    assert sim.api_key == "fresh-key"


def test_rotate_key_after_n_requests(http: requests.Session) -> None:
    # Given a simulator that rotates its key after 2 requests
    rotations: list[str] = []
    with SimulatorServer(rotate_key_after=2, on_key_rotated=rotations.append) as sim:
        old_headers = valid_headers(sim)
        # When three requests use the original key
        statuses = [post(http, sim, headers=old_headers).status_code for _ in range(3)]
        current = post(http, sim, headers=valid_headers(sim)).status_code

    # Then the third is refused, and the rotated key works
    assert statuses == [200, 200, 401]
    assert rotations == ["sim-api-key-rotated"]
    assert current == 200


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"{not json", "not JSON"),
        (b'{"tenant": NaN}', "NaN is not JSON"),
        (b"[]", "an array"),
        (b"\xff\xfe", "not UTF-8"),
        ({"includeAmazonQueues": True}, "no tenant"),
        ({"tenant": "abc-gadgets", "includeAmazonQueues": True}, "tenant not an object"),
        ({"tenant": {"companyCode": "abc-gadgets"}, "includeAmazonQueues": True}, "tenant incomplete"),
        ("tenant-mismatch", "tenant not matching the headers"),
        ("no-include", "includeAmazonQueues missing"),
        ("include-string", "includeAmazonQueues a string"),
        ("interested-string", "queuesInterested not a list"),
        ("interested-empty", "queuesInterested empty"),
        ("interested-bare", "queuesInterested of bare strings"),
        ("interested-number", "queueId a number"),
        ("unknown-property", "an unknown property"),
    ],
)
def test_bad_bodies_are_refused(sim: SimulatorServer, http: requests.Session, body: Any, why: str) -> None:
    # Given a request whose body is wrong in one way
    tenant = valid_body(sim)["tenant"]
    bodies: dict[str, Any] = {
        "tenant-mismatch": valid_body(sim, tenant={**tenant, "environment": "dev"}),
        "no-include": {"tenant": tenant},
        "include-string": valid_body(sim, includeAmazonQueues="true"),
        "interested-string": valid_body(sim, queuesInterested="email-customer-care"),
        "interested-empty": valid_body(sim, queuesInterested=[]),
        "interested-bare": valid_body(sim, queuesInterested=["email-customer-care"]),
        "interested-number": valid_body(sim, queuesInterested=[{"queueId": 7}]),
        "unknown-property": valid_body(sim, includeAmazonQueue=True),
    }
    if isinstance(body, str):
        body = bodies[body]
    data = body if isinstance(body, bytes) else json.dumps(body).encode()

    # When it is sent
    response = post(http, sim, data=data)

    # Then it is refused with a JSON error
    assert response.status_code == 400, why
    assert isinstance(response.json()["error"], str)


def test_a_body_over_one_mebibyte_is_too_large(sim: SimulatorServer, http: requests.Session) -> None:
    response = post(http, sim, data=b" " * (1024 * 1024 + 1))

    assert response.status_code == 413


def test_a_body_of_exactly_one_mebibyte_is_accepted(sim: SimulatorServer, http: requests.Session) -> None:
    compact = json.dumps(valid_body(sim)).encode()

    response = post(http, sim, data=compact + b" " * (1024 * 1024 - len(compact)))

    assert response.status_code == 200


def test_a_chunked_body_needs_a_length(sim: SimulatorServer, http: requests.Session) -> None:
    chunks = iter([json.dumps(valid_body(sim)).encode()])

    response = http.post(sim.url, data=chunks, headers=valid_headers(sim), timeout=TIMEOUT)

    assert response.status_code == 411


# --- faults -------------------------------------------------------------------------------------


def test_status_fault_with_retry_after(sim: SimulatorServer, http: requests.Session) -> None:
    # Given a throttling fault for one request
    sim.add_fault(Fault("status", status=429, retry_after="1", times=1))

    # When two requests arrive
    throttled = post(http, sim)
    served = post(http, sim)

    # Then the first is throttled with Retry-After and a JSON error, the second served
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "1"
    assert isinstance(throttled.json()["error"], str)
    assert served.status_code == 200


def test_a_fault_with_times_recovers_after_n_requests(sim: SimulatorServer, http: requests.Session) -> None:
    sim.add_fault(Fault("status", status=503, times=2))

    statuses = [post(http, sim).status_code for _ in range(3)]

    assert statuses == [503, 503, 200]


def test_faults_apply_in_order(sim: SimulatorServer, http: requests.Session) -> None:
    sim.add_fault(Fault("status", status=500, times=1))
    sim.add_fault(Fault("status", status=502, times=1))

    statuses = [post(http, sim).status_code for _ in range(3)]

    assert statuses == [500, 502, 200]


def test_a_fault_without_times_applies_until_cleared(sim: SimulatorServer, http: requests.Session) -> None:
    sim.add_fault(Fault("status", status=503))
    during = [post(http, sim).status_code for _ in range(3)]

    sim.clear_faults()

    assert during == [503, 503, 503]
    assert post(http, sim).status_code == 200


def test_faults_spare_other_paths(sim: SimulatorServer, http: requests.Session) -> None:
    sim.add_fault(Fault("status", status=503, times=1))
    other = sim.url.replace(API_PATH, "/health")

    assert http.get(other, timeout=TIMEOUT).status_code == 404
    assert post(http, sim).status_code == 503


@pytest.mark.parametrize(
    ("kind", "content_type"),
    [
        ("malformed", "application/json"),
        ("truncated", "application/json"),
        ("html", "text/html; charset=utf-8"),
        ("empty", "application/json"),
    ],
)
def test_body_faults_send_200_with_no_json(
    sim: SimulatorServer, http: requests.Session, kind: str, content_type: str
) -> None:
    sim.add_fault(Fault(kind, times=1))

    response = post(http, sim)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


def test_truncated_fault_sends_the_first_half_of_the_answer(sim: SimulatorServer, http: requests.Session) -> None:
    sim.add_fault(Fault("truncated", times=1))

    cut = post(http, sim).content
    whole = post(http, sim).content

    assert cut == whole[: len(whole) // 2]


def test_html_fault_sends_an_html_page(sim: SimulatorServer, http: requests.Session) -> None:
    sim.add_fault(Fault("html", times=1))

    assert post(http, sim).text.startswith("<!DOCTYPE html>")


def test_empty_fault_sends_no_body(sim: SimulatorServer, http: requests.Session) -> None:
    sim.add_fault(Fault("empty", times=1))

    assert post(http, sim).content == b""


def test_null_fault_sends_json_null(sim: SimulatorServer, http: requests.Session) -> None:
    sim.add_fault(Fault("null", times=1))

    response = post(http, sim)

    assert (response.status_code, response.content) == (200, b"null")


def test_object_fault_wraps_the_queues_in_an_object(sim: SimulatorServer, http: requests.Session) -> None:
    sim.add_fault(Fault("object", times=1))

    response = post(http, sim)

    assert response.status_code == 200
    assert response.json() == {"queues": vendor_example()}


def test_wrong_types_fault_breaks_the_documented_fields(sim: SimulatorServer, http: requests.Session) -> None:
    # Given a wrong_types fault
    sim.add_fault(Fault("wrong_types", times=1))

    # When the vendor example is requested
    records = post(http, sim).json()

    # Then it is the usual array with the fields break_types documents broken
    assert records == symbee_sim.break_types(vendor_example())
    assert records[0]["agentsStaffed"] == "26"
    assert records[0]["agentsAvailable"] is None
    assert records[1]["itemsInQueue"] == -28
    assert records[1]["agentsWorking"] is True
    assert "queueInfo" not in records[2]


def test_body_faults_use_the_requests_filters(sim: SimulatorServer, http: requests.Session) -> None:
    sim.add_fault(Fault("object", times=1))

    response = post(http, sim, body=valid_body(sim, includeAmazonQueues=False))

    assert [r["queueInfo"]["queueId"] for r in response.json()["queues"]] == [
        "email-customer-care",
        "sms-customer-care",
    ]


@pytest.mark.parametrize(("status", "expected"), [(500, 302), (307, 307), (301, 301)])
def test_redirect_fault_sends_location(
    sim: SimulatorServer, http: requests.Session, status: int, expected: int
) -> None:
    sim.add_fault(Fault("redirect", status=status, location="https://elsewhere.example/api", times=1))

    response = post(http, sim, allow_redirects=False)

    assert response.status_code == expected
    assert response.headers["Location"] == "https://elsewhere.example/api"


def test_reset_fault_drops_the_connection(sim: SimulatorServer, http: requests.Session) -> None:
    # Given a reset fault
    sim.add_fault(Fault("reset", times=1))

    # When a request arrives, then the client sees the connection fail
    with pytest.raises(requests.ConnectionError):
        post(http, sim)

    # And the simulator recorded that it sent nothing, then recovers
    assert (sim.received[-1].status, sim.received[-1].fault) == (None, "reset")
    assert post(http, sim).status_code == 200


def test_slow_fault_delays_a_normal_answer(sim: SimulatorServer, http: requests.Session) -> None:
    sim.add_fault(Fault("slow", delay=0.3, times=1))

    started = time.monotonic()
    response = post(http, sim)

    assert time.monotonic() - started >= 0.3
    assert response.json() == vendor_example()


def test_hang_fault_times_the_client_out_and_does_not_block_stop(http: requests.Session) -> None:
    # Given a simulator that hangs for a minute
    sim = SimulatorServer().start()
    try:
        sim.add_fault(Fault("hang", delay=60.0))
        # When a client with a short read timeout calls it, then the client times out
        with pytest.raises(requests.ReadTimeout):
            post(http, sim, timeout=(TIMEOUT, 0.2))
    finally:
        # And stopping the simulator does not wait for the hanging handler
        started = time.monotonic()
        sim.stop()
        stopped_in = time.monotonic() - started
    assert stopped_in < 5.0


def test_hang_fault_closes_after_its_delay(sim: SimulatorServer, http: requests.Session) -> None:
    sim.add_fault(Fault("hang", delay=0.2, times=1))

    with pytest.raises(requests.ConnectionError):
        post(http, sim)


def test_dribble_fault_outlasts_a_read_timeout(sim: SimulatorServer, http: requests.Session) -> None:
    # Given a server that dribbles its answer over 0.6 s
    sim.add_fault(Fault("dribble", delay=0.6, times=1))

    # When a client with a 0.3 s read timeout calls it
    started = time.monotonic()
    response = post(http, sim, timeout=(TIMEOUT, 0.3))
    took = time.monotonic() - started

    # Then the read timeout never fires: the whole answer arrives, later than that timeout
    assert response.json() == vendor_example()
    assert int(response.headers["Content-Length"]) == len(response.content)
    assert took >= 0.6


def test_stop_is_prompt_while_dribbling(http: requests.Session) -> None:
    # Given a simulator dribbling an answer over a minute to a streaming client
    sim = SimulatorServer().start()
    try:
        sim.add_fault(Fault("dribble", delay=60.0))
        response = post(http, sim, stream=True)
        assert response.status_code == 200
    finally:
        # When it is stopped
        started = time.monotonic()
        sim.stop()
        stopped_in = time.monotonic() - started

    # Then it stops at once, and the client sees a cut answer
    assert stopped_in < 5.0
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        response.content  # noqa: B018 (reading the body is the point)


# --- HTTPS --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A throwaway self-signed certificate for 127.0.0.1 and localhost, and its key."""
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def tls_sim(tls_files: tuple[Path, Path]) -> Iterator[SimulatorServer]:
    with SimulatorServer(ssl_context=server_context(*tls_files)) as server:
        yield server


def test_serves_https_to_a_client_that_trusts_its_certificate(
    tls_sim: SimulatorServer, tls_files: tuple[Path, Path], http: requests.Session
) -> None:
    # Given an HTTPS simulator and a client trusting its certificate
    # When the client sends two requests
    first = post(http, tls_sim, verify=str(tls_files[0]))
    second = post(http, tls_sim, verify=str(tls_files[0]))

    # Then both are served over one TLS connection
    assert tls_sim.url.startswith("https://127.0.0.1:")
    assert first.json() == second.json() == vendor_example()
    assert tls_sim.connections == 1


def test_https_is_refused_by_a_client_that_does_not_trust_it(tls_sim: SimulatorServer, http: requests.Session) -> None:
    with pytest.raises(requests.exceptions.SSLError):
        post(http, tls_sim)


# --- command line -------------------------------------------------------------------------------


def start_cli(*arguments: str) -> tuple[subprocess.Popen[str], str]:
    """`python -m symbee_sim` on a free port; returns the process and its API URL."""
    # The child imports the same packages as this test run, wherever they come from.
    paths = [str(Path(next(iter(p.__path__))).parent) for p in (symbee_sim, queue_stats)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([*paths, os.environ.get("PYTHONPATH", "")])}
    process = subprocess.Popen(
        [sys.executable, "-m", "symbee_sim", "--port", "0", *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    banner = process.stdout.readline()
    url = next((word.split("=", 1)[1] for word in banner.split() if word.startswith("SYMBEE_API_URL=")), "")
    assert url, f"no URL in {banner!r}; stderr: {process.stderr.read() if process.stderr else ''}"
    assert "SYMBEE_COMPANY_CODE=abc-gadgets" in banner
    assert "SYMBEE_ENVIRONMENT=prod" in banner
    return process, url


def stop_cli(process: subprocess.Popen[str]) -> int:
    process.send_signal(signal.SIGINT)
    try:
        return process.wait(timeout=TIMEOUT)
    finally:
        process.kill()


def cli_post(http: requests.Session, url: str, key: str = "sim-api-key") -> requests.Response:
    headers = {
        "X-sc-platform-code": "AWS Connect",
        "X-sc-company-code": "abc-gadgets",
        "X-sc-company-environment": "prod",
        "X-sc-secrets-region": "us-east-1",
        "X-sc-company-api-key": key,
    }
    body = {
        "tenant": {"platformCode": "AWS Connect", "companyCode": "abc-gadgets", "environment": "prod"},
        "includeAmazonQueues": True,
    }
    return http.post(url, json=body, headers=headers, timeout=TIMEOUT)


def test_cli_serves_until_ctrl_c(http: requests.Session) -> None:
    # Given the simulator started from the command line with 6 generated queues
    process, url = start_cli("--queues", "6")
    try:
        # When the poller's request arrives
        response = cli_post(http, url)
    finally:
        # And Ctrl-C is pressed
        status = stop_cli(process)

    # Then it served 6 queues and exited cleanly
    assert len(response.json()) == 6
    assert status == 0


def test_cli_rotates_the_key_after_n_requests(http: requests.Session) -> None:
    # Given the command-line simulator rotating its key after one request
    process, url = start_cli("--rotate-key-after", "1")
    try:
        # When two requests use the original key
        first = cli_post(http, url).status_code
        second = cli_post(http, url).status_code
        rotated = cli_post(http, url, key="sim-api-key-rotated").status_code
        assert process.stdout is not None
        announcement = process.stdout.readline()
    finally:
        stop_cli(process)

    # Then the second is refused, the rotation was printed and the new key works
    assert (first, second, rotated) == (200, 401, 200)
    assert "sim-api-key-rotated" in announcement


def test_cli_run_fails_with_one_line_when_the_port_is_taken(capsys: pytest.CaptureFixture[str]) -> None:
    # Given a port something else listens on
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        args = parser.parse_args(["--port", str(taken.getsockname()[1])])

        # When the simulator is run on it
        status = run(args)

    # Then it fails with a one-line error
    assert status == 1
    error = capsys.readouterr().err
    assert error.startswith("error: cannot listen on 127.0.0.1:")
    assert error.count("\n") == 1


def test_cli_refuses_a_redirect_without_location(capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)

    status = run(parser.parse_args(["--port", "0", "--fault", "redirect"]))

    assert status == 2
    assert "location" in capsys.readouterr().err
