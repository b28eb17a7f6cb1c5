"""The MISP feed: what one viewer may see, as MISP events, a manifest and hashes.csv.

A MISP feed is a directory (or URL) holding `manifest.json` (event uuid → the event's
metadata), one `<uuid>.json` per event (`{"Event": {...}}`) and `hashes.csv` (the MD5 of
every attribute value and its event's uuid). MISP's own generator (PyMISP
`tools/feed.py`, `MISPEvent.to_feed`) writes the same shapes; PyMISP reads ours in the tests.

Every read goes through the access layer (`core.access.visible_to`); exercise reports
are never exported; victims appear only where their consent lets this viewer identify
them (`reports.redaction.may_identify`), marked no wider than that consent allows
(`_victim_attribute`). Nothing here writes: the callers (the feed views, `cli.write_feed`)
write the audit entries.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet

from civicshield.core import access
from civicshield.core.errors import NotFound
from civicshield.core.markings import is_wider, width
from civicshield.reports import observables as kinds
from civicshield.reports.choices import Consent, Source
from civicshield.reports.models import Report, Victim
from civicshield.reports.redaction import may_identify
from civicshield.sharing.misp import mapping
from civicshield.sharing.stix.export import CONSENT_CAP


def _base_queryset() -> QuerySet[Report]:
    # Exercise data is never federated nor exported (DESIGN.md, "Markings and audiences").
    return Report.objects.exclude(source=Source.EXERCISE)


def reports_in_feed(viewer: Any) -> QuerySet[Report]:
    """The reports this viewer's feed holds, with what building their events needs."""
    return (
        access.visible_to(viewer, _base_queryset())
        .select_related("owner_organisation")
        .prefetch_related(
            "phases", "information_types", "techniques__vocabulary", "observables",
            Prefetch("victims", queryset=Victim.objects.select_related("organisation")),
        )
        .order_by("created_at", "id")
    )


def _uuid_index(viewer: Any) -> dict[str, int]:
    visible = access.visible_to(viewer, _base_queryset()).values_list("pk", "reference")
    return {mapping.event_uuid(reference): pk for pk, reference in visible.iterator()}


# --- Events ----------------------------------------------------------------------------


def _timestamp(report: Report) -> str:
    return str(int(report.updated_at.timestamp()))


def _tag(name: str, colour: str = mapping.DEFAULT_TAG_COLOUR) -> dict[str, Any]:
    return {"name": name, "colour": colour, "local": False, "relationship_type": ""}


def event_tags(report: Report) -> list[dict[str, Any]]:
    """The event's tags: TLP, techniques as galaxy clusters, then our own vocabulary."""
    tags = [_tag(mapping.tlp_tag(report.tlp), mapping.TLP_COLOURS[report.tlp])]
    for term in sorted(report.techniques.all(), key=lambda term: term.code):
        name, is_galaxy = mapping.technique_tag(term.vocabulary.slug, term.code, term.name)
        tags.append(_tag(name, mapping.GALAXY_TAG_COLOUR if is_galaxy
                         else mapping.DEFAULT_TAG_COLOUR))
    for term in sorted(report.phases.all(), key=lambda term: term.code):
        tags.append(_tag(mapping.own_tag(mapping.PHASE_PREDICATE, term.code)))
    for term in sorted(report.information_types.all(), key=lambda term: term.code):
        tags.append(_tag(mapping.own_tag(mapping.INFORMATION_TYPE_PREDICATE, term.code)))
    tags.append(_tag(f'{mapping.CONFIDENCE_PREDICATE}='
                     f'"{mapping.CONFIDENCE_TO_ESTIMATIVE[report.confidence]}"'))
    tags.append(_tag(mapping.own_tag(mapping.SEVERITY_PREDICATE, str(report.severity))))
    tags.append(_tag(mapping.own_tag(mapping.OUTCOME_PREDICATE, report.outcome)))
    return tags


