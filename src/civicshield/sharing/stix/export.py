"""Our records as STIX 2.1 objects and bundles (docs/stix-mapping.md).

Pure mapping plus one selector, `bundle_for`: what a viewer may see, read through the
access layer, as a bundle. Exercise reports are never exported. Victims are exported
only when `reports.redaction.view_of` identifies them to the viewer.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db.models import Prefetch, QuerySet

from civicshield.core import access
from civicshield.core.access import Viewer
from civicshield.core.markings import TLP, width
from civicshield.reports.choices import Confidence, Consent, ObservableType, Source, VictimKind
from civicshield.reports.models import Observable, Report, Victim
from civicshield.reports.redaction import view_of
from civicshield.sharing.stix.ids import sco_id, sdo_id, shared_id
from civicshield.sharing.stix.markings import (
    TLP_1_IDS,
    TLP_BY_MARKING_ID,
    marking_definition,
    marking_id,
    tlp_1_definition,
)

EXTENSION_ID = "extension-definition--a9d27a5e-4c0b-4b67-8e4f-1f4b0f4f6c21"
# The author of our extension definition, the same in every installation (as the extension
# is): the id all installations gave their own identity before each had its own namespace.
PROJECT_IDENTITY_ID = shared_id("identity", "instance")
EPOCH = "2025-01-01T00:00:00.000Z"  # creation time of the extension and the identities

# Our observables without a STIX 2.1 SCO: new SCO types of our extension definition.
CUSTOM_SCO_TYPES = {
    ObservableType.PHONE: "x-civicshield-phone-number",
    ObservableType.HASHTAG: "x-civicshield-hashtag",
    ObservableType.AD_ID: "x-civicshield-ad-id",
    # email-message would fit, but with only message_id it has no id-contributing property
    # and stix2-validator then asks for both a UUIDv4 (error) and a UUIDv5 (warning).
    ObservableType.MESSAGE_ID: "x-civicshield-message-id",
}
# An email address stix2-validator's schema refuses as an `email-addr` (its pattern is
# narrower than RFC 5322: no apostrophe, no letters beyond ASCII before the @) goes out as
# an SCO type of our extension, so that every bundle stays valid.
STRICT_EMAIL = re.compile(r"^[a-zA-Z0-9_.+-]+@[a-zA-Z0-9-]+\.[a-zA-Z0-9-.]+$")
EMAIL_ADDRESS_TYPE = "x-civicshield-email-address"
# Every SCO type of our extension, with the observable type it carries.
EXTENSION_SCO_TYPES: dict[str, str] = {
    **{stix_type: kind for kind, stix_type in CUSTOM_SCO_TYPES.items()},
    EMAIL_ADDRESS_TYPE: ObservableType.EMAIL,
}
# STIX 2.1 §6.14 account-type-ov; other platforms keep their name in our extension.
ACCOUNT_TYPES = {"x": "twitter", "facebook": "facebook"}
CONFIDENCE = {Confidence.LOW: 15, Confidence.MEDIUM: 50, Confidence.HIGH: 85}
IDENTITY_CLASSES = {
    VictimKind.ORGANISATION: "organization", VictimKind.CANDIDATE: "individual",
    VictimKind.OFFICIAL: "individual", VictimKind.VOTERS: "group", VictimKind.OTHER: "unknown",
}
TECHNIQUE_SOURCES = {"disarm": "DISARM", "attack": "mitre-attack"}
# A victim's consent caps the marking of their identity object.
CONSENT_CAP = {Consent.PUBLIC: TLP.CLEAR, Consent.PARTNERS: TLP.GREEN,
               Consent.PRIVATE: TLP.AMBER_STRICT}


def timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC with milliseconds, as STIX 2.1 §3.2 writes timestamps."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def narrower(tlp: str, other: str) -> str:
    return tlp if width(tlp) <= width(other) else other


def extension_definition() -> dict[str, Any]:
    """Our extension: report context (phases, information types...) and new SCO types."""
    return {
        "type": "extension-definition", "spec_version": "2.1", "id": EXTENSION_ID,
        "created": EPOCH, "modified": EPOCH, "created_by_ref": PROJECT_IDENTITY_ID,
        "name": "Civic Shield election context",
        "description": "Electoral-cycle phases, information types, severity, outcome and "
                       "source of a report; phone numbers, hashtags and ad-library ids as "
                       "observables. See docs/stix-mapping.md.",
        "schema": "https://civicshield.example/schemas/stix/election-context-1.0.json",
        "version": "1.0.0",
        "extension_types": ["property-extension", "new-sco"],
        "object_marking_refs": [marking_id(TLP.CLEAR)],
    }


def instance_identity_id() -> str:
    """This installation's identity (read through the installation's namespace: never at
    import, when the database may not exist yet)."""
    return sdo_id("identity", "instance")


def instance_identity() -> dict[str, Any]:
    """This installation: the author of TLP:CLEAR reports and of campaigns."""
    return {
        "type": "identity", "spec_version": "2.1", "id": instance_identity_id(),
        "created": EPOCH, "modified": EPOCH, "name": "Civic Shield installation",
        "identity_class": "system", "object_marking_refs": [marking_id(TLP.CLEAR)],
    }


def project_identity() -> dict[str, Any]:
    """The author of our extension definition, alike in every installation."""
    return {
        "type": "identity", "spec_version": "2.1", "id": PROJECT_IDENTITY_ID,
        "created": EPOCH, "modified": EPOCH, "name": "Civic Shield",
        "identity_class": "system", "object_marking_refs": [marking_id(TLP.CLEAR)],
    }


def organisation_identity(organisation: Any) -> dict[str, Any]:
    return {
        "type": "identity", "spec_version": "2.1",
        "id": sdo_id("identity", "organisation", organisation.pk),
        "created": timestamp(organisation.created_at),
        "modified": timestamp(organisation.updated_at),
        "name": organisation.name, "identity_class": "organization",
        "object_marking_refs": [marking_id(TLP.GREEN)],
    }


def _pattern_literal(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


# A "%" that starts no %xx ("win-100%"): a literal percent sign, which a URI writes %25.
STRAY_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _exported_value(observable: Observable) -> str:
    """The observable's value as exported: a URL's literal "%" is encoded (not an RFC 3986
    URI otherwise). Only here: stored values keep the form intake gave them, so a value
    seen before and after matches as one observable."""
    if observable.type == ObservableType.URL:
        return STRAY_PERCENT.sub("%25", observable.value)
    return observable.value


def _sco_type(observable: Observable) -> str | None:
    """The SCO type of our extension that carries the observable, if any."""
    if observable.type == ObservableType.EMAIL and not STRICT_EMAIL.match(observable.value):
        return EMAIL_ADDRESS_TYPE
    return CUSTOM_SCO_TYPES.get(ObservableType(observable.type))


def observable_sco(observable: Observable, tlp: str) -> dict[str, Any]:
    """The SCO for one observable, marked `tlp`."""
    kind, value = observable.type, _exported_value(observable)
    custom_type = _sco_type(observable)
    body: dict[str, Any]
    if kind in (ObservableType.MD5, ObservableType.SHA1, ObservableType.SHA256):
        algorithm = {"md5": "MD5", "sha1": "SHA-1", "sha256": "SHA-256"}[kind]
        hashes = {algorithm: value}
        body = {"type": "file", "id": sco_id("file", {"hashes": hashes}), "hashes": hashes}
    elif kind == ObservableType.SOCIAL_ACCOUNT:
        platform, _, login = value.partition(":")
        body = {"type": "user-account", "user_id": value, "account_login": login}
        if platform in ACCOUNT_TYPES:
            body["account_type"] = ACCOUNT_TYPES[platform]
        body["id"] = sco_id("user-account", {k: body[k] for k in (
            "account_type", "user_id", "account_login") if k in body})
        body["extensions"] = {EXTENSION_ID: {"extension_type": "property-extension",
                                             "platform": platform}}
    elif custom_type is not None:
        stix_type = custom_type
        body = {"type": stix_type, "id": shared_id(stix_type, value), "value": value,
                "extensions": {EXTENSION_ID: {"extension_type": "new-sco"}}}
    else:
        stix_type = {"url": "url", "domain": "domain-name", "ipv4": "ipv4-addr",
                     "ipv6": "ipv6-addr", "email": "email-addr"}[kind]
        body = {"type": stix_type, "id": sco_id(stix_type, {"value": value}), "value": value}
    body = {"type": body.pop("type"), "spec_version": "2.1", "id": body.pop("id"), **body}
    body["object_marking_refs"] = [marking_id(tlp)]
    return body


def indicator_pattern(observable: Observable) -> str:
    """A STIX pattern (STIX 2.1 §9) matching the observable's SCO."""
    kind, value = observable.type, _exported_value(observable)
    literal = _pattern_literal(value)
    custom_type = _sco_type(observable)
    if kind in (ObservableType.MD5, ObservableType.SHA1, ObservableType.SHA256):
        algorithm = {"md5": "MD5", "sha1": "'SHA-1'", "sha256": "'SHA-256'"}[kind]
        return f"[file:hashes.{algorithm} = {literal}]"
    if kind == ObservableType.SOCIAL_ACCOUNT:
        return f"[user-account:user_id = {literal}]"
    if custom_type is not None:
        return f"[{custom_type}:value = {literal}]"
    stix_type = {"url": "url", "domain": "domain-name", "ipv4": "ipv4-addr",
                 "ipv6": "ipv6-addr", "email": "email-addr"}[kind]
    return f"[{stix_type}:value = {literal}]"


