"""The audit entries of MISP exports: feed reads and every feed written to disk.

Each function writes at most one audit entry in its own transaction (the feed itself
changes nothing). The actor is the token's user, or `authz.OPERATOR` for the command line.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction

from civicshield.core import access, audit
from civicshield.core.markings import width
from civicshield.sharing.misp import mapping
from civicshield.sharing.misp.feed import FeedEvent


def record_feed_read(*, actor: Any, part: str, events: Sequence[FeedEvent]) -> None:
    """Note that `actor` read the feed's manifest or hashes, and which events it listed."""
    with transaction.atomic():
        audit.record(actor=actor, action=f"misp.feed_{part}", details={
            "events": len(events), "references": [item.reference for item in events]})


def record_event_read(*, actor: Any, event: FeedEvent) -> None:
    """Note that `actor` fetched one event (a report's or a campaign's) as every surface
    notes a read, through `access.record_read`: an `<record>.export` entry for an AMBER,
    AMBER+STRICT or RED event, which the report's owner finds among its readers
    (`access.readers_of`); a CLEAR or GREEN event is not noted, as its page is not."""
    access.record_read(actor, event.record, action="export",
                       details={"format": "misp", "event": event.uuid, "tlp": _served(event)})


def _served(event: FeedEvent) -> str:
    """The narrowest marking of what the event serves: its own, or an attribute's own tag
    (a victim whose consent caps their identity below the event's marking)."""
    marked = [mapping.TLP_FROM_TAG[tag["name"]]
              for attribute in event.event["Event"].get("Attribute", ())
              for tag in attribute.get("Tag", ()) if tag.get("name") in mapping.TLP_FROM_TAG]
    return min([event.tlp, *marked], key=width)


def record_feed_written(*, actor: Any, directory: str, viewer_label: str,
                        events: Sequence[FeedEvent]) -> None:
    """Note a feed written to disk: where, as whom, and which reports it holds."""
    with transaction.atomic():
        audit.record(actor=actor, action="misp.feed_export", details={
            "directory": directory, "as": viewer_label, "events": len(events),
            "references": [item.reference for item in events]})
