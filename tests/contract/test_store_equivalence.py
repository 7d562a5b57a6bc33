"""Both adapters hand back the very same values, types included, for the same sequence of calls."""
from __future__ import annotations

import datetime as dt

from tests.contract.conftest import ADAPTERS
from tests.contract.prs import pr_doc

T0 = dt.datetime(2030, 1, 1, 12, 0, 0, 987654, tzinfo=dt.timezone.utc)
GENERATED = {"id", "created_at", "updated_at"}  # ids and wall-clock stamps differ by design


def typed(value):
    """``value`` with every leaf paired with its type, so 1 and 1.0 or a tuple and a list differ."""
    if isinstance(value, dict):
        return {key: typed(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [typed(item) for item in value])
    if isinstance(value, dt.datetime):
        return ("datetime", value.isoformat())
    return (type(value).__name__, value)


def exercise(store) -> dict:
    files = [{"filename": "bin/blob", "status": "added", "additions": 0, "deletions": 0, "changes": 0}]
    store.prs.upsert(pr_doc(files=files, draft=True, body=None, ratio=0.25, nested={"x": [1, 2.5]}))
    store.prs.upsert(pr_doc(number=2, repo="Octo/Other", updated_at="2024-05-01T12:00:00+01:00"))
    store.prs.set_files("octo/other", 2, "a" * 40, files)
    job_id = store.jobs.enqueue("score", {"repo": "o/r", "n": 1, "f": 1.5, "l": [1, "x"]}, "k1", run_at=T0)
    claimed = store.jobs.claim("w", 30, now=T0)
    store.jobs.fail(job_id, "w", "boom", T0 + dt.timedelta(seconds=5), 3)
    store.installations.upsert(1, "octo", repositories=["octo/b", "octo/a"])
    store.installations.update_repositories(1, ["octo/c"], ["octo/b"])
    store.checks.save_score({"repo": "Octo/Repo", "number": 1, "head_sha": "a" * 40, "score": 1, "threshold": 2.5,
                             "anomalous": False, "model_version": "4", "reasons": [], "scored_at": T0})
    store.checks.save_run({"repo": "Octo/Repo", "number": 1, "head_sha": "a" * 40, "status": "completed",
                           "conclusion": "success", "annotations": [{"path": "x", "start_line": 1}],
                           "posted": False, "check_run_id": None, "updated_at": T0})
    store.watermarks.set("Octo/Repo", {"updated_at": "2024-05-01T00:00:00Z", "cursor": None, "n": 3})
    store.feedback.add("Octo/Repo", 1, "a" * 40, "expected", "maint")
    strip = lambda record: {k: v for k, v in record.items() if k not in GENERATED}  # noqa: E731
    return typed({
        "prs": list(store.prs.iter()),
        # Ranges split by rowid in SQLite and by key in MongoDB, so only their union is comparable.
        "ranges": sorted((pr for r in store.prs.partition(2)
                         for _, pr in store.prs.iter_range(r)),
                         key=lambda pr: pr["number"]),
        "repos": store.prs.repositories(),
        "claimed": (claimed.kind, claimed.payload, claimed.attempts, claimed.lease_expires_at),
        "job": strip(store.jobs.get(job_id)),
        "stats": store.jobs.stats(now=T0 + dt.timedelta(seconds=7)),
        "installation": strip(store.installations.get(1)),
        "score": store.checks.get_score("octo/repo", "a" * 40),
        "check_runs": store.checks.list_runs(),
        "watermark": store.watermarks.get("octo/repo"),
        "feedback": [strip(f) for f in store.feedback.list()],
    })


def test_sqlite_and_mongodb_adapters_return_identical_values(tmp_path):
    results = {}
    for name, make in ADAPTERS.items():
        store = make(tmp_path / name)
        try:
            results[name] = exercise(store)
        finally:
            store.close()
    assert results["sqlite"] == results["mongomock"]
    assert results["sqlite"]["claimed"][1][3] == typed(T0.replace(microsecond=987000) + dt.timedelta(seconds=30))
