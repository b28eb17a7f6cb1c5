"""The expert panel over the API: panel members and coordinators only. Thin: selectors
read; the conflict declaration gates reading a case here as on the pages (403 until
declared, 403 when recused)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from ninja import Router
from ninja.pagination import LimitOffsetPagination, paginate

from civicshield.core.api_pagination import SerialisedPage
from civicshield.panel import selectors
from civicshield.panel.models import PanelCase
from civicshield.panel.schemas import (
    AssessmentOut,
    BriefingOut,
    BriefingRoundOut,
    CaseOut,
    CaseSummaryOut,
    DecisionOut,
    PartyOfferOut,
    RecusalOut,
    ReportRefOut,
    TargetsInformedOut,
    ThresholdOut,
)

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

router = Router(tags=["panel"])


def _summary(case: WithAnnotations[PanelCase, selectors.CaseCounts]) -> CaseSummaryOut:
    decision = getattr(case, "decision", None) if case.status == "decided" else None
    return CaseSummaryOut(
        id=case.pk, title=case.title, status=case.status, panel=case.panel.name,
        opened_at=case.opened_at, decided_at=case.decided_at,
        outcome=decision.outcome if decision else None, reports=case.report_count,
        assessments=case.assessment_count, declared=getattr(case, "declared", None),
        recused=getattr(case, "recused", None))


@router.get("/panel/cases", response=list[CaseSummaryOut])
@paginate(LimitOffsetPagination)
def list_cases(request: HttpRequest, status: str = "") -> Any:
    """Cases before the panel: every case for coordinators, their panels' for members."""
    return SerialisedPage(selectors.cases_visible_to(request.user, status=status),
                          lambda cases: [_summary(case) for case in cases])


@router.get("/panel/cases/{case_id}", response=CaseOut)
def get_case(request: HttpRequest, case_id: int) -> Any:
    """One case; 403 until you declared any conflict of interest, 403 when recused."""
    viewer = request.user
    case = selectors.readable_case(viewer, case_id)
    threshold = case.threshold_version
    decision = getattr(case, "decision", None) if case.status == "decided" else None
    assessments = selectors.assessments_shown_to(viewer, case)
    return CaseOut(
        id=case.pk, title=case.title, status=case.status, summary=case.summary,
        panel=case.panel.name,
        threshold=ThresholdOut(version=threshold.number, text=threshold.text,
                               author=threshold.author_label, created_at=threshold.created_at),
        opened_at=case.opened_at, decided_at=case.decided_at,
        affected_organisations=sorted(o.slug for o in case.affected_organisations.all()),
        reports=[ReportRefOut(id=r.pk, reference=r.reference, title=r.title, tlp=r.tlp,
                              organisation=r.owner_organisation.slug,
                              observed_at=r.observed_start)
                 for r in selectors.member_reports(viewer, case)],
        briefings=[BriefingOut(briefed_by=b.briefed_by, briefed_at=b.briefed_at,
                               organisation=b.organisation.slug if b.organisation else None,
                               content=b.content) for b in selectors.briefings_of(case)],
        assessments=None if assessments is None else [
            AssessmentOut(member=a.member.get_username(), meets_threshold=a.meets_threshold,
                          confidence=a.confidence, rationale=a.rationale,
                          submitted_at=a.submitted_at) for a in assessments],
        recusals=[RecusalOut(member=d.member.get_username(), description=d.description)
                  for d in selectors.recusals_of(case)],
        decision=None if decision is None else DecisionOut(
            outcome=decision.outcome, finding=decision.finding,
            decision_rule=decision.decision_rule,
            majority_fraction=str(decision.majority_fraction), quorum=decision.quorum,
            members_not_recused=decision.members_not_recused,
            votes_meeting=decision.votes_meeting, votes_not_meeting=decision.votes_not_meeting,
            recusals=[RecusalOut(**r) for r in decision.recusals],
            not_assessed=decision.not_assessed, rationale=decision.rationale,
            consulted=decision.consulted, decided_by=decision.decided_by_label,
            decided_at=decision.decided_at,
            threshold_version=decision.threshold_version.number),
        targets_informed=[TargetsInformedOut(informed_at=t.informed_at,
                                             who_was_informed=t.who_was_informed, how=t.how)
                          for t in selectors.targets_informed_of(case)],
        party_briefings=[BriefingRoundOut(
            subject=r.briefing_round.subject, started_at=r.briefing_round.started_at,
            fair=r.fair, parties=[PartyOfferOut(
                party=row.party.slug,
                offered_at=row.offer.offered_at if row.offer else None,
                delivered_at=row.offer.delivered_at if row.offer else None,
                acknowledged_at=row.offer.acknowledged_at if row.offer else None,
                flag="left_out" if row.missing else "late" if row.late else None)
                for row in r.rows]) for r in selectors.fairness_of(viewer, case)],
    )
