"""Pull request documents on MongoDB: one document per PR, written by compare-and-swap on a revision."""
from __future__ import annotations

from typing import Any, Iterator

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from prguard.store import docs
from prguard.store.base import pr_key
from prguard.store.mongo_part import MongoPart
from prguard.store.prs import PullRequests

# PRs are keyed by their unique ``_id`` (the PR key); this serves listings by repository.
INDEXES = {"pull_requests": [([("repo_key", ASCENDING), ("number", ASCENDING)], {})]}
# Optimistic-concurrency retries for a PR upsert; each lost race means another writer made progress.
_CAS_ATTEMPTS = 50


class MongoPullRequests(MongoPart, PullRequests):
    """PR documents on the ``pull_requests`` collection (``store.prs``)."""

    def upsert(self, doc: dict[str, Any]) -> bool:
        return self.write(doc)[0]

    def write(self, doc: dict[str, Any]) -> tuple[bool, str, str | None]:
        """Upsert by the port's merge rules; ``(changed, stored head SHA, stored state)`` after it
        (accepting a delivery needs the stored PR's head and state, and this read already has them)."""
        ident = docs.identify_pull_request(doc)
        prs = self._db.pull_requests
        for _ in range(_CAS_ATTEMPTS):
            stored = prs.find_one({"_id": ident.key})
            merged = docs.merge_pull_request(stored["doc"] if stored else None, doc)
            if merged is None:
                return False, stored["head_sha"], stored["doc"].get("state")
            fields = {"repo_key": ident.repo_key, "repo": ident.repo, "number": ident.number,
                      "head_sha": ident.head_sha, "updated_at": ident.updated_at, "doc": merged}
            if stored is None:
                try:
                    prs.insert_one({"_id": ident.key, "rev": 1, **fields})
                    return True, ident.head_sha, merged.get("state")
                except DuplicateKeyError:
                    continue
            # Compare-and-swap on the revision: the write lands only if nobody changed the PR since we
            # read it, so "older never overwrites newer" and "keep files" hold under concurrent writers.
            if prs.update_one({"_id": ident.key, "rev": stored["rev"]},
                              {"$set": fields, "$inc": {"rev": 1}}).matched_count:
                return True, ident.head_sha, merged.get("state")
        raise RuntimeError(f"gave up upserting {ident.key} after {_CAS_ATTEMPTS} concurrent modifications")

    def get(self, repo: str, number: int) -> dict[str, Any] | None:
        row = self._db.pull_requests.find_one({"_id": pr_key(repo, number)}, {"doc": 1})
        return row["doc"] if row else None

    def set_files(self, repo: str, number: int, head_sha: str, files: list[dict]) -> bool:
        files = docs.plain_json({"files": files})["files"]
        result = self._db.pull_requests.update_one({"_id": pr_key(repo, number), "head_sha": head_sha},
                                                   {"$set": {"doc.files": files}, "$inc": {"rev": 1}})
        return result.matched_count == 1

    def iter(self, repo: str | None = None) -> Iterator[dict[str, Any]]:
        query = {"repo_key": repo.lower()} if repo else {}
        for row in self._db.pull_requests.find(query, {"doc": 1}, sort=[("repo_key", 1), ("number", 1)]):
            yield row["doc"]

    def count(self, repo: str | None = None) -> int:
        return self._db.pull_requests.count_documents({"repo_key": repo.lower()} if repo else {})

    def partition(self, partitions: int) -> list[dict[str, Any]]:
        """Ranges of ``_id`` (the PR key); the first and last are open-ended."""
        prs = self._db.pull_requests
        bounds = [next(iter(prs.find({}, {"_id": 1}, sort=[("_id", 1)], skip=offset, limit=1)))["_id"]
                  for offset in docs.split_points(prs.count_documents({}), partitions)]
        edges = [None, *bounds, None]
        return [{"key_from": lo, "key_to": hi} for lo, hi in zip(edges, edges[1:])]

    def iter_range(self, key_range: dict[str, Any]) -> Iterator[tuple[str, Any]]:
        bounds = {op: key_range[name] for op, name in (("$gte", "key_from"), ("$lt", "key_to"))
                  if key_range.get(name) is not None}
        query = {"_id": bounds} if bounds else {}
        for row in self._db.pull_requests.find(query, {"doc": 1}, sort=[("_id", 1)]):
            yield row["_id"], row.get("doc")

    def repositories(self) -> list[str]:
        rows = self._db.pull_requests.aggregate([{"$group": {"_id": "$repo_key", "repo": {"$min": "$repo"}}},
                                                 {"$sort": {"_id": 1}}])
        return [row["repo"] for row in rows]
