"""Reads of campaigns, links and alerts — always through the access layer.

Correlation runs over all data; a viewer sees a campaign only if they may see at least one
of its reports, and then only the reports they may see, the links between two such reports,
and a score computed from those reports alone. A link to a hidden report is never shown or
counted anywhere.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Exists, F, Max, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from civicshield.core import access, authz
from civicshield.core.errors import NotFound
from civicshield.correlation import campaigns as engine
from civicshield.correlation import linking, reasons, scoring
from civicshield.correlation.choices import CampaignStatus, MembershipState
from civicshield.correlation.conf import correlation_settings
from civicshield.correlation.models import AlertReceipt, Campaign, Link, Membership
from civicshield.correlation.warninglists import defang
from civicshield.reports import selectors as report_selectors
from civicshield.reports.models import Report
from civicshield.reports.redaction import view_of

# The graph stays readable and cheap: beyond this many observables, the rest are left out.
GRAPH_OBSERVABLES = 150


def _visible_reports(viewer: Any) -> QuerySet[Report]:
    return access.visible_to(viewer, Report.objects.all())


def _visible_members(viewer: Any) -> QuerySet[Membership]:
    return Membership.objects.exclude(state=MembershipState.EXCLUDED).filter(
        report__in=_visible_reports(viewer))


def campaigns_visible_to(viewer: Any, *, status: str = "") -> QuerySet[Campaign]:
    """Campaigns with at least one report the viewer may see, ordered by the latest
    `observed_start` among those reports (newest first, then the newest campaign; none
    dated last). The order is computed in the database, so the queryset pages and counts
    like any other."""
    if not authz.can(viewer, "campaign:view"):
        return Campaign.objects.none()
    members = _visible_members(viewer).filter(campaign=OuterRef("pk"))
    # Not the stored `last_seen`: it counts hidden members, and the order would reveal that
    # a report the viewer may not see made a campaign more recent.
    latest_visible = members.order_by().values("campaign").annotate(
        latest=Max("report__observed_start")).values("latest")
    queryset = Campaign.objects.filter(Exists(members)).alias(
        visible_last_seen=Subquery(latest_visible))
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by(F("visible_last_seen").desc(nulls_last=True), "-id")


def campaign_for(viewer: Any, campaign_id: int) -> Campaign:
    """One campaign the viewer may see, or NotFound (the same for missing and hidden)."""
    campaign = campaigns_visible_to(viewer).filter(pk=campaign_id).first()
    if campaign is None:
        raise NotFound("campaign")
    return campaign


@dataclass
class LinkView:
    source: int
    target: int
    kind: str
    strength: float
    reason: str


@dataclass
class CampaignSummary:
    campaign: Campaign
    reports: list[int]  # the members the viewer may see
    parts: scoring.ScoreParts
    links: list[LinkView] = field(default_factory=list)
    # The span of the visible members (the stored span counts hidden ones too).
    first_seen: datetime | None = None
    last_seen: datetime | None = None


def _score(facts: list[scoring.MemberFacts], now: datetime | None = None) -> scoring.ScoreParts:
    return engine.score_of(facts, correlation_settings(), now or timezone.now())


def summaries(viewer: Any, campaigns: list[Campaign], *, now: datetime | None = None
              ) -> list[CampaignSummary]:
    """Each campaign as the viewer may see it: visible members and their score. A fixed
    number of queries whatever the number of campaigns (a list page)."""
    members: dict[int, list[int]] = defaultdict(list)
    for campaign_id, report_id in _visible_members(viewer).filter(
            campaign__in=[c.pk for c in campaigns]).order_by("report_id").values_list(
            "campaign_id", "report_id"):
        members[campaign_id].append(report_id)
    facts = engine.member_facts(r for ids in members.values() for r in ids)
    result = []
    for campaign in campaigns:
        seen = [facts[r] for r in members[campaign.pk] if r in facts]
        observed = [fact.observed_start for fact in seen]
        result.append(CampaignSummary(
            campaign, members[campaign.pk], _score(seen, now),
            first_seen=min(observed) if observed else None,
            last_seen=max(observed) if observed else None))
    return result


def links_between(report_ids: set[int] | list[int]) -> list[LinkView]:
    """The links whose both ends are among `report_ids` (which the caller has checked)."""
    ids = sorted(set(report_ids))
    if not ids:
        return []
    return [LinkView(link.source_id, link.target_id, link.kind, link.strength,
                     reasons.explain(link.kind, link.details))
            for link in Link.objects.filter(source_id__in=ids, target_id__in=ids)
            .order_by("source_id", "target_id", "kind")]


def campaign_summary(viewer: Any, campaign: Campaign, *, now: datetime | None = None
                     ) -> CampaignSummary:
    summary = summaries(viewer, [campaign], now=now)[0]
    summary.links = links_between(summary.reports)
    return summary


@dataclass
class TimelinePoint:
    report: Report
    x: float  # 0..1 across the campaign's time span


@dataclass
class CampaignDetail:
    summary: CampaignSummary
    members: list[Report]
    references: dict[int, str]
    timeline: list[TimelinePoint]
    pinned: set[int]


def _members(viewer: Any, report_ids: list[int]) -> list[Report]:
    """The visible reports among `report_ids`, with what pages show of them prefetched."""
    return list(report_selectors.with_details(
        report_selectors.reports_visible_to(viewer).filter(pk__in=report_ids)))


def campaign_detail(viewer: Any, campaign: Campaign) -> CampaignDetail:
    summary = campaign_summary(viewer, campaign)
    members = sorted(_members(viewer, summary.reports), key=lambda r: (r.observed_start, r.pk))
    # Only what the viewer may see reaches the page: a report hidden meanwhile drops out.
    shown = {r.pk for r in members}
    summary.reports = [r for r in summary.reports if r in shown]
    summary.links = [link for link in summary.links
                     if link.source in shown and link.target in shown]
    times = [r.observed_start for r in members]
    span = (max(times) - min(times)).total_seconds() if times else 0
    timeline = [TimelinePoint(r, ((r.observed_start - min(times)).total_seconds() / span)
                              if span else 0.5) for r in members]
    pinned = set(Membership.objects.filter(campaign=campaign, report_id__in=shown,
                                           state=MembershipState.PINNED)
                 .values_list("report_id", flat=True))
    return CampaignDetail(summary, members, {r.pk: r.reference for r in members}, timeline,
                          pinned)


@dataclass
class RelatedReport:
    report: Report
    reasons: list[LinkView]
    strength: float


@dataclass
class ObservableStatus:
    type: str
    value: str
    note: str  # why it links nothing, in words


@dataclass
class Related:
    reports: list[RelatedReport]
    campaign: Campaign | None
    not_correlated: list[ObservableStatus]


def related_to(viewer: Any, report_id: int) -> Related:
    """The visible reports linked to a visible report, with the reasons; NotFound if the
    report itself is hidden or missing."""
    report = report_selectors.report_if_visible(viewer, report_id)
    if report is None:
        raise NotFound("report")
    links = list(Link.objects.filter(Q(source_id=report.pk) | Q(target_id=report.pk)))
    others = {link.target_id if link.source_id == report.pk else link.source_id
              for link in links}
    visible = {r.pk: r for r in report_selectors.reports_by_ids(viewer, sorted(others))}
    grouped: dict[int, list[LinkView]] = defaultdict(list)
    for link in links:
        other = link.target_id if link.source_id == report.pk else link.source_id
        if other in visible:
            grouped[other].append(LinkView(link.source_id, link.target_id, link.kind,
                                           link.strength,
                                           reasons.explain(link.kind, link.details)))
    related = [RelatedReport(visible[other], views,
                             linking.combined(v.strength for v in views))
               for other, views in grouped.items()]
    related.sort(key=lambda item: (-item.strength, -item.report.pk))
    membership = Membership.objects.filter(report=report).exclude(
        state=MembershipState.EXCLUDED).select_related("campaign").first()
    return Related(related, membership.campaign if membership else None,
                   _not_correlated(report))


def _not_correlated(report: Report) -> list[ObservableStatus]:
    observables = linking.observables_of(report.pk)
    common = linking.too_common(o.pk for o in observables)
    allow = linking._allow_list()
    result = []
    for observable in observables:
        skipped = linking.skip_reason(observable.type, observable.value, allow)
        if skipped == "allow list":
            note = _("not correlated: on this instance's allow list")
        elif skipped:
            note = _("not correlated: on the warning list “%(name)s”") % {"name": skipped}
        elif observable.pk in common:
            note = _("not correlated: too common")
        else:
            continue
        result.append(ObservableStatus(observable.type, defang(observable.type,
                                                                observable.value), note))
    return result


def graph_for(viewer: Any, campaign: Campaign) -> dict[str, list[dict[str, Any]]]:
    """Nodes and edges of a campaign as the viewer may see it: visible reports, their
    observables and victims (redacted: a victim the viewer may not identify is a separate,
    anonymous node per report, so the graph cannot tell that two reports concern them)."""
    summary = campaign_summary(viewer, campaign)
    members = _members(viewer, summary.reports)
    shown = {r.pk for r in members}
    added: set[str] = set()
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    for report in sorted(members, key=lambda r: r.pk):
        nodes.append({"data": {"id": f"r{report.pk}", "label": report.reference,
                               "title": report.title, "kind": "report",
                               "url": reverse("reports:detail", args=[report.pk])}})
    mentions = list(Report.observables.through.objects.filter(report_id__in=shown)
                    .select_related("observable").order_by("observable_id", "report_id"))
    observables = sorted({m.observable_id for m in mentions})[:GRAPH_OBSERVABLES]
    kept = set(observables)
    for mention in mentions:
        if mention.observable_id not in kept:
            continue
        node_id = f"o{mention.observable_id}"
        if node_id not in added:
            added.add(node_id)
            nodes.append({"data": {"id": node_id, "kind": "observable",
                                   "label": defang(mention.observable.type,
                                                   mention.observable.value)}})
        edges.append({"data": {"id": f"m{mention.pk}", "source": f"r{mention.report_id}",
                               "target": node_id, "kind": "mentions"}})
    anonymous = 0
    for report in sorted(members, key=lambda r: r.pk):
        for victim in report.victims.all():
            seen = view_of(viewer, victim)
            if seen.identified and seen.id:
                node_id = f"v{seen.id}"
            else:
                anonymous += 1
                node_id = f"va{anonymous}"
            if node_id not in added:
                added.add(node_id)
                nodes.append({"data": {"id": node_id, "kind": "victim", "label": seen.label}})
            edges.append({"data": {"id": f"t{report.pk}-{node_id}", "source": f"r{report.pk}",
                                   "target": node_id, "kind": "targets"}})
    for link in summary.links:
        if link.source in shown and link.target in shown:
            edges.append({"data": {"id": f"l{link.source}-{link.target}-{link.kind}",
                                   "source": f"r{link.source}", "target": f"r{link.target}",
                                   "kind": link.kind, "strength": link.strength,
                                   "label": link.reason}})
    return {"nodes": nodes, "edges": edges}


def alerts_for(viewer: Any) -> QuerySet[AlertReceipt]:
    """The viewer's own alerts, newest first."""
    if not authz.can(viewer, "alert:view"):
        return AlertReceipt.objects.none()
    return AlertReceipt.objects.filter(user=viewer).select_related(
        "alert", "alert__campaign").order_by("-alert__created_at", "-alert_id")


def unread_alerts(viewer: Any) -> int:
    return alerts_for(viewer).filter(read_at__isnull=True).count()


def campaigns_among(report_ids: Sequence[int] | None = None, *, status: str = ""
                    ) -> dict[int, tuple[Campaign, list[int]]]:
    """Campaigns (not dismissed; or only those of `status`) with their members — among
    `report_ids` when given, which the caller has already filtered through the access
    layer: {campaign id: (campaign, member ids)}. For exports, which show a campaign only
    through reports the reader may see; without `report_ids` the caller must compare the
    members with what the reader may see before showing anything."""
    found: dict[int, tuple[Campaign, list[int]]] = {}
    memberships = Membership.objects.exclude(state=MembershipState.EXCLUDED)
    if report_ids is not None:
        memberships = memberships.filter(report_id__in=list(report_ids))
    if status:
        memberships = memberships.filter(campaign__status=status)
    else:
        memberships = memberships.exclude(campaign__status=CampaignStatus.DISMISSED)
    for membership in memberships.select_related("campaign").order_by("campaign_id",
                                                                       "report_id"):
        found.setdefault(membership.campaign_id, (membership.campaign, []))[1].append(
            membership.report_id)
    return found
