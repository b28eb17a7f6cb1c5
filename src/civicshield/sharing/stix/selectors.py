"""Reads of the STIX side of sharing."""

from __future__ import annotations

from typing import Any

from civicshield.sharing.models import ObservableIndicator


def indicator_observables(report: Any) -> set[int]:
    """Ids of the observables an analyst marked as indicators on `report` (a report the
    caller already fetched through the access layer)."""
    return set(ObservableIndicator.objects.filter(report=report)
               .values_list("observable_id", flat=True))
