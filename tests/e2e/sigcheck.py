"""Checks a SigV4 signature the fault server captured, with botocore as the independent signer.

moto verifies signatures by rebuilding the request from what its web framework parsed, and for
some requests that is not the request that was sent: a body-less non-S3 request (every Scheduler
GET/DELETE, a Query GET) is rebuilt with a made-up form body, so even botocore's own requests are
refused. For those, this module is the verifier: it takes the bytes that went over the wire
(method, path and query as sent, the signed headers, the raw body) and recomputes the signature
with botocore's SigV4Auth / S3SigV4Auth at the request's own X-Amz-Date.
"""

from __future__ import annotations

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def _between(s: str, first: str, second: str) -> str:
    return s.partition(first)[2].partition(second)[0]


def _signature(method: str, path: str, headers: dict, body: bytes, secret: str,
               token: str | None = None) -> tuple[str, str]:
    """(signature in the Authorization header, botocore's for the same signed headers and body);
    headers' names lower-cased."""
    auth = headers["authorization"]
    assert auth.startswith("AWS4-HMAC-SHA256 "), auth
    scope = _between(auth, "Credential=", ",").split("/")
    access_key, region, service = scope[0], scope[2], scope[3]
    signed = _between(auth, "SignedHeaders=", ",").split(";")
    sent = _between(auth, "Signature=", ",").strip()
    request = AWSRequest(method=method, url=f"http://{headers['host']}{path}", data=body,
                         headers={k: v for k, v in headers.items() if k in signed})
    request.context["timestamp"] = headers["x-amz-date"]
    signer_cls = S3SigV4Auth if service == "s3" else SigV4Auth
    signer = signer_cls(Credentials(access_key, secret, token), service, region)
    canonical = signer.canonical_request(request)
    string_to_sign = signer.string_to_sign(request, canonical)
    return sent, signer.signature(string_to_sign, request)


def botocore_signature(rec, secret: str, token: str | None = None) -> tuple[str, str]:
    """(signature pipewright sent, signature botocore computes) for a captured request."""
    return _signature(rec.method, rec.path, rec.headers, rec.body, secret, token)


def resign(method: str, path: str, headers: dict, body: bytes, new_body: bytes,
           secret: str) -> str:
    """The Authorization header for the same request with new_body instead of body: what a test
    proxy that rewrites a request sends on, so that moto's signature check still passes. The
    original must verify first: a proxy never launders a wrong signature into a right one."""
    lower = {k.lower(): v for k, v in headers.items()}
    sent, want = _signature(method, path, lower, body, secret)
    assert sent == want, f"{method} {path}: the original signature does not verify"
    _, new = _signature(method, path, lower, new_body, secret)
    auth = lower["authorization"]
    return auth[:auth.index("Signature=") + len("Signature=")] + new


def assert_botocore_agrees(requests, secret: str, token: str | None = None):
    assert requests, "no request was captured"
    for rec in requests:
        sent, want = botocore_signature(rec, secret, token)
        assert sent == want, (f"{rec.method} {rec.path}: pipewright signed {sent}, "
                              f"botocore computes {want}")