def _attribute(event: str, timestamp: str, kind: mapping.AttributeType, value: str,
               *, observable_type: str | None = None, comment: str | None = None,
               misp_type: str | None = None, uuid: str | None = None) -> dict[str, Any]:
    misp_type = misp_type or kind.type
    attribute: dict[str, Any] = {
        "uuid": uuid or mapping.attribute_uuid(event, misp_type, value),
        "type": misp_type,
        "category": kind.category,
        "value": value,
        "comment": comment if comment is not None else kind.comment,
        # Only what an analyst marked as an indicator goes to detection systems.
        "to_ids": False,
        "disable_correlation": False,
        "deleted": False,
        "timestamp": timestamp,
    }
    if observable_type is not None:
        attribute["Tag"] = [_tag(mapping.own_tag(mapping.OBSERVABLE_TYPE_PREDICATE,
                                                 observable_type))]
    return attribute


def _observable_attribute(event: str, timestamp: str, observable_type: str,
                          value: str, *, indicator: bool = False) -> dict[str, Any]:
    kind = mapping.ATTRIBUTE_FOR_OBSERVABLE[observable_type]
    if observable_type == kinds.SOCIAL_ACCOUNT and value.startswith("x:"):
        attribute = _attribute(event, timestamp, kind, value.removeprefix("x:"),
                               misp_type=mapping.TWITTER_TYPE, comment="X account")
    else:
        attribute = _attribute(event, timestamp, kind, value,
                               observable_type=observable_type if kind.tagged else None)
    attribute["to_ids"] = indicator
    return attribute


def indicators_of(report_ids: Iterable[int]) -> dict[int, set[int]]:
    """Per report, the observables an analyst marked as indicators (`to_ids` in MISP)."""
    try:
        from civicshield.sharing.models import ObservableIndicator
    except ImportError:  # no indicator flags on this instance
        return {}
    marked: dict[int, set[int]] = {}
    for report_id, observable_id in ObservableIndicator.objects.filter(
            report_id__in=list(report_ids)).values_list("report_id", "observable_id"):
        marked.setdefault(report_id, set()).add(observable_id)
    return marked


def _victim_attribute(viewer: Any, report: Report, event: str, timestamp: str,
                      victim: Victim) -> dict[str, Any] | None:
    """The victim as an attribute of the report's event, or None when their consent withholds
    their identity from this viewer.

    Their consent caps the marking of their identity as the STIX export caps the identity
    object (`CONSENT_CAP`: partners → at most GREEN, private → at most AMBER+STRICT): where
    the cap is narrower than the event's marking, the attribute carries its own, narrower TLP
    tag. It goes only to a viewer who may identify the victim; the tag tells them how far
    the identity may go from there (MISP applies the event's distribution to its attributes,
    so the receiving MISP must not distribute the feed wider than the tag; docs/misp.md)."""
    if not may_identify(viewer, victim):
        return None  # the victim's consent withholds their identity from this viewer
    uuid = mapping.victim_attribute_uuid(event, victim.pk)
    if victim.organisation is not None:
        attribute = _attribute(event, timestamp, mapping.VICTIM_ORGANISATION,
                               victim.organisation.name, uuid=uuid)
    else:
        comment = victim.get_kind_display() + (f", {victim.region}" if victim.region else "")
        attribute = _attribute(event, timestamp, mapping.VICTIM_DESCRIBED, victim.name,
                               comment=str(comment), uuid=uuid)
    cap = CONSENT_CAP[Consent(victim.consent)]
    if is_wider(report.tlp, cap):
        attribute["Tag"] = [_tag(mapping.tlp_tag(cap), mapping.TLP_COLOURS[cap])]
    return attribute


