"""The MLflow side of PRGuard (the only module importing mlflow): runs, the model registry, the champion."""
from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import logging
import math
import os
import re
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable

import mlflow
import numpy as np
import pandas as pd
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from prguard.config import CHAMPION_ALIAS
from prguard.model.bundle import BundleError, ScorerBundle, folder_digest

log = logging.getLogger(__name__)

TRAINING_EXPERIMENT = "prguard-training"
EVALUATION_EXPERIMENT = "prguard-evaluation"
BUNDLE_ARTIFACT = "bundle"
# Where the pyfunc model keeps its artifacts: PRGuard loads this folder itself (JSON and numpy arrays
# read without pickles), never the model's python_model.pkl, which mlflow.pyfunc.load_model would unpickle.
BUNDLE_PATH = f"artifacts/{BUNDLE_ARTIFACT}"
# The bundle folder's SHA-256 (prguard.model.bundle.folder_digest), a tag of the model version and run.
DIGEST_TAG = "prguard.bundle_sha256"
_MODEL_URI = re.compile(r"^models:/(?P<name>[^/@]+)(?:/(?P<version>[0-9]+)|@(?P<alias>[^/@]+))$")
_URI_VARIABLES = ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI")
# Declared explicitly: letting MLflow infer requirements re-imports the model in a subprocess (slow).
# Scoring runs the weights in numpy (prguard.model.network), so a served model needs no torch.
PIP_REQUIREMENTS = [f"numpy=={np.__version__}", f"mlflow=={mlflow.__version__}"]


class NoChampion(LookupError):
    """No model version carries the champion alias yet."""


class BundleIntegrityError(BundleError):
    """A registered bundle is not the one that was registered (its digest differs, or none was recorded)."""


class PRGuardModel(mlflow.pyfunc.PythonModel):
    """The pyfunc wrapper: its one artifact is a ScorerBundle folder, so loading needs no feature set."""

    def load_context(self, context) -> None:
        self.bundle = ScorerBundle.load(context.artifacts[BUNDLE_ARTIFACT])

    # Annotated with DataFrame, the one input type MLflow neither validates nor warns about: PR documents
    # are nested JSON that no MLflow schema describes.
    def predict(self, context, model_input: pd.DataFrame, params=None) -> list[dict[str, Any]]:
        """Rows of PR documents -> PRGuard results (as ``prguard score`` writes them)."""
        docs = model_input.to_dict("records") if hasattr(model_input, "to_dict") else list(model_input)
        return self.bundle.score(docs)


def _is_local(uri: str) -> bool:
    return uri.startswith(("sqlite:", "file:")) or "://" not in uri


_initialised: set[str] = set()
_initialise_lock = threading.Lock()


def _initialise_sqlite_store(uri: str) -> None:
    """Create a local MLflow database once, one process at a time.

    MLflow migrates a new sqlite database on first use; several processes doing it at once (gunicorn
    workers, the worker, a training job) fail with "duplicate column" errors and each spends tens of
    seconds. An exclusive file lock beside the database makes one process migrate and the rest wait.
    """
    if uri in _initialised:
        return
    with _initialise_lock:
        if uri in _initialised:
            return
        database = Path(uri[len("sqlite:///"):]) if uri.startswith("sqlite:///") else None
        lock_path = database.with_name(database.name + ".init-lock") if database else None
        with open(lock_path, "a") if lock_path else contextlib.nullcontext() as handle:
            if handle is not None:
                fcntl.flock(handle, fcntl.LOCK_EX)
            client = MlflowClient(tracking_uri=uri, registry_uri=uri)
            client.search_experiments(max_results=1)
            client.search_registered_models(max_results=1)
        _initialised.add(uri)


def connect(settings) -> MlflowClient:
    """Point MLflow (tracking and registry) at the configured server or the local sqlite store."""
    uri = settings.tracking_uri
    if uri.startswith("sqlite:"):
        Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
        _initialise_sqlite_store(uri)
    # MLflow also exports these as environment variables; only entrypoints may shape the environment
    # (Settings.from_env reads MLFLOW_TRACKING_URI), so put back whatever was there before.
    saved = {name: os.environ.get(name) for name in _URI_VARIABLES}
    try:
        mlflow.set_tracking_uri(uri)
        mlflow.set_registry_uri(uri)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


