"""Sends one transition through every configured channel: each in its own thread, each retried a
bounded number of times within the invocation's remaining time; one channel failing for good never
stops the others. The result says, per channel, where it went or why it did not.

A retry must never make a person read one transition twice: a channel retries only what was not
delivered (could not connect, throttled, a 5xx), and says when an attempt's fate is unknown
rather than sending again (SNS has no idempotency key; PagerDuty's dedup_key makes a repeat harmless,
so the pager does retry those).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Final, Protocol

logger = logging.getLogger(__name__)

MAX_ATTEMPTS: Final = 3
BACKOFF_BASE_SECONDS: Final = 0.25
MAX_BACKOFF_SECONDS: Final = 2.0

# SNS errors that mean "not published, try again".
_SNS_RETRYABLE_CODES: Final = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "InternalError",
        "InternalFailure",
        "ServiceUnavailable",
        "KMSThrottling",
    }
)


class Retryable(Exception):
    """This attempt did not deliver; another may. `delay`: the server's Retry-After, if any."""

    def __init__(self, reason: str, delay: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.delay = delay


class ChannelFailed(Exception):
    """This channel cannot deliver this message (or cannot know it did); do not retry."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Outbound(Protocol):
    """One message ready for one channel."""

    @property
    def channel(self) -> str: ...  # "email", "chat", "pager"

    @property
    def target(self) -> str: ...  # where it goes, printable (a topic ARN, a URL)

    @property
    def min_attempt_seconds(self) -> float: ...  # an attempt is not started with less time left

    def attempt(self, remaining_seconds: float) -> str:
        """Send once; returns what the receiver said (a message id, a dedup key). Raises Retryable
        or ChannelFailed."""
        ...


@dataclass(frozen=True)
class Delivery:
    """One channel's outcome."""

    channel: str
    target: str
    ok: bool
    detail: str  # the receiver's id on success, the reason otherwise
    attempts: int = 0
    skipped: bool = False  # nothing to send on this channel for this transition

    def as_dict(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "target": self.target,
            "ok": self.ok,
            "skipped": self.skipped,
            "detail": self.detail,
            "attempts": self.attempts,
        }


def deliver(
    outbound: Sequence[Outbound],
    *,
    deadline: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    max_attempts: int = MAX_ATTEMPTS,
) -> list[Delivery]:
    """Every message concurrently; results in the order given."""
    if not outbound:
        return []

    def one(message: Outbound) -> Delivery:
        return _send(message, deadline=deadline, clock=clock, sleep=sleep, max_attempts=max_attempts)

    if len(outbound) == 1:
        return [one(outbound[0])]
    with ThreadPoolExecutor(max_workers=len(outbound), thread_name_prefix="notify") as pool:
        return list(pool.map(one, outbound))


def _send(
    message: Outbound,
    *,
    deadline: float,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
    max_attempts: int,
) -> Delivery:
    attempts = 0
    last = "not attempted"
    while True:
        remaining = deadline - clock()
        if remaining < message.min_attempt_seconds:
            reason = f"ran out of time after {attempts} attempt(s)" + (f", last: {last}" if attempts else "")
            return Delivery(message.channel, message.target, False, reason, attempts)
        attempts += 1
        try:
            detail = message.attempt(remaining)
        except ChannelFailed as failure:
            return Delivery(message.channel, message.target, False, failure.reason, attempts)
        except Retryable as failure:
            last = failure.reason
            if attempts >= max_attempts:
                return Delivery(
                    message.channel, message.target, False, f"failed {attempts} times, last: {last}", attempts
                )
            delay = failure.delay if failure.delay is not None else _backoff(attempts)
            if clock() + delay + message.min_attempt_seconds > deadline:
                return Delivery(
                    message.channel,
                    message.target,
                    False,
                    f"failed ({last}) and a retry in {delay:.1f} s would not fit in the time left",
                    attempts,
                )
            logger.warning("%s attempt %d failed (%s); retrying in %.1f s", message.channel, attempts, last, delay)
            sleep(delay)
        except Exception as error:  # a bug or an unexpected library error: this channel only
            logger.exception("%s: unexpected error", message.channel)
            return Delivery(message.channel, message.target, False, f"unexpected {type(error).__name__}", attempts)
        else:
            return Delivery(message.channel, message.target, True, detail, attempts)


def _backoff(failures: int) -> float:
    # Full jitter: many notifiers failing at once do not retry in step.
    return random.uniform(0, min(MAX_BACKOFF_SECONDS, BACKOFF_BASE_SECONDS * 2**failures))  # noqa: S311


# --- SNS (email and chat) -------------------------------------------------------------------------


class PublishClient(Protocol):
    def publish(self, **kwargs: Any) -> dict[str, Any]: ...


class SnsMessage:
    """One SNS Publish. The client makes one attempt per call (no botocore retries): only this
    class decides what is safe to send again."""

    def __init__(
        self,
        client: PublishClient,
        *,
        channel: str,
        topic_arn: str,
        message: str,
        subject: str | None = None,
        attributes: dict[str, str] | None = None,
        min_attempt_seconds: float,
        fifo_ids: tuple[str, str] | None = None,
    ) -> None:
        self._client = client
        self._channel = channel
        self._topic_arn = topic_arn
        self._message = message
        self._subject = subject
        self._attributes = attributes or {}
        self._min_attempt_seconds = min_attempt_seconds
        # A FIFO topic: (MessageGroupId, MessageDeduplicationId). SNS itself drops a second copy
        # with the same deduplication id within 5 minutes, so an unanswered attempt can be repeated.
        self._fifo_ids = fifo_ids

    @property
    def channel(self) -> str:
        return self._channel

    @property
    def target(self) -> str:
        return self._topic_arn

    @property
    def min_attempt_seconds(self) -> float:
        return self._min_attempt_seconds

    def attempt(self, remaining_seconds: float) -> str:
        from botocore.exceptions import (  # noqa: PLC0415 - botocore only where SNS is used
            BotoCoreError,
            ClientError,
            ConnectTimeoutError,
            EndpointConnectionError,
        )

        request: dict[str, Any] = {"TopicArn": self._topic_arn, "Message": self._message}
        if self._subject is not None:
            request["Subject"] = self._subject
        if self._fifo_ids is not None:
            request["MessageGroupId"], request["MessageDeduplicationId"] = self._fifo_ids
        if self._attributes:
            request["MessageAttributes"] = {
                name: {"DataType": "String", "StringValue": value} for name, value in self._attributes.items()
            }
        try:
            response = self._client.publish(**request)
        except ClientError as error:
            code, text, status = _client_error(error)
            if code in _SNS_RETRYABLE_CODES or status >= 500:
                raise Retryable(f"SNS answered {code} (HTTP {status})") from None
            raise ChannelFailed(f"SNS refused the message: {code}: {text}") from None
        except (EndpointConnectionError, ConnectTimeoutError) as error:
            # Nothing reached SNS: safe to try again.
            raise Retryable(f"could not connect to SNS: {_first_line(error)}") from None
        except BotoCoreError as error:
            # A read timeout or a dropped connection after the request went out: SNS may have
            # published it. Sending again could deliver it twice, so this channel stops here
            # (unless the topic deduplicates).
            if self._fifo_ids is not None:
                raise Retryable(f"no answer from SNS ({_first_line(error)}); the FIFO topic drops a repeat") from None
            raise ChannelFailed(
                f"no answer from SNS ({_first_line(error)}); not retried, as SNS may have delivered it"
            ) from None
        return f"message id {response.get('MessageId', '?')}"


def _client_error(error: Any) -> tuple[str, str, int]:
    response = getattr(error, "response", {}) or {}
    detail = response.get("Error", {}) or {}
    status = int((response.get("ResponseMetadata", {}) or {}).get("HTTPStatusCode", 0) or 0)
    return str(detail.get("Code", "error")), str(detail.get("Message", "")).strip()[:300], status


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return (text[0] if text else type(error).__name__)[:300]
