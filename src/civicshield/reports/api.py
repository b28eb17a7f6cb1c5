"""Reports, observables and victims over the API. Thin: selectors read, services write."""

from typing import Any, cast

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from civicshield.core import access
from civicshield.core.api_pagination import SerialisedPage
from civicshield.core.errors import NotFound
from civicshield.directory.models import User
from civicshield.reports import selectors, services
from civicshield.reports.models import Report
from civicshield.reports.redaction import view_of
from civicshield.reports.schemas import (
    AudienceSchema,
    ObservableMatchOut,
    ObservableSchema,
    ReportIn,
    ReportOut,
    ReportPatch,
    TLPCode,
    VictimOut,
)
from civicshield.sharing.api import organisations_from_slugs
from civicshield.sharing.selectors import sharing_group_for

router = Router(tags=["reports"])

# The service speaks of observed_start/observed_end; the API of observed_at/observed_until.
_API_FIELD_NAMES = {"observed_start": "observed_at", "observed_end": "observed_until"}


def _in_api_terms(error: ValidationError) -> ValidationError:
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError({_API_FIELD_NAMES.get(name, name): messages
                            for name, messages in error.message_dict.items()})


class ReportFilters(Schema):
    phase: str = ""
    information_type: str = ""
    severity: int | None = None
    status: str = ""
    outcome: str = ""
    victim: int | None = None
    organisation: str = ""
    assignee: str = ""
    q: str = ""


def report_out(viewer: Any, report: Report, visible_primaries: set[int] | None = None
               ) -> ReportOut:
    """The report as this viewer may see it: victims redacted, recipients only if allowed.
    `visible_primaries`: which duplicates' primaries the viewer may see, read for a whole
    page at once (`selectors.visible_ids`); else looked up for this report."""
    if visible_primaries is None:
        visible_primaries = selectors.visible_ids(viewer, [report.duplicate_of_id])
    audience = None
    if access.may_see_recipients(viewer, report):
        audience = AudienceSchema(
            organisations=sorted(o.slug for o in report.audience_organisations.all()),
            sharing_groups=sorted(g.slug for g in report.audience_groups.all()),
            users=sorted(u.username for u in report.audience_users.all()),
        )
    victims = []
    for victim in report.victims.all():
        seen = view_of(viewer, victim)
        victims.append(VictimOut(id=seen.id, label=seen.label, kind=seen.kind,
                                 region=seen.region, identified=seen.identified,
                                 organisation=seen.organisation_slug, consent=seen.consent))
    return ReportOut(
        id=report.pk, reference=report.reference, title=report.title,
        description=report.description, observed_at=report.observed_start,
        observed_until=report.observed_end, source=report.source,
        organisation=report.owner_organisation.slug,
        phases=[t.code for t in report.phases.all()],
        information_types=[t.code for t in report.information_types.all()],
        techniques=[t.code for t in report.techniques.all()],
        outcome=report.outcome, severity=report.severity, confidence=report.confidence,
        tlp=cast(TLPCode, report.tlp),  # the field's choices are the TLP codes
        audience=audience, victims=victims,
        observables=[ObservableSchema(type=o.type, value=o.value)
                     for o in report.observables.all()],
        status=report.status, closed_reason=report.closed_reason,
        assignee=report.assignee.username if report.assignee is not None else None,
        # A duplicate's primary is named only to those who may see it (as on the page).
        duplicate_of=(report.duplicate_of_id if report.duplicate_of_id in visible_primaries
                      else None),
        created_at=report.created_at,
        updated_at=report.updated_at,
    )


def _users(usernames: list[str]) -> list[Any]:
    found = list(User.objects.filter(username__in=usernames, is_active=True))
    unknown = sorted(set(usernames) - {u.username for u in found})
    if unknown:
        raise ValidationError({"audience.users": f"Unknown users: {', '.join(unknown)}."})
    return found


def _groups(viewer: Any, slugs: list[str]) -> list[Any]:
    groups = []
    for slug in slugs:
        try:
            groups.append(sharing_group_for(viewer, slug))
        except NotFound:
            raise ValidationError({"audience.sharing_groups": f"Unknown group: {slug}."}
                                  ) from None
    return groups