def _experiment_id(settings, client: MlflowClient, name: str) -> str:
    experiment = client.get_experiment_by_name(name)
    if experiment is not None:
        return experiment.experiment_id
    # A local store would otherwise put artifacts in ./mlruns of whatever directory the job ran in.
    location = settings.mlflow_artifact_root.as_uri() if _is_local(settings.tracking_uri) else None
    try:
        return client.create_experiment(name, artifact_location=location)
    except MlflowException:  # another job created it first
        return client.get_experiment_by_name(name).experiment_id


class TrackedRun:
    """One MLflow run (a training or an evaluation): params, per-step metrics, figures, the model, tags."""

    def __init__(self, settings, experiment: str = TRAINING_EXPERIMENT, run_name: str | None = None):
        self.settings = settings
        self.client = connect(settings)
        self._experiment_id = _experiment_id(settings, self.client, experiment)
        self._run_name = run_name
        self.run_id: str | None = None

    def __enter__(self) -> "TrackedRun":
        run = mlflow.start_run(experiment_id=self._experiment_id, run_name=self._run_name)
        self.run_id = run.info.run_id
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        mlflow.end_run(status="FAILED" if exc_type else "FINISHED")

    def log_params(self, params: dict[str, Any]) -> None:
        mlflow.log_params({k: ("" if v is None else v) for k, v in params.items()})

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        # MLflow rejects NaN/inf on some backends; a diverged loss is recorded as a tag by the caller.
        mlflow.log_metrics({k: float(v) for k, v in metrics.items() if v is not None and math.isfinite(v)},
                           step=step)

    def log_figure(self, figure, filename: str) -> None:
        mlflow.log_figure(figure, filename)

    def set_tags(self, tags: dict[str, Any]) -> None:
        mlflow.set_tags({k: str(v) for k, v in tags.items()})

    def log_bundle(self, bundle: ScorerBundle) -> str:
        """Log the bundle as ONE pyfunc model, register it as a new version tagged with the bundle's
        digest (checked at every load) and return the version."""
        # MLflow warns about cloudpickle and a missing signature on every log: both are by design here
        # (the class is imported by name, PR documents have no MLflow schema), so keep the job log clean.
        pyfunc_log = logging.getLogger("mlflow.pyfunc")
        level = pyfunc_log.level
        pyfunc_log.setLevel(logging.ERROR)
        try:
            with tempfile.TemporaryDirectory() as tmp:
                folder = bundle.save(Path(tmp) / BUNDLE_ARTIFACT)
                digest = folder_digest(folder)
                info = mlflow.pyfunc.log_model(
                    name="model", python_model=PRGuardModel(), artifacts={BUNDLE_ARTIFACT: str(folder)},
                    pip_requirements=PIP_REQUIREMENTS,
                )
        finally:
            pyfunc_log.setLevel(level)
        # Registered with its digest in one call, so no version is ever visible without one.
        registered = mlflow.register_model(info.model_uri, self.settings.model_name,
                                           tags={DIGEST_TAG: digest})
        version = str(registered.version)
        self.set_tags({"model_version": version, DIGEST_TAG: digest})
        return version

    def record_decision(self, promoted: bool, reason: str) -> None:
        """The champion decision and why, as tags (searchable) and params (shown with the run)."""
        decision = "promoted" if promoted else "rejected"
        self.set_tags({"champion_decision": decision, "champion_reason": reason})
        mlflow.log_params({"champion_decision": decision, "champion_reason": reason[:500]})


@dataclasses.dataclass(frozen=True)
class Champion:
    """The version the champion alias points at and when that version was registered (Unix seconds)."""

    version: str
    registered_at: float


def champion(settings, client: MlflowClient | None = None) -> Champion | None:
    """The champion, or None when there is none (or no model at all)."""
    client = client or connect(settings)
    try:
        found = client.get_model_version_by_alias(settings.model_name, CHAMPION_ALIAS)
    except MlflowException as exc:
        if exc.error_code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE", "NOT_FOUND"):
            return None
        raise
    # MLflow keeps milliseconds since the epoch.
    return Champion(str(found.version), (found.creation_timestamp or 0) / 1000.0)


def champion_version(settings, client: MlflowClient | None = None) -> str | None:
    """The version the champion alias points at, or None when there is none (or no model at all)."""
    found = champion(settings, client)
    return found.version if found is not None else None


def promote(settings, version: str) -> None:
    """Move the champion alias to ``version`` (the service picks it up on its next refresh)."""
    connect(settings).set_registered_model_alias(settings.model_name, CHAMPION_ALIAS, str(version))


