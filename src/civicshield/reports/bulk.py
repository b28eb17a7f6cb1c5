"""Reports written many at a time, for imports (STIX bundles, TAXII POSTs, feeds).

The caller has validated everything and holds the transaction; it writes the one audit
entry of the import and calls correlation on commit. Here: `bulk_create` of the reports,
their vocabulary, audiences, observables and links — a fixed number of queries for any
number of reports, the many-row tables by plain INSERTs (`core.rows`). Values must
already be canonical (`reports.observables.normalise`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from civicshield.core import rows as rows_sql
from civicshield.core.markings import TLP
from civicshield.reports.choices import Confidence, Outcome, Source
from civicshield.reports.models import Observable, Report, ReportObservable
from civicshield.reports.services import new_reference

# SQLite allows 32,766 variables per statement; stay well below for every backend.
_CHUNK = 900


@dataclass
class BulkReport:
    """One report to create or update, by ids (no lookups here)."""

    title: str
    description: str
    observed_start: datetime
    owner_organisation_id: int
    tlp: str = TLP.AMBER
    created_by_id: int | None = None
    observed_end: datetime | None = None
    source: str = Source.AUTOMATED_FEED
    confidence: str = Confidence.MEDIUM
    outcome: str = Outcome.UNKNOWN
    severity: int = 3
    observables: Sequence[tuple[str, str]] = ()  # (type, canonical value)
    phase_ids: Sequence[int] = ()
    information_type_ids: Sequence[int] = ()
    technique_ids: Sequence[int] = ()
    audience_organisation_ids: Sequence[int] = ()
    audience_group_ids: Sequence[int] = ()
    audience_user_ids: Sequence[int] = ()
    report: Report | None = field(default=None, repr=False)  # set: update this one
    # Updating: its observables and techniques become these, not these added to what it has
    # (a producer's newer version that widens the report drops what may not follow it).
    replace_links: bool = False


def _require_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("reports.bulk runs inside the caller's transaction")


def observable_ids(pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """Store these observables once each; return their ids."""
    wanted = set(pairs)
    if not wanted:
        return {}
    now = rows_sql.db_datetime(timezone.now())
    rows_sql.insert(Observable, ("type", "value", "first_seen"),
                    ((kind, value, now) for kind, value in wanted), ignore_conflicts=True)
    found: dict[tuple[str, str], int] = {}
    values = sorted({value for _, value in wanted})
    for pk, value, kind in rows_sql.ids_by(Observable, "value", values, "type"):
        if (kind, value) in wanted:
            found[(kind, value)] = pk
    return found


def _fields(item: BulkReport) -> dict[str, Any]:
    return {
        "title": item.title[:200], "description": item.description,
        "observed_start": item.observed_start, "observed_end": item.observed_end,
        "source": item.source, "confidence": item.confidence, "outcome": item.outcome,
        "severity": item.severity, "tlp": item.tlp,
        "owner_organisation_id": item.owner_organisation_id,
    }


def save_reports(items: Sequence[BulkReport]) -> list[Report]:
    """Create the items without a `report`, update those with one; link everything.

    Updates replace the title, description, dates, marking and audience, and add the
    given observables and vocabulary (nothing is unlinked: a removal is a deliberate act).
    Returns the reports in the order of `items`.
    """
    _require_transaction()
    new = [item for item in items if item.report is None]
    changed = [item for item in items if item.report is not None]
    created = Report.objects.bulk_create(
        [Report(reference=new_reference(), created_by_id=item.created_by_id, **_fields(item))
         for item in new], batch_size=_CHUNK)
    for item, report in zip(new, created, strict=True):
        item.report = report
    if changed:
        now = timezone.now()
        for item in changed:
            assert item.report is not None
            for name, value in _fields(item).items():
                setattr(item.report, name, value)
            item.report.updated_at = now  # bulk_update does not apply auto_now
        Report.objects.bulk_update([item.report for item in changed if item.report],
                                   [*_fields(changed[0]), "updated_at"], batch_size=_CHUNK)
        _replace_audiences([item.report.pk for item in changed if item.report])
        _unlink([item.report.pk for item in changed if item.report and item.replace_links])
    links: list[tuple[int, tuple[str, str]]] = []
    phases, information_types, techniques, organisations, groups, users = [], [], [], [], [], []
    for item in items:
        assert item.report is not None  # created or given above
        report_id = item.report.pk
        links += [(report_id, pair) for pair in dict.fromkeys(item.observables)]
        phases += [(report_id, term) for term in dict.fromkeys(item.phase_ids)]
        information_types += [(report_id, term) for term in dict.fromkeys(
            item.information_type_ids)]
        techniques += [(report_id, term) for term in dict.fromkeys(item.technique_ids)]
        organisations += [(report_id, o) for o in dict.fromkeys(item.audience_organisation_ids)]
        groups += [(report_id, g) for g in dict.fromkeys(item.audience_group_ids)]
        users += [(report_id, u) for u in dict.fromkeys(item.audience_user_ids)]
    add_links(links, techniques)
    for relation, pairs, column in (
            (Report.phases, phases, "term_id"),
            (Report.information_types, information_types, "term_id"),
            (Report.audience_organisations, organisations, "organisation_id"),
            (Report.audience_groups, groups, "sharinggroup_id"),
            (Report.audience_users, users, "user_id")):
        rows_sql.insert(relation.through, ("report_id", column), pairs, ignore_conflicts=True)
    return [item.report for item in items if item.report is not None]


def add_links(observables: Iterable[tuple[int, tuple[str, str]]],
              techniques: Iterable[tuple[int, int]]) -> dict[tuple[str, str], int]:
    """Link existing reports to more observables ((report id, (type, value)) pairs) and
    techniques ((report id, term id)); nothing else about them changes. Returns the
    observables' ids."""
    _require_transaction()
    wanted = list(observables)
    ids = observable_ids(pair for _, pair in wanted)
    rows_sql.insert(ReportObservable, ("report", "observable"),
                    [(report_id, ids[pair]) for report_id, pair in wanted if pair in ids],
                    ignore_conflicts=True)
    rows_sql.insert(Report.techniques.through, ("report_id", "term_id"), list(techniques),
                    ignore_conflicts=True)
    return ids


def _unlink(report_ids: list[int]) -> None:
    """Remove these reports' observables and techniques; what they should have is linked
    again next."""
    for start in range(0, len(report_ids), _CHUNK):
        chunk = report_ids[start:start + _CHUNK]
        for relation in (Report.observables, Report.techniques):
            relation.through.objects.filter(report_id__in=chunk).delete()


def _replace_audiences(report_ids: list[int]) -> None:
    for relation in (Report.audience_organisations, Report.audience_groups,
                     Report.audience_users):
        for start in range(0, len(report_ids), _CHUNK):
            relation.through.objects.filter(
                report_id__in=report_ids[start:start + _CHUNK]).delete()
