"""Loading the champion never unpickles: a code-running pickle in a registered model is never run, and a
bundle changed after registration is refused (the service's loader and `prguard score`)."""
from __future__ import annotations

import hashlib
import io
import json
import pickle
import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import mlflow
import numpy as np
import pytest
from click.testing import CliRunner
from mlflow.tracking import MlflowClient

from app.worker_context import champion
from prguard.cli import main
from prguard.config import Settings
from prguard.model import registry
from prguard.model.bundle import BundleError, ScorerBundle, folder_digest
from tests.support.training_data import bundle_of, make_prs

pytestmark = pytest.mark.slow


class CodePayload:
    """Unpickling this runs code: it writes ``marker`` (what an attacker's python_model.pkl would do)."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return exec, (f"import pathlib; pathlib.Path({str(self.marker)!r}).write_text('the pickle payload ran')",)


def untrained_bundle() -> ScorerBundle:
    """A real bundle without the training (its weights as initialised): registering and loading it is
    what is tested here, not the model's quality."""
    return bundle_of(make_prs(40, seed=4, repos=("acme/api",)), trained=False, threshold=1.0)


@pytest.fixture(scope="module")
def registered(tmp_path_factory):
    """The bundle registered through the training job's own path (TrackedRun.log_bundle) as champion."""
    settings = Settings.from_env({"PRGUARD_DATA_DIR": str(tmp_path_factory.mktemp("var"))})
    with registry.TrackedRun(settings, run_name="model-loading") as run:
        version = run.log_bundle(untrained_bundle())
    registry.promote(settings, version)
    return settings, version


@pytest.fixture
def client(registered):
    settings, _ = registered
    return MlflowClient(tracking_uri=settings.tracking_uri, registry_uri=settings.tracking_uri)


def tampered_copy(settings, client, version: str, folder: Path, files: dict[str, bytes | None],
                  digest: str | None = "original") -> str:
    """A copy of registered ``version`` with ``files`` (paths inside the model) replaced (None: removed),
    registered as a new version (tagged with the original digest, ``digest``, or none) and made the
    champion."""
    name = settings.model_name
    source = Path(unquote(urlparse(client.get_model_version_download_uri(name, version)).path))
    shutil.copytree(source, folder)
    for relative, data in files.items():
        if data is None:
            (folder / relative).unlink()
        else:
            (folder / relative).write_bytes(data)
    original = client.get_model_version(name, version).tags[registry.DIGEST_TAG]
    tags = {} if digest is None else {registry.DIGEST_TAG: original if digest == "original" else digest}
    copy = client.create_model_version(name, source=folder.as_uri(), tags=tags)
    registry.promote(settings, copy.version)
    return str(copy.version)


def score_with_cli(settings, tmp_path: Path) -> object:
    prs = tmp_path / "prs.jsonl"
    prs.write_text("".join(json.dumps(doc) + "\n" for doc in make_prs(3, seed=2, repos=("acme/api",))))
    env = {"PRGUARD_DATA_DIR": str(settings.data_dir), "MLFLOW_TRACKING_URI": settings.tracking_uri}
    return CliRunner().invoke(main, ["score", str(prs)], env=env)


def test_registration_records_the_bundle_digest_on_the_version_and_the_run(registered, client):
    settings, version = registered
    registered_version = client.get_model_version(settings.model_name, version)
    digest = registered_version.tags[registry.DIGEST_TAG]
    assert len(digest) == 64 and int(digest, 16) >= 0
    assert client.get_run(registered_version.run_id).data.tags[registry.DIGEST_TAG] == digest


def test_a_code_running_python_model_pkl_never_runs_in_the_service_or_prguard_score(registered, client, tmp_path):
    settings, version = registered
    marker = tmp_path / "pwned"
    evil = tampered_copy(settings, client, version, tmp_path / "model",
                         {"python_model.pkl": pickle.dumps(CodePayload(marker))})
    # The service's loader (what the worker scores with) and `prguard score` both load the copy...
    bundle = champion(settings.replace(model_refresh_seconds=0.0))()
    assert bundle is not None and bundle.model_version == evil
    assert bundle.score(make_prs(2, seed=1, repos=("acme/api",)))[0]["model_version"] == evil
    result = score_with_cli(settings, tmp_path)
    assert result.exit_code == 0, result.output
    assert f"version {evil}" in result.output
    # ...and neither ran the pickle.
    assert not marker.exists()
    # The payload is real: MLflow's own pyfunc loader runs it.
    with pytest.raises(Exception):
        mlflow.set_tracking_uri(settings.tracking_uri)
        mlflow.pyfunc.load_model(f"models:/{settings.model_name}/{evil}")
    assert marker.read_text() == "the pickle payload ran"


