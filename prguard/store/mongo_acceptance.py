"""MongoStore's accept_delivery: a delivery's work in the fewest round trips that keep its guarantees."""
from __future__ import annotations

from typing import Any, Callable

from pymongo.errors import DuplicateKeyError

from prguard.store import docs
from prguard.store.acceptance import (ACCEPTED, INACTIVE, INACTIVE_STATUSES, STALE, Acceptance, Accepted,
                                      jobs_allowed, refused)
from prguard.store.base import utcnow
from prguard.store.deliveries import Deliveries
from prguard.store.mongo_jobs import cancel_pending, insert_job
from prguard.store.mongo_part import MongoPart
from prguard.store.mongo_prs import MongoPullRequests


class MongoAcceptance(MongoPart):
    """``MongoStore.accept_delivery``, composed: the store's database and its deliveries and PR parts.

    Why these round trips and not fewer. MongoDB has multi-document transactions only on a replica set
    (and they add their own round trips: start, commit), and PRGuard also runs on a standalone server,
    so the guarantees come from order and idempotence instead:

    1. find the installation (1): the suspended/deleted gate must come before the claim, so that a
       redelivery after reactivation is still processed;
    2. claim the delivery id with an insert (1; a reclaim of a stuck id adds a conditional update):
       the unique ``_id`` makes a duplicate lose here, before it writes anything. The claim must be
       durable before any write it guards: writing the work first would let a duplicate queue a
       second job once a worker had claimed the first;
    3. record an unknown installation (1, only the first time an installation is seen);
    4. the PR: read, then a compare-and-swap on its revision (2). The merge rules (older never
       overwrites newer, files kept while the head stays) need the stored document, and the read also
       answers whether the jobs are still wanted, which used to be a third read;
    5. each job: one upsert whose filter matches only a pending job with the dedupe key (1; it was a
       find and then an insert);
    6. complete the delivery (1), last: completing earlier could mark done a delivery whose work was
       lost. A failure anywhere before it leaves a claim that a redelivery takes over after
       ``reclaim_after`` seconds, and every write above is idempotent, so redoing them is safe.

    That is 6 round trips for a new pull_request delivery at a known installation (7 before). Carrying
    the job inside the delivery document would save step 5 but split the outbox over two collections
    that every job claimer would then have to search; a bulk write cannot span collections.
    """

    def __init__(self, database: Callable[[], Any], deliveries: Deliveries, prs: MongoPullRequests):
        super().__init__(database)
        self._deliveries, self._prs = deliveries, prs

    def accept(self, acceptance: Acceptance) -> Accepted:
        now = docs.as_utc(acceptance.received_at or utcnow())
        db = self._db
        installation = db.installations.find_one({"_id": int(acceptance.installation_id)}, {"status": 1})
        if installation is not None and installation.get("status") in INACTIVE_STATUSES:
            return Accepted(INACTIVE, installation_status=installation["status"])
        if not self._deliveries.claim(acceptance.delivery_id, acceptance.event, acceptance.action,
                                      received_at=now, reclaim_after=acceptance.reclaim_after):
            return refused(self._deliveries.get(acceptance.delivery_id))
        if installation is None:
            try:
                db.installations.update_one(
                    {"_id": int(acceptance.installation_id)},
                    {"$setOnInsert": {"account": acceptance.account, "status": "active", "repositories": [],
                                      "updated_at": now}}, upsert=True)
            except DuplicateKeyError:
                pass  # an installation event recorded it meanwhile; that record wins
        allowed = True
        if acceptance.pull_request is not None:
            _, head_sha, state = self._prs.write(acceptance.pull_request)
            allowed = jobs_allowed(acceptance, head_sha, state)
        cancelled = 0
        if acceptance.cancel_prefix is not None:
            cancelled = cancel_pending(db.jobs, acceptance.cancel_prefix, now)
        job_ids = tuple(insert_job(db.jobs, job.kind, job.payload, job.dedupe_key, None, now)
                        for job in acceptance.jobs) if allowed else ()
        self._deliveries.complete(acceptance.delivery_id, completed_at=now)
        return Accepted(ACCEPTED if allowed else STALE, job_ids, cancelled)
