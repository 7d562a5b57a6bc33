"""The worker loop: claim jobs under a lease, keep it while working, retry with backoff, dead-letter."""
from __future__ import annotations

import datetime as dt
import gc
import logging
import os
import random
import socket
import threading
import time
import uuid
from typing import Callable

from app import jobs, metrics
from app.scoring_job import JobContext, handle
from app.worker_context import build_context
from prguard import backoff
from prguard.config import Settings
from prguard.store import open_store
from prguard.store.base import JOB_DEAD, Job, Store, utcnow

log = logging.getLogger(__name__)

MAX_ERROR_CHARS = 2000
JOB_JITTER = 0.5
# A job whose installation may post again within this long is run, its thread sleeping until the slot;
# a longer wait (a burst from one installation) hands the job back to the queue until its slot, so that
# the threads stay free for other installations' PRs.
MAX_SLOT_WAIT_SECONDS = 2.0
# A postponed job comes back this long before its slot: its reads (PR, files, configuration) overlap the
# wait, so the slot is not lost to them.
SLOT_LEAD_SECONDS = MAX_SLOT_WAIT_SECONDS / 2


def backoff_seconds(attempts: int, base: float, cap: float, rng: random.Random) -> float:
    """A failed job's retry delay: half fixed, half random (jobs that failed together, in a GitHub
    outage, must not all come back at the same instant)."""
    return backoff.exponential(attempts, base, cap, JOB_JITTER, rng)


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class LeaseKeeper:
    """Extends a job's lease every third of its length while the job runs in this thread's sibling."""

    def __init__(self, store: Store, job: Job, worker_id: str, lease_seconds: float):
        self.store, self.job, self.worker_id, self.lease_seconds = store, job, worker_id, lease_seconds
        self.lost = threading.Event()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{job.id}", daemon=True)

    def _run(self) -> None:
        while not self._done.wait(self.lease_seconds / 3):
            try:
                if not self.store.jobs.extend_lease(self.job.id, self.worker_id, self.lease_seconds):
                    log.warning("lease lost to another worker", extra={"job_id": self.job.id})
                    self.lost.set()
                    return
            except Exception:  # a store hiccup: try again at the next tick, the lease is still ours
                log.exception("could not extend lease", extra={"job_id": self.job.id})

    def __enter__(self) -> "LeaseKeeper":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._thread.join()