def attack_pattern(term: Any) -> dict[str, Any]:
    vocabulary = term.vocabulary.slug
    moment = timestamp(term.release.imported_at)
    body: dict[str, Any] = {
        "type": "attack-pattern", "spec_version": "2.1",
        "id": sdo_id("attack-pattern", vocabulary, term.code),
        "created": moment, "modified": moment, "name": term.name,
        "external_references": [{"source_name": TECHNIQUE_SOURCES.get(vocabulary, vocabulary),
                                 "external_id": term.code}],
        "object_marking_refs": [marking_id(TLP.CLEAR)],
    }
    if term.plain:
        body["description"] = term.plain
    return body


@dataclass
class ExportContext:
    """What mapping a report needs beyond the report: who judges victims' consent, the
    observables flagged as indicators, and the reports received over STIX."""

    victim_viewer: Any
    indicators: set[tuple[int, int]] = field(default_factory=set)
    received: dict[int, Any] = field(default_factory=dict)  # report id -> StixObject


def report_id_of(report: Report, context: ExportContext) -> str:
    """The received id while the report is as received; ours once it is changed here. Only
    an object's creator makes new versions of it (STIX 2.1 §3.6): an edit here is a report
    of ours, authored by its owner organisation, not a version of the producer's."""
    received = received_unchanged(report, context)
    return received.stix_id if received is not None else sdo_id("report", report.pk)


