"""The fault suite's harness: every scenario runs the real handler with DEBUG logging everywhere,
AWS behind a CloudWatch-strict proxy, and ends with a check that the API key leaked nowhere."""

from __future__ import annotations

import io
import json
import logging
import os
import time
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import queue_stats.handler as lambda_module
from queue_stats import names as n
from symbee_sim import SimulatorServer
from symbee_sim.local_aws import MotoServer
from tests.conftest import API_KEY, COMPANY, ENVIRONMENT, FakeLambdaContext
from tests.faults.harness import Invoke, Outcome, Watch
from tests.faults.servers import AwsProxy

# Every logger that could see the key: ours, the HTTP stack's, the AWS SDK's, Powertools'.
DEBUG_LOGGERS = (
    "queue_stats",
    "symbee-queue-stats",
    "urllib3",
    "requests",
    "botocore",
    "boto3",
    "aws_lambda_powertools",
)


@pytest.fixture
def watch() -> Watch:
    return Watch()


@pytest.fixture(autouse=True)
def _fresh_redaction() -> None:
    """A cold container knows no key yet: what an earlier test registered must not hide a leak."""
    from queue_stats import redact

    redact._known.clear()


@pytest.fixture(autouse=True)
def debug_logging(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for name in DEBUG_LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)


@pytest.fixture(autouse=True)
def lambda_stream(debug_logging: None) -> Iterator[io.StringIO]:
    """What the handler's JSON logger writes (ours and queue_stats.*), as Lambda ships it."""
    handler = lambda_module.logger.registered_handler
    stream = io.StringIO()
    original = handler.setStream(stream)
    yield stream
    handler.setStream(original)


@pytest.fixture(autouse=True)
def no_key_leak(
    watch: Watch,
    lambda_stream: io.StringIO,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> Iterator[None]:
    """After every scenario: no key in any log record, the Lambda's log, stdout/stderr, exception,
    CLI output or environment variable."""
    yield
    captured = capsys.readouterr()
    places = {
        "log records (caplog)": caplog.text,
        "log record attributes": "\n".join(repr(vars(record)) for record in caplog.records),
        "the Lambda's log": lambda_stream.getvalue(),
        "stdout/stderr": captured.out + captured.err,
        "environment variables": "\n".join(f"{k}={v}" for k, v in os.environ.items()),
        "other output": "\n".join(watch.texts),
        "exceptions": "\n".join(
            "".join(traceback.format_exception(o.error)) + repr(o.error) for o in watch.outcomes if o.error
        ),
    }
    for secret in watch.secrets:
        forms = {secret, json.dumps(secret)[1:-1], repr(secret)[1:-1]}
        for place, text in places.items():
            for form in forms:
                assert form not in text, f"the API key leaked into {place}"


@pytest.fixture
def aws_proxy(aws: MotoServer) -> Iterator[AwsProxy]:
    with AwsProxy(aws.url) as proxy:
        yield proxy


@pytest.fixture
def env(poller_env: dict[str, str], aws_proxy: AwsProxy, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The poller pointed at the simulator, and at moto through the CloudWatch-strict proxy."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws_proxy.url)
    for name in ("AWS_ENDPOINT_URL_CLOUDWATCH", "AWS_ENDPOINT_URL_SECRETS_MANAGER"):
        monkeypatch.delenv(name, raising=False)
    return {**poller_env, "AWS_ENDPOINT_URL": aws_proxy.url}


@pytest.fixture
def invoke(env: dict[str, str], watch: Watch, lambda_stream: io.StringIO) -> Invoke:
    """Run the handler once as Lambda would, with `remaining_ms` left; never raises."""

    def run(remaining_ms: int = 55_000) -> Outcome:
        start = len(lambda_stream.getvalue())
        began = time.monotonic()
        result: dict[str, Any] | None = None
        error: Exception | None = None
        try:
            result = lambda_module.lambda_handler(
                {"source": "aws.events", "detail-type": "Scheduled Event"}, FakeLambdaContext(remaining_ms)
            )
        except Exception as caught:
            error = caught
        seconds = time.monotonic() - began
        text = lambda_stream.getvalue()[start:]
        outcome = Outcome(result, error, seconds, [json.loads(line) for line in text.splitlines() if line])
        watch.outcomes.append(outcome)
        return outcome

    return run


@pytest.fixture
def warm(env: dict[str, str]) -> None:
    """A warm container: its runtime built, as a previous invocation left it (nothing invoked). A
    cold start spends the invocation's time, which a test of tiny budgets cannot spare."""
    from queue_stats.settings import Settings

    lambda_module._runtime_for(Settings.from_env(os.environ))


@pytest.fixture
def serve(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., SimulatorServer]]:
    """Start another simulator (e.g. with a body override) and point the poller at it."""
    started: list[SimulatorServer] = []

    def start(**kwargs: Any) -> SimulatorServer:
        kwargs.setdefault("api_key", API_KEY)
        kwargs.setdefault("company_code", COMPANY)
        kwargs.setdefault("environment", ENVIRONMENT)
        sim = SimulatorServer(**kwargs).start()
        started.append(sim)
        monkeypatch.setenv(n.ENV_API_URL, sim.url)
        return sim

    yield start
    for sim in started:
        sim.stop()
