"""Reads of the directory. Every function checks that the viewer may read it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from civicshield.core import authz
from civicshield.core.errors import NotFound
from civicshield.directory import normalise
from civicshield.directory.choices import Availability, EscalationLevel
from civicshield.directory.models import Contact, Organisation

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class ContactCount(TypedDict):
    contact_count: int  # active contacts


def organisations_visible_to(
    viewer: Any, *, sector: str = "", country: str = "", verified: bool | None = None,
    q: str = "",
) -> QuerySet[WithAnnotations[Organisation, ContactCount]]:
    """Organisations of the community, filtered; members only."""
    authz.require(viewer, "directory:view")
    queryset = Organisation.objects.select_related("parent").annotate(
        contact_count=Count("contacts", filter=Q(contacts__active=True))
    )
    if sector:
        queryset = queryset.filter(sector=sector)
    if country:
        queryset = queryset.filter(country__iexact=country)
    if verified is not None:
        queryset = queryset.filter(verified=verified)
    if q:
        queryset = queryset.filter(Q(name__icontains=q) | Q(slug__icontains=q))
    return queryset.order_by("name")


def coordinating_organisation() -> Organisation | None:
    """The organisation that runs this instance (not a secret: the public writes to it)."""
    return Organisation.objects.filter(is_coordinator=True).first()


def organisation_for(viewer: Any, slug: str) -> Organisation:
    """The organisation with this slug, or NotFound."""
    authz.require(viewer, "directory:view")
    organisation = Organisation.objects.select_related("parent").filter(slug=slug).first()
    if organisation is None:
        raise NotFound("organisation")
    return organisation


def contacts_visible_to(
    viewer: Any, *, q: str = "", organisation: str = "", topic: str = "", phase: str = "",
    include_inactive: bool = False,
) -> QuerySet[Contact] | list[Contact]:
    """Contacts matching a free-text search and filters, strongest escalation level last."""
    authz.require(viewer, "directory:view")
    queryset = Contact.objects.select_related("organisation", "escalates_to")
    if not include_inactive:
        queryset = queryset.filter(active=True)
    if organisation:
        queryset = queryset.filter(organisation__slug=organisation)
    if q:
        queryset = queryset.filter(
            Q(name__icontains=q) | Q(role_title__icontains=q) | Q(email__icontains=q)
            | Q(organisation__name__icontains=q) | Q(secure_channel__icontains=q)
        )
    queryset = queryset.order_by("organisation__name", "escalation_level", "name")
    if topic or phase:
        # Tags are JSON lists, and SQLite cannot search inside JSON arrays: filter here.
        # The directory holds hundreds of contacts, not millions.
        topic_code = _single_tag("topic", topic)
        phase_code = _single_tag("phase", phase)
        return [
            contact for contact in queryset
            if (not topic_code or topic_code in contact.topics)
            and (not phase_code or phase_code in contact.phases)
        ]
    return queryset


def contact_for(viewer: Any, contact_id: int) -> Contact:
    authz.require(viewer, "directory:view")
    contact = Contact.objects.select_related("organisation", "escalates_to").filter(
        pk=contact_id
    ).first()
    if contact is None:
        raise NotFound("contact")
    return contact


# --- Who do I contact? ----------------------------------------------------------------


@dataclass
class Recommendation:
    contact: Contact
    score: int
    reasons: list[str]
    chain: list[Contact] = field(default_factory=list)

    @property
    def reaches_senior_official(self) -> bool:
        levels = [self.contact.escalation_level, *(c.escalation_level for c in self.chain)]
        return max(levels) >= EscalationLevel.SENIOR_OFFICIAL


@dataclass
class WhoToContact:
    topic: str
    phase: str
    region: str
    recommendations: list[Recommendation]
    gaps: list[str]


def _single_tag(name: str, value: str) -> str:
    codes = normalise.tags(name, value) if value else []
    return codes[0] if codes else ""


def _words(code: str) -> str:
    return code.replace("_", " ")


class EscalationIndex:
    """Everyone in the directory, indexed for walking escalation chains in linear time."""

    def __init__(self, contacts: list[Contact]) -> None:
        self.by_id = {contact.pk: contact for contact in contacts}
        self.active_by_organisation: dict[int, list[Contact]] = {}
        for contact in sorted(contacts, key=lambda c: (c.escalation_level, c.name)):
            if contact.active:
                self.active_by_organisation.setdefault(contact.organisation_id, []).append(
                    contact)

    def next_senior_in_organisation(self, contact: Contact, seen: set[int]) -> Contact | None:
        for candidate in self.active_by_organisation.get(contact.organisation_id, []):
            if candidate.escalation_level > contact.escalation_level and candidate.pk not in seen:
                return candidate
        return None


def escalation_chain(contact: Contact, index: EscalationIndex) -> list[Contact]:
    """The people above `contact`, in order, up to the most senior.

    Follows each contact's explicit `escalates_to`; inactive people are stepped over.
    Where nobody is named, the next more senior active contact of the same
    organisation is the next step.
    """
    chain: list[Contact] = []
    seen = {contact.pk}
    current = contact
    while True:
        step = index.by_id.get(current.escalates_to_id) if current.escalates_to_id else None
        while step is not None and not step.active and step.pk not in seen:
            seen.add(step.pk)
            step = index.by_id.get(step.escalates_to_id) if step.escalates_to_id else None
        if step is None:
            step = index.next_senior_in_organisation(current, seen)
        if step is None or step.pk in seen:
            return chain
        chain.append(step)
        seen.add(step.pk)
        current = step


def who_to_contact(
    viewer: Any, *, topic: str = "", phase: str = "", region: str = ""
) -> WhoToContact:
    """Ranked contacts for a topic, a phase and a region, with their escalation chains and the
    gaps stated plainly.

    A topic must be named by the contact (the people above them appear in the chain); a
    contact with no phases works in every phase, ranked below those who name the phase;
    a contact (or its organisation) with no region covers the whole country.
    """
    authz.require(viewer, "directory:view")
    topic_code = _single_tag("topic", topic)
    phase_code = _single_tag("phase", phase)
    region = region.strip()
    everyone = list(Contact.objects.select_related("organisation"))
    index = EscalationIndex(everyone)

    recommendations: list[Recommendation] = []
    for contact in everyone:
        if not contact.active:
            continue
        score, reasons = 0, []
        if topic_code:
            if topic_code not in contact.topics:
                continue
            score += 4
            reasons.append(_("handles %(topic)s") % {"topic": _words(topic_code)})
        if phase_code:
            if phase_code in contact.phases:
                score += 3
                reasons.append(_("covers the %(phase)s phase") % {"phase": _words(phase_code)})
            elif contact.phases:
                continue
            else:
                score += 1
        coverage = contact.coverage_region
        if region:
            if coverage.casefold() == region.casefold():
                score += 2
                reasons.append(_("in the %(region)s region") % {"region": coverage})
            elif coverage:
                continue
            else:
                score += 1
                reasons.append(_("nationwide"))
        if contact.availability == Availability.ROUND_THE_CLOCK:
            score += 1
            reasons.append(_("available 24/7"))
        if contact.organisation.verified:
            score += 1
        recommendations.append(Recommendation(contact, score, reasons))

    recommendations.sort(key=lambda r: (-r.score, r.contact.escalation_level, r.contact.name))
    for recommendation in recommendations:
        recommendation.chain = escalation_chain(recommendation.contact, index)

    subject = " ".join(
        part for part in (
            _words(topic_code) or _("any matter"),
            _("during %(phase)s") % {"phase": _words(phase_code)} if phase_code else "",
            _("in the %(region)s region") % {"region": region} if region else "",
        ) if part
    )
    gaps: list[str] = []
    if not recommendations:
        gaps.append(_("No contact for %(subject)s.") % {"subject": subject})
    else:
        if not any(r.contact.availability == Availability.ROUND_THE_CLOCK for r in recommendations):
            gaps.append(_("No 24/7 contact for %(subject)s.") % {"subject": subject})
        if region and not any(r.contact.coverage_region for r in recommendations):
            gaps.append(
                _("No contact based in the %(region)s region for %(topic)s: only nationwide ones.")
                % {"region": region, "topic": _words(topic_code) or _("any matter")}
            )
        if not any(r.reaches_senior_official for r in recommendations):
            gaps.append(
                _("No escalation path to a senior official for %(subject)s.") % {"subject": subject}
            )
    return WhoToContact(topic_code, phase_code, region, recommendations, gaps)


# --- Reads for the directory pages ------------------------------------------------


def organisation_countries(viewer: Any) -> list[str]:
    """The distinct countries of the community's organisations, for a filter's choices."""
    authz.require(viewer, "directory:view")
    return sorted(set(Organisation.objects.values_list("country", flat=True)) - {""})


def sub_organisations_of(viewer: Any, organisation: Organisation) -> QuerySet[Organisation]:
    """The organisation's direct sub-organisations, by name."""
    authz.require(viewer, "directory:view")
    return organisation.children.order_by("name")


