"""Store contract: per-installation pacing of GitHub writes holds across threads, stores and processes."""
from __future__ import annotations

import multiprocessing
import threading

from prguard.store.sqlite import SQLiteStore

T0 = 1_900_000_000.0  # epoch seconds
HOUR = 3600.0


def most_in_any_hour(starts: list[float]) -> int:
    starts = sorted(starts)
    best, first = 0, 0
    for last, start in enumerate(starts):
        while start - starts[first] >= HOUR:
            first += 1
        best = max(best, last - first + 1)
    return best


def test_the_first_write_goes_now_and_the_next_one_interval_later(store):
    assert store.pacing.reserve(7, interval=1.0, per_hour=500, now=T0) == 0.0
    assert store.pacing.reserve(7, interval=1.0, per_hour=500, now=T0) == 1.0
    assert store.pacing.reserve(7, interval=1.0, per_hour=500, now=T0 + 0.25) == 1.75
    # Another installation has its own schedule; a later write after a pause waits for nothing.
    assert store.pacing.reserve(8, interval=1.0, per_hour=500, now=T0) == 0.0
    assert store.pacing.reserve(7, interval=1.0, per_hour=500, now=T0 + 60) == 0.0


def test_asking_for_the_wait_reserves_nothing_and_matches_the_next_reservation(store):
    assert store.pacing.wait(7, interval=1.0, per_hour=500, now=T0) == 0.0  # no schedule yet
    for _ in range(3):
        store.pacing.reserve(7, interval=1.0, per_hour=500, now=T0)
    assert store.pacing.wait(7, interval=1.0, per_hour=500, now=T0) == 3.0
    assert store.pacing.wait(7, interval=1.0, per_hour=500, now=T0) == 3.0  # asking twice changes nothing
    assert store.pacing.wait(8, interval=1.0, per_hour=500, now=T0) == 0.0
    assert store.pacing.reserve(7, interval=1.0, per_hour=500, now=T0 + 1) == 2.0
    assert store.pacing.wait(7, interval=1.0, per_hour=500, now=T0 + 10) == 0.0


def test_a_burst_goes_at_the_interval_and_no_hour_holds_more_than_the_cap(store):
    starts, now = [], T0
    for _ in range(700):  # a worker that writes as soon as it is allowed, for over an hour
        now += store.pacing.reserve(7, interval=1.0, per_hour=500, now=now)
        starts.append(now)
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    assert min(gaps) >= 1.0 - 1e-9
    assert gaps[:100] == [1.0] * 100  # a Dependabot run's worth of check runs goes at once
    assert 495 <= most_in_any_hour(starts) <= 500  # the hour's budget is used, never exceeded
    assert max(gaps) <= 3600 / 400 + 1e-9  # after the burst, the rest of the hour's budget, spread


def test_concurrent_reservations_never_share_a_slot(store):
    starts: list[float] = []
    lock = threading.Lock()

    def writer():
        for _ in range(25):
            wait = store.pacing.reserve(7, interval=0.5, per_hour=10_000, now=T0)
            with lock:
                starts.append(T0 + wait)

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(starts) == [T0 + 0.5 * i for i in range(200)]


def _reserve_in_another_process(path: str, count: int, queue) -> None:
    store = SQLiteStore(path)
    queue.put([store.pacing.reserve(7, interval=1.0, per_hour=10_000, now=T0) for _ in range(count)])
    store.close()


def test_sqlite_pacing_is_shared_by_processes_on_one_file(tmp_path):
    path = str(tmp_path / "store.sqlite3")
    SQLiteStore(path).close()
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    workers = [context.Process(target=_reserve_in_another_process, args=(path, 20, queue)) for _ in range(3)]
    for worker in workers:
        worker.start()
    waits = sorted(w for _ in workers for w in queue.get(timeout=60))
    for worker in workers:
        worker.join(timeout=30)
    assert waits == [float(i) for i in range(60)]
