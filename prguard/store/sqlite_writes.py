"""SQL writes that several SQLiteStore methods run inside their own write transaction."""
from __future__ import annotations

import json
import sqlite3
from typing import Any

from prguard.store import docs
from prguard.store.base import DELIVERY_DONE, DELIVERY_PROCESSING, JOB_CANCELLED, JOB_PENDING


def claim_delivery(db: sqlite3.Connection, delivery_id: str, event: str, action: str | None, now_ms: int,
                   reclaim_after: float, done: bool = False) -> bool:
    """Claim the id (new, or processing and claimed at least ``reclaim_after`` s ago); True if won.

    One statement, so the insert-or-take-over is atomic: the upsert's WHERE is evaluated under the
    write lock, and the winner moves claimed_at forward, past every racer's cut-off. ``done`` records
    the claim as completed at once, for a caller whose whole work commits in the same transaction.
    """
    stale_before = now_ms - int(reclaim_after * 1000)
    state, completed_at = (DELIVERY_DONE, now_ms) if done else (DELIVERY_PROCESSING, None)
    cursor = db.execute(
        "INSERT INTO deliveries (delivery_id, event, action, received_at, state, claimed_at, completed_at,"
        " claims) VALUES (?, ?, ?, ?, ?, ?, ?, 1) ON CONFLICT (delivery_id) DO UPDATE SET"
        " event = excluded.event, action = excluded.action, state = excluded.state,"
        " claimed_at = excluded.claimed_at, completed_at = excluded.completed_at,"
        " claims = deliveries.claims + 1 WHERE deliveries.state = ? AND deliveries.claimed_at <= ?",
        (delivery_id, event, action, now_ms, state, now_ms, completed_at, DELIVERY_PROCESSING, stale_before))
    return cursor.rowcount == 1


def _same_document(text: str, stored: str) -> bool:
    # Equal text is the common case (a redelivery); equal JSON in another key order has equal length.
    return text == stored or (len(text) == len(stored) and json.loads(text) == json.loads(stored))


def write_pull_request(db: sqlite3.Connection, doc: dict[str, Any], ident: docs.PullRequestIdentity,
                       text: str) -> tuple[bool, str, str | None]:
    """Upsert a PR document by the port's merge rules; ``(changed, stored head SHA, stored state)``.

    ``ident`` and ``text`` (``docs.pull_request_json(doc)``) are computed by the caller before its
    transaction, so the write lock is not held while a ~25 KB document is serialised. The document is
    serialised once and the stored one parsed only when its files must be kept: on the webhook path
    this was a parse and two serialisations per delivery.
    """
    row = db.execute("SELECT updated_at, head_sha, json_extract(doc, '$.state') AS state,"
                     " json_type(doc, '$.files') IS NOT NULL AS has_files, doc"
                     " FROM pull_requests WHERE pr_key = ?", (ident.key,)).fetchone()
    if row is not None:
        if ident.updated_at < row["updated_at"]:
            return False, row["head_sha"], row["state"]
        if "files" not in doc and row["has_files"] and ident.head_sha == row["head_sha"]:
            # Files describe one head commit: kept while it stays, as docs.merge_pull_request does.
            text = docs.pull_request_json({**doc, "files": json.loads(row["doc"])["files"]})
        if _same_document(text, row["doc"]):
            return False, row["head_sha"], row["state"]
    # An upsert, not INSERT OR REPLACE: the rowid must stay put for partition ranges.
    db.execute(
        "INSERT INTO pull_requests (pr_key, repo_key, repo, number, head_sha, updated_at, doc)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (pr_key) DO UPDATE SET repo = excluded.repo,"
        " head_sha = excluded.head_sha, updated_at = excluded.updated_at, doc = excluded.doc",
        (ident.key, ident.repo_key, ident.repo, ident.number, ident.head_sha, ident.updated_at, text))
    state = doc.get("state")
    return True, ident.head_sha, state if isinstance(state, str) else None


def insert_job(db: sqlite3.Connection, kind: str, payload: dict[str, Any], dedupe_key: str | None,
               run_at_ms: int | None, now_ms: int) -> str:
    """Add a pending job, or replace the payload of the pending one with ``dedupe_key``; its id."""
    body = json.dumps(payload)
    if dedupe_key is not None:
        row = db.execute("UPDATE jobs SET payload = ?, run_at = COALESCE(?, run_at), updated_at = ?"
                         " WHERE seq = (SELECT seq FROM jobs WHERE dedupe_key = ? AND state = ?"
                         " ORDER BY seq LIMIT 1) RETURNING seq",
                         (body, run_at_ms, now_ms, dedupe_key, JOB_PENDING)).fetchone()
        if row is not None:
            return str(row[0])
    row = db.execute("INSERT INTO jobs (kind, payload, state, dedupe_key, run_at, created_at, updated_at)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING seq",
                     (kind, body, JOB_PENDING, dedupe_key, now_ms if run_at_ms is None else run_at_ms,
                      now_ms, now_ms)).fetchone()
    return str(row[0])


def cancel_pending(db: sqlite3.Connection, dedupe_prefix: str, now_ms: int) -> int:
    """Cancel pending jobs whose dedupe key starts with the prefix; how many."""
    return db.execute("UPDATE jobs SET state = ?, updated_at = ? WHERE state = ? AND dedupe_key IS NOT NULL"
                      " AND substr(dedupe_key, 1, ?) = ?",
                      (JOB_CANCELLED, now_ms, JOB_PENDING, len(dedupe_prefix), dedupe_prefix)).rowcount
