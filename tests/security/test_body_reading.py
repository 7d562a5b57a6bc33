"""The receiver computes the HMAC while it reads the body, into one buffer: an unsigned 20 MB body costs
about 20 MB before it is refused (it used to cost two copies), and the 25 MB cap still holds."""
from __future__ import annotations

import io
import json
import tracemalloc

from app.factory import create_app
from prguard.github.signature import BodySignature, sign
from tests.security.conftest import assert_no_trace
from tests.support.webhooks import SECRET, example, headers

SIZE = 20 * 1024 * 1024


class GeneratedBody(io.RawIOBase):
    """A request body made up while it is read, so the test itself holds no copy of it."""

    def __init__(self, size: int, head: bytes = b'{"padding": "', tail: bytes = b'"}'):
        self.size, self.head, self.tail, self.position = size, head, tail, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        start = self.position
        count = min(len(buffer), self.size - start)
        chunk = bytearray(b"a" * count)
        for offset, byte in enumerate(self.head[start:start + count]):
            chunk[offset] = byte
        tail_start = self.size - len(self.tail)
        for index in range(max(start, tail_start), start + count):
            chunk[index - start] = self.tail[index - tail_start]
        buffer[:count] = chunk
        self.position += count
        return count


def post_generated(client, size: int, signature: str, delivery: str = "big-delivery"):
    stream = GeneratedBody(size)
    sent = {**headers("pull_request", b"", delivery_id=delivery), "X-Hub-Signature-256": signature}
    tracemalloc.start()
    try:
        response = client.post("/webhooks/github", headers=sent,
                               environ_overrides={"wsgi.input": stream, "CONTENT_LENGTH": str(size)})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return response, peak, stream


def test_incremental_signature_equals_githubs_over_the_whole_body():
    body = json.dumps(example("pull_request", "opened", index=1)).encode()
    signature = BodySignature(SECRET)
    for start in range(0, len(body), 777):
        signature.update(body[start:start + 777])
    assert signature.matches(sign(SECRET, body)) and not signature.matches(sign("other", body))
    assert not signature.matches(None) and not signature.matches("")


def test_an_unsigned_20_mb_body_is_refused_having_held_one_copy(webhook_client, webhook_store):
    response, peak, stream = post_generated(webhook_client, SIZE, "sha256=" + "0" * 64)
    assert response.status_code == 401
    assert stream.position == SIZE  # read to the end, in chunks
    assert peak < 1.5 * SIZE, f"peak {peak / 2**20:.1f} MiB while reading a {SIZE / 2**20:.0f} MiB body"
    assert_no_trace(webhook_store, "big-delivery")


def test_a_signed_20_mb_body_is_checked_from_the_same_buffer(webhook_client, webhook_store):
    expected = BodySignature(SECRET)
    source = GeneratedBody(SIZE)
    while chunk := source.read(1 << 20):
        expected.update(chunk)
    response, _, _ = post_generated(webhook_client, SIZE, expected.header())
    # Signed, parsed, and a pull_request event without an action PRGuard uses: ignored, nothing stored.
    assert (response.status_code, response.json["outcome"]) == (202, "ignored")
    assert_no_trace(webhook_store, "big-delivery")


def test_the_25_mb_cap_is_kept_without_reading_past_it(webhook_settings, webhook_store):
    app = create_app(webhook_settings.replace(max_webhook_bytes=SIZE - 1), webhook_store,
                     model_status=lambda: {"known": True})
    stream = GeneratedBody(SIZE)
    sent = {**headers("pull_request", b"", delivery_id="big-delivery"), "Transfer-Encoding": "chunked"}
    response = app.test_client().post("/webhooks/github", headers=sent, environ_overrides={
        "wsgi.input": stream, "wsgi.input_terminated": True, "CONTENT_LENGTH": ""})
    assert response.status_code == 413
    assert stream.position <= SIZE and stream.position >= SIZE - 1
    assert_no_trace(webhook_store, "big-delivery")
