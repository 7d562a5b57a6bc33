"""The store: one port (``Store``) and its adapters, SQLiteStore (embedded) and MongoStore."""
from __future__ import annotations

from prguard.store.base import InvalidPullRequest, Job, QueueStats, Store, pr_key

__all__ = ["InvalidPullRequest", "Job", "QueueStats", "Store", "pr_key", "open_store"]


def open_store(settings) -> Store:
    """The store the settings select: MongoDB when MONGO_URI is set, else SQLite under the data dir."""
    if settings.mongo_uri:
        from prguard.store.mongo import MongoStore

        return MongoStore.from_uri(settings.mongo_uri, settings.mongo_db)
    from prguard.store.sqlite import SQLiteStore

    return SQLiteStore(settings.sqlite_path)
