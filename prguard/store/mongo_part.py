"""The base of MongoStore's composed parts: each works on the store's database and nothing else of it."""
from __future__ import annotations

from typing import Any, Callable

from pymongo.errors import DuplicateKeyError


class MongoPart:
    """A composed part of MongoStore (``store.jobs``, ``store.onboarding``, ...); ``database`` returns the
    store's database with its indexes created."""

    def __init__(self, database: Callable[[], Any]):
        self._database = database

    @property
    def _db(self):
        return self._database()


def retry_duplicate(operation):
    """Run an upsert again once if a concurrent upsert of the same key won the insert."""
    try:
        return operation()
    except DuplicateKeyError:
        return operation()