def build_event(viewer: Any, report: Report,
                indicators: set[int] | None = None) -> dict[str, Any]:
    """The report as a MISP event (`{"Event": {...}}`), as this viewer may see it.

    The report must come from `reports_in_feed(viewer)` (visible, prefetched);
    `indicators` are the ids of its observables marked as indicators (default: looked up).
    """
    if indicators is None:
        indicators = indicators_of([report.pk]).get(report.pk, set())
    event = mapping.event_uuid(report.reference)
    timestamp = _timestamp(report)
    owner = report.owner_organisation
    attributes = [
        _observable_attribute(event, timestamp, observable.type, observable.value,
                              indicator=observable.pk in indicators)
        for observable in sorted(report.observables.all(),
                                 key=lambda observable: (observable.type, observable.value))
    ]
    for victim in sorted(report.victims.all(), key=lambda victim: victim.pk):
        attribute = _victim_attribute(viewer, report, event, timestamp, victim)
        if attribute is not None:
            attributes.append(attribute)
    return {"Event": {
        "uuid": event,
        "info": report.title,
        "date": report.observed_start.date().isoformat(),
        "threat_level_id": str(mapping.THREAT_LEVEL_FROM_SEVERITY[report.severity]),
        "analysis": str(mapping.ANALYSIS_FROM_STATUS[report.status]),
        "timestamp": timestamp,
        "publish_timestamp": timestamp,
        "published": True,
        "Orgc": {"name": owner.name, "uuid": mapping.organisation_uuid(owner.slug)},
        "Tag": event_tags(report),
        "Attribute": attributes,
        # The report's text travels as a MISP event report (markdown), as MISP shows it.
        "EventReport": [{
            "uuid": mapping.attribute_uuid(event, "event-report", "description"),
            "name": f"{report.reference}: {report.title}",
            "content": report.description,
            "timestamp": timestamp,
            "deleted": False,
        }],
    }}


def manifest_entry(event: dict[str, Any]) -> dict[str, Any]:
    """The manifest's line for an event, as PyMISP's `MISPEvent.manifest` writes it."""
    body = event["Event"]
    return {
        "Orgc": body["Orgc"], "Tag": body["Tag"], "info": body["info"], "date": body["date"],
        "analysis": body["analysis"], "threat_level_id": body["threat_level_id"],
        "timestamp": body["timestamp"],
    }


def attribute_hashes(event: dict[str, Any]) -> list[str]:
    """MD5 of each attribute value (each part of a composite one), as MISP hashes them."""
    hashes = []
    for attribute in event["Event"].get("Attribute", []):
        parts = (attribute["value"].split("|") if "|" in attribute["type"]
                 else [attribute["value"]])
        hashes += [hashlib.md5(part.encode("utf-8"), usedforsecurity=False).hexdigest()
                   for part in parts]
    return hashes


# --- The whole feed --------------------------------------------------------------------


@dataclass(frozen=True)
class FeedEvent:
    uuid: str
    reference: str  # the report's reference, or "campaign:<id>"
    tlp: str
    event: dict[str, Any]
    record: Any  # the report or campaign behind the event


def _report_event(viewer: Any, report: Report,
                  indicators: set[int] | None = None) -> FeedEvent:
    event = build_event(viewer, report, indicators)
    return FeedEvent(event["Event"]["uuid"], report.reference, report.tlp, event, report)


def feed_events(viewer: Any) -> Iterator[FeedEvent]:
    """Every event of this viewer's feed: reports oldest first, then campaigns."""
    reports = list(reports_in_feed(viewer))
    indicators = indicators_of(report.pk for report in reports)
    for report in reports:
        yield _report_event(viewer, report, indicators.get(report.pk, set()))
    yield from campaign_events(reports)


def event_for(viewer: Any, event_uuid: str) -> FeedEvent:
    """The feed event with this uuid, or NotFound — the same for missing and hidden."""
    wanted = event_uuid.lower()
    report_pk = _uuid_index(viewer).get(wanted)
    if report_pk is not None:
        return _report_event(viewer, reports_in_feed(viewer).get(pk=report_pk))
    if wanted in _campaign_uuids():
        for item in campaign_events(list(reports_in_feed(viewer))):
            if item.uuid == wanted:
                return item
    raise NotFound("event")


