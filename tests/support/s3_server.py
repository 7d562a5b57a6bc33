"""moto's S3 server on 127.0.0.1 (a free port) with dummy credentials, for the object-storage tests."""
from __future__ import annotations

import contextlib
import os
import socket
import uuid
from dataclasses import dataclass
from typing import Iterator

# Dummy credentials: moto accepts any, and setting them keeps boto3 away from real ones on the machine.
DUMMY_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class S3Server:
    endpoint_url: str

    def client(self):
        import boto3

        return boto3.session.Session().client("s3", endpoint_url=self.endpoint_url)

    def create_bucket(self, name: str | None = None) -> str:
        name = name or f"prguard-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name


@contextlib.contextmanager
def dummy_credentials() -> Iterator[None]:
    """Set the dummy AWS variables (so Spark's Python workers inherit them too), then restore."""
    saved = {name: os.environ.get(name) for name in DUMMY_ENV}
    os.environ.update(DUMMY_ENV)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextlib.contextmanager
def running_s3_server() -> Iterator[S3Server]:
    """Start moto's threaded S3 server on a free loopback port; stop it on exit."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    with dummy_credentials():
        server.start()
        try:
            yield S3Server(endpoint_url=f"http://127.0.0.1:{port}")
        finally:
            server.stop()