def organisations_for_action(viewer: Any, action: str) -> list[Organisation]:
    """The organisations on which `viewer` may do `action` (say "contact:create"), by name.

    Loads every organisation once and links parents in memory, so asking `authz.can` about
    each one costs no further queries however deep the hierarchy.
    """
    authz.require(viewer, "directory:view")
    organisations = list(Organisation.objects.order_by("name"))
    by_id = {organisation.pk: organisation for organisation in organisations}
    for organisation in organisations:
        if organisation.parent_id is not None:
            organisation.parent = by_id.get(organisation.parent_id)
    return [organisation for organisation in organisations
            if authz.can(viewer, action, organisation)]


@dataclass
class DirectoryTags:
    topics: list[str]
    phases: list[str]
    regions: list[str]


def directory_tags(viewer: Any) -> DirectoryTags:
    """The topics, phases and regions in use, to suggest in search forms."""
    authz.require(viewer, "directory:view")
    topics: set[str] = set()
    phases: set[str] = set()
    regions: set[str] = set(Organisation.objects.values_list("region", flat=True))
    for contact_topics, contact_phases, region in Contact.objects.filter(active=True).values_list(
        "topics", "phases", "region"
    ):
        topics.update(contact_topics or [])
        phases.update(contact_phases or [])
        regions.add(region)
    return DirectoryTags(sorted(topics), sorted(phases), sorted(regions - {""}))


def escalation_chain_for(viewer: Any, contact: Contact) -> list[Contact]:
    """The people above `contact`, in order, up to the most senior (see `escalation_chain`)."""
    authz.require(viewer, "directory:view")
    everyone = [c for c in Contact.objects.select_related("organisation") if c.pk != contact.pk]
    return escalation_chain(contact, EscalationIndex([*everyone, contact]))
