"""Reads of the STIX side of sharing."""

from __future__ import annotations

from typing import Any

from civicshield.sharing.federation.models import ReceivedFromPeer
from civicshield.sharing.models import ObservableIndicator, StixObject


def indicator_observables(report: Any) -> set[int]:
    """Ids of the observables an analyst marked as indicators on `report` (a report the
    caller already fetched through the access layer)."""
    return set(ObservableIndicator.objects.filter(report=report)
               .values_list("observable_id", flat=True))


def peers_received_from(report: Any) -> list[tuple[str, str]]:
    """(name, region) of the federation peers `report` (one the caller already fetched
    through the access layer) was received from: its provenance, shown on its page."""
    received = StixObject.objects.filter(report=report).values("stix_id")
    return list(ReceivedFromPeer.objects.filter(stix_id__in=received)
                .values_list("peer__name", "peer__region").distinct()
                .order_by("peer__name"))
