"""Reads of the expert panel. Who may read a case, and how much of it:

- coordinators and administrators (`panel_case:view`, `panel_case:decide`) read every case;
- a panel member reads the cases of the panels they sit on, and only after declaring any
  conflict of interest (`MustDeclare` until then); a declared conflict recuses them
  (`Recused`): they read no more of that case;
- the reports behind a case are shown to each reader through the access layer
  (`core.access`): a member sees the reports their own marking rights allow, never more;
  the summary the coordinator prepares is what the panel reads;
- a member sees the other members' assessments only after submitting their own, or once
  the case is decided.
Anyone else: `PermissionDenied` for lists, `NotFound` for a case (missing and hidden alike).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce

from civicshield.core import access, authz
from civicshield.core.errors import NotFound, PermissionDenied
from civicshield.directory.choices import Sector
from civicshield.panel import rules
from civicshield.panel.choices import CaseStatus
from civicshield.panel.models import (
    Assessment,
    ConflictDeclaration,
    Panel,
    PanelCase,
    PartyBriefing,
    PartyBriefingRound,
    ThresholdVersion,
)

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class MustDeclare(PermissionDenied):
    """A panel member asked to read a case before declaring any conflict of interest."""


class Recused(PermissionDenied):
    """A panel member asked to read a case they are recused from."""


class Access(enum.Enum):
    MANAGER = "manager"  # coordinator or administrator: reads all, takes no part
    MUST_DECLARE = "must_declare"
    RECUSED = "recused"
    MEMBER = "member"  # declared, no conflict: reads the case and may assess it


def is_manager(viewer: Any) -> bool:
    return authz.can(viewer, "panel_case:decide")


# --- The panel ------------------------------------------------------------------------


def the_panel() -> Panel | None:
    """The instance's panel (the first, when more were created); None before there is one."""
    return Panel.objects.order_by("id").first()


def panel_for_settings(viewer: Any) -> Panel | None:
    """The panel, for the coordinator who configures it."""
    authz.require(viewer, "panel:configure")
    return the_panel()


def threshold_versions(panel: Panel) -> QuerySet[ThresholdVersion]:
    """Every version of the panel's threshold, newest first, with its author."""
    return panel.thresholds.select_related("author").order_by("-number")


def current_threshold(panel: Panel) -> ThresholdVersion | None:
    return panel.thresholds.order_by("-number").first()


def eligible_members(viewer: Any) -> QuerySet[Any]:
    """Active accounts with the panel member role: who may be put on the panel."""
    from civicshield.core.choices import Role
    from civicshield.directory.models import User

    authz.require(viewer, "panel:configure")
    return User.objects.filter(role=Role.PANEL, is_active=True).select_related(
        "organisation").order_by("username")


# --- Cases ------------------------------------------------------------------------------


class CaseCounts(TypedDict):
    assessment_count: int
    report_count: int  # of the reports the viewer may see


def cases_visible_to(viewer: Any, *, status: str = ""
                     ) -> QuerySet[WithAnnotations[PanelCase, CaseCounts]]:
    """The cases the viewer may list, newest first: every case for coordinators, the cases
    of their own panels for members. Annotated with what a list shows, in one query."""
    authz.require(viewer, "panel_case:view")
    queryset = PanelCase.objects.select_related("panel", "decision", "threshold_version")
    if not is_manager(viewer):
        queryset = queryset.filter(panel__members=viewer)
        mine = ConflictDeclaration.objects.filter(case=OuterRef("pk"), member=viewer)
        queryset = queryset.annotate(
            declared=Exists(mine), recused=Exists(mine.filter(has_conflict=True)),
            assessed=Exists(Assessment.objects.filter(case=OuterRef("pk"), member=viewer)))
    if status in CaseStatus.values:
        queryset = queryset.filter(status=status)
    # Only the reports the viewer may see are counted: the case page lists no others, and a
    # larger number beside it would tell that hidden ones exist.
    from civicshield.reports.models import Report

    visible = access.visible_to(viewer, Report.objects.filter(panel_cases=OuterRef("pk")))
    return queryset.annotate(
        assessment_count=Count("assessments", distinct=True),
        report_count=Coalesce(Subquery(
            visible.order_by().values("panel_cases").annotate(n=Count("pk")).values("n")), 0),
    ).order_by("-opened_at", "-id")


def case_for(viewer: Any, case_id: int) -> PanelCase:
    """A case the viewer may reach (managers: any; members: their panels'), or NotFound —
    the same for missing and out of reach. Reading it is then governed by `access_to`."""
    if not authz.can(viewer, "panel_case:view"):
        raise NotFound("case")
    queryset = PanelCase.objects.select_related("panel", "threshold_version", "opened_by")
    if not is_manager(viewer):
        queryset = queryset.filter(panel__members=viewer)
    case = queryset.filter(pk=case_id).first()
    if case is None:
        raise NotFound("case")
    return case


