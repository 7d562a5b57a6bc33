"""Object storage round trips: a local directory and an S3 bucket on moto's S3 server."""
from __future__ import annotations

import pickle

import pytest

from prguard.data import objectstore
from prguard.data.objectstore import LocalObjectStore, ObjectNotFound, S3ObjectStore
from tests.support.s3_server import running_s3_server


@pytest.fixture(scope="module")
def s3_server():
    with running_s3_server() as server:
        yield server


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    if request.param == "local":
        return objectstore.for_uri(str(tmp_path / "objects"))
    server = request.getfixturevalue("s3_server")
    bucket = server.create_bucket()
    return objectstore.for_uri(f"s3://{bucket}/feature-sets", endpoint_url=server.endpoint_url)


def test_for_uri_picks_the_adapter_from_the_scheme(tmp_path):
    assert isinstance(objectstore.for_uri(str(tmp_path)), LocalObjectStore)
    assert isinstance(objectstore.for_uri(f"file://{tmp_path}"), LocalObjectStore)
    s3 = objectstore.for_uri("s3://bucket/a/b/", endpoint_url="https://nyc3.digitaloceanspaces.com")
    assert isinstance(s3, S3ObjectStore)
    assert (s3.bucket, s3.prefix, s3.uri) == ("bucket", "a/b", "s3://bucket/a/b")
    with pytest.raises(ValueError, match="unsupported"):
        objectstore.for_uri("gs://bucket/x")
    with pytest.raises(ValueError, match="bucket"):
        objectstore.for_uri("s3:///prefix")


def test_bytes_round_trip_and_list(store):
    store.put_bytes("set-1/part-00000.parquet", b"\x00\x01data")
    store.put_bytes("set-1/manifest.json", b"{}")
    store.put_bytes("set-2/manifest.json", b'{"id": 2}')
    assert store.get_bytes("set-1/part-00000.parquet") == b"\x00\x01data"
    assert store.list() == ["set-1/manifest.json", "set-1/part-00000.parquet", "set-2/manifest.json"]
    assert store.list("set-2/") == ["set-2/manifest.json"]
    assert "set-3/manifest.json" not in store.list("set-3/")
    store.put_bytes("set-2/manifest.json", b'{"id": 3}')
    assert store.get_bytes("set-2/manifest.json") == b'{"id": 3}'


def test_missing_object_raises_not_found_naming_the_key(store):
    with pytest.raises(ObjectNotFound, match="nope.json"):
        store.get_bytes("nope.json")


def test_keys_cannot_escape_the_base(store):
    with pytest.raises(ValueError, match="invalid object key"):
        store.put_bytes("../outside", b"x")


def test_s3_store_survives_pickling_for_spark_executors(s3_server):
    bucket = s3_server.create_bucket()
    store = objectstore.for_uri(f"s3://{bucket}", endpoint_url=s3_server.endpoint_url)
    store.put_bytes("a.txt", b"before")
    copy = pickle.loads(pickle.dumps(store))
    copy.put_bytes("b.txt", b"after")
    assert store.list() == ["a.txt", "b.txt"]


def test_a_store_for_workers_carries_the_drivers_credentials(s3_server, monkeypatch):
    bucket = s3_server.create_bucket()
    store = objectstore.for_uri(f"s3://{bucket}", endpoint_url=s3_server.endpoint_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "driver-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "driver-secret")
    shipped = pickle.dumps(store.for_workers())
    # An executor pod: none of the driver's environment.
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    executor_copy = pickle.loads(shipped)
    credentials = executor_copy._session().get_credentials()
    assert (credentials.access_key, credentials.secret_key) == ("driver-key", "driver-secret")
    executor_copy.put_bytes("part-0.parquet", b"rows")
    assert executor_copy.get_bytes("part-0.parquet") == b"rows"
    assert "driver-secret" not in repr(executor_copy)


def test_a_local_store_goes_to_workers_as_it_is(tmp_path):
    store = LocalObjectStore(tmp_path)
    assert store.for_workers() is store
