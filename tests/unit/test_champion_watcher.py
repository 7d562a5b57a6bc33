"""The champion watcher under a threaded worker: every job thread gets the first champion, loaded once."""
from __future__ import annotations

import threading
import time

from prguard.config import Settings
from prguard.model import registry


def test_threads_asking_while_the_first_champion_loads_all_get_it(monkeypatch, tmp_path):
    monkeypatch.setattr(registry, "champion_version", lambda settings: "3")
    bundle, loads = object(), []

    def slow_loader(version):
        loads.append(version)
        time.sleep(0.5)  # a download from the artifact store
        return bundle

    watcher = registry.ChampionWatcher(Settings.from_env({"PRGUARD_DATA_DIR": str(tmp_path)}), loader=slow_loader)
    start, got = threading.Barrier(4), []

    def job():
        start.wait()
        got.append(watcher.current())

    threads = [threading.Thread(target=job) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert got == [bundle] * 4  # nobody scored "without a model" while another thread loaded it
    assert loads == ["3"]


def test_with_no_champion_every_thread_gets_none_without_waiting_forever(monkeypatch, tmp_path):
    monkeypatch.setattr(registry, "champion_version", lambda settings: None)
    watcher = registry.ChampionWatcher(Settings.from_env({"PRGUARD_DATA_DIR": str(tmp_path)}))
    results = []
    threads = [threading.Thread(target=lambda: results.append(watcher.current())) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert results == [None] * 4