def declaration_of(viewer: Any, case: PanelCase) -> ConflictDeclaration | None:
    if not getattr(viewer, "pk", None):
        return None
    return ConflictDeclaration.objects.filter(case=case, member_id=viewer.pk).first()


def access_to(viewer: Any, case: PanelCase) -> Access:
    """How much of the case the viewer may read (they reached it through `case_for`)."""
    if is_manager(viewer):
        return Access.MANAGER
    declaration = declaration_of(viewer, case)
    if declaration is None:
        return Access.MUST_DECLARE
    return Access.RECUSED if declaration.has_conflict else Access.MEMBER


def readable_case(viewer: Any, case_id: int) -> PanelCase:
    """The case, if the viewer may read it now: NotFound, MustDeclare or Recused otherwise."""
    case = case_for(viewer, case_id)
    access = access_to(viewer, case)
    if access is Access.MUST_DECLARE:
        raise MustDeclare("declare any conflict of interest before reading this case")
    if access is Access.RECUSED:
        raise Recused("you declared a conflict and are recused from this case")
    return case


def tally_of(case: PanelCase) -> rules.Tally:
    """The tally under the panel's current rules: submitted assessments of the members
    on the panel who are not recused (a member who left the panel no longer counts)."""
    panel = case.panel
    member_ids = set(panel.members.values_list("pk", flat=True))
    recused = set(ConflictDeclaration.objects.filter(case=case, has_conflict=True)
                  .values_list("member_id", flat=True))
    eligible = member_ids - recused
    votes = [meets for member_id, meets in
             Assessment.objects.filter(case=case).values_list("member_id", "meets_threshold")
             if member_id in eligible]
    return rules.Tally(
        rule=panel.decision_rule, majority_fraction=panel.majority_fraction,
        quorum=panel.quorum, members_not_recused=len(eligible),
        votes_meeting=sum(1 for vote in votes if vote),
        votes_not_meeting=sum(1 for vote in votes if not vote),
    )


def own_assessment(viewer: Any, case: PanelCase) -> Assessment | None:
    if not getattr(viewer, "pk", None):
        return None
    return Assessment.objects.filter(case=case, member_id=viewer.pk).first()


def assessments_shown_to(viewer: Any, case: PanelCase) -> list[Assessment] | None:
    """Every assessment of the case, or None while the viewer may not see the others':
    a member sees them once they have submitted their own or the case is decided;
    coordinators always (they take no part in assessing)."""
    access = access_to(viewer, case)
    if access in (Access.MUST_DECLARE, Access.RECUSED):
        return None
    if (access is Access.MEMBER and case.status == CaseStatus.OPEN
            and own_assessment(viewer, case) is None):
        return None
    return list(case.assessments.select_related("member", "member__organisation"))


@dataclass
class MemberProgress:
    member: Any
    declared: bool
    recused: bool
    assessed: bool


def progress_of(viewer: Any, case: PanelCase) -> list[MemberProgress]:
    """Who has declared, who is recused, who has assessed (not what they said)."""
    if access_to(viewer, case) in (Access.MUST_DECLARE, Access.RECUSED):
        return []
    declarations = {d.member_id: d for d in case.declarations.all()}
    assessed = set(case.assessments.values_list("member_id", flat=True))
    return [
        MemberProgress(member, member.pk in declarations,
                       bool(declarations.get(member.pk) and declarations[member.pk].has_conflict),
                       member.pk in assessed)
        for member in case.panel.members.select_related("organisation").order_by("username")
    ]


def recusals_of(case: PanelCase) -> list[ConflictDeclaration]:
    return list(case.declarations.filter(has_conflict=True).select_related("member"))


# --- The accumulation behind a case ---------------------------------------------------------


def member_reports(viewer: Any, case: PanelCase) -> list[Any]:
    """The case's reports that the viewer may see (core.access), oldest observation first.
    Hidden reports are left out without a trace, as everywhere else."""
    from civicshield.reports import selectors as report_selectors

    report_ids = list(case.reports.values_list("pk", flat=True))
    reports = report_selectors.reports_by_ids(viewer, report_ids)
    return sorted(reports, key=lambda report: (report.observed_start, report.pk))


@dataclass
class VisibilityGap:
    member: Any
    visible: int
    total: int


def visibility_gaps(viewer: Any, case: PanelCase) -> list[VisibilityGap]:
    """For coordinators: the members who cannot see every report behind the case, so the
    summary can cover what their markings keep from them (the design's "alert the
    coordinator instead of revealing a link")."""
    from civicshield.reports import selectors as report_selectors

    if not is_manager(viewer):
        return []
    report_ids = list(case.reports.values_list("pk", flat=True))
    gaps = []
    for member in case.panel.members.select_related("organisation").order_by("username"):
        visible = len(report_selectors.reports_by_ids(member, report_ids))
        if visible < len(report_ids):
            gaps.append(VisibilityGap(member, visible, len(report_ids)))
    return gaps


