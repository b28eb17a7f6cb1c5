"""Campaigns from links: connected components over strong links, recomputed for the affected
part only, reconciled with what analysts decided; then scores and alerts.

Reconciling a component with the campaigns already there (docs/correlation.md):
- a pinned report stays in the campaign it is pinned to; an excluded one never returns to
  the campaign it was excluded from;
- an undecided campaign keeps the component holding most of its members; elsewhere its
  automatic members are reassigned; a decided campaign keeps its members wherever they are;
- undecided (candidate, untouched) campaigns meeting in one component merge into the oldest,
  or into the decided ones; decided campaigns are never merged or dissolved automatically;
  when several decided campaigns share a component, new reports join the one they are most
  strongly linked to;
- a component without a campaign becomes a candidate when it has enough reports.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.db import connection

from civicshield.correlation import alerts, linking, scoring
from civicshield.correlation.choices import CampaignStatus, MembershipState
from civicshield.correlation.conf import CorrelationSettings
from civicshield.correlation.models import Alert, Campaign, Link, Membership
from civicshield.reports.models import Report, ReportObservable

Adjacency = dict[int, dict[int, float]]


def strong_neighbours(report_ids: Iterable[int], threshold: float) -> Adjacency:
    """Per report, its neighbours over links whose combined strength reaches `threshold`."""
    ids = list(report_ids)
    rows: dict[int, tuple[int, int, float]] = {}  # by link id: a link between two chunks
    table = Link._meta.db_table                  # comes back twice, and counts once
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 450):
            chunk = ids[start:start + 450]
            marks = ",".join(["%s"] * len(chunk))
            # Plain SQL: a large campaign is walked on every import, and building model
            # rows for its thousands of links cost more than the two index lookups.
            cursor.execute(
                f"SELECT id, source_id, target_id, strength FROM {table} "  # noqa: S608
                f"WHERE source_id IN ({marks}) UNION "
                f"SELECT id, source_id, target_id, strength FROM {table} "
                f"WHERE target_id IN ({marks})", [*chunk, *chunk])
            for pk, source, target, strength in cursor.fetchall():
                rows[pk] = (source, target, strength)
    by_pair: dict[tuple[int, int], list[float]] = defaultdict(list)
    for source, target, strength in rows.values():
        by_pair[(source, target)].append(strength)
    adjacency: Adjacency = defaultdict(dict)
    for (source, target), strengths in by_pair.items():
        total = linking.combined(strengths)
        if total >= threshold:
            adjacency[source][target] = total
            adjacency[target][source] = total
    return adjacency


def components(start: Iterable[int], threshold: float) -> tuple[list[set[int]], Adjacency]:
    """The connected components (over strong links) reachable from `start`.

    One breadth-first walk from every starting report at once: a query per level of the
    walk (in chunks), not per component — an import touches many small ones."""
    origins = sorted(set(start))
    adjacency: Adjacency = defaultdict(dict)
    walked: set[int] = set()
    frontier = set(origins)
    while frontier:
        step = strong_neighbours(frontier, threshold)
        walked |= frontier
        for report, neighbours in step.items():
            adjacency[report].update(neighbours)
        frontier = {n for r in frontier for n in step.get(r, {})} - walked
    seen: set[int] = set()
    found: list[set[int]] = []
    for origin in origins:
        if origin in seen:
            continue
        component, pending = {origin}, [origin]
        while pending:
            for neighbour in adjacency.get(pending.pop(), {}):
                if neighbour not in component:
                    component.add(neighbour)
                    pending.append(neighbour)
        seen |= component
        found.append(component)
    return found, adjacency


def reconcile(affected: Iterable[int], conf: CorrelationSettings) -> tuple[set[int], set[int]]:
    """Recompute the campaigns around `affected` reports; return the ids of the campaigns
    whose membership changed (created, grown, shrunk or merged into) and of those created."""
    parts, adjacency = components(affected, conf.campaign_link_threshold)
    region = set().union(*parts) if parts else set()
    memberships = list(Membership.objects.filter(report_id__in=region))
    excluded = {(m.campaign_id, m.report_id) for m in memberships
                if m.state == MembershipState.EXCLUDED}
    current = {m.report_id: m for m in memberships if m.state != MembershipState.EXCLUDED}
    campaign_ids = {m.campaign_id for m in current.values()}
    campaigns = {c.pk: c for c in Campaign.objects.filter(pk__in=campaign_ids)}
    component_of = {report: index for index, part in enumerate(parts) for report in part}
    overlap: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for membership in current.values():
        overlap[membership.campaign_id][component_of[membership.report_id]] += 1
    home = {campaign: min(counts, key=lambda i: (-counts[i], i))
            for campaign, counts in overlap.items()}

    changed: set[int] = set()
    created: set[int] = set()
    absorbed: dict[int, int] = {}
    desired: dict[int, int | None] = {}
    for index, part in enumerate(parts):
        pinned = {r: current[r].campaign_id for r in part
                  if r in current and current[r].state == MembershipState.PINNED}
        # A decided campaign is never split by recomputation: it stays wherever it has
        # members; an undecided one only in the component holding most of them.
        present = {c for c, h in home.items() if h == index or (
            campaigns[c].decided and overlap[c].get(index))} | set(pinned.values())
        decided = sorted(c for c in present if campaigns[c].decided)
        free = sorted(c for c in present if not campaigns[c].decided)
        if decided:
            kept, merged = decided, free
        elif free:
            kept, merged = free[:1], free[1:]
        else:
            kept, merged = [], []
        for campaign_id in merged:
            absorbed[campaign_id] = kept[0]
        assignment: dict[int, int] = dict(pinned)
        for report in part:
            held = current.get(report)
            if report not in assignment and held is not None and held.campaign_id in kept:
                assignment[report] = held.campaign_id
        waiting = set(part) - set(assignment)
        if not kept:
            if len(part) >= conf.min_campaign_size:
                new_campaign = Campaign.objects.create()
                campaigns[new_campaign.pk] = new_campaign
                created.add(new_campaign.pk)
                assignment.update({report: new_campaign.pk for report in waiting})
        elif len(kept) == 1:
            assignment.update({report: kept[0] for report in waiting
                               if (kept[0], report) not in excluded})
        else:
            _propagate(assignment, waiting, adjacency, excluded)
        for report in part:
            desired[report] = assignment.get(report)

    # Apply: automatic memberships that changed go; new ones come.
    stale = [m for r, m in current.items()
             if m.state == MembershipState.AUTO and desired.get(r) != m.campaign_id]
    for membership in stale:
        changed.add(membership.campaign_id)
    Membership.objects.filter(pk__in=[m.pk for m in stale]).delete()
    stale_ids = {m.pk for m in stale}
    fresh = []
    for report, wanted in desired.items():
        if wanted is None:
            continue
        held = current.get(report)
        if held is not None and held.campaign_id == wanted and held.pk not in stale_ids:
            continue
        fresh.append(Membership(campaign_id=wanted, report_id=report,
                                state=MembershipState.AUTO))
        changed.add(wanted)
    Membership.objects.bulk_create(fresh, batch_size=1000)
    for gone, into in absorbed.items():
        Alert.objects.filter(campaign_id=gone).update(campaign_id=into)
        _carry_flags(campaigns[gone], campaigns[into])
        Membership.objects.filter(campaign_id=gone).delete()
        Campaign.objects.filter(pk=gone).delete()
        changed.discard(gone)
        changed.add(into)
    # An undecided campaign left with too few members dissolves.
    for campaign_id in list(changed | set(campaigns)):
        campaign = campaigns.get(campaign_id)
        if campaign is None or campaign.decided or campaign_id in absorbed:
            continue
        if Membership.objects.filter(campaign_id=campaign_id).exclude(
                state=MembershipState.EXCLUDED).count() < conf.min_campaign_size:
            Campaign.objects.filter(pk=campaign_id).delete()
            changed.discard(campaign_id)
    remaining = set(Campaign.objects.filter(pk__in=changed).values_list("pk", flat=True))
    return remaining, created & remaining


def _carry_flags(gone: Campaign, into: Campaign) -> None:
    """What was already alerted stays alerted, so a merge alone raises no new alert."""
    into.threshold_crossed = into.threshold_crossed or gone.threshold_crossed
    into.known_phases = sorted(set(into.known_phases) | set(gone.known_phases))
    into.known_victims = sorted(set(into.known_victims) | set(gone.known_victims))
    Campaign.objects.filter(pk=into.pk).update(
        threshold_crossed=into.threshold_crossed, known_phases=into.known_phases,
        known_victims=into.known_victims)


def _propagate(assignment: dict[int, int], waiting: set[int], adjacency: Adjacency,
               excluded: set[tuple[int, int]]) -> None:
    """Give each waiting report the campaign it is most strongly linked to, spreading out
    from the assigned ones (ties: the lower campaign id)."""
    progress = True
    while waiting and progress:
        progress = False
        for report in sorted(waiting):
            pull: dict[int, float] = defaultdict(float)
            for neighbour, strength in adjacency.get(report, {}).items():
                campaign = assignment.get(neighbour)
                if campaign is not None and (campaign, report) not in excluded:
                    pull[campaign] += strength
            if pull:
                assignment[report] = min(pull, key=lambda c: (-pull[c], c))
                waiting.discard(report)
                progress = True


# --- Facts, scores and alerts ---------------------------------------------------------------


def member_facts(report_ids: Iterable[int]) -> dict[int, scoring.MemberFacts]:
    """What the score needs of these reports, in a fixed number of queries."""
    ids = sorted(set(report_ids))
    if not ids:
        return {}
    victims = linking.grouped(Report.victims.through, ids, "victim_id")
    phases = linking.grouped(Report.phases.through, ids, "term_id")
    information_types = linking.grouped(Report.information_types.through, ids, "term_id")
    observable_types: dict[int, set[str]] = defaultdict(set)
    for report_id, kind in ReportObservable.objects.filter(report_id__in=ids).values_list(
            "report_id", "observable__type").distinct():
        observable_types[report_id].add(kind)
    return {
        pk: scoring.MemberFacts(
            report_id=pk, severity=severity, confidence=confidence,
            observed_start=observed_start, victims=frozenset(victims.get(pk, ())),
            phases=frozenset(phases.get(pk, ())),
            information_types=frozenset(information_types.get(pk, ())),
            observable_types=frozenset(observable_types.get(pk, ())))
        for pk, severity, confidence, observed_start in Report.objects.filter(
            pk__in=ids).values_list("pk", "severity", "confidence", "observed_start")
    }


def score_of(facts: Iterable[scoring.MemberFacts], conf: CorrelationSettings,
             now: datetime) -> scoring.ScoreParts:
    return scoring.score(facts, now=now, half_life_days=conf.half_life_days,
                         breadth_weight=conf.breadth_weight, threshold=conf.alert_threshold)


def member_ids(campaign_id: int) -> list[int]:
    return list(Membership.objects.filter(campaign_id=campaign_id).exclude(
        state=MembershipState.EXCLUDED).values_list("report_id", flat=True))


def refresh(campaign_ids: Iterable[int], conf: CorrelationSettings, now: datetime,
            *, created: set[int] | None = None) -> None:
    """Recompute the stored score and the span of these campaigns, and raise the alerts:
    once per upward crossing of the threshold, and for each new phase or victim."""
    chosen = list(Campaign.objects.filter(pk__in=list(campaign_ids)))
    members: dict[int, list[int]] = defaultdict(list)
    for campaign_id, report_id in Membership.objects.filter(
            campaign_id__in=[c.pk for c in chosen]).exclude(
            state=MembershipState.EXCLUDED).values_list("campaign_id", "report_id"):
        members[campaign_id].append(report_id)
    # The facts of every member of every campaign, in one fixed set of queries.
    known = member_facts(r for ids in members.values() for r in ids)
    for campaign in chosen:
        facts = {r: known[r] for r in members[campaign.pk] if r in known}
        parts = score_of(facts.values(), conf, now)
        observed = [f.observed_start for f in facts.values()]
        new_phases = sorted(parts.phase_ids - set(campaign.known_phases))
        new_victims = sorted(parts.victim_ids - set(campaign.known_victims))
        # A new campaign's whole span is new: the threshold alert speaks for it.
        is_new = created is not None and campaign.pk in created
        live = campaign.status != CampaignStatus.DISMISSED
        if live and parts.crossed and not campaign.threshold_crossed:
            alerts.threshold_crossed(campaign, facts, conf, now)
        if live and not is_new and new_phases:
            alerts.spans_new(campaign, facts, phases=new_phases)
        if live and not is_new and new_victims:
            alerts.spans_new(campaign, facts, victims=new_victims)
        campaign.score = parts.score
        campaign.threshold_crossed = parts.crossed
        campaign.known_phases = sorted(parts.phase_ids | set(campaign.known_phases))
        campaign.known_victims = sorted(parts.victim_ids | set(campaign.known_victims))
        campaign.first_seen = min(observed) if observed else None
        campaign.last_seen = max(observed) if observed else None
        campaign.save(update_fields=["score", "threshold_crossed", "known_phases",
                                     "known_victims", "first_seen", "last_seen", "updated_at"])
