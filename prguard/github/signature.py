"""GitHub's webhook signature: HMAC-SHA256 of the raw body, sent as ``X-Hub-Signature-256: sha256=<hex>``."""
from __future__ import annotations

import hashlib
import hmac

HEADER = "X-Hub-Signature-256"


def sign(secret: str, body: bytes) -> str:
    """The header value GitHub sends for ``body`` with the webhook ``secret``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str | None) -> bool:
    """Constant-time check of a received header against ``body``; False when the header is missing."""
    if not header:
        return False
    return hmac.compare_digest(sign(secret, body).encode(), header.strip().encode("utf-8", "replace"))
