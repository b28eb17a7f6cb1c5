"""The demo's expert panel: two decided cases from the demo's reports, one recusal, a
briefing offered to every party with one offered late, all of it read-only."""

from __future__ import annotations

from typing import Any

import pytest

from civicshield.core.authz import OPERATOR
from civicshield.core.models import AuditEntry
from civicshield.demo import directory as demo_directory
from civicshield.demo import panel as demo_panel
from civicshield.demo import reports as demo_reports
from civicshield.directory.models import Organisation, User
from civicshield.panel import selectors
from civicshield.panel.choices import Finding, Outcome
from civicshield.panel.models import Panel, PanelCase
from civicshield.vocab.services import load_builtin_vocabularies


@pytest.fixture
def demo(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    load_builtin_vocabularies(actor=OPERATOR, include_sources=False)
    demo_directory.load(actor=OPERATOR)
    demo_reports.load(actor=OPERATOR)
    demo_panel.load(actor=OPERATOR)


def _case(title_start: str) -> PanelCase:
    return PanelCase.objects.get(title__startswith=title_start)


@pytest.mark.usefixtures("demo")
def test_the_panel_has_five_members_and_a_threshold_in_two_versions() -> None:
    panel = Panel.objects.get()
    members = list(panel.members.select_related("organisation"))
    assert len(members) == 5 and {m.role for m in members} == {"panel"}
    assert {m.organisation.sector for m in members} == {
        "academia", "international_organisation", "civil_society"}
    assert "panel" in {m.username for m in members}
    others = [m for m in members if m.username != "panel"]
    assert not any(m.has_usable_password() for m in others)
    assert [v.number for v in selectors.threshold_versions(panel)] == [2, 1]


@pytest.mark.usefixtures("demo")
def test_the_fake_voting_site_case_is_decided_public_notice_by_consensus() -> None:
    case = _case("Fake voting-information site")
    decision = case.decision
    assert decision.outcome == Outcome.PUBLIC_NOTICE and decision.finding == Finding.MET
    assert (decision.votes_meeting, decision.votes_not_meeting) == (4, 0)
    assert [r["member"] for r in decision.recusals] == ["panel-portvale"]
    assert case.threshold_version.number == 2
    domain_reports = set(case.reports.values_list("pk", flat=True))
    mentioning = set(demo_reports_mentioning_the_site())
    assert domain_reports == mentioning and len(domain_reports) >= 6
    assert case.briefings.count() == 2 and case.targets_informed.count() == 1


def demo_reports_mentioning_the_site() -> list[int]:
    from civicshield.reports.models import Report

    return list(Report.objects.filter(
        observables__type="domain", observables__value=demo_reports.SHARED_DOMAIN,
    ).exclude(tlp="red").values_list("pk", flat=True).distinct())


@pytest.mark.usefixtures("demo")
def test_the_ink_case_is_decided_no_public_action() -> None:
    case = _case("Claim that ballot ink")
    assert case.decision.outcome == Outcome.NO_PUBLIC_ACTION
    assert case.decision.finding == Finding.NOT_MET
    assert case.decision.recusals == [] and case.decision.not_assessed == ["panel-votewatch"]
    assert case.reports.count() == 2


@pytest.mark.usefixtures("demo")
def test_every_party_was_offered_the_briefing_and_the_late_one_is_flagged() -> None:
    case = _case("Fake voting-information site")
    coordinator = User.objects.get(username="coordinator")
    (round_fairness,) = selectors.fairness_of(coordinator, case)
    parties = set(Organisation.objects.filter(sector="political_party")
                  .values_list("slug", flat=True))
    assert {row.party.slug for row in round_fairness.rows} == parties
    assert [row.party.slug for row in round_fairness.flagged] == [demo_panel.LATE_PARTY]
    assert all(row.offer and row.offer.delivered_at for row in round_fairness.rows)
    unacknowledged = [row.party.slug for row in round_fairness.rows
                      if not row.offer.acknowledged_at]
    assert unacknowledged == ["northern-voice"]


@pytest.mark.usefixtures("demo")
def test_the_demo_members_see_their_cases_and_the_history_is_in_the_audit_log() -> None:
    member = User.objects.get(username="panel")
    assert selectors.cases_visible_to(member).count() == 2
    case = _case("Fake voting-information site")
    assert len(selectors.assessments_shown_to(member, case) or []) == 4
    recused = User.objects.get(username="panel-portvale")
    assert selectors.access_to(recused, case) is selectors.Access.RECUSED
    actions = set(AuditEntry.objects.filter(action__startswith="panel").values_list(
        "action", flat=True))
    assert {"panel.create", "panel.threshold", "panel_case.open", "panel_case.declare",
            "panel_case.assess", "panel_case.decide", "panel_case.briefing",
            "panel_case.targets_informed", "panel_case.party_briefing_round",
            "panel_case.party_briefing_offer"} <= actions


def test_loading_twice_changes_nothing(demo: None) -> None:
    before = PanelCase.objects.count()
    demo_panel.load(actor=OPERATOR)
    assert PanelCase.objects.count() == before == 2


@pytest.mark.usefixtures("demo")
def test_the_public_notice_decision_started_a_draft_notice() -> None:
    from civicshield.comms.models import Notice

    case = _case("Fake voting-information site")
    assert Notice.objects.filter(slug=case.notice_slug,
                                 decision_reference=f"panel case {case.pk}").exists()
