"""The Symbee API key from Secrets Manager, cached for at most `max_age` seconds.

The key rotates; a rejected key is re-read once with `refresh=True`, bypassing the cache.
A read from Secrets Manager ends by the caller's deadline, however slowly Secrets Manager answers.
The value never appears in a message: errors carry the secret's id, region and AWS error code.
"""

from __future__ import annotations

import contextvars
import functools
import json
import math
from collections.abc import Callable
from typing import Any, Protocol

from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

from queue_stats import redact
from queue_stats.errors import ApiKeyError
from queue_stats.watchdog import call_within


class ApiKeySource(Protocol):
    def get(self, *, refresh: bool = False, deadline: float = math.inf) -> str:
        """The key; `deadline` (a time.monotonic() instant) bounds a read from the store."""
        ...


# The deadline of the read in progress: Powertools' provider passes its own arguments on to the SDK.
_read_deadline: contextvars.ContextVar[float] = contextvars.ContextVar("api_key_read_deadline", default=math.inf)


class _DeadlineSecretsProvider(parameters.SecretsProvider):
    """Powertools' Secrets Manager provider whose every read from AWS (a cached value needs none)
    ends by the deadline of the `get` that asked for it. `_get` is Powertools' documented hook
    for a provider's own fetching."""

    def _get(self, name: str, **sdk_options: Any) -> Any:
        return call_within(functools.partial(super()._get, name, **sdk_options), _read_deadline.get())


class SecretsManagerString:
    """A string secret read through Powertools Parameters, whose cache makes warm reads free, each
    read from AWS ended by the caller's deadline, the value registered for redaction before it is
    returned. `parse` turns the SecretString into the value or raises `error`, never quoting it."""

    def __init__(
        self,
        *,
        secret_id: str,
        region: str,
        max_age_seconds: int,
        client: Any,
        what: str,
        error: type[Exception],
        parse: Callable[[str, str], str],
    ) -> None:
        self._secret_id = secret_id
        self._region = region
        self._max_age = max_age_seconds
        self._what = what
        self._error = error
        self._parse = parse
        self._provider = _DeadlineSecretsProvider(boto3_client=client)
        redact.install()  # before the first read: botocore logs the secret's body at DEBUG

    @property
    def secret_id(self) -> str:
        return self._secret_id

    def get(self, *, refresh: bool = False, deadline: float = math.inf) -> str:
        token = _read_deadline.set(deadline)
        try:
            value = self._provider.get(self._secret_id, max_age=self._max_age, force_fetch=refresh)
        except GetParameterError as error:
            raise self._error(
                f"could not read the {self._what} from Secrets Manager secret {self._secret_id!r} "
                f"in {self._region}: {_first_line(error)}"
            ) from None
        finally:
            _read_deadline.reset(token)
        if not isinstance(value, str):
            raise self._error(
                f"Secrets Manager secret {self._secret_id!r} holds binary data, expected the {self._what} as a string"
            )
        secret = self._parse(value, self._secret_id)
        redact.register(secret)
        return secret


class SecretsManagerApiKey(SecretsManagerString):
    """The Symbee API key, as Symbee's own stack stores it (the SecretString is the key)."""

    def __init__(self, *, secret_id: str, region: str, max_age_seconds: int, client: Any) -> None:
        super().__init__(
            secret_id=secret_id,
            region=region,
            max_age_seconds=max_age_seconds,
            client=client,
            what="API key",
            error=ApiKeyError,
            parse=_key_from,
        )


def _key_from(value: str, secret_id: str) -> str:
    """The key in a SecretString, or ApiKeyError saying what is wrong with it (never quoting it).

    The vendor stores the key itself as the SecretString. A newline pasted in by hand is never part
    of a key, so surrounding whitespace is dropped. The key travels as an HTTP header, which carries
    printable ASCII only; anything else would be refused by the HTTP library with the value in its
    message. A JSON object is not a documented form: rather than guess which field holds the key,
    say so (sending it as is would only come back as "key rejected")."""
    key = value.strip()
    if not key:
        raise ApiKeyError(f"Secrets Manager secret {secret_id!r} is empty")
    if key.startswith("{") and key.endswith("}"):
        try:
            is_object = isinstance(json.loads(key), dict)
        except ValueError:
            is_object = False
        if is_object:
            raise ApiKeyError(
                f"Secrets Manager secret {secret_id!r} holds a JSON object; it must hold the API key itself, "
                "as Symbee's stack stores it"
            )
    if not (key.isascii() and key.isprintable()):
        raise ApiKeyError(
            f"Secrets Manager secret {secret_id!r} holds characters an HTTP header cannot carry "
            "(a line break, a control or non-ASCII character); it must hold the API key alone"
        )
    return key


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0][:300] if text else type(error).__name__