def received_unchanged(report: Report, context: ExportContext) -> Any:
    """The StixObject of a received report not changed here since: re-exported verbatim."""
    received = context.received.get(report.pk)
    if received is None or received.received_in_id is None:
        return None
    if report.updated_at > received.updated_at:
        return None
    return received


def report_objects(report: Report, context: ExportContext) -> list[dict[str, Any]]:
    """The report and what it refers to, each marked. Assumes `with_related` prefetching."""
    tlp = report.tlp
    marking = [marking_id(tlp)]
    objects: list[dict[str, Any]] = []
    refs: list[str] = []
    if tlp == TLP.CLEAR:
        author = instance_identity_id()
    else:
        organisation = organisation_identity(report.owner_organisation)
        objects.append(organisation)
        author = organisation["id"]
    refs.append(author)
    for observable in report.observables.all():
        sco = observable_sco(observable, tlp)
        objects.append(sco)
        refs.append(sco["id"])
        if (report.pk, observable.pk) in context.indicators:
            indicator: dict[str, Any] = {
                "type": "indicator", "spec_version": "2.1",
                "id": sdo_id("indicator", report.pk, observable.pk),
                "created": timestamp(report.created_at),
                "modified": timestamp(report.updated_at),
                "created_by_ref": author,
                "name": f"{observable.get_type_display()} {observable.value}"[:250],
                "description": "Flagged by an analyst as an indicator of the activity this "
                               "report describes.",
                "indicator_types": ["malicious-activity"],
                "pattern": indicator_pattern(observable), "pattern_type": "stix",
                "pattern_version": "2.1",
                "valid_from": timestamp(report.observed_start),
                "object_marking_refs": marking,
            }
            objects.append(indicator)
            refs.append(indicator["id"])
    for term in report.techniques.all():
        pattern = attack_pattern(term)
        objects.append(pattern)
        refs.append(pattern["id"])
    for victim in report.victims.all():
        view = view_of(context.victim_viewer, victim)
        if not view.identified:
            continue  # a redacted victim is never exported, not even as a description
        identity: dict[str, Any] = {
            "type": "identity", "spec_version": "2.1",
            "id": sdo_id("identity", "victim", victim.pk),
            "created": timestamp(victim.created_at),
            "modified": timestamp(victim.consent_narrowed_at or victim.created_at),
            "name": view.label, "identity_class": IDENTITY_CLASSES[VictimKind(victim.kind)],
            "object_marking_refs": [marking_id(narrower(tlp, CONSENT_CAP[Consent(
                victim.consent)]))],
        }
        objects.append(identity)
        refs.append(identity["id"])
    context_extension: dict[str, Any] = {
        "extension_type": "property-extension", "reference": report.reference,
        "phases": [term.code for term in report.phases.all()],
        "information_types": [term.code for term in report.information_types.all()],
        "severity": report.severity, "outcome": report.outcome, "source": report.source,
        "status": report.status, "observed_start": timestamp(report.observed_start),
    }
    if report.observed_end is not None:
        context_extension["observed_end"] = timestamp(report.observed_end)
    for name in ("phases", "information_types"):
        if not context_extension[name]:
            del context_extension[name]  # STIX 2.1 §3.3: no empty lists
    labels = [f"phase:{code}" for code in context_extension.get("phases", ())]
    labels += [f"information-type:{code}" for code in
               context_extension.get("information_types", ())]
    body: dict[str, Any] = {
        "type": "report", "spec_version": "2.1", "id": report_id_of(report, context),
        "created": timestamp(report.created_at), "modified": timestamp(report.updated_at),
        "created_by_ref": author, "name": report.title,
        "description": report.description, "report_types": ["threat-report"],
        "published": timestamp(report.created_at),
        "object_refs": list(dict.fromkeys(refs)),
        "confidence": CONFIDENCE[Confidence(report.confidence)],
    }
    if labels:
        body["labels"] = labels
    body["object_marking_refs"] = marking
    body["extensions"] = {EXTENSION_ID: context_extension}
    received = received_unchanged(report, context)
    if received is not None:
        from civicshield.sharing.stix.validate import parse_timestamp

        # Under the producer's id (the report is as received), its creation time too, when
        # it is not after our `modified` (a producer's clock may run ahead of ours).
        created = parse_timestamp(json.loads(received.body).get("created"))
        if created is not None and created <= report.updated_at:
            body["created"] = timestamp(created)
    objects.insert(0, body)
    return objects