def _registered_version(client: MlflowClient, model_uri: str):
    found = _MODEL_URI.match(model_uri)
    if not found:
        raise ValueError(f"model URI must look like models:/NAME/VERSION or models:/NAME@ALIAS, "
                         f"got {model_uri!r}")
    if found["version"]:
        return client.get_model_version(found["name"], found["version"])
    return client.get_model_version_by_alias(found["name"], found["alias"])


def load_bundle(settings, model_uri: str, model_version: str | None = None) -> ScorerBundle:
    """Load a registered bundle by URI (``models:/name/3``, ``models:/name@champion``).

    Only the bundle folder is downloaded and read (JSON, weights as numpy arrays without pickles):
    nothing is unpickled. Its digest must equal the version's ``DIGEST_TAG`` recorded at registration;
    otherwise BundleIntegrityError says which version and what to do."""
    client = connect(settings)
    registered = _registered_version(client, model_uri)
    name, version = registered.name, str(registered.version)
    expected = (registered.tags or {}).get(DIGEST_TAG)
    if not expected:
        raise BundleIntegrityError(
            f"version {version} of model '{name}' has no '{DIGEST_TAG}' tag, so its bundle cannot be "
            "checked: it was registered before PRGuard recorded digests, or the tag was removed. "
            "Register a new version with `prguard train` and promote it.")
    with tempfile.TemporaryDirectory() as tmp:
        folder = mlflow.artifacts.download_artifacts(artifact_uri=f"models:/{name}/{version}/{BUNDLE_PATH}",
                                                     dst_path=tmp)
        actual = folder_digest(folder)
        if actual != expected:
            raise BundleIntegrityError(
                f"the bundle of version {version} of model '{name}' has SHA-256 {actual}, but "
                f"{expected} was recorded when it was registered: its artifacts were changed. Refusing "
                "to load it; check who can write to the MLflow artifact store, then register a new "
                "version with `prguard train`.")
        return ScorerBundle.load(folder, model_version=model_version or version)


def load_champion(settings) -> ScorerBundle:
    """The champion bundle; raises NoChampion with what to do when there is none."""
    version = champion_version(settings)
    if version is None:
        raise NoChampion(
            f"no model carries the alias '{CHAMPION_ALIAS}' of '{settings.model_name}' at "
            f"{settings.tracking_uri}; run `prguard train` first (or set MLFLOW_TRACKING_URI)")
    # Load by number, not alias: the alias may move between resolving it and downloading.
    return load_bundle(settings, f"models:/{settings.model_name}/{version}", model_version=version)


class ChampionWatcher:
    """The service's view of the champion: re-resolves the alias at most every
    ``settings.model_refresh_seconds`` and swaps in a new version without a restart.

    The first load happens in the caller; later ones in a background thread, so a request never waits
    on a download. A failed load keeps the previous bundle and is logged, never raised.
    """

    def __init__(self, settings, loader: Callable[[str], ScorerBundle] | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.settings = settings
        self._loader = loader or (lambda version: load_bundle(
            settings, f"models:/{settings.model_name}/{version}", model_version=version))
        self._clock = clock
        self._lock = threading.Lock()
        self._settled = threading.Condition(self._lock)  # notified when a refresh ends
        self._bundle: ScorerBundle | None = None
        self._version: str | None = None
        self._checked_at = -math.inf
        self._refreshing = False

    @property
    def version(self) -> str | None:
        return self._version

    def current(self) -> ScorerBundle | None:
        with self._lock:
            age = self._clock() - self._checked_at
            due = not self._refreshing and age >= self.settings.model_refresh_seconds
            if due:
                self._refreshing = True
                self._checked_at = self._clock()
            elif self._bundle is None and self._refreshing:
                # Another job thread is loading the first champion: wait for it rather than score
                # without a model (a worker runs several jobs at once).
                self._settled.wait_for(lambda: not self._refreshing)
                return self._bundle
            bundle = self._bundle
        if due:
            if bundle is None:
                self._refresh()
            else:
                threading.Thread(target=self._refresh, name="champion-refresh", daemon=True).start()
        with self._lock:
            return self._bundle

    def _refresh(self) -> None:
        try:
            version = champion_version(self.settings)
            if version is not None and version != self._version:
                bundle = self._loader(version)
                with self._lock:
                    self._bundle, self._version = bundle, version
                log.info("loaded champion model", extra={"model_version": version})
        except Exception:
            log.exception("could not refresh the champion model; keeping version %s", self._version)
        finally:
            with self._lock:
                self._refreshing = False
                self._settled.notify_all()
