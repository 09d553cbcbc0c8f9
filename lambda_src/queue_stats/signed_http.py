"""SigV4-signed POSTs to CloudWatch's HTTP endpoints outside the SDK: the OTLP export (otlp.py) and
the PromQL query API (promql_reader.py). Signing with the current credentials, one bounded POST
through the shared session (no redirects, TLS verified), requests' errors as retryable or final,
and the signing secrets kept out of any reason an answer could echo them into."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.exceptions import BotoCoreError

from queue_stats import http
from queue_stats import names as n

CredentialsSource = Callable[[], Any]  # returns botocore credentials (or None): boto3 Session.get_credentials


class Retryable(Exception):
    """The attempt failed in a way another may not (a timeout, a lost connection, a 429 or 5xx);
    `delay` is what the server asked to wait, when it did."""

    def __init__(self, reason: str, delay: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.delay = delay


class Refused(Exception):
    """The attempt failed in a way another would too (no credentials, a certificate that does not
    verify, a refusal)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def signed_headers(
    credentials: CredentialsSource, *, url: str, body: bytes, content_type: str, region: str
) -> tuple[dict[str, str], tuple[str, ...]]:
    """SigV4 headers for a POST of `body` to `url` (service `monitoring`), signed now with the
    current credentials (they rotate), and the secrets to keep out of any reason."""
    try:
        source = credentials()
        frozen = source.get_frozen_credentials() if source is not None else None
    except BotoCoreError as error:  # e.g. the role's credentials could not be refreshed
        raise Refused(f"could not get AWS credentials to sign the request: {error}") from None
    if frozen is None:
        raise Refused("no AWS credentials to sign the request with (the function's role provides them)")
    request = AWSRequest(method="POST", url=url, data=body, headers={"Content-Type": content_type})
    SigV4Auth(frozen, n.OTLP_SIGNING_SERVICE, region).add_auth(request)
    return dict(request.headers.items()), tuple(s for s in (frozen.secret_key, frozen.token) if s)


def post(
    session: requests.Session,
    url: str,
    *,
    body: bytes,
    headers: Mapping[str, str],
    timeouts: tuple[float, float],
    max_bytes: int,
) -> tuple[int, Mapping[str, str], bytes | None]:
    """One POST: (status, headers, at most `max_bytes` of the body, or None when it was cut off
    after the status). Retryable or Refused when no answer came."""
    host = urlsplit(url).hostname or url
    try:
        response = session.post(
            url, data=body, headers=dict(headers), timeout=timeouts, allow_redirects=False, stream=True
        )
    except requests.exceptions.SSLError as error:
        # A certificate that does not verify will not verify on a retry either.
        raise Refused(f"TLS verification failed for {host}: {http.error_reason(error)}") from None
    except requests.exceptions.Timeout:
        raise Retryable(f"timed out waiting for {host}") from None
    except requests.exceptions.ConnectionError as error:
        raise Retryable(f"could not reach {host}: {http.error_reason(error)}") from None
    except requests.exceptions.RequestException as error:
        raise Refused(f"the request failed: {http.error_reason(error)}") from None
    with response:
        try:
            data: bytes | None = response.raw.read(max_bytes, decode_content=True) or b""
        except Exception:  # a reset or a timeout mid-body: the status still says what happened
            data = None
        return response.status_code, response.headers, data


def scrub(text: str, secrets: tuple[str, ...]) -> str:
    """An error body could echo the request: keep the signing secrets out of the reason."""
    for secret in secrets:
        text = text.replace(secret, "[redacted]")
    return text