class Worker:
    """Claims and runs jobs one at a time; several workers (threads or processes) can share a store.

    A writing job whose installation cannot post for more than MAX_SLOT_WAIT_SECONDS is postponed to
    its slot (no attempt counted) rather than run to sleep in the client.

    Retry delays come from the settings (PRGUARD_JOB_BACKOFF_SECONDS, PRGUARD_JOB_MAX_BACKOFF_SECONDS)
    unless ``backoff_base`` / ``backoff_cap`` override them.
    """

    def __init__(self, store: Store, context: JobContext, settings: Settings,
                 worker_id: str | None = None, backoff_base: float | None = None,
                 backoff_cap: float | None = None, rng: random.Random | None = None):
        self.store = store
        self.context = context
        self.settings = settings
        self.worker_id = worker_id or default_worker_id()
        self.backoff_base = settings.job_backoff_seconds if backoff_base is None else backoff_base
        self.backoff_cap = settings.job_max_backoff_seconds if backoff_cap is None else backoff_cap
        self.rng = rng or random.Random()

    def run_once(self) -> bool:
        """Claim and run one due job; False when there was none."""
        # max_attempts also bounds jobs whose worker died holding them (out of memory, a native crash):
        # without it such a job would be reclaimed, and kill a worker, forever.
        job = self.store.jobs.claim(self.worker_id, self.settings.job_lease_seconds,
                                    max_attempts=self.settings.job_max_attempts)
        if job is None:
            return False
        self._run(job)
        return True

    def _run(self, job: Job) -> None:
        extra = {"job_id": job.id, "repo": job.payload.get("repo"), "pr": job.payload.get("number"),
                 "head_sha": job.payload.get("head_sha"), "delivery_id": job.payload.get("delivery_id")}
        started = time.monotonic()
        if self._postponed(job, extra):
            return
        with LeaseKeeper(self.store, job, self.worker_id, self.settings.job_lease_seconds) as keeper:
            try:
                outcome = handle(self.context, job)
            except Exception as exc:
                self._fail(job, exc, started, extra)
                return
        if keeper.lost.is_set() or not self.store.jobs.complete(job.id, self.worker_id):
            # Another worker owns it now and will finish it; the check run stays single because both
            # address the run by its external_id and the stored check_run_id.
            log.warning("job finished after its lease was lost", extra=extra)
            return
        elapsed = time.monotonic() - started
        metrics.observe_job(job.kind, "done", elapsed, self._queued_seconds(job))
        log.info("job done: %s", outcome, extra=dict(extra, duration_ms=round(elapsed * 1000)))

    def _postponed(self, job: Job, extra: dict) -> bool:
        """Hand ``job`` back until its installation's next write slot when that is far off."""
        write_wait = self.context.write_wait
        if write_wait is None or job.kind not in jobs.WRITING_KINDS or "installation_id" not in job.payload:
            return False
        try:
            wait = write_wait(int(job.payload["installation_id"]))
        except Exception:  # the pacing record cannot be read: run the job, the client still reserves a slot
            log.exception("could not read the installation's write schedule", extra=extra)
            return False
        if wait <= MAX_SLOT_WAIT_SECONDS:
            return False
        run_at = utcnow() + dt.timedelta(seconds=wait - SLOT_LEAD_SECONDS)
        if self.store.jobs.postpone(job.id, self.worker_id, run_at):
            metrics.observe_job(job.kind, "postponed", 0.0)
            log.debug("installation's next write slot in %.1fs; job postponed", wait, extra=extra)
        return True

    def _fail(self, job: Job, exc: Exception, started: float, extra: dict) -> None:
        delay = backoff_seconds(job.attempts, self.backoff_base, self.backoff_cap, self.rng)
        # GitHub said how long to wait (a rate limit longer than the client waits inline): honour it.
        delay = max(delay, float(getattr(exc, "wait_seconds", 0) or 0))
        retry_at = utcnow() + dt.timedelta(seconds=delay)
        error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]
        state = self.store.jobs.fail(job.id, self.worker_id, error, retry_at, self.settings.job_max_attempts)
        outcome = "dead" if state == JOB_DEAD else "retry"
        metrics.observe_job(job.kind, outcome, time.monotonic() - started)
        if outcome == "dead":
            log.error("job dead after %d attempts: %s", job.attempts, error, exc_info=exc, extra=extra)
        else:
            log.warning("job attempt %d failed, retry in %.1fs: %s", job.attempts, delay, error, extra=extra)

    def _queued_seconds(self, job: Job) -> float | None:
        record = self.store.jobs.get(job.id) or {}
        created = record.get("created_at")
        return (utcnow() - created).total_seconds() if created is not None else None

    def run(self, stop_event: threading.Event, poll_seconds: float | None = None) -> None:
        """Work until ``stop_event`` is set; the job in hand is always finished first (graceful stop).
        An empty queue is looked at again every ``poll_seconds`` (default: PRGUARD_WORKER_POLL_SECONDS)."""
        if poll_seconds is None:
            poll_seconds = self.settings.worker_poll_seconds
        log.info("worker %s started", self.worker_id)
        while not stop_event.is_set():
            try:
                busy = self.run_once()
            except Exception:  # the store is unreachable: wait and try again rather than exit
                log.exception("worker could not claim a job")
                busy = False
            if not busy:
                stop_event.wait(poll_seconds)
        log.info("worker %s stopped", self.worker_id)


def run_worker(settings: Settings, stop_event: threading.Event, *, store: Store | None = None,
               context_factory: Callable[[Settings, Store], JobContext] | None = None,
               worker_id: str | None = None, poll_seconds: float | None = None,
               backoff_base: float | None = None, backoff_cap: float | None = None,
               threads: int | None = None) -> None:
    """Run a worker until ``stop_event`` is set (``prguard worker``, or a thread in ``prguard serve``):
    ``threads`` (default PRGUARD_WORKER_THREADS) job loops sharing one store and one job context.

    Timing comes from the settings; the keyword arguments, when given, override it (CLI options).
    """
    threads = settings.worker_threads if threads is None else threads
    own_store = store is None
    store = store or open_store(settings)
    try:
        context = (context_factory or build_context)(settings, store)
        # What was built so far (imports: torch, MLflow; the context) lives as long as the worker: exempt
        # it from the cyclic collector, whose full passes over it took 50-190 ms, often with a job holding
        # SQLite's write lock that every webhook worker then waited for. A model loaded later is not frozen
        # (a newer champion replaces it and it must be collectable).
        gc.freeze()
        base_id = worker_id or default_worker_id()
        workers = [Worker(store, context, settings, base_id if threads == 1 else f"{base_id}/{i}",
                          backoff_base, backoff_cap) for i in range(threads)]
        loops = [threading.Thread(target=w.run, args=(stop_event, poll_seconds), name=f"prguard-worker-{i}")
                 for i, w in enumerate(workers[1:], start=1)]
        for loop in loops:
            loop.start()
        try:
            workers[0].run(stop_event, poll_seconds)  # the calling thread is the first job loop
        finally:
            stop_event.set()  # the first loop only ends when asked to, or on an error: stop the others
            for loop in loops:
                loop.join()
    finally:
        if own_store:
            store.close()