@dataclass
class CampaignView:
    campaign: Any
    score: float
    threshold: float
    reports: int


def campaign_of(viewer: Any, case: PanelCase) -> CampaignView | None:
    """The campaign behind the case as the viewer may see it (correlation's own access
    rules; its score counts only the reports the viewer may see), or None."""
    if case.campaign_id is None:
        return None
    from civicshield.correlation import selectors as correlation_selectors

    try:
        campaign = correlation_selectors.campaign_for(viewer, case.campaign_id)
    except NotFound:
        return None
    summary = correlation_selectors.campaign_summary(viewer, campaign)
    return CampaignView(campaign, summary.parts.score, summary.parts.threshold,
                        len(summary.reports))


def briefings_of(case: PanelCase) -> QuerySet[Any]:
    return case.briefings.select_related("organisation", "recorded_by").order_by(
        "briefed_at", "id")


def targets_informed_of(case: PanelCase) -> QuerySet[Any]:
    return case.targets_informed.select_related("recorded_by").order_by("informed_at", "id")


# --- Fairness: every registered party alike ---------------------------------------------------


@dataclass
class PartyRow:
    party: Any
    offer: PartyBriefing | None
    delay: timedelta | None  # after the first offer of the round
    late: bool = False

    @property
    def missing(self) -> bool:
        return self.offer is None


@dataclass
class RoundFairness:
    briefing_round: PartyBriefingRound
    first_offered_at: datetime | None
    tolerance: timedelta
    rows: list[PartyRow]

    @property
    def flagged(self) -> list[PartyRow]:
        return [row for row in self.rows if row.missing or row.late]

    @property
    def left_out(self) -> list[PartyRow]:
        return [row for row in self.rows if row.missing]

    @property
    def fair(self) -> bool:
        return not self.flagged


def registered_parties(viewer: Any) -> list[Any]:
    """Every registered political party in the directory, across the spectrum."""
    from civicshield.directory.selectors import organisations_visible_to

    return list(organisations_visible_to(viewer, sector=Sector.POLITICAL_PARTY))


def fairness_of(viewer: Any, case: PanelCase) -> list[RoundFairness]:
    """For every briefing round of the case: each registered party, when it was offered
    the briefing, delivery and acknowledgement; a party never offered it, or offered it
    more than the panel's tolerance after the first, is flagged."""
    parties = registered_parties(viewer)
    tolerance = case.panel.briefing_tolerance
    rounds = case.briefing_rounds.prefetch_related(Prefetch(
        "offers", queryset=PartyBriefing.objects.select_related(
            "party", "offered_by", "delivered_by"))).order_by("started_at", "id")
    result = []
    for briefing_round in rounds:
        offers = {offer.party_id: offer for offer in briefing_round.offers.all()}
        first = min((offer.offered_at for offer in offers.values()), default=None)
        known = {party.pk for party in parties}
        # A party offered the briefing but no longer registered still shows.
        everyone = parties + [offer.party for offer in offers.values()
                              if offer.party_id not in known]
        rows = []
        for party in everyone:
            offer = offers.get(party.pk)
            delay = offer.offered_at - first if offer is not None and first else None
            rows.append(PartyRow(party, offer, delay,
                                 late=delay is not None and delay > tolerance))
        # Offered first at the top, latest below, parties left out last.
        rows.sort(key=lambda row: (row.offer is None, row.delay or timedelta(0),
                                   row.party.name))
        result.append(RoundFairness(briefing_round, first, tolerance, rows))
    return result


def reports_to_choose(viewer: Any, *, q: str = "", limit: int = 200) -> list[Any]:
    """Reports the coordinator may put to the panel (those they can see), newest first."""
    from civicshield.reports import selectors as report_selectors

    authz.require(viewer, "panel_case:open")
    return list(report_selectors.reports_visible_to(viewer, q=q)[:limit])


def organisations_to_choose(viewer: Any) -> list[Any]:
    from civicshield.directory.selectors import organisations_visible_to

    return list(organisations_visible_to(viewer))


def open_case_count(viewer: Any) -> int:
    if not authz.can(viewer, "panel_case:view"):
        return 0
    return cases_visible_to(viewer, status=CaseStatus.OPEN).count()



def briefing_round_for(viewer: Any, round_id: int) -> PartyBriefingRound:
    """A party briefing round of a case the viewer may reach, or NotFound."""
    briefing_round = PartyBriefingRound.objects.select_related("case").filter(
        pk=round_id).first()
    if briefing_round is None:
        raise NotFound("briefing round")
    case_for(viewer, briefing_round.case_id)
    return briefing_round


def offer_for(viewer: Any, offer_id: int) -> PartyBriefing:
    """One party's briefing offer, of a case the viewer may reach, or NotFound."""
    offer = PartyBriefing.objects.select_related("briefing_round", "party").filter(
        pk=offer_id).first()
    if offer is None:
        raise NotFound("briefing offer")
    case_for(viewer, offer.briefing_round.case_id)
    return offer