# --- Campaigns -------------------------------------------------------------------------
#
# A confirmed campaign is an event too, but only for a viewer who may see every one of its
# members: an event built from the visible part of a campaign would tell the viewer that
# linked reports exist which they cannot see (DESIGN.md: "a link to an item the viewer
# cannot see is never revealed"). It carries its members' observables and vocabulary, no
# victims, and the narrowest marking among them.

def _campaign_uuids() -> set[str]:
    from civicshield.correlation.selectors import campaigns_among

    return {mapping.campaign_uuid(pk) for pk in campaigns_among(status="confirmed")}


def campaign_events(visible_reports: list[Report]) -> list[FeedEvent]:
    """The confirmed campaigns all of whose members are among `visible_reports`."""
    from civicshield.correlation.selectors import campaigns_among

    visible = {report.pk: report for report in visible_reports}
    confirmed = campaigns_among(status="confirmed")
    wanted = {campaign_id: (campaign, ids) for campaign_id, (campaign, ids) in confirmed.items()
              if all(report_id in visible for report_id in ids)}
    events = []
    for campaign_id in sorted(wanted):
        campaign, ids = wanted[campaign_id]
        reports = sorted((visible[pk] for pk in ids),
                         key=lambda report: (report.created_at, report.pk))
        event = build_campaign_event(campaign, reports)
        events.append(FeedEvent(event["Event"]["uuid"], f"campaign:{campaign.pk}",
                                event["Event"]["Tag"][0]["name"].removeprefix("tlp:"),
                                event, campaign))
    return events


def build_campaign_event(campaign: Any, reports: list[Report]) -> dict[str, Any]:
    event = mapping.campaign_uuid(campaign.pk)
    tlp = min((report.tlp for report in reports), key=width)
    stamp = max([int(campaign.updated_at.timestamp())]
                + [int(report.updated_at.timestamp()) for report in reports])
    timestamp = str(stamp)
    tags = [_tag(mapping.tlp_tag(tlp), mapping.TLP_COLOURS[tlp])]
    seen = {tags[0]["name"]}
    for report in reports:
        for tag in event_tags(report)[1:]:
            if tag["name"] not in seen and not tag["name"].startswith(_PER_REPORT_TAGS):
                seen.add(tag["name"])
                tags.append(tag)
    observables = sorted({(o.type, o.value) for report in reports
                          for o in report.observables.all()})
    lines = [f"- {report.reference}: {report.title} (MISP event "
             f"{mapping.event_uuid(report.reference)})" for report in reports]
    return {"Event": {
        "uuid": event,
        "info": f"Campaign: {campaign.label}",
        "date": min(report.observed_start for report in reports).date().isoformat(),
        "threat_level_id": str(mapping.THREAT_LEVEL_FROM_SEVERITY[
            max(report.severity for report in reports)]),
        "analysis": "1",
        "timestamp": timestamp,
        "publish_timestamp": timestamp,
        "published": True,
        "Orgc": mapping.correlation_organisation(),
        "Tag": tags,
        "Attribute": [_observable_attribute(event, timestamp, kind, value)
                      for kind, value in observables],
        "EventReport": [{
            "uuid": mapping.attribute_uuid(event, "event-report", "members"),
            "name": f"Campaign: {campaign.label}",
            "content": "Reports in this campaign:\n\n" + "\n".join(lines),
            "timestamp": timestamp,
            "deleted": False,
        }],
    }}


# Tags that describe one report's assessment, not a campaign's.
_PER_REPORT_TAGS = (
    mapping.CONFIDENCE_PREDICATE,
    f"{mapping.OWN_NAMESPACE}:{mapping.SEVERITY_PREDICATE}",
    f"{mapping.OWN_NAMESPACE}:{mapping.OUTCOME_PREDICATE}",
)


def manifest(events: Iterable[FeedEvent]) -> dict[str, Any]:
    return {item.uuid: manifest_entry(item.event) for item in events}


def hashes_csv(events: Iterable[FeedEvent]) -> str:
    lines = [f"{digest},{item.uuid}" for item in events
             for digest in attribute_hashes(item.event)]
    return "".join(f"{line}\n" for line in lines)
