"""Reads of reports, observables and victims — always through the access layer."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from civicshield.core import access, authz
from civicshield.core.errors import NotFound
from civicshield.reports import observables as observable_rules
from civicshield.reports.models import Attachment, Comment, Observable, Report, Victim
from civicshield.reports.redaction import may_identify


def _base() -> QuerySet[Report]:
    return Report.objects.select_related("owner_organisation", "assignee", "created_by")


def reports_visible_to(
    viewer: Any, *, phase: str = "", information_type: str = "", severity: int | None = None,
    status: str = "", outcome: str = "", victim: int | None = None, organisation: str = "",
    assignee: str = "", q: str = "",
) -> QuerySet[Report]:
    """Reports the viewer may see, filtered, newest first. Paginate it in the database."""
    queryset = access.visible_to(viewer, _base())
    if phase:
        queryset = queryset.filter(phases__code=phase, phases__vocabulary__slug="phases")
    if information_type:
        queryset = queryset.filter(information_types__code=information_type,
                                   information_types__vocabulary__slug="information-types")
    if severity:
        queryset = queryset.filter(severity__gte=severity)
    if status:
        queryset = queryset.filter(status=status)
    if outcome:
        queryset = queryset.filter(outcome=outcome)
    if victim:
        # Filtering by a victim the viewer may not identify would link the reports that
        # concern them, which redaction exists to prevent: such a filter matches nothing.
        record = Victim.objects.select_related("organisation").filter(pk=victim).first()
        if record is None or not may_identify(viewer, record):
            return queryset.none()
        queryset = queryset.filter(victims__pk=victim)
    if organisation:
        queryset = queryset.filter(owner_organisation__slug=organisation)
    if assignee:
        queryset = queryset.filter(assignee__username=assignee)
    if q:
        queryset = queryset.filter(
            Q(title__icontains=q) | Q(description__icontains=q) | Q(reference__iexact=q))
    return queryset.order_by("-created_at", "-id")


def with_details(queryset: QuerySet[Report]) -> QuerySet[Report]:
    """Prefetch what a list or a detail shows, so pages cost a fixed number of queries."""
    return queryset.prefetch_related(
        "phases", "information_types", "techniques", "audience_organisations",
        "audience_groups", "audience_users",
        Prefetch("victims", queryset=Victim.objects.select_related("organisation")),
        Prefetch("observables", queryset=Observable.objects.order_by("type", "value")),
    )


def report_for(viewer: Any, report_id: int, *, audit_read: bool = True) -> Report:
    """One report the viewer may see, or NotFound (the same for missing and hidden).

    The read of an AMBER, AMBER+STRICT or RED report is written to the audit log.
    """
    report = access.get_visible(viewer, with_details(_base()), pk=report_id)
    if audit_read:
        access.record_read(viewer, report)
    return report


def attachment_for(viewer: Any, attachment_id: int) -> Attachment:
    """An attachment of a report the viewer may see, or NotFound. Audited like a read."""
    attachment = Attachment.objects.select_related("report").filter(pk=attachment_id).first()
    if attachment is None or not access.can_see(viewer, attachment.report):
        raise NotFound("attachment")
    access.record_read(viewer, attachment.report, action="download")
    return attachment


@dataclass
class ObservableMatch:
    observable: Observable
    reports: list[Report]


def observables_matching(viewer: Any, value: str) -> list[ObservableMatch]:
    """Observables equal to `value` (normalised the same way as on the way in) and the
    visible reports that mention them. An observable mentioned only by reports the viewer
    cannot see is not shown at all: its existence would leak."""
    candidates = set()
    for kind in observable_rules.TYPES:
        try:
            candidates.add((kind, observable_rules.normalise(kind, value)))
        except observable_rules.InvalidObservable:
            continue
    for item in observable_rules.extract(value):
        candidates.add((item.type, item.value))
    if not candidates:
        return []
    query = Q()
    for kind, canonical in candidates:
        query |= Q(type=kind, value=canonical)
    matches = []
    for observable in Observable.objects.filter(query).order_by("type", "value"):
        reports = list(access.visible_to(viewer, _base().filter(observables=observable))
                       .order_by("-created_at")[:100])
        if reports:
            matches.append(ObservableMatch(observable, reports))
    return matches


def victim_for(viewer: Any, victim_id: int) -> Victim:
    """A victim whose identity the viewer may know and who appears in a visible report.

    The victim's own organisation and the coordinator reach the page even before any report.
    """
    victim = Victim.objects.select_related("organisation").filter(pk=victim_id).first()
    if victim is None or not authz.can(viewer, "directory:view"):
        raise NotFound("victim")
    if not may_identify(viewer, victim):
        raise NotFound("victim")
    who = access.Viewer.of(viewer)
    own = victim.organisation_id is not None and victim.organisation_id == who.organisation_id
    if not (own or who.is_coordinator or
            access.visible_to(viewer, Report.objects.filter(victims=victim)).exists()):
        raise NotFound("victim")
    return victim


def reports_about(viewer: Any, victim: Victim) -> QuerySet[Report]:
    return with_details(reports_visible_to(viewer, victim=victim.pk))


# --- Reads for the analyst workspace pages -----------------------------------------------


def visible_ids(viewer: Any, report_ids: Iterable[int | None]) -> set[int]:
    """Which of these reports the viewer may see, in one query (a page's link targets)."""
    wanted = {report_id for report_id in report_ids if report_id is not None}
    if not wanted:
        return set()
    return set(access.visible_to(viewer, Report.objects.filter(pk__in=wanted))
               .values_list("pk", flat=True))


def report_if_visible(viewer: Any, report_id: int | None) -> Report | None:
    """The report if the viewer may see it, else None; not audited (a link target, say the
    primary a duplicate points to: a link to a hidden report is never shown)."""
    if report_id is None:
        return None
    return access.visible_to(viewer, Report.objects.filter(pk=report_id)).first()


def reports_by_ids(viewer: Any, report_ids: list[int]) -> list[Report]:
    """The visible reports among `report_ids` (hidden and missing ones alike left out)."""
    return list(access.visible_to(viewer, _base().filter(pk__in=report_ids)))


def comments_on(viewer: Any, report_id: int) -> QuerySet[Comment]:
    """The comments on a report the viewer may see (none for a hidden or missing one)."""
    visible = access.visible_to(viewer, Report.objects.filter(pk=report_id))
    return Comment.objects.filter(report__in=visible).select_related(
        "author", "author__organisation").order_by("created_at", "id")


def attachments_of(viewer: Any, report_id: int) -> QuerySet[Attachment]:
    """The attachments of a report the viewer may see (none for a hidden or missing one)."""
    visible = access.visible_to(viewer, Report.objects.filter(pk=report_id))
    return Attachment.objects.filter(report__in=visible).select_related("uploaded_by").order_by(
        "created_at", "id")


def victims_in_reports_visible_to(viewer: Any) -> list[Victim]:
    """Victims named in at least one report the viewer may see (to filter the queue by).

    The caller still shows each through `redaction.view_of`: a victim whose identity is
    withheld from the viewer must not be offered by name or id.
    """
    visible = access.visible_to(viewer, Report.objects.all())
    return list(Victim.objects.filter(reports__in=visible).select_related("organisation")
                .distinct().order_by("name", "id"))


def assignees_for(viewer: Any) -> list[Any]:
    """The people the viewer may assign reports to: those who may triage reports, of the
    viewer's own organisation (the coordinator and administrators choose among everyone)."""
    from civicshield.directory.models import User

    who = access.Viewer.of(viewer)
    if not who.is_member or not authz.can(viewer, "report:triage"):
        return []
    people = User.objects.filter(is_active=True, organisation__isnull=False).select_related(
        "organisation").order_by("username")
    if not (who.is_coordinator or authz.can(viewer, "organisation:change")):
        assert who.organisation_id is not None  # a member's
        people = people.filter(organisation_id=who.organisation_id)
    return [person for person in people if authz.can(person, "report:triage")]


def people_to_address(viewer: Any) -> QuerySet[Any]:
    """Members who may be named as TLP:RED recipients (the community's active accounts)."""
    from civicshield.directory.models import User

    authz.require(viewer, "directory:view")
    return User.objects.filter(is_active=True, organisation__isnull=False).select_related(
        "organisation").order_by("organisation__name", "username")


def report_by_reference(viewer: Any, reference: str) -> Report | None:
    """The visible report with this reference (any case), or None."""
    if not reference.strip():
        return None
    return access.visible_to(viewer, _base()).filter(reference__iexact=reference.strip()).first()


def support_steps_for(viewer: Any, victim: Victim) -> QuerySet[Any]:
    """Support given to a victim; `victim` must come from `victim_for` (identity known)."""
    return victim.support_steps.select_related("recorded_by", "organisation")
