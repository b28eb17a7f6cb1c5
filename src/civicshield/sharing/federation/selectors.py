"""Reads for the peers pages: a peer's recent syncs, from the audit log they write."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from civicshield.core.models import AuditEntry
from civicshield.core.selectors import audit_entries_visible_to
from civicshield.sharing.federation.choices import SkipReason
from civicshield.sharing.federation.models import Peer

SYNC_ACTIONS = ("federation.pull", "federation.push")


@dataclass
class LeftOut:
    """The objects a sync left out for one reason: the first few, and how many more."""

    reason: str
    label: str
    count: int
    objects: list[dict[str, str]]
    more: int


@dataclass
class SyncRecord:
    at: datetime
    direction: str
    actor: str
    pages: int
    objects: int
    error: str
    left_out: list[LeftOut] = field(default_factory=list)


def recent_syncs(viewer: Any, peer: Peer, *, limit: int = 20) -> list[SyncRecord]:
    """The peer's latest pulls and pushes, newest first, as their audit entries recorded
    them (`SyncResult.as_dict`): read from the audit log, so only by those who may read it
    (PermissionDenied otherwise)."""
    entries = audit_entries_visible_to(viewer).filter(
        object_type=Peer._meta.label_lower, object_id=str(peer.pk),
        action__in=SYNC_ACTIONS).order_by("-at", "-pk")[:limit]
    return [_record(entry) for entry in entries]


def _record(entry: AuditEntry) -> SyncRecord:
    details: dict[str, Any] = entry.details or {}
    left_out = []
    for reason in SkipReason:
        group = (details.get("skipped_objects") or {}).get(reason.value)
        if group:
            left_out.append(LeftOut(reason=reason.value, label=str(reason.label),
                                    count=int(group.get("count", 0)),
                                    objects=list(group.get("objects") or ()),
                                    more=int(group.get("more", 0))))
    return SyncRecord(at=entry.at, direction=str(details.get("direction", "")),
                      actor=entry.actor_label, pages=int(details.get("pages", 0)),
                      objects=int(details.get("objects", 0)),
                      error=str(details.get("error", "")), left_out=left_out)
