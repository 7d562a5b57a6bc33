"""Seeded GitHub-shaped PR histories (REST pull request objects with files) for preprocessing tests."""
from __future__ import annotations

import datetime as dt
import random

_AREAS = ("src", "lib", "docs", "tests", "cmd", "pkg", "web")
_SENSITIVE = (".github/workflows/ci.yml", "package.json", "package-lock.json", "Makefile", "CODEOWNERS",
              "bin/tool.exe", "scripts/install.sh")
_ASSOCIATIONS = ("MEMBER", "OWNER", "COLLABORATOR", "CONTRIBUTOR", "FIRST_TIME_CONTRIBUTOR", "NONE")


def _file(rng: random.Random, path: str) -> dict:
    additions, deletions = int(rng.lognormvariate(2.5, 1.2)), int(rng.lognormvariate(1.5, 1.2))
    return {"filename": path, "status": rng.choice(("modified", "modified", "added", "removed")),
            "additions": additions, "deletions": deletions, "changes": additions + deletions}


def pull_request(rng: random.Random, repo: str, number: int, start: dt.datetime, with_files: bool = True,
                 anomalous: bool = False) -> dict:
    """One PR of ``repo``; ``anomalous`` ones are large, touch sensitive paths and come from outsiders."""
    created = start + dt.timedelta(hours=number * 7 + rng.randrange(0, 5), minutes=rng.randrange(60))
    updated = created + dt.timedelta(minutes=rng.randrange(1, 5000), seconds=rng.randrange(60))
    n_files = int(min(rng.lognormvariate(1.0, 1.0), 300)) + 1
    if anomalous:
        n_files += rng.randrange(40, 200)
    paths = {f"{rng.choice(_AREAS)}/m{rng.randrange(30)}/f{rng.randrange(1000)}.py" for _ in range(n_files)}
    if anomalous or rng.random() < 0.05:
        paths.add(rng.choice(_SENSITIVE))
    files = [_file(rng, path) for path in sorted(paths)]
    login = f"user{rng.randrange(8 if not anomalous else 1000, 9 if not anomalous else 2000)}"
    doc = {
        "number": number, "state": rng.choice(("open", "closed")), "title": f"Change {number} in {repo}",
        "body": "" if rng.random() < 0.2 else "Fixes a thing.", "draft": rng.random() < 0.1,
        "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ"), "updated_at": updated.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "user": {"login": login, "type": "User"},
        "author_association": "NONE" if anomalous else rng.choice(_ASSOCIATIONS),
        "head": {"sha": f"{rng.getrandbits(160):040x}", "ref": f"topic-{number}",
                 "repo": {"full_name": repo}},
        "base": {"ref": "main", "repo": {"full_name": repo, "default_branch": "main"}},
        "additions": sum(f["additions"] for f in files), "deletions": sum(f["deletions"] for f in files),
        "changed_files": len(files), "commits": int(rng.lognormvariate(0.5, 0.8)) + 1,
    }
    if with_files:
        doc["files"] = files
    doc["prguard_label"] = {"anomalous": anomalous}
    return doc


def history(repos: int, prs_per_repo: int, seed: int = 7, anomaly_rate: float = 0.03) -> list[dict]:
    """``repos`` repositories with ``prs_per_repo`` PRs each; some without files, a few anomalous."""
    rng = random.Random(seed)
    start = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    docs = []
    for r in range(repos):
        repo = f"org{r % 3}/project-{r}"
        for number in range(1, prs_per_repo + 1):
            docs.append(pull_request(rng, repo, number, start, with_files=rng.random() > 0.1,
                                     anomalous=rng.random() < anomaly_rate))
    return docs