def test_a_bundle_changed_after_registration_is_refused_with_a_clear_error(registered, client, tmp_path):
    settings, version = registered
    changed = tampered_copy(settings, client, version, tmp_path / "model",
                            {"artifacts/bundle/profiles.json": b"{}"})
    with pytest.raises(registry.BundleIntegrityError, match=f"version {changed} .* artifacts were changed"):
        registry.load_champion(settings)
    assert champion(settings.replace(model_refresh_seconds=0.0))() is None  # logged, nothing loaded
    result = score_with_cli(settings, tmp_path)
    assert result.exit_code == 1 and "artifacts were changed" in result.output


def pickled_npz(payload) -> bytes:
    """A weights.npz whose array holds Python objects: numpy stores those as a pickle."""
    buffer = io.BytesIO()
    np.savez(buffer, **{"encoder.0.weight": np.array([payload], dtype=object)})
    return buffer.getvalue()


def format_one(folder: Path, payload) -> dict[str, bytes]:
    """The bundle as format 1 (weights.pt, read with torch's weights-only loader) with a pickled payload."""
    manifest = json.loads((folder / "bundle.json").read_text())
    (folder / "bundle.json").write_text(json.dumps({**manifest, "format": 1}))
    (folder / "weights.npz").unlink()
    (folder / "weights.pt").write_bytes(pickle.dumps(payload, protocol=2))  # torch.save's protocol
    return {"artifacts/bundle/bundle.json": (folder / "bundle.json").read_bytes(),
            "artifacts/bundle/weights.npz": None,
            "artifacts/bundle/weights.pt": (folder / "weights.pt").read_bytes()}


@pytest.mark.parametrize("weights", ["npz", "format-1 torch file"])
def test_a_pickle_in_the_weights_never_runs_even_when_its_digest_was_recorded(
        registered, client, tmp_path, weights):
    settings, version = registered
    marker = tmp_path / "pwned"
    folder = tmp_path / "staged"
    source = Path(unquote(urlparse(client.get_model_version_download_uri(settings.model_name, version)).path))
    shutil.copytree(source / "artifacts" / "bundle", folder)
    if weights == "npz":
        (folder / "weights.npz").write_bytes(pickled_npz(CodePayload(marker)))
        changes = {"artifacts/bundle/weights.npz": (folder / "weights.npz").read_bytes()}
    else:
        changes = format_one(folder, CodePayload(marker))
    # Someone who can rewrite the tag as well: the digest matches, the loader still refuses to unpickle.
    tampered_copy(settings, client, version, tmp_path / "model", changes, digest=folder_digest(folder))
    with pytest.raises(BundleError, match="not a PRGuard model bundle"):
        registry.load_champion(settings)
    assert not marker.exists()


def test_a_version_registered_without_a_digest_is_refused(registered, client, tmp_path):
    settings, version = registered
    bare = tampered_copy(settings, client, version, tmp_path / "model", {}, digest=None)
    with pytest.raises(registry.BundleIntegrityError, match=f"version {bare} .* has no"):
        registry.load_champion(settings)
    registry.promote(settings, version)  # leave the original champion for the next test
    assert registry.load_champion(settings).model_version == version


def test_the_digest_changes_with_any_file_of_the_folder(tmp_path):
    (tmp_path / "a.json").write_text("{}")
    first = folder_digest(tmp_path)
    assert first == hashlib.sha256(b"\0" * 7 + b"\x06a.json" + b"\0" * 7 + b"\x02{}").hexdigest()
    (tmp_path / "b").write_bytes(b"")
    assert folder_digest(tmp_path) != first
