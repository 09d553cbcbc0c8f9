"""PagerDuty Events API v2 (and the incident tools that accept the same payload at their own URL).

The routing key is read from Secrets Manager through Powertools Parameters (cached like the poller's
API key), registered with `redact` before anything could log it, and never put in a message: errors
name the secret's id, the HTTP status and what PagerDuty refused. TLS verified; redirects never
followed (the key is in the body). Because an incident is keyed by `dedup_key`, sending the same
trigger or resolve twice changes nothing, so unlike SNS a timed-out attempt is retried.
"""

from __future__ import annotations

import json
from typing import Any, Final, Protocol
from urllib.parse import urlsplit, urlunsplit

import requests

from queue_stats import redact
from queue_stats.api_key import SecretsManagerString
from queue_stats.delivery import ChannelFailed, Retryable
from queue_stats.http import error_reason, new_session, retry_after

CONNECT_TIMEOUT_SECONDS: Final = 3.05
READ_TIMEOUT_SECONDS: Final = 5.0
MIN_ATTEMPT_SECONDS: Final = 1.0
MAX_ANSWER_BYTES: Final = 64 * 1024
# Field names a JSON secret may keep the key under (the console's key/value editor writes JSON).
KEY_FIELDS: Final = ("routing_key", "routingKey", "integration_key", "integrationKey")
MAX_KEY_LENGTH: Final = 256


class RoutingKeySource(Protocol):
    def get(self, *, refresh: bool = False) -> str: ...


class SecretsManagerRoutingKey(SecretsManagerString):
    """The routing key in a Secrets Manager secret: the key itself, or a JSON object with a
    `routing_key` field."""

    def __init__(self, *, secret_id: str, max_age_seconds: int, client: Any) -> None:
        super().__init__(
            secret_id=secret_id,
            region=client.meta.region_name,
            max_age_seconds=max_age_seconds,
            client=client,
            what="PagerDuty routing key",
            error=ChannelFailed,
            parse=key_from_secret,
        )


def key_from_secret(value: str, secret_id: str) -> str:
    """The routing key in a SecretString, or ChannelFailed saying what is wrong (never quoting it)."""
    text = value.strip()
    if text.startswith("{"):
        try:
            loaded = json.loads(text)
        except ValueError:
            raise ChannelFailed(f"Secrets Manager secret {secret_id!r} starts with '{{' but is not JSON") from None
        if not isinstance(loaded, dict):
            raise ChannelFailed(f"Secrets Manager secret {secret_id!r} is JSON but not an object")
        found = [name for name in KEY_FIELDS if isinstance(loaded.get(name), str)]
        if not found:
            raise ChannelFailed(
                f"Secrets Manager secret {secret_id!r} is a JSON object without a routing_key field "
                f"(fields: {', '.join(sorted(str(k) for k in loaded)) or 'none'})"
            )
        text = str(loaded[found[0]]).strip()
    if not text:
        raise ChannelFailed(f"Secrets Manager secret {secret_id!r} holds an empty routing key")
    if len(text) > MAX_KEY_LENGTH or not (text.isascii() and text.isprintable()) or any(c.isspace() for c in text):
        raise ChannelFailed(
            f"Secrets Manager secret {secret_id!r} does not hold a routing key (printable ASCII without "
            f"spaces, at most {MAX_KEY_LENGTH} characters)"
        )
    return text


