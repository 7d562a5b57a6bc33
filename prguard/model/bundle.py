"""The scorer bundle: everything a trained model needs to score PRs, saved to and loaded from one folder."""
from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import pickle  # only for its UnpicklingError: bundles are never unpickled
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np

from prguard.features import extraction, registry
from prguard.model import network
from prguard.model.network import AutoencoderConfig
from prguard.model.scaler import RobustScaler

# Format 2 keeps the weights as a numpy .npz (read without pickles and without torch); format 1's
# torch file is still read, through torch's weights-only loader, so older champions keep serving.
BUNDLE_FORMAT = 2
READABLE_FORMATS = (1, 2)
MANIFEST_FILE = "bundle.json"
WEIGHTS_FILE = "weights.npz"
LEGACY_WEIGHTS_FILE = "weights.pt"
PROFILES_FILE = "profiles.json"
# A check run shows a handful of reasons; more is noise to a maintainer.
TOP_REASONS = 3
# A feature is "atypical" for a PR when it sits at least this many robust scales from the training median.
ATYPICAL_SCALES = 1.0


class BundleError(ValueError):
    """A bundle folder is missing files, is not what it claims to be, or was written by an incompatible
    version."""


def folder_digest(folder: str | Path) -> str:
    """SHA-256 over every file of a bundle folder (relative path, size and bytes, in path order), so
    changing, adding or removing any file changes it."""
    folder = Path(folder)
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix().encode()
        digest.update(len(name).to_bytes(8, "big") + name + path.stat().st_size.to_bytes(8, "big"))
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def pr_identity(doc: dict[str, Any]) -> tuple[str, int | None, str | None]:
    """(repo full name, number, head SHA) of a GitHub-shaped PR document."""
    repo = ((doc.get("base") or {}).get("repo") or {}).get("full_name") or ""
    number = doc.get("number")
    return repo, int(number) if number is not None else None, (doc.get("head") or {}).get("sha")


