"""STIX writes and audited reads: exporting a bundle, flagging an indicator."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from civicshield.core import access, audit, authz
from civicshield.core.access import Viewer
from civicshield.reports.models import Observable, Report
from civicshield.sharing.stix.export import BundleFilters, bundle, bundle_objects


def viewer_for_operator() -> Viewer:
    """The command line exports what the coordinating organisation may see: the widest
    view short of RED, which goes to named people only (docs/stix-mapping.md)."""
    from civicshield.directory.selectors import coordinating_organisation

    coordinator = coordinating_organisation()
    if coordinator is None:
        return Viewer.anonymous()
    return Viewer.for_organisation(coordinator)


def export_bundle(*, actor: Any, filters: BundleFilters | None = None) -> dict[str, Any]:
    """The STIX 2.1 bundle of what `actor` may see (the operator: the coordinator's view),
    narrowed by `filters`. The export is written to the audit log."""
    filters = filters or BundleFilters()
    viewer = viewer_for_operator() if actor is authz.OPERATOR else actor
    objects = bundle_objects(viewer, filters)
    result = bundle(objects)
    with transaction.atomic():
        audit.record(actor=actor, action="stix.export", details={
            "bundle": result["id"], "objects": len(objects),
            "since": filters.since.isoformat() if filters.since else None,
            "until": filters.until.isoformat() if filters.until else None,
            "campaign": filters.campaign, "phases": list(filters.phases),
            "types": list(filters.types),
        })
    return result


def mark_indicator(*, actor: Any, report: Report, observable: Observable) -> None:
    """Flag an observable of a report as an indicator: it is then exported as a STIX
    `indicator` with a pattern (docs/stix-mapping.md)."""
    from civicshield.sharing.models import ObservableIndicator

    authz.require(actor, "report:change", report)
    if not access.can_see(actor, report) or not report.observables.filter(
            pk=observable.pk).exists():
        from civicshield.core.errors import NotFound

        raise NotFound("observable")
    with transaction.atomic():
        flag, created = ObservableIndicator.objects.get_or_create(
            report=report, observable=observable, defaults={"marked_by": actor})
        if not created and flag.imported:
            # An analyst's judgement now, not only the sender's: a widening version keeps it.
            flag.imported, flag.marked_by = False, actor
            flag.save(update_fields=["imported", "marked_by"])
        # A new version of the report: its STIX export now carries the indicator.
        Report.objects.filter(pk=report.pk).update(updated_at=timezone.now())
        audit.record(actor=actor, action="report.indicator", target=report,
                     details={"observable": f"{observable.type}:{observable.value}"})
