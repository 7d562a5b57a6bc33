"""PRGuard in one process for worker benchmarks: the real receiver and worker, an App at the fake GitHub."""
from __future__ import annotations

import contextlib
import threading
from typing import Iterator, Mapping

from app.factory import create_app
from app.worker import run_worker
from prguard.config import Settings
from prguard.store.sqlite import SQLiteStore
from tests.support.webhooks import SECRET


def app_settings(fake, data_dir, tracking_uri: str, env: Mapping[str, str] = ()) -> Settings:
    """Settings of an App installed at ``fake``, storing under ``data_dir``; ``env`` adds or overrides."""
    return Settings.from_env({
        "PRGUARD_DATA_DIR": str(data_dir), "MLFLOW_TRACKING_URI": tracking_uri,
        "GITHUB_APP_ID": str(fake.app_id), "GITHUB_APP_PRIVATE_KEY": fake.private_key_pem,
        "GITHUB_API_URL": fake.base_url, "GITHUB_WEBHOOK_SECRET": SECRET, **dict(env)})


@contextlib.contextmanager
def running(settings: Settings) -> Iterator[tuple[SQLiteStore, object]]:
    """(store, Flask test client of the receiver) with ``run_worker`` working in a thread until exit."""
    store = SQLiteStore(settings.sqlite_path)
    client = create_app(settings, store, {"TESTING": True}).test_client()
    stop = threading.Event()
    worker = threading.Thread(target=run_worker, args=(settings, stop), kwargs={"store": store})
    worker.start()
    try:
        yield store, client
    finally:
        stop.set()
        worker.join()
        store.close()
