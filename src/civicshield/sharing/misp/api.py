"""POST /api/v1/misp/events: MISP event JSON in (see sharing/misp/importer.py, docs/misp.md).

The body is the MISP JSON itself — an event, `{"Event": ...}`, a list, or a
`{"response": [...]}` search result — so MISP's own exports can be posted unchanged.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from civicshield.sharing.misp.importer import InvalidEvents, import_events

router = Router(tags=["misp"])


class ImportedEventOut(Schema):
    event: str
    report_id: int
    reference: str
    tlp: str
    labels: list[str]
    updated: bool  # imported before: this newer version updated the same report
    # The wider marking a newer version's TLP tags asked for; the report kept its own.
    marking_kept: str | None


class UnchangedEventOut(Schema):
    event: str
    report_id: int | None  # None when the caller may not see the report made of it


class SkippedAttributeOut(Schema):
    event: str
    attribute: str
    type: str
    reason: str


class SkippedEventOut(Schema):
    index: int
    event: str
    errors: dict[str, list[str]]


class ImportOut(Schema):
    imported: list[ImportedEventOut]
    unchanged: list[UnchangedEventOut]
    skipped_attributes: list[SkippedAttributeOut]
    skipped_events: list[SkippedEventOut]


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]]


@router.post("/misp/events", response={201: ImportOut, 400: ErrorOut})
def import_misp_events(request: HttpRequest, skip_invalid: bool = False) -> Any:
    """Create one report per MISP event, owned by the caller's organisation. An event
    imported before (same uuid) updates its report when its timestamp is newer and is
    listed under `unchanged` otherwise.

    All or nothing unless `skip_invalid`: a bad event answers 400 naming the event and
    attribute, and nothing is written.
    """
    try:
        result = import_events(actor=request.user, payload=request.body,
                               skip_invalid=skip_invalid)
    except InvalidEvents as invalid:
        return Status(400, {"detail": str(invalid), "errors": invalid.errors})
    return Status(201, {
        "imported": [{"event": item.event, "report_id": item.report.pk,
                      "reference": item.report.reference, "tlp": item.report.tlp,
                      "labels": item.labels, "updated": item.updated,
                      "marking_kept": item.marking_kept}
                     for item in result.imported],
        "unchanged": [{"event": item.event,
                       "report_id": item.report.pk if item.report is not None else None}
                      for item in result.unchanged],
        "skipped_attributes": [vars(item) for item in result.skipped_attributes],
        "skipped_events": [vars(item) for item in result.skipped_events],
    })