def campaign_objects(reports: Sequence[Report], context: ExportContext
                     ) -> list[dict[str, Any]]:
    """Campaigns seen through the exported reports only: a `campaign` for every campaign
    with two or more of them, marked as narrowly as its narrowest exported member, and a
    `related-to` relationship from each member report to it (docs/stix-mapping.md).
    Members the reader may not see are neither referred to nor counted."""
    from civicshield.correlation.selectors import campaigns_among

    by_id = {report.pk: report for report in reports}
    objects: list[dict[str, Any]] = []
    author = instance_identity_id()
    for campaign_pk, (campaign, member_ids) in campaigns_among(list(by_id)).items():
        members = [by_id[pk] for pk in member_ids if pk in by_id]
        if len(members) < 2:
            continue
        tlp: str = TLP.CLEAR
        for member in members:
            tlp = narrower(tlp, member.tlp)
        first = min(member.observed_start for member in members)
        last = max(member.observed_end or member.observed_start for member in members)
        campaign_id = sdo_id("campaign", campaign_pk)
        created = timestamp(campaign.created_at)
        objects.append({
            "type": "campaign", "spec_version": "2.1", "id": campaign_id,
            "created": created, "modified": timestamp(campaign.updated_at),
            "created_by_ref": author,
            "name": campaign.name or f"Campaign {campaign_pk}",
            "first_seen": timestamp(first), "last_seen": timestamp(last),
            "object_marking_refs": [marking_id(tlp)],
        })
        for member in members:
            report_stix_id = report_id_of(member, context)
            objects.append({
                "type": "relationship", "spec_version": "2.1",
                "id": sdo_id("relationship", "campaign", campaign_pk, member.pk),
                "created": created, "modified": timestamp(campaign.updated_at),
                "created_by_ref": author, "relationship_type": "related-to",
                "source_ref": report_stix_id, "target_ref": campaign_id,
                "object_marking_refs": [marking_id(narrower(tlp, member.tlp))],
            })
    return objects


