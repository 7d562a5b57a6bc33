"""The webhook delivery port: each delivery id claimed before its work is stored and completed after."""
from __future__ import annotations

import abc
import datetime as dt
from typing import Any

from prguard.store.base import DELIVERY_RECLAIM_SECONDS


class Deliveries(abc.ABC):
    """Delivery ids as both adapters keep them (``store.deliveries``).

    A delivery id is claimed ("processing") before its work is stored and completed ("done") after,
    so a receiver that fails in between leaves a claim a later redelivery can take over: GitHub
    never redelivers on its own, and a manual redelivery keeps the id.
    """

    @abc.abstractmethod
    def claim(self, delivery_id: str, event: str, action: str | None, received_at: dt.datetime | None = None,
              reclaim_after: float = DELIVERY_RECLAIM_SECONDS) -> bool:
        """Claim the delivery id for processing, atomically; True when this caller holds the claim.

        True for a new id (stored as ``processing``, ``claimed_at`` = ``received_at``, default now),
        and True when the id is still ``processing`` and was claimed at least ``reclaim_after``
        seconds before ``received_at`` (its receiver died or failed before completing): the claim
        moves to this caller. False otherwise: the id is done, or claimed less than ``reclaim_after``
        ago. Of several callers re-claiming one stuck id at once exactly one gets True.
        Raises ValueError unless ``reclaim_after`` > 0.
        """

    @abc.abstractmethod
    def complete(self, delivery_id: str, completed_at: dt.datetime | None = None) -> bool:
        """Mark a ``processing`` delivery ``done`` (for good: it is never re-claimed). True if it
        changed; False for an unknown id or one already done."""

    @abc.abstractmethod
    def get(self, delivery_id: str) -> dict[str, Any] | None:
        """``{delivery_id, event, action, state, received_at, claimed_at, completed_at, claims}`` or None.

        ``state`` is ``processing`` or ``done``; ``received_at`` is the first claim, ``claimed_at``
        the latest, ``claims`` how many times the id was claimed; ``completed_at`` is None until done.
        """
