"""Redaction of secret values from log records: the last line of defence for the API key."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from queue_stats import redact

KEY = 'k3y-with/"quote\\and-backslash'


@pytest.fixture(autouse=True)
def _nothing_known() -> Iterator[None]:
    redact._known.clear()
    yield
    redact._known.clear()


def botocore_body_line(secret_string: str) -> str:
    """How botocore logs GetSecretValue's response at DEBUG: the JSON body as a bytes repr."""
    body = json.dumps({"ARN": "arn:x", "Name": "n", "SecretString": secret_string, "VersionId": "v"}).encode()
    return f"Response body:\n{body!r}"


@pytest.mark.parametrize(
    "secret_string",
    ["plain-key-0123", KEY, json.dumps({"apiKey": KEY}), "  spaced\n", "ключ-ü", "ends-with-backslash\\"],
    ids=["plain", "quote-and-backslash", "json-wrapped", "whitespace", "non-ascii", "trailing-backslash"],
)
def test_the_secret_field_of_botocores_debug_line_is_redacted_before_the_key_is_known(secret_string: str) -> None:
    # Given a secret never registered (the first read of a cold container)
    line = redact.redact(botocore_body_line(secret_string))
    # Then no part of the value is left, and the fields around it are
    assert '"SecretString": "[redacted]"' in line
    for part in (KEY, "plain-key-0123", "spaced", "ключ", "\\u043a", "ends-with-backslash"):
        assert part not in line
    assert '"ARN": "arn:x"' in line


def test_a_secret_field_in_plain_json_is_redacted() -> None:
    text = json.dumps({"SecretString": KEY, "Name": "n"})
    assert redact.redact(text) == '{"SecretString": "[redacted]", "Name": "n"}'


def test_a_secret_binary_field_is_redacted() -> None:
    assert redact.redact('{"SecretBinary": "AAECAw==", "Name": "n"}') == '{"SecretBinary": "[redacted]", "Name": "n"}'


def test_an_unterminated_secret_field_is_redacted_to_the_end() -> None:
    assert redact.redact('{"SecretString": "cut-off-key') == '{"SecretString": "[redacted]'


@pytest.mark.parametrize(
    "form",
    [KEY, json.dumps(KEY)[1:-1], repr(KEY)[1:-1], json.dumps(KEY)[1:-1].replace("\\", "\\\\")],
    ids=["as-is", "json-escaped", "python-escaped", "json-in-a-repr"],
)
def test_a_registered_key_is_redacted_in_every_escaped_form(form: str) -> None:
    redact.register(KEY)
    assert redact.redact(f"the vendor said: unknown key {form}!") == "the vendor said: unknown key [redacted]!"


def test_an_earlier_key_stays_redacted_after_rotation() -> None:
    redact.register("old-key-1111")
    redact.register("new-key-2222")
    assert redact.redact("old-key-1111 then new-key-2222") == "[redacted] then [redacted]"


def test_registering_the_same_key_twice_keeps_one_entry() -> None:
    redact.register("same-key")
    redact.register("same-key")
    assert list(redact._known) == ["same-key"]


def test_the_log_record_factory_redacts_every_logger_and_argument(caplog: pytest.LogCaptureFixture) -> None:
    # Given the factory installed (twice: it must wrap only once) and a known key
    redact.install()
    redact.install()
    redact.register("factory-key-3333")
    caplog.set_level(logging.DEBUG)
    # When any library logs it, in the message or in its arguments
    logging.getLogger("urllib3.connectionpool").debug("header %s", "factory-key-3333")
    logging.getLogger("botocore.parsers").debug(botocore_body_line("unregistered-4444"))
    logging.getLogger("queue_stats.any").warning("key=%r", "factory-key-3333")
    # Then no record holds it
    assert "factory-key-3333" not in caplog.text
    assert "unregistered-4444" not in caplog.text
    assert caplog.records[0].getMessage() == "header [redacted]"
    assert logging.getLogRecordFactory().redacts_secrets  # type: ignore[attr-defined]


def test_a_record_whose_message_cannot_be_formatted_is_left_for_logging_to_report() -> None:
    redact.install()
    record = logging.getLogRecordFactory()("x", logging.INFO, __file__, 1, "%d", ("not a number",), None)
    assert (record.msg, record.args) == ("%d", ("not a number",))


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def read(self, amount: int, decode_content: bool = True) -> bytes:
        return self._body[:amount]


class _Response:
    def __init__(self, body: bytes) -> None:
        self.raw = _Raw(body)


@pytest.mark.parametrize("padding", [0, 200, 265, 290, 299, 5_000])
def test_an_error_body_that_echoes_the_key_never_puts_any_of_it_in_the_message(padding: int) -> None:
    # Given a 4xx body that repeats the key where the snippet is cut, after whitespace that the
    # message collapses
    from queue_stats.symbee_api import _snippet

    key = "SECRETKEY0123456789abcdefghij"
    redact.register(key)
    body = ("{" + " " * padding + f'"error": "bad key {key}"' + "}").encode()
    # When the message's snippet is made
    snippet = _snippet(_Response(body), key)  # type: ignore[arg-type]
    # Then no 6-character piece of the key is in it
    assert not any(key[i : i + 6] in snippet for i in range(len(key) - 5)), snippet
