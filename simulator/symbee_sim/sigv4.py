"""Checking a request's AWS SigV4 signature the way AWS would, for the local stand-ins of AWS's HTTP
endpoints (the OTLP receiver, the PromQL query API). Needs botocore, which the simulator alone does
not: import it only where those stand-ins are used."""

from __future__ import annotations

import re
from collections.abc import Mapping

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request,"
    r"\s*SignedHeaders=(?P<signed>[^,]+),\s*Signature=(?P<signature>[0-9a-f]{64})"
)


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header's value, whatever the case of its name."""
    return next((v for k, v in headers.items() if k.lower() == name.lower()), None)


def signature_problem(
    *,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    service: str,
    region: str,
    credentials: tuple[str, str] | None,
) -> str | None:
    """Why AWS would refuse this request's signature, or None. `url` is the request's own (scheme,
    the Host header, path and query string). With `credentials` (access key id, secret key) the
    signature is recomputed; without, only its form, service, region and date are checked."""
    authorization = header(headers, "Authorization")
    if not authorization:
        return "Missing Authentication Token: the request is not SigV4-signed"
    found = AUTHORIZATION.fullmatch(authorization.strip())
    if found is None:
        return "Authorization header is not a SigV4 (AWS4-HMAC-SHA256) signature"
    if found["service"] != service:
        return f"signed for service {found['service']!r}, expected {service!r}"
    if found["region"] != region:
        return f"signed for region {found['region']!r}, expected {region!r}"
    stamp = header(headers, "X-Amz-Date") or ""
    if not stamp.startswith(found["date"]):
        return "X-Amz-Date does not match the credential scope's date"
    if credentials is None:
        return None
    access_key, secret_key = credentials
    if found["key"] != access_key:
        return "The security token included in the request is invalid (unknown access key)"
    signed = found["signed"].split(";")
    kept = {name: value for name, value in headers.items() if name.lower() in signed and name.lower() != "host"}
    request = AWSRequest(method=method, url=url, data=body, headers=kept)
    request.context["timestamp"] = stamp
    signer = SigV4Auth(Credentials(access_key, secret_key, header(headers, "X-Amz-Security-Token")), service, region)
    expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
    if expected != found["signature"]:
        return "SignatureDoesNotMatch: the request signature we calculated does not match the signature you provided"
    return None