@router.get("/reports", response=list[ReportOut])
@paginate(LimitOffsetPagination)
def list_reports(request: HttpRequest, filters: Query[ReportFilters]) -> Any:
    queryset = selectors.with_details(
        selectors.reports_visible_to(request.user, **filters.model_dump()))
    viewer = request.user

    def serialise(reports: list[Report]) -> list[ReportOut]:
        primaries = selectors.visible_ids(viewer, [r.duplicate_of_id for r in reports])
        return [report_out(viewer, report, primaries) for report in reports]

    return SerialisedPage(queryset, serialise)


@router.post("/reports", response={201: ReportOut})
def create_report(request: HttpRequest, payload: ReportIn) -> Any:
    viewer = request.user
    data = services.ReportInput(
        title=payload.title, description=payload.description,
        observed_start=payload.observed_at, observed_end=payload.observed_until,
        phases=payload.phases, information_types=payload.information_types,
        techniques=payload.techniques, outcome=payload.outcome, severity=payload.severity,
        confidence=payload.confidence, tlp=payload.tlp,
        audience_organisations=organisations_from_slugs(
            viewer, "audience.organisations", payload.audience.organisations),
        audience_groups=_groups(viewer, payload.audience.sharing_groups),
        audience_users=_users(payload.audience.users),
        disclose_recipients=payload.disclose_recipients,
        victims=[v.model_dump() for v in payload.victims],
        observables=[o.model_dump() for o in payload.observables],
        override_reason=payload.override_reason,
    )
    try:
        report = services.create_report(actor=viewer, data=data)
    except ValidationError as error:
        raise _in_api_terms(error) from None
    return Status(201, report_out(viewer, selectors.report_for(viewer, report.pk,
                                                               audit_read=False)))


@router.get("/reports/{report_id}", response=ReportOut)
def get_report(request: HttpRequest, report_id: int) -> Any:
    return report_out(request.user, selectors.report_for(request.user, report_id))


@router.patch("/reports/{report_id}", response=ReportOut)
def update_report(request: HttpRequest, report_id: int, payload: ReportPatch) -> Any:
    viewer = request.user
    report = selectors.report_for(viewer, report_id, audit_read=False)
    given = payload.model_dump(exclude_unset=True)
    status = given.pop("status", None)
    closed_reason = given.pop("closed_reason", None) or ""
    assignee = given.pop("assignee", "")
    changes: dict[str, Any] = {}
    renames = {"observed_at": "observed_start", "observed_until": "observed_end"}
    for name, value in given.items():
        if name == "audience":
            audience = payload.audience or AudienceSchema()
            changes["audience_organisations"] = organisations_from_slugs(
                viewer, "audience.organisations", audience.organisations)
            changes["audience_groups"] = _groups(viewer, audience.sharing_groups)
            changes["audience_users"] = _users(audience.users)
        elif name != "override_reason" or value:
            changes[renames.get(name, name)] = value
    if set(changes) - {"override_reason"}:
        try:
            services.update_report(actor=viewer, report=report, changes=changes)
        except ValidationError as error:
            raise _in_api_terms(error) from None
    if status is not None and status != report.status:
        services.set_status(actor=viewer, report=report, status=status, reason=closed_reason)
    if assignee != "":
        target = _users([assignee])[0] if assignee else None
        services.assign_reports(actor=viewer, reports=[report], assignee=target)
    return report_out(viewer, selectors.report_for(viewer, report_id, audit_read=False))


@router.get("/observables", response=list[ObservableMatchOut])
def find_observables(request: HttpRequest, value: str) -> Any:
    return [
        ObservableMatchOut(type=m.observable.type, value=m.observable.value,
                           reports=[r.pk for r in m.reports])
        for m in selectors.observables_matching(request.user, value)
    ]


@router.get("/victims/{victim_id}/reports", response=list[ReportOut])
def victim_reports(request: HttpRequest, victim_id: int) -> Any:
    victim = selectors.victim_for(request.user, victim_id)
    return [report_out(request.user, r) for r in selectors.reports_about(request.user, victim)]


class ReadOut(Schema):
    at: Any
    who: str
    organisation: str
    action: str
    surface: str


@router.get("/reports/{report_id}/reads", response=list[ReadOut])
def report_reads(request: HttpRequest, report_id: int) -> Any:
    """Who read or downloaded the report: for its owner organisation and the coordinator."""
    report = selectors.report_for(request.user, report_id, audit_read=False)
    return [ReadOut(at=entry.at, who=entry.actor_label, organisation=entry.organisation_slug,
                    action=entry.action, surface=entry.surface)
            for entry in access.readers_of(request.user, report)[:500]]