def with_related(queryset: QuerySet[Report]) -> QuerySet[Report]:
    """The prefetching `report_objects` relies on: a fixed number of queries per page."""
    return queryset.select_related("owner_organisation").prefetch_related(
        "observables", "phases", "information_types",
        Prefetch("techniques", queryset=_terms_with_release()),
        Prefetch("victims", queryset=Victim.objects.select_related("organisation")),
    )


def _terms_with_release() -> QuerySet[Any]:
    from civicshield.vocab.models import Term

    return Term.objects.select_related("vocabulary", "release")


def context_for(viewer: Any, reports: Sequence[Report]) -> ExportContext:
    from civicshield.sharing.models import ObservableIndicator, StixObject

    ids = [report.pk for report in reports]
    context = ExportContext(victim_viewer=viewer)
    for chunk in _chunks(ids, 500):
        context.indicators.update(ObservableIndicator.objects.filter(report_id__in=chunk)
                                  .values_list("report_id", "observable_id"))
        for row in StixObject.objects.filter(report_id__in=chunk).defer("body"):
            assert row.report_id is not None  # chosen by it
            context.received[row.report_id] = row
    return context


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


# --- Bundles --------------------------------------------------------------------------


@dataclass
class BundleFilters:
    """Which part of what the viewer may see goes into a bundle (all optional)."""

    since: datetime | None = None  # reports created at or after
    until: datetime | None = None  # reports created before
    campaign: str | None = None
    phases: Sequence[str] = ()
    types: Sequence[str] = ()  # STIX types to keep, e.g. ("report", "indicator")


def exportable_reports(viewer: Any, filters: BundleFilters, *, asking: Any = None
                       ) -> QuerySet[Report]:
    """Reports the viewer may see that may leave the platform (never exercise reports)."""
    queryset = access.visible_to(viewer, Report.objects.exclude(source=Source.EXERCISE))
    if filters.since is not None:
        queryset = queryset.filter(created_at__gte=_in_utc(filters.since))
    if filters.until is not None:
        queryset = queryset.filter(created_at__lt=_in_utc(filters.until))
    if filters.phases:
        queryset = queryset.filter(phases__code__in=list(filters.phases),
                                   phases__vocabulary__slug="phases").distinct()
    if filters.campaign:
        queryset = queryset.filter(pk__in=_campaign_report_ids(
            viewer if asking is None else asking, filters.campaign))
    return queryset.order_by("created_at", "id")


def _in_utc(moment: datetime) -> datetime:
    """`moment` in UTC, as the database compares it; one that UTC cannot hold (year 1 east
    of Greenwich, year 9999 west of it) is the first or last moment UTC holds."""
    if moment.tzinfo is None:
        return moment
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        return (datetime.min if moment.year == 1 else datetime.max).replace(tzinfo=UTC)


