"""Every write of reports: one transaction and one audit entry per action.

The UI, the API, the public form and imports all call these functions, so a report is
validated, marked and audited the same way whichever door it came through.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicshield.comms.notifications import services as notification_services
from civicshield.core import access, audit, authz
from civicshield.core.errors import FieldErrors
from civicshield.core.markings import TLP, is_wider
from civicshield.core.text import nul_path
from civicshield.correlation.services import correlate_reports
from civicshield.reports import observables as observable_rules
from civicshield.reports.choices import (
    Confidence,
    Consent,
    ObservableType,
    Outcome,
    Source,
    Status,
    VictimKind,
)
from civicshield.reports.models import (
    Attachment,
    Comment,
    Observable,
    Report,
    SupportStep,
    Victim,
)
from civicshield.sharing.selectors import agreements_covering

# How far in the future an observation time may lie (clock skew between partners).
FUTURE_TOLERANCE = timedelta(minutes=10)
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


@dataclass
class ReportInput:
    """What a reporter gives; codes and slugs, not records. Validated by `create_report`."""

    title: str
    description: str
    observed_start: datetime
    observed_end: datetime | None = None
    phases: Sequence[str] = ()
    information_types: Sequence[str] = ()
    techniques: Sequence[str] = ()
    outcome: str = Outcome.UNKNOWN
    severity: int = 3
    confidence: str = Confidence.MEDIUM
    tlp: str | None = None  # None: the covering agreements' default, else AMBER
    audience_organisations: Sequence[Any] = ()
    audience_groups: Sequence[Any] = ()
    audience_users: Sequence[Any] = ()
    disclose_recipients: bool = False
    victims: Sequence[Mapping[str, Any]] = ()
    observables: Sequence[Mapping[str, str]] = ()
    source: str = Source.PARTNER
    override_reason: str = ""
    extra_errors: dict[str, list[str]] = field(default_factory=dict)


# The inputs that become text: none may hold a NUL character.
_TEXT_INPUTS = ("title", "description", "override_reason", "victims", "observables")


def _refuse_nul_characters(errors: FieldErrors, given: Mapping[str, Any]) -> None:
    """Name each input holding a NUL character: no text column holds one (PostgreSQL
    refuses it) and no form lets one through, but an API or an import could send it."""
    for name, value in given.items():
        if nul_path(value) is not None:
            errors.add(name, _("This holds a NUL character, which text may not."))


def new_reference() -> str:
    return "CS-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))


# --- Validation -----------------------------------------------------------------------


def _terms(actor: Any, errors: FieldErrors, name: str, vocabularies: list[str],
           codes: Iterable[str], kinds: Sequence[str] = ()) -> list[Any]:
    from civicshield.vocab.selectors import terms_visible_to

    wanted = [code.strip() for code in codes if code and code.strip()]
    if not wanted:
        return []
    found = {
        term.code: term
        for term in terms_visible_to(authz.OPERATOR, vocabularies=vocabularies, kinds=kinds,
                                     include_deprecated=True).filter(code__in=wanted)
    }
    unknown = [code for code in wanted if code not in found]
    if unknown:
        errors.add(name, _("Unknown codes: %(codes)s.") % {"codes": ", ".join(unknown)})
    return [found[code] for code in dict.fromkeys(wanted) if code in found]


def _check_dates(errors: FieldErrors, start: datetime, end: datetime | None) -> None:
    now = timezone.now()
    if start > now + FUTURE_TOLERANCE:
        errors.add("observed_start", _("This is in the future."))
    if end is not None and end < start:
        errors.add("observed_end", _("The end is before the start."))
    if end is not None and end > now + FUTURE_TOLERANCE:
        errors.add("observed_end", _("This is in the future."))


def _check_audience(errors: FieldErrors, tlp: str, data: ReportInput) -> None:
    named_organisations = bool(data.audience_organisations or data.audience_groups)
    if tlp == TLP.RED:
        if named_organisations:
            errors.add("audience", _("TLP:RED goes to named people only, not to organisations "
                                     "or groups."))
        if not data.audience_users:
            errors.add("audience", _("Name at least one person for TLP:RED."))
    elif tlp in (TLP.CLEAR, TLP.GREEN):
        if named_organisations or data.audience_users:
            errors.add("audience", _("%(tlp)s goes to everyone it allows; a named audience "
                                     "would suggest otherwise. Remove it or choose AMBER.")
                       % {"tlp": TLP(tlp).label})
    elif data.audience_users:
        errors.add("audience", _("Named people are for TLP:RED; name organisations or groups."))


def _normalised_observables(errors: FieldErrors, given: Sequence[Mapping[str, str]]
                            ) -> list[tuple[str, str]]:
    result: list[tuple[str, str]] = []
    for position, item in enumerate(given):
        kind, value = (item.get("type") or "").strip(), (item.get("value") or "").strip()
        if kind not in ObservableType.values:
            errors.add(f"observables[{position}].type",
                       _("Unknown observable type “%(type)s”.") % {"type": kind})
            continue
        try:
            canonical = observable_rules.normalise(kind, value)
        except observable_rules.InvalidObservable as problem:
            errors.add(f"observables[{position}].value", str(problem))
            continue
        if (kind, canonical) not in result:
            result.append((kind, canonical))
    return result


def _victims(errors: FieldErrors, given: Sequence[Mapping[str, Any]], *,
             recorder: Any) -> list[Victim]:
    """The victims `given` describe, matched to those recorded before. `recorder` is the
    organisation whose report describes them: the owner organisation, whoever acts for it
    (an analyst, or the command line importing for it)."""
    from civicshield.directory.selectors import organisation_for

    victims: list[Victim] = []
    seen: dict[tuple[Any, ...], Victim] = {}
    for position, item in enumerate(given):
        if nul_path(item) is not None:
            continue  # named as the field's error: never looked up (PostgreSQL refuses it)
        consent = item.get("consent") or Consent.PRIVATE
        if consent not in Consent.values:
            errors.add(f"victims[{position}].consent", _("Choose private, partners or public."))
            continue
        organisation = item.get("organisation")
        if organisation:
            if isinstance(organisation, str):
                try:
                    organisation = organisation_for(authz.OPERATOR, organisation)
                except Exception:  # NotFound
                    errors.add(f"victims[{position}].organisation",
                               _("“%(slug)s” does not exist.") % {"slug": item["organisation"]})
                    continue
            victim = Victim.objects.filter(organisation=organisation).first() or Victim(
                kind=VictimKind.ORGANISATION, organisation=organisation, consent=consent)
        else:
            kind, name = item.get("kind") or "", (item.get("name") or "").strip()
            region = (item.get("region") or "").strip()
            if kind not in VictimKind.values or kind == VictimKind.ORGANISATION:
                errors.add(f"victims[{position}].kind",
                           _("Choose candidate, official, voters or other."))
                continue
            if not name:
                errors.add(f"victims[{position}].name", _("Describe the victim."))
                continue
            # A described person is matched only among those the same organisation
            # recorded: matching across organisations would tell a reporter that other
            # reports concern the person they named.
            victim = Victim.objects.filter(kind=kind, name__iexact=name, region__iexact=region,
                                           recorded_by=recorder).first() or Victim(
                kind=kind, name=name, region=region, consent=consent, recorded_by=recorder)
        # One victim named twice is one victim, whose narrowest consent holds.
        key: tuple[Any, ...] = ("victim", victim.pk) if victim.pk else (
            ("organisation", victim.organisation_id) if victim.organisation_id else
            ("described", victim.kind, victim.name.casefold(), victim.region.casefold()))
        victim = seen.setdefault(key, victim)
        # A report can narrow what may be disclosed of a victim, never widen it.
        if _consent_width(consent) < _consent_width(victim.consent):
            victim.consent = consent
        if victim not in victims:
            victims.append(victim)
    return victims


def _save_victims(victims: Sequence[Victim], report: Report) -> list[int]:
    """Save the victims; returns the ids of those whose consent narrowed now.

    Every other report naming such a victim changes too (a new `updated_at`), so that what
    it published (its TAXII entries, its STIX and MISP exports) is made again without what
    may no longer be disclosed of the victim."""
    held = dict(Victim.objects.filter(pk__in=[v.pk for v in victims if v.pk])
                .values_list("pk", "consent"))
    now = timezone.now()
    narrowed = []
    for victim in victims:
        if victim.pk in held and _consent_width(victim.consent) < _consent_width(held[victim.pk]):
            victim.consent_narrowed_at = now
            narrowed.append(victim.pk)
        victim.save()
    narrowed.sort()
    if narrowed:
        Report.objects.filter(pk__in=Report.victims.through.objects.filter(
            victim_id__in=narrowed).values("report_id")).exclude(pk=report.pk).update(
            updated_at=timezone.now())
    return narrowed


def _consent_width(consent: str) -> int:
    return [Consent.PRIVATE, Consent.PARTNERS, Consent.PUBLIC].index(Consent(consent))


def _check_assessment(errors: FieldErrors, actor: Any, data: ReportInput
                      ) -> tuple[list[Any], list[Any], list[Any]]:
    """Severity, outcome, confidence, dates and vocabulary; returns the resolved terms."""
    if not 1 <= int(data.severity) <= 5:
        errors.add("severity", _("Severity runs from 1 to 5."))
    if data.outcome not in Outcome.values:
        errors.add("outcome", _("Choose attempted, successful or unknown."))
    if data.confidence not in Confidence.values:
        errors.add("confidence", _("Choose low, medium or high."))
    _check_dates(errors, data.observed_start, data.observed_end)
    phases = _terms(actor, errors, "phases", ["phases"], data.phases)
    information_types = _terms(actor, errors, "information_types", ["information-types"],
                               data.information_types)
    techniques = _terms(actor, errors, "techniques", ["disarm", "attack"], data.techniques,
                        kinds=("technique", "sub-technique"))
    return phases, information_types, techniques


def _check_ceiling(errors: FieldErrors, actor: Any, owned: Any, terms: Any, tlp: str,
                   reason: str) -> dict[str, Any] | None:
    """A marking wider than the covering agreements allow needs a reason; returns what the
    audit entry records of the override, or None when there is none."""
    if not (terms and terms.widest_tlp and is_wider(tlp, terms.widest_tlp)):
        return None
    limiting = terms.limiting_agreement()
    if not reason.strip():
        errors.add("tlp", _("The agreement “%(agreement)s” allows %(widest)s at most. "
                            "Give a reason to share more widely.")
                   % {"agreement": limiting, "widest": TLP(terms.widest_tlp).label})
        return None
    authz.require(actor, "report:override_agreement", owned)
    return {"agreement": limiting.slug if limiting else "", "allowed": terms.widest_tlp,
            "chosen": tlp, "reason": reason.strip()}


# --- Creation -------------------------------------------------------------------------


def create_report(*, actor: Any, data: ReportInput, organisation: Any = None) -> Report:
    """Validate and store a report with its observables and victims, marked and addressed.

    Raises ValidationError naming every bad field; nothing is saved unless all is valid.
    Without a TLP, the covering sharing agreements' default applies (else AMBER) and their
    recipients are added to the audience; a TLP wider than they allow needs an
    `override_reason`, which the audit entry records.
    """
    authz.require(actor, "report:create")
    owner = organisation or getattr(actor, "organisation", None)
    errors = FieldErrors()
    for name, messages in data.extra_errors.items():
        for message in messages:
            errors.add(name, message)
    if owner is None:
        errors.add("organisation", _("A report belongs to an organisation."))
    _refuse_nul_characters(errors, {name: getattr(data, name) for name in _TEXT_INPUTS})
    if not data.title.strip():
        errors.add("title", _("Give the report a title."))
    if not data.description.strip():
        errors.add("description", _("Say what happened."))
    if data.source not in Source.values:
        errors.add("source", _("Unknown source."))
    phases, information_types, techniques = _check_assessment(errors, actor, data)
    canonical_observables = _normalised_observables(errors, data.observables)
    victims = _victims(errors, data.victims, recorder=owner)

    terms = agreements_covering(owner, information_types) if owner else None
    tlp = data.tlp or (terms.default_tlp if terms else None) or TLP.AMBER
    if tlp not in TLP.values:
        errors.add("tlp", _("Choose clear, green, amber, amber+strict or red."))
        tlp = TLP.AMBER
    override = _check_ceiling(errors, actor, owner, terms, tlp, data.override_reason)
    audience_organisations = list(data.audience_organisations)
    audience_groups = list(data.audience_groups)
    if data.tlp is None and terms and tlp in (TLP.AMBER, TLP.AMBER_STRICT):
        audience_organisations += [o for o in terms.organisations
                                   if o not in audience_organisations]
        audience_groups += [g for g in terms.groups if g not in audience_groups]
    checked = ReportInput(**{**data.__dict__, "audience_organisations": audience_organisations,
                             "audience_groups": audience_groups})
    _check_audience(errors, tlp, checked)
    errors.raise_if_any()

    report = Report(
        reference=new_reference(), title=data.title.strip(), description=data.description,
        observed_start=data.observed_start, observed_end=data.observed_end,
        source=data.source, outcome=data.outcome, severity=int(data.severity),
        confidence=data.confidence, tlp=tlp, owner_organisation=owner,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        disclose_recipients=data.disclose_recipients,
    )
    with transaction.atomic():
        report.save()
        report.phases.set(phases)
        report.information_types.set(information_types)
        report.techniques.set(techniques)
        report.audience_organisations.set(audience_organisations)
        report.audience_groups.set(audience_groups)
        report.audience_users.set(list(data.audience_users))
        narrowed = _save_victims(victims, report)
        report.victims.set(victims)
        _link_observables(report, canonical_observables)
        details: dict[str, Any] = {"tlp": tlp, "outcome": data.outcome,
                                   "observables": len(canonical_observables)}
        if narrowed:
            details["victims_narrowed"] = narrowed
        if terms and terms.agreements:
            details["agreements"] = [a.slug for a in terms.agreements]
        if override:
            details["override"] = override
        audit.record(actor=actor, action="report.create", target=report, details=details)
        transaction.on_commit(lambda: correlate_reports(report_ids=[report.pk]), robust=True)
        transaction.on_commit(lambda: notification_services.notify_report_victims(
            report_id=report.pk), robust=True)
    return report


def _link_observables(report: Report, canonical: Iterable[tuple[str, str]]) -> None:
    pairs = list(canonical)
    if not pairs:
        return
    Observable.objects.bulk_create(
        [Observable(type=kind, value=value) for kind, value in pairs], ignore_conflicts=True)
    stored = Observable.objects.filter(
        type__in={kind for kind, _ in pairs}, value__in={value for _, value in pairs})
    wanted = set(pairs)
    report.observables.add(*[o for o in stored if (o.type, o.value) in wanted])


# --- Changes --------------------------------------------------------------------------


def _touch(report: Report) -> None:
    # Linked rows are not fields of the report, so nothing else moves updated_at; its STIX
    # export changes all the same and needs a new `modified` (STIX 2.1 §3.6).
    report.updated_at = timezone.now()
    Report.objects.filter(pk=report.pk).update(updated_at=report.updated_at)


def add_observables(*, actor: Any, report: Report, observables: Sequence[Mapping[str, str]]
                    ) -> Report:
    authz.require(actor, "report:change", report)
    errors = FieldErrors()
    canonical = _normalised_observables(errors, observables)
    errors.raise_if_any()
    with transaction.atomic():
        _link_observables(report, canonical)
        if canonical:
            _touch(report)
        audit.record(actor=actor, action="report.observables", target=report,
                     details={"added": [f"{kind}:{value}" for kind, value in canonical]})
        transaction.on_commit(lambda: correlate_reports(report_ids=[report.pk]), robust=True)
    return report


def set_status(*, actor: Any, report: Report, status: str, reason: str = "") -> Report:
    """Move a report along new → triaged → in assessment → closed (closing needs a reason)."""
    authz.require(actor, "report:triage", report)
    if status not in Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    if status == Status.CLOSED and not reason.strip():
        raise ValidationError({"closed_reason": _("Say why the report is closed.")})
    with transaction.atomic():
        before = report.status
        report.status = status
        report.closed_reason = reason.strip() if status == Status.CLOSED else ""
        report.save(update_fields=["status", "closed_reason", "updated_at"])
        audit.record(actor=actor, action="report.status", target=report,
                     details={"from": before, "to": status, "reason": report.closed_reason})
    return report


def assign_reports(*, actor: Any, reports: Sequence[Report], assignee: Any) -> int:
    """Assign several reports at once; all or none (each must be the actor's to triage)."""
    for report in reports:
        authz.require(actor, "report:triage", report)
    if assignee is not None and not authz.can(assignee, "report:triage"):
        raise ValidationError({"assignee": _("This person cannot triage reports.")})
    if assignee is not None:
        hidden = [r.reference for r in reports if not access.can_see(assignee, r)]
        if hidden:
            raise ValidationError({"assignee": _("%(name)s may not see %(references)s.")
                                   % {"name": assignee.get_username(),
                                      "references": ", ".join(hidden)}})
    with transaction.atomic():
        count = Report.objects.filter(pk__in=[r.pk for r in reports]).update(
            assignee=assignee, updated_at=timezone.now())
        audit.record(actor=actor, action="report.assign", target=None, details={
            "reports": [r.reference for r in reports],
            "assignee": assignee.get_username() if assignee else None})
    return count


def merge_duplicates(*, actor: Any, primary: Report, duplicates: Sequence[Report]) -> Report:
    """Close `duplicates` as duplicates of `primary`, carrying their observables and victims
    over to it. The duplicates stay readable, each pointing to the primary."""
    authz.require(actor, "report:triage", primary)
    for duplicate in duplicates:
        authz.require(actor, "report:triage", duplicate)
        if duplicate.pk == primary.pk:
            raise ValidationError({"duplicates": _("A report cannot duplicate itself.")})
        if not access.seen_by_no_one_else(primary, than=duplicate):
            raise ValidationError({"duplicates": _(
                "%(duplicate)s is shared more narrowly than %(primary)s: merging would show "
                "its observables and victims to people who may not see it. Merge it the "
                "other way round, or align the markings first.")
                % {"duplicate": duplicate.reference, "primary": primary.reference}})
    with transaction.atomic():
        for duplicate in duplicates:
            primary.observables.add(*duplicate.observables.all())
            primary.victims.add(*duplicate.victims.all())
            duplicate.duplicate_of = primary
            duplicate.status = Status.CLOSED
            duplicate.closed_reason = _("Duplicate of %(reference)s") % {
                "reference": primary.reference}
            duplicate.save(update_fields=["duplicate_of", "status", "closed_reason",
                                          "updated_at"])
        _touch(primary)
        audit.record(actor=actor, action="report.merge", target=primary,
                     details={"duplicates": [d.reference for d in duplicates]})
        transaction.on_commit(lambda: correlate_reports(
            report_ids=[primary.pk, *(d.pk for d in duplicates)]), robust=True)
    return primary


def add_comment(*, actor: Any, report: Report, body: str) -> Comment:
    authz.require(actor, "report:comment", report)
    if not body.strip():
        raise ValidationError({"body": _("Write something.")})
    with transaction.atomic():
        comment = Comment.objects.create(report=report, author=actor, body=body.strip())
        audit.record(actor=actor, action="report.comment", target=report)
    return comment


# --- Attachments ----------------------------------------------------------------------

ALLOWED_ATTACHMENT_TYPES = {
    "image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain",
    "text/csv",
}


def add_attachment(*, actor: Any, report: Report, upload: UploadedFile) -> Attachment:
    """Store a screenshot or document. The type is read from the content, not the name."""
    import filetype  # reads magic numbers; no system library needed

    authz.require(actor, "report:comment", report)
    original_name = (upload.name or "attachment").replace("/", "_")[-255:]
    limit = settings.CIVICSHIELD_MAX_ATTACHMENT_BYTES
    if upload.size is None or upload.size > limit:
        raise ValidationError({"file": _("Files are limited to %(mb)s MB.")
                               % {"mb": limit // (1024 * 1024)}})
    head = upload.read(8192)
    upload.seek(0)
    guessed = filetype.guess(head)
    content_type = guessed.mime if guessed else ""
    if not content_type:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError:
            content_type = ""
        else:
            name = (upload.name or "").lower()
            content_type = "text/csv" if name.endswith(".csv") else "text/plain"
    if content_type not in ALLOWED_ATTACHMENT_TYPES:
        raise ValidationError({"file": _("Only images (PNG, JPEG, GIF, WebP), PDF and text "
                                         "files can be attached.")})
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    upload.name = f"{secrets.token_hex(16)}"  # never trust or expose the client's file name
    with transaction.atomic():
        attachment = Attachment(
            report=report, original_name=original_name,
            content_type=content_type, size=upload.size, sha256=digest.hexdigest(),
            uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        attachment.file.save(upload.name, upload, save=False)
        attachment.save()
        audit.record(actor=actor, action="report.attachment", target=report,
                     details={"name": attachment.original_name, "sha256": attachment.sha256})
    return attachment


# --- Public tips ----------------------------------------------------------------------

MAX_TIP_LENGTH = 5000


def submit_public_tip(*, description: str, contact: str = "", title: str = "") -> Report:
    """Store a concern sent by a member of the public as an unverified tip.

    It goes to the coordinating organisation only (TLP:AMBER+STRICT), with any observables
    in the text extracted for the analysts. Returns the report; its reference is the
    receipt the sender keeps.
    """
    from civicshield.directory.selectors import coordinating_organisation

    errors = FieldErrors()
    description = description.strip()
    if not description:
        errors.add("description", _("Tell us what you saw."))
    if len(description) > MAX_TIP_LENGTH:
        errors.add("description", _("Please keep it under %(count)s characters.")
                   % {"count": MAX_TIP_LENGTH})
    if len(contact) > 200:
        errors.add("contact", _("Please keep the contact under 200 characters."))
    coordinator = coordinating_organisation()
    if coordinator is None:
        errors.add("__all__", _("This instance is not set up to receive tips yet."))
    errors.raise_if_any()
    assert coordinator is not None  # refused above
    now = timezone.now()
    report = Report(
        reference=new_reference(), title=(title.strip() or description[:80])[:200],
        description=description, observed_start=now, source=Source.PUBLIC_TIP,
        tlp=TLP.AMBER_STRICT, owner_organisation=coordinator, confidence=Confidence.LOW,
        severity=2, tip_contact=contact.strip(),
    )
    # `extract` leaves out what `normalise` refuses, values too long to store included.
    found = [(item.type, item.value) for item in observable_rules.extract(description)]
    with transaction.atomic():
        report.save()
        report.audience_organisations.set([coordinator])
        _link_observables(report, found)
        audit.record(actor=None, action="report.public_tip", target=report,
                     details={"observables": len(found)})
        transaction.on_commit(lambda: correlate_reports(report_ids=[report.pk]), robust=True)
    return report


# --- Updates --------------------------------------------------------------------------

_SIMPLE_FIELDS = ("title", "description", "observed_start", "observed_end", "outcome",
                  "severity", "confidence", "disclose_recipients")


def update_report(*, actor: Any, report: Report, changes: Mapping[str, Any]) -> Report:
    """Change a report. Vocabulary, marking and audience are validated as on creation;
    observables given are added (removing one is a separate, deliberate act)."""
    authz.require(actor, "report:change", report)
    errors = FieldErrors()
    allowed = {*_SIMPLE_FIELDS, "phases", "information_types", "techniques", "tlp",
               "audience_organisations", "audience_groups", "audience_users", "observables",
               "victims", "override_reason"}
    for name in sorted(set(changes) - allowed):
        errors.add(name, _("This field cannot be changed here."))
    _refuse_nul_characters(errors, {name: changes[name] for name in _TEXT_INPUTS
                                    if name in changes})
    merged = ReportInput(
        title=changes.get("title", report.title),
        description=changes.get("description", report.description),
        observed_start=changes.get("observed_start", report.observed_start),
        observed_end=changes.get("observed_end", report.observed_end),
        phases=changes.get("phases", [t.code for t in report.phases.all()]),
        information_types=changes.get("information_types",
                                      [t.code for t in report.information_types.all()]),
        techniques=changes.get("techniques", [t.code for t in report.techniques.all()]),
        outcome=changes.get("outcome", report.outcome),
        severity=changes.get("severity", report.severity),
        confidence=changes.get("confidence", report.confidence),
        tlp=changes.get("tlp", report.tlp),
        audience_organisations=changes.get("audience_organisations",
                                           list(report.audience_organisations.all())),
        audience_groups=changes.get("audience_groups", list(report.audience_groups.all())),
        audience_users=changes.get("audience_users", list(report.audience_users.all())),
        override_reason=changes.get("override_reason", ""),
    )
    if "title" in changes and not merged.title.strip():
        errors.add("title", _("Give the report a title."))
    if merged.tlp not in TLP.values:
        errors.add("tlp", _("Choose clear, green, amber, amber+strict or red."))
    phases, information_types, techniques = _check_assessment(errors, actor, merged)
    canonical = _normalised_observables(errors, changes.get("observables", []))
    victims = _victims(errors, changes.get("victims", []),
                       recorder=report.owner_organisation)
    override = None
    if "tlp" in changes and merged.tlp in TLP.values:
        terms = agreements_covering(report.owner_organisation, information_types)
        override = _check_ceiling(errors, actor, report, terms, merged.tlp,
                                  merged.override_reason)
    if merged.tlp in TLP.values:
        _check_audience(errors, merged.tlp, merged)
    errors.raise_if_any()

    with transaction.atomic():
        before = {"tlp": report.tlp, "severity": report.severity, "outcome": report.outcome}
        for name in _SIMPLE_FIELDS:
            if name in changes:
                setattr(report, name, changes[name])
        report.tlp = merged.tlp or report.tlp
        report.severity = int(merged.severity)
        report.save()
        if "phases" in changes:
            report.phases.set(phases)
        if "information_types" in changes:
            report.information_types.set(information_types)
        if "techniques" in changes:
            report.techniques.set(techniques)
        for name in ("audience_organisations", "audience_groups", "audience_users"):
            if name in changes:
                getattr(report, name).set(list(changes[name]))
        narrowed = _save_victims(victims, report)
        if victims:
            report.victims.add(*victims)
        _link_observables(report, canonical)
        details: dict[str, Any] = {
            "changed": sorted(set(changes) - {"override_reason"}),
            "from": {k: v for k, v in before.items() if getattr(report, k) != v},
        }
        if narrowed:
            details["victims_narrowed"] = narrowed
        if override:
            details["override"] = override
        audit.record(actor=actor, action="report.update", target=report, details=details)
        transaction.on_commit(lambda: correlate_reports(report_ids=[report.pk]), robust=True)
    return report


# --- Victim support --------------------------------------------------------------------


def record_support_step(*, actor: Any, victim: Victim, taken_on: Any, description: str
                        ) -> SupportStep:
    """Record help given to a victim. Only those who know who the victim is may: the
    coordinator, the victim's own organisation and the organisation that described them."""
    from civicshield.reports.redaction import may_identify

    authz.require(actor, "report:comment")
    if not may_identify(actor, victim):
        raise PermissionDenied(_("Only those who know who the victim is record support."))
    if not description.strip():
        raise ValidationError({"description": _("Say what was done.")})
    if taken_on > timezone.localdate():
        raise ValidationError({"taken_on": _("This is in the future.")})
    with transaction.atomic():
        step = SupportStep.objects.create(
            victim=victim, taken_on=taken_on, description=description.strip(),
            recorded_by=actor, organisation=getattr(actor, "organisation", None))
        audit.record(actor=actor, action="victim.support", target=victim)
    return step