@dataclasses.dataclass
class ScorerBundle:
    """A trained autoencoder with its scaler, threshold, feature contract and repository profiles.

    ``score`` is the one scoring path shared by ``prguard score`` and the webhook worker. Scoring is
    read-only, so one bundle may serve several threads at once.
    """

    feature_names: list[str]
    feature_version: str
    scaler: RobustScaler
    model_config: AutoencoderConfig
    state_dict: dict[str, np.ndarray]  # torch's tensors are accepted too, and kept as float32 arrays
    threshold: float
    profiles: dict[str, dict[str, Any]]
    train_config: dict[str, Any] = dataclasses.field(default_factory=dict)
    model_version: str | None = None

    def __post_init__(self) -> None:
        self.state_dict = {name: _as_array(value) for name, value in self.state_dict.items()}
        try:
            network.check_weights(self.model_config, self.state_dict)
        except ValueError as exc:
            raise BundleError(f"the bundle's weights are not its network's: {exc}") from None
        self._profiles = {repo: extraction.RepoProfile.from_dict(p) for repo, p in self.profiles.items()}
        self._profiles_lower = {repo.lower(): p for repo, p in self._profiles.items()}
        self._index = {name: i for i, name in enumerate(self.feature_names)}
        self._reason_indices = [i for i, name in enumerate(self.feature_names)
                                if name in registry.REASON_FEATURES]

    # ---- the pieces ------------------------------------------------------------------------------
    def profile_for(self, repo: str):
        """The repository's own profile, or None for a repository without history (the feature code
        then falls back to global norms, exactly as the preprocessing job does)."""
        return self._profiles.get(repo) or self._profiles_lower.get(repo.lower())

    def current_profile(self, repo: str, newest_profile: Callable[[str], Any] | None = None):
        """The profile a PR of ``repo`` is scored against: the newest stored one, else the snapshot."""
        newest = newest_profile(repo) if newest_profile is not None else None
        return newest if newest is not None else self.profile_for(repo)

    def check_compatible(self) -> None:
        """Refuse to score with features this code no longer computes the same way."""
        if self.feature_version != extraction.FEATURE_VERSION or list(self.feature_names) != list(
                extraction.FEATURE_NAMES):
            raise BundleError(
                f"model was trained on features version {self.feature_version}, this code computes "
                f"version {extraction.FEATURE_VERSION}; run `prguard preprocess` and `prguard train` again")

    def vectors(self, docs: Iterable[dict[str, Any]]) -> np.ndarray:
        docs = list(docs)
        summaries = [extraction.summarize(doc) for doc in docs]
        return self._vectors(summaries, [self.profile_for(pr_identity(doc)[0]) for doc in docs])

    def _vectors(self, summaries: list[extraction.Summary], profiles: list) -> np.ndarray:
        rows = [extraction.extract(s, p) for s, p in zip(summaries, profiles)]
        return np.asarray(rows, dtype=np.float64).reshape(len(rows), len(self.feature_names))

    def squared_errors(self, rows: np.ndarray) -> np.ndarray:
        """Per-feature squared reconstruction error in scaled space for raw feature rows."""
        return self._squared_errors(self.scaler.transform(rows))

    def _squared_errors(self, scaled: np.ndarray) -> np.ndarray:
        if len(scaled) == 0:
            return np.zeros((0, len(self.feature_names)), dtype=np.float32)
        return network.squared_errors(self.state_dict, scaled)  # one batch for all documents

    def row_scores(self, rows: np.ndarray) -> np.ndarray:
        return self.squared_errors(rows).mean(axis=1)

    # ---- the scoring path ------------------------------------------------------------------------
    def score(self, docs: list[dict[str, Any]],
              newest_profile: Callable[[str], Any] | None = None) -> list[dict[str, Any]]:
        """Score PR documents: ``{repo, number, head_sha, **score_summaries}`` per document, in order.

        ``newest_profile(repo)`` (prguard.profiles.ProfileCache) gives the repository's newest stored
        profile; where it has none the bundle's own snapshot applies. The scaler is always the bundle's.
        """
        identities = [pr_identity(doc) for doc in docs]
        profiles = [self.current_profile(repo, newest_profile) for repo, _, _ in identities]
        scores = self.score_summaries([extraction.summarize(doc) for doc in docs], profiles)
        return [{"repo": repo, "number": number, "head_sha": head_sha, **score}
                for (repo, number, head_sha), score in zip(identities, scores)]

    def score_summaries(self, summaries: list[extraction.Summary], profiles: list) -> list[dict[str, Any]]:
        """Score summarised PRs, each against its profile: ``{score, threshold, anomalous, model_version,
        reasons: [{feature, value, typical, contribution, sentence}]}`` per PR, in order.

        A caller that already summarised a PR (the worker) passes the summary, so the document is read
        once: its summary gives the vector, the reasons' sentences and whatever else the caller shows.
        """
        self.check_compatible()
        rows = self._vectors(summaries, profiles)
        scaled = self.scaler.transform(rows)
        errors = self._squared_errors(scaled)
        results = []
        for summary, profile, row, z, err in zip(summaries, profiles, rows, scaled, errors):
            score = float(err.mean())
            results.append({
                "score": round(score, 6),
                "threshold": round(self.threshold, 6),
                "anomalous": bool(score > self.threshold),
                "model_version": self.model_version,
                "reasons": self._reasons(extraction.explainer(summary, profile), row, z, err),
            })
        return results

    def _reasons(self, explain: Callable[[str], str], row, z, err) -> list[dict[str, Any]]:
        """The features that add most to the error AND where the PR itself is atypical, among those the
        registry lets be offered as reasons (a size feature also needs its repository-relative twin atypical).

        A large error on a feature at its usual value (the network expected a CI change beside a
        build change) would read "no CI workflow changed", which explains nothing to a maintainer; such
        features only serve when no feature is atypical. Features explained by the same sentence (the
        four time encodings) are reported once, with their contributions added.
        """
        order = np.argsort(-err, kind="stable")
        order = order[err[order] > 0]
        order = order[np.isin(order, self._reason_indices)]
        atypical = [i for i in order[np.abs(z[order]) >= ATYPICAL_SCALES].tolist()
                    if self._atypical_here(i, row)]
        order = order.tolist()
        reasons: dict[str, dict[str, Any]] = {}
        for i in atypical or order[:1]:
            sentence = explain(self.feature_names[i])
            if sentence in reasons:
                merged = reasons[sentence]
                merged["contribution"] = round(merged["contribution"] + float(err[i]), 6)
                continue
            if len(reasons) == TOP_REASONS:
                break
            reasons[sentence] = {
                "feature": self.feature_names[i],
                "value": _finite(row[i]),
                "typical": _finite(self.scaler.center[i]),
                "contribution": round(float(err[i]), 6),
                "sentence": sentence,
            }
        return sorted(reasons.values(), key=lambda r: -r["contribution"])

    def _atypical_here(self, i: int, row) -> bool:
        twin = registry.REPO_RELATIVE_TWIN.get(self.feature_names[i])
        if twin is None or twin not in self._index:
            return True
        return abs(float(row[self._index[twin]])) >= ATYPICAL_SCALES

    # ---- persistence -----------------------------------------------------------------------------
    def save(self, folder: str | Path) -> Path:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / WEIGHTS_FILE).open("wb") as handle:
            np.savez(handle, **self.state_dict)
        (folder / PROFILES_FILE).write_text(json.dumps(self.profiles, sort_keys=True))
        manifest = {
            "format": BUNDLE_FORMAT,
            "feature_names": list(self.feature_names),
            "feature_version": self.feature_version,
            "scaler": self.scaler.to_dict(),
            "model_config": self.model_config.to_dict(),
            "threshold": self.threshold,
            "train_config": self.train_config,
        }
        (folder / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, sort_keys=True))
        return folder

    @classmethod
    def load(cls, folder: str | Path, model_version: str | None = None) -> "ScorerBundle":
        folder = Path(folder)
        # Only JSON and numpy arrays without pickles (or, for format 1, torch's weights-only loader):
        # nothing in a bundle can run code when loaded.
        try:
            manifest = json.loads((folder / MANIFEST_FILE).read_text())
            profiles = json.loads((folder / PROFILES_FILE).read_text())
            if manifest.get("format") not in READABLE_FORMATS:
                raise BundleError(f"bundle format {manifest.get('format')} is not supported (expected one of "
                                  f"{', '.join(map(str, READABLE_FORMATS))}); retrain with `prguard train`")
            state = _read_weights(folder, manifest["format"])
        except FileNotFoundError as exc:
            raise BundleError(f"{folder} is not a PRGuard model bundle: {exc.filename} is missing") from None
        except BundleError:
            raise
        except (ValueError, pickle.UnpicklingError, RuntimeError, OSError) as exc:
            raise BundleError(f"{folder} is not a PRGuard model bundle: {type(exc).__name__}: "
                              f"{str(exc)[:300]}") from None
        return cls(
            feature_names=list(manifest["feature_names"]),
            feature_version=str(manifest["feature_version"]),
            scaler=RobustScaler.from_dict(manifest["scaler"]),
            model_config=AutoencoderConfig.from_dict(manifest["model_config"]),
            state_dict=state,
            threshold=float(manifest["threshold"]),
            profiles=profiles,
            train_config=manifest.get("train_config") or {},
            model_version=model_version,
        )


def _as_array(value: Any) -> np.ndarray:
    """A parameter as a float32 array, whether it comes as a numpy array or a torch tensor."""
    if hasattr(value, "detach"):  # a torch tensor, from training: no torch import needed to convert it
        value = value.detach().cpu().numpy()
    return np.asarray(value, dtype=np.float32)


def _read_weights(folder: Path, bundle_format: int) -> dict[str, np.ndarray]:
    if bundle_format == 1:
        import torch  # only a format-1 bundle needs it; its weights-only loader refuses pickled code

        state = torch.load(folder / LEGACY_WEIGHTS_FILE, map_location="cpu", weights_only=True)
        return {name: _as_array(tensor) for name, tensor in state.items()}
    with np.load(folder / WEIGHTS_FILE, allow_pickle=False) as arrays:
        return {name: arrays[name] for name in arrays.files}


def _finite(value: float) -> float | None:
    value = float(value)
    return round(value, 6) if math.isfinite(value) else None
