"""GitHub's webhook signature: HMAC-SHA256 of the raw body, sent as ``X-Hub-Signature-256: sha256=<hex>``."""
from __future__ import annotations

import hashlib
import hmac

HEADER = "X-Hub-Signature-256"


def sign(secret: str, body: bytes) -> str:
    """The header value GitHub sends for ``body`` with the webhook ``secret``."""
    signature = BodySignature(secret)
    signature.update(body)
    return signature.header()


class BodySignature:
    """The HMAC of a body fed in chunks as it is read, so the body is never copied to be checked."""

    def __init__(self, secret: str):
        self._mac = hmac.new(secret.encode("utf-8"), digestmod=hashlib.sha256)

    def update(self, chunk: bytes) -> None:
        self._mac.update(chunk)

    def header(self) -> str:
        """The header value GitHub would send for what was fed so far."""
        return "sha256=" + self._mac.hexdigest()

    def matches(self, header: str | None) -> bool:
        """Constant-time check of a received header; False when the header is missing."""
        if not header:
            return False
        return hmac.compare_digest(self.header().encode(), header.strip().encode("utf-8", "replace"))
