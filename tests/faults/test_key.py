"""The API key: rotated, refused, missing, denied, unreachable, or stored in a form we cannot send."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from queue_stats import names as n
from queue_stats.errors import ApiKeyError, ApiKeyRejected
from symbee_sim import SimulatorServer
from symbee_sim.local_aws import MotoServer
from tests.conftest import API_KEY
from tests.faults.checks import assert_failed, assert_succeeded
from tests.faults.harness import Invoke, Watch
from tests.faults.registry import covers
from tests.faults.servers import AwsProxy, AwsRule, aws_error, closed_port


def secrets(moto: MotoServer) -> Any:
    return boto3.client("secretsmanager", endpoint_url=moto.url)


def put_secret(moto: MotoServer, **value: Any) -> None:
    secrets(moto).put_secret_value(SecretId=n.DEFAULT_API_KEY_SECRET_ID, **value)


@covers("key-rotated")
def test_a_rotated_key_is_re_read_once_and_the_poll_succeeds(
    invoke: Invoke, simulator: SimulatorServer, aws: MotoServer, aws_proxy: AwsProxy, watch: Watch
) -> None:
    # Given a warm container holding the old key
    assert invoke().error is None
    # When the key rotates at Symbee and in Secrets Manager
    new_key = "rotated-key-3f9a1c7e"
    watch.secrets.add(new_key)
    simulator.rotate_key(new_key)
    put_secret(aws, SecretString=new_key)
    reads_before = len(aws_proxy.calls("GetSecretValue"))
    outcome = invoke()
    # Then one 401, one re-read of the secret, one retry with the new key, and success
    assert outcome.error is None
    assert outcome.result is not None
    assert outcome.result["api_attempts"] == 2
    assert [r.status for r in simulator.received[-2:]] == [401, 200]
    assert len(aws_proxy.calls("GetSecretValue")) == reads_before + 1
    assert outcome.warnings == ["Symbee API rejected the key (HTTP 401); re-reading it from Secrets Manager"]
    assert outcome.errors == []


@covers("key-refused-twice")
def test_a_key_refused_twice_fails_after_exactly_two_requests(
    invoke: Invoke, simulator: SimulatorServer, aws: MotoServer, watch: Watch
) -> None:
    watch.secrets.add("a-key-secrets-manager-does-not-have")
    simulator.rotate_key("a-key-secrets-manager-does-not-have")
    outcome = invoke()
    assert_failed(
        outcome,
        aws,
        ApiKeyRejected,
        "Symbee API key rejected (HTTP 401) even after re-reading it from Secrets Manager secret "
        f"{n.DEFAULT_API_KEY_SECRET_ID!r}",
        within=3,
    )
    assert simulator.requests == 2


@covers("key-secret-missing")
def test_a_missing_secret_fails_naming_it(
    invoke: Invoke, simulator: SimulatorServer, aws: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(n.ENV_API_KEY_SECRET_ID, "no-such-secret")
    outcome = invoke()
    assert_failed(
        outcome,
        aws,
        ApiKeyError,
        "could not read the API key from Secrets Manager secret 'no-such-secret' in us-east-1: ",
        "ResourceNotFoundException",
        within=3,
    )
    assert simulator.requests == 0


@covers("key-access-denied")
def test_access_denied_to_the_secret_fails_clearly_without_calling_the_api(
    invoke: Invoke, simulator: SimulatorServer, aws: MotoServer, aws_proxy: AwsProxy
) -> None:
    denied = aws_error(
        "AccessDeniedException",
        "User: arn:aws:sts::123456789012:assumed-role/poller/fn is not authorized to perform: "
        "secretsmanager:GetSecretValue on resource: SYMBEE_CONNECT_API_KEY",
    )
    aws_proxy.add_rule(AwsRule(lambda call: call.operation == "GetSecretValue", denied))
    outcome = invoke()
    assert_failed(
        outcome,
        aws,
        ApiKeyError,
        f"could not read the API key from Secrets Manager secret {n.DEFAULT_API_KEY_SECRET_ID!r} in us-east-1: ",
        "AccessDeniedException",
        "not authorized to perform: secretsmanager:GetSecretValue",
        within=3,
    )
    assert simulator.requests == 0
    assert len(aws_proxy.calls("GetSecretValue")) == 1  # a denial is not retried


@covers("key-secrets-manager-unreachable")
def test_an_unreachable_secrets_manager_fails_clearly(
    invoke: Invoke, simulator: SimulatorServer, aws: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", f"http://127.0.0.1:{closed_port()}")
    outcome = invoke()
    assert_failed(
        outcome,
        aws,
        ApiKeyError,
        f"could not read the API key from Secrets Manager secret {n.DEFAULT_API_KEY_SECRET_ID!r} in us-east-1: ",
        "Could not connect to the endpoint URL",
        within=6,
    )
    assert simulator.requests == 0


@covers("key-whitespace")
@pytest.mark.parametrize(
    "wrapped",
    [f"  {API_KEY}\n", f"\t{API_KEY}\r\n", f"\n{API_KEY}"],
    ids=["spaces-newline", "tab-crlf", "newline-first"],
)
def test_whitespace_around_the_key_is_not_part_of_it(
    invoke: Invoke, simulator: SimulatorServer, aws: MotoServer, wrapped: str
) -> None:
    put_secret(aws, SecretString=wrapped)
    outcome = invoke()
    assert_succeeded(outcome, aws, queues_reported=3, invalid=0, within=3)
    assert simulator.received[-1].header("X-sc-company-api-key") == API_KEY


@covers("key-json-wrapped")
@pytest.mark.parametrize(
    "secret",
    [json.dumps({"apiKey": API_KEY}), json.dumps({"SYMBEE_CONNECT_API_KEY": API_KEY}, indent=2)],
    ids=["one-line", "pretty-printed"],
)
def test_a_json_wrapped_secret_is_refused_and_nothing_is_sent(
    invoke: Invoke, simulator: SimulatorServer, aws: MotoServer, secret: str
) -> None:
    put_secret(aws, SecretString=secret)
    outcome = invoke()
    assert_failed(
        outcome,
        aws,
        ApiKeyError,
        f"Secrets Manager secret {n.DEFAULT_API_KEY_SECRET_ID!r} holds a JSON object; it must hold the API key "
        "itself, as Symbee's stack stores it",
        within=3,
    )
    assert simulator.requests == 0


UNUSABLE: dict[str, tuple[dict[str, Any], str]] = {
    "whitespace only": ({"SecretString": " \n\t "}, "is empty"),
    "binary": ({"SecretBinary": b"\x00\x01binary-key"}, "holds binary data"),
    "line break inside": ({"SecretString": "first-half-of-key\nsecond-half"}, "characters an HTTP header cannot carry"),
    "non-ASCII": ({"SecretString": "ключ-0123456789"}, "characters an HTTP header cannot carry"),
    "control character": ({"SecretString": "key-with-\x00-nul"}, "characters an HTTP header cannot carry"),
}


@covers("key-unusable")
@pytest.mark.parametrize("variant", UNUSABLE)
def test_a_secret_that_cannot_be_a_key_is_refused_without_quoting_it(
    invoke: Invoke, simulator: SimulatorServer, aws: MotoServer, watch: Watch, variant: str
) -> None:
    value, words = UNUSABLE[variant]
    if "SecretString" in value and value["SecretString"].strip():
        watch.secrets.add(value["SecretString"])
    put_secret(aws, **value)
    outcome = invoke()
    assert_failed(
        outcome, aws, ApiKeyError, f"Secrets Manager secret {n.DEFAULT_API_KEY_SECRET_ID!r} ", words, within=3
    )
    assert simulator.requests == 0