def _campaign_report_ids(viewer: Any, campaign: str) -> list[int]:
    """The reports of a campaign the viewer may see (the correlation app's selectors decide
    which campaigns that is; the reports are filtered by the access layer afterwards)."""
    from civicshield.core.errors import NotFound
    from civicshield.correlation.selectors import campaign_for, campaigns_among

    try:
        number = int(campaign)
        if not isinstance(viewer, Viewer):
            campaign_for(viewer, number)  # NotFound unless the viewer may see it
    except (ValueError, NotFound):
        return []
    # The command line (the coordinator's view) may name any campaign; either way the
    # access layer still filters the reports.
    found = campaigns_among().get(number)
    return found[1] if found else []


def bundle_objects(viewer: Any, filters: BundleFilters) -> list[dict[str, Any]]:
    """Every object of the viewer's bundle, deduplicated, in a stable order."""
    from civicshield.sharing.models import StixObject

    who = Viewer.of(viewer) if not isinstance(viewer, Viewer) else viewer
    reports = list(with_related(exportable_reports(who, filters, asking=viewer)))
    context = context_for(who, reports)
    chosen: dict[str, dict[str, Any]] = {}
    verbatim: dict[str, str] = {}

    def keep(body: dict[str, Any]) -> None:
        current = chosen.get(body["id"])
        if current is None or _width_of(body) > _width_of(current):
            chosen[body["id"]] = body

    for report in reports:
        received = received_unchanged(report, context)
        if received is not None:
            verbatim[received.stix_id] = received.body
            continue
        for body in report_objects(report, context):
            keep(body)
    for body in campaign_objects(reports, context):
        keep(body)
    received_objects = access.visible_to(who, StixObject.objects.filter(report__isnull=True))
    if filters.since is not None or filters.until is not None or filters.campaign or \
            filters.phases:
        # Received objects belong to no report we can filter on: keep those the chosen
        # received reports refer to.
        wanted = set()
        for text in verbatim.values():
            wanted.update(json.loads(text).get("object_refs", []))
        received_objects = received_objects.filter(stix_id__in=wanted)
    for stix_id, text in received_objects.values_list("stix_id", "body"):
        verbatim[stix_id] = text
    from civicshield.sharing.stix.publish import is_sco

    for stix_id in list(verbatim):
        if stix_id in chosen and not is_sco(chosen[stix_id]):
            # An object of our own records is ours to version: a received one under its id
            # (held from before imports refused that) never stands in for it.
            del verbatim[stix_id]
        else:
            chosen.pop(stix_id, None)
    objects = list(chosen.values()) + [json.loads(text) for text in verbatim.values()]
    if filters.types:
        wanted_types = set(filters.types)
        objects = [body for body in objects if body["type"] in wanted_types]
    identities = [instance_identity(), project_identity(), extension_definition()]
    used_markings = {ref for body in [*objects, *identities]
                     for ref in body.get("object_marking_refs", ())}
    head: list[dict[str, Any]] = [marking_definition(tlp) for tlp in reversed(TLP.values)
                                  if marking_id(tlp) in used_markings]
    # Received objects may name the TLP 1.0 definitions their producers used.
    head += [tlp_1_definition(ref) for ref in TLP_1_IDS if ref in used_markings]
    head += identities
    head_ids = {body["id"] for body in head}
    objects = [body for body in objects if body["id"] not in head_ids]
    objects.sort(key=lambda body: (body["type"], body["id"]))
    return head + objects


def _width_of(body: dict[str, Any]) -> int:
    refs = body.get("object_marking_refs") or ()
    widths = [width(TLP_BY_MARKING_ID[ref]) for ref in refs if ref in TLP_BY_MARKING_ID]
    return min(widths) if widths else -1


def bundle(objects: list[dict[str, Any]]) -> dict[str, Any]:
    """A bundle with an id derived from its content: the same content, the same id."""
    digest = hashlib.sha256()
    for body in objects:
        digest.update(f"{body['id']}@{body.get('modified', '')};".encode())
    return {"type": "bundle", "id": sdo_id("bundle", digest.hexdigest()), "objects": objects}
