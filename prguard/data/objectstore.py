"""Object storage for feature sets: a local directory or an S3-compatible bucket (AWS, DO Spaces)."""
from __future__ import annotations

import abc
import os
from pathlib import Path
from typing import Any

from prguard.config import ConfigError


class ObjectNotFound(KeyError):
    """The key does not exist in the object store."""


def _clean_key(key: str) -> str:
    key = key.strip("/")
    if not key or any(part in ("", ".", "..") for part in key.split("/")):
        raise ValueError(f"invalid object key {key!r}: use non-empty '/'-separated names without '..'")
    return key


class ObjectStore(abc.ABC):
    """Keys are '/'-separated names relative to the store's base (a directory or bucket prefix)."""

    uri: str

    @abc.abstractmethod
    def put_bytes(self, key: str, data: bytes) -> None:
        """Write the whole object; readers never see a half-written one."""

    @abc.abstractmethod
    def get_bytes(self, key: str) -> bytes:
        """The object's bytes; raises ObjectNotFound when it is missing."""

    @abc.abstractmethod
    def list(self, prefix: str = "") -> list[str]:
        """Sorted keys (relative to the base) that start with ``prefix``."""

    def for_workers(self) -> "ObjectStore":
        """This store as other processes (Spark executors in other pods) must receive it: self, unless
        its access depends on this process's environment."""
        return self

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.uri!r})"


class LocalObjectStore(ObjectStore):
    """Objects as files under a directory (the embedded default, ``<data dir>/features``)."""

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root)
        self.uri = str(self.root)

    def _path(self, key: str) -> Path:
        return self.root / _clean_key(key)

    def put_bytes(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write beside the target and rename: a crash never leaves a truncated manifest or part file.
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)

    def get_bytes(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise ObjectNotFound(f"{key} not found under {self.uri}") from None

    def list(self, prefix: str = "") -> list[str]:
        if not self.root.is_dir():
            return []
        keys = []
        for path in self.root.rglob("*"):
            if path.is_file() and not path.name.startswith("."):
                key = path.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    keys.append(key)
        return sorted(keys)


class S3ObjectStore(ObjectStore):
    """Objects under ``s3://bucket/prefix``; ``endpoint_url`` selects an S3-compatible service.

    Credentials come from boto3's usual chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a profile,
    or the pod's role), so nothing secret passes through PRGuard's settings or logs. The instance is
    picklable (the client is created lazily) so Spark executors can write through it.
    """

    def __init__(self, bucket: str, prefix: str = "", endpoint_url: str | None = None,
                 region_name: str | None = None):
        if not bucket:
            raise ConfigError("an s3:// URI needs a bucket: s3://BUCKET/optional/prefix")
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.endpoint_url = endpoint_url
        self.region_name = region_name
        self.uri = f"s3://{bucket}/{self.prefix}" if self.prefix else f"s3://{bucket}"
        self._client: Any = None
        # (access key, secret key, session token) resolved by another process; None: boto3's own chain.
        self._credentials: tuple[str, str, str | None] | None = None

    def for_workers(self) -> "S3ObjectStore":
        """A copy carrying the credentials boto3 resolves here (from the environment Vault filled), for
        executors whose pods have no such environment. It travels inside Spark's task closure."""
        credentials = self._session().get_credentials()
        copy = S3ObjectStore(self.bucket, self.prefix, self.endpoint_url, self.region_name)
        if credentials is not None:
            frozen = credentials.get_frozen_credentials()
            copy._credentials = (frozen.access_key, frozen.secret_key, frozen.token)
        return copy

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_client"] = None  # boto3 clients cannot be pickled; each process makes its own
        return state

    def _session(self) -> Any:
        import boto3

        if self._credentials is None:
            return boto3.session.Session()
        access_key, secret_key, token = self._credentials
        return boto3.session.Session(aws_access_key_id=access_key, aws_secret_access_key=secret_key,
                                     aws_session_token=token)

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = self._session().client("s3", endpoint_url=self.endpoint_url,
                                                  region_name=self.region_name)
        return self._client

    def _key(self, key: str) -> str:
        key = _clean_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def put_bytes(self, key: str, data: bytes) -> None:
        # A single PUT is atomic in S3: the object appears whole or not at all.
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)

    def get_bytes(self, key: str) -> bytes:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except self.client.exceptions.NoSuchKey:
            raise ObjectNotFound(f"{key} not found under {self.uri}") from None
        return response["Body"].read()

    def list(self, prefix: str = "") -> list[str]:
        base = f"{self.prefix}/" if self.prefix else ""
        paginator = self.client.get_paginator("list_objects_v2")
        keys = []
        for page in paginator.paginate(Bucket=self.bucket, Prefix=base + prefix):
            keys.extend(item["Key"][len(base):] for item in page.get("Contents", []))
        return sorted(keys)


def for_uri(uri: str, endpoint_url: str | None = None) -> ObjectStore:
    """The store for ``uri``: ``s3://bucket/prefix`` (with an optional custom endpoint) or a local path."""
    if uri.startswith("s3://"):
        bucket, _, prefix = uri[len("s3://"):].partition("/")
        return S3ObjectStore(bucket, prefix, endpoint_url=endpoint_url)
    if uri.startswith("file://"):
        uri = uri[len("file://"):]
    if "://" in uri:
        raise ConfigError(f"unsupported object storage URI {uri!r}: use a local path or s3://bucket/prefix "
                          "(PRGUARD_FEATURES_URI, or prguard preprocess --output)")
    return LocalObjectStore(uri)


def for_settings(settings) -> ObjectStore:
    """The feature store the settings select (PRGUARD_FEATURES_URI, S3_ENDPOINT_URL)."""
    return for_uri(settings.feature_store, settings.s3_endpoint_url)