class PagerDutyClient:
    """Sends Events API v2 events to one URL with one routing key source; one session per process."""

    def __init__(self, url: str, key: RoutingKeySource, *, session: requests.Session | None = None) -> None:
        parts = urlsplit(url)
        # Where events go, as printed and logged: never a query string or credentials in the URL.
        self.url = urlunsplit((parts.scheme, parts.netloc.rsplit("@", 1)[-1], parts.path, "", ""))
        self._post_url = url
        self._key = key
        self._session = session or new_session()
        self._host = urlsplit(url).hostname or url

    def message(self, event: dict[str, Any]) -> PagerMessage:
        return PagerMessage(self, event)

    def post(self, event: dict[str, Any], key: str, remaining_seconds: float) -> str:
        """One POST; returns PagerDuty's dedup key. Raises Retryable, ChannelFailed, or _KeyRefused."""
        body = {"routing_key": key, **event}
        try:
            response = self._session.post(
                self._post_url,
                json=body,
                timeout=(
                    min(CONNECT_TIMEOUT_SECONDS, remaining_seconds),
                    min(READ_TIMEOUT_SECONDS, remaining_seconds),
                ),
                allow_redirects=False,
                stream=True,
            )
        except requests.exceptions.SSLError as error:
            raise ChannelFailed(f"TLS verification failed for {self._host}: {error_reason(error)}") from None
        except requests.exceptions.Timeout:
            raise Retryable(f"timed out waiting for {self._host}") from None
        except requests.exceptions.ConnectionError as error:
            raise Retryable(f"could not connect to {self._host}: {error_reason(error)}") from None
        except requests.exceptions.RequestException as error:
            raise ChannelFailed(f"request to {self._host} failed: {error_reason(error)}") from None
        with response:
            status = response.status_code
            answer = _answer(response)
            if status in (200, 201, 202):
                dedup = answer.get("dedup_key") if isinstance(answer, dict) else None
                return str(dedup or event.get("dedup_key", "?"))
            refused = _refusal(answer, key)
            if status == 429 or status >= 500:
                raise Retryable(f"HTTP {status}{refused}", retry_after(response.headers.get("Retry-After")))
            if 300 <= status < 400:
                raise ChannelFailed(f"{self._host} redirected (HTTP {status}); not followed, the routing key stays put")
            if status in (400, 401, 403, 404):
                raise _KeyRefused(status, refused)
            raise ChannelFailed(f"{self._host} refused the event (HTTP {status}){refused}")

    @property
    def key_source(self) -> RoutingKeySource:
        return self._key


class PagerMessage:
    """One event for the pager channel (see delivery.Outbound)."""

    def __init__(self, client: PagerDutyClient, event: dict[str, Any]) -> None:
        self._client = client
        self._event = event
        self._key: str | None = None
        self._refreshed = False

    @property
    def channel(self) -> str:
        return "pager"

    @property
    def target(self) -> str:
        return self._client.url

    @property
    def min_attempt_seconds(self) -> float:
        return MIN_ATTEMPT_SECONDS

    def attempt(self, remaining_seconds: float) -> str:
        if self._key is None:
            self._key = self._client.key_source.get()
        try:
            dedup = self._client.post(self._event, self._key, remaining_seconds)
        except _KeyRefused as refused:
            # A rotated key: read it again once, bypassing the cache, and retry if it changed.
            if not self._refreshed:
                self._refreshed = True
                fresh = self._client.key_source.get(refresh=True)
                if fresh != self._key:
                    self._key = fresh
                    reread = f"HTTP {refused.status}: the routing key was re-read from Secrets Manager"
                    raise Retryable(reread, 0.0) from None
            raise ChannelFailed(f"PagerDuty refused the event (HTTP {refused.status}){refused.detail}") from None
        return f"{self._event.get('event_action', 'event')} accepted, dedup_key {dedup}"


class _KeyRefused(Exception):
    """400/401/403/404: a bad event, or a key PagerDuty does not know (maybe rotated)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(status)
        self.status = status
        self.detail = detail


def _answer(response: requests.Response) -> Any:
    try:
        raw = response.raw.read(MAX_ANSWER_BYTES, decode_content=True)
        return json.loads(raw) if raw else None
    except Exception:  # an HTML error page, a cut body: the status says enough
        return None


def _refusal(answer: Any, key: str) -> str:
    """`: <message>; <errors>` from PagerDuty's JSON answer, without the key, bounded."""
    if not isinstance(answer, dict):
        return ""
    parts = [str(answer.get("message", "")).strip()]
    errors = answer.get("errors")
    if isinstance(errors, list):
        parts += [str(e).strip() for e in errors[:5]]
    text = "; ".join(p for p in parts if p)
    text = " ".join(redact.redact(text.replace(key, "[key]")).split())
    return f": {text[:300]}" if text else ""
