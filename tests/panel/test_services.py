"""The panel's rules through its services: declare before reading, recusal, independent
assessments, quorum and the decision rule, a read-only history, fairness to every party,
and one audit entry per change."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from civicshield.core.errors import Conflict, NotFound, PermissionDenied
from civicshield.core.models import AuditEntry
from civicshield.panel import selectors, services
from civicshield.panel.choices import Finding, Outcome
from civicshield.panel.models import Decision, RecordIsReadOnly, ThresholdVersion
from tests.factories import make_organisation
from tests.panel.conftest import assess, declare_all, use_majority

DECIDE = {"rationale": "Seen across six partners.", "consulted": "The commission's chair."}


def _decide(world: dict[str, Any], outcome: str = Outcome.PUBLIC_NOTICE) -> Decision:
    return services.decide(actor=world["coordinator"], case=world["case"], outcome=outcome,
                           **DECIDE)


# --- Declaring before reading ----------------------------------------------------------------


def test_a_member_must_declare_before_reading_the_case(world: dict[str, Any]) -> None:
    member, case = world["members"][0], world["case"]
    with pytest.raises(selectors.MustDeclare):
        selectors.readable_case(member, case.pk)
    services.declare_conflict(actor=member, case=case, has_conflict=False)
    assert selectors.readable_case(member, case.pk) == case


def test_a_member_cannot_assess_before_declaring(world: dict[str, Any]) -> None:
    with pytest.raises(PermissionDenied, match="Declare any conflict"):
        assess(world["case"], world["members"][0], True)


def test_a_declared_conflict_recuses_the_member(world: dict[str, Any]) -> None:
    member, case = world["members"][0], world["case"]
    services.declare_conflict(actor=member, case=case, has_conflict=True,
                              description="I advise the Civic Centre Union.")
    with pytest.raises(selectors.Recused):
        selectors.readable_case(member, case.pk)
    with pytest.raises(PermissionDenied, match="recused"):
        assess(case, member, True)


def test_a_conflict_must_be_described_and_a_declaration_cannot_be_changed(
    world: dict[str, Any],
) -> None:
    member, case = world["members"][0], world["case"]
    with pytest.raises(ValidationError) as error:
        services.declare_conflict(actor=member, case=case, has_conflict=True)
    assert "description" in error.value.message_dict
    services.declare_conflict(actor=member, case=case, has_conflict=False)
    with pytest.raises(Conflict):
        services.declare_conflict(actor=member, case=case, has_conflict=True,
                                  description="Changed my mind.")


def test_a_panel_member_who_does_not_sit_on_the_panel_can_neither_reach_nor_declare(
    world: dict[str, Any],
) -> None:
    with pytest.raises(NotFound):
        selectors.case_for(world["outsider"], world["case"].pk)
    with pytest.raises(PermissionDenied):
        services.declare_conflict(actor=world["outsider"], case=world["case"],
                                  has_conflict=False)
    assert not selectors.cases_visible_to(world["outsider"]).exists()


@pytest.mark.parametrize("who", ["viewer", "analyst"])
def test_other_roles_cannot_list_or_declare(world: dict[str, Any], who: str) -> None:
    with pytest.raises(PermissionDenied):
        selectors.cases_visible_to(world[who])
    with pytest.raises(NotFound):
        selectors.case_for(world[who], world["case"].pk)
    with pytest.raises(PermissionDenied):
        services.declare_conflict(actor=world[who], case=world["case"], has_conflict=False)


# --- Independent assessments -------------------------------------------------------------------


def test_assessments_are_hidden_until_the_member_submits_their_own(
    world: dict[str, Any],
) -> None:
    first, second = world["members"][:2]
    case = world["case"]
    declare_all(case, [first, second])
    assess(case, first, True)
    assert selectors.assessments_shown_to(second, case) is None
    assert len(selectors.assessments_shown_to(first, case) or []) == 1
    assess(case, second, False)
    shown = selectors.assessments_shown_to(second, case) or []
    assert {a.member.username for a in shown} == {"ada", "bo"}


def test_assessments_are_shown_to_every_non_recused_member_once_decided(
    world: dict[str, Any],
) -> None:
    members, case = world["members"], world["case"]
    declare_all(case, members[:4])
    for member in members[:3]:
        assess(case, member, True)
    assert selectors.assessments_shown_to(members[3], case) is None
    _decide(world)
    assert len(selectors.assessments_shown_to(members[3], case) or []) == 3
    assert len(selectors.assessments_shown_to(world["coordinator"], case) or []) == 3


def test_an_assessment_is_written_once(world: dict[str, Any]) -> None:
    member, case = world["members"][0], world["case"]
    declare_all(case, [member])
    assessment = assess(case, member, True)
    with pytest.raises(Conflict):
        assess(case, member, False)
    assessment.meets_threshold = False
    with pytest.raises(RecordIsReadOnly):
        assessment.save()


# --- Quorum and the decision rule ---------------------------------------------------------------


def test_consensus_met_allows_a_public_notice(world: dict[str, Any]) -> None:
    members, case = world["members"], world["case"]
    declare_all(case, members[:3])
    for member in members[:3]:
        assess(case, member, True)
    decision = _decide(world)
    assert decision.finding == Finding.MET and decision.outcome == Outcome.PUBLIC_NOTICE
    assert (decision.votes_meeting, decision.votes_not_meeting) == (3, 0)
    assert decision.members_not_recused == 5
    assert decision.not_assessed == ["di", "ed"]
    assert decision.threshold_version == case.threshold_version
    case.refresh_from_db()
    assert case.status == "decided" and case.decided_at == decision.decided_at


def test_consensus_broken_means_no_announcement(world: dict[str, Any]) -> None:
    members, case = world["members"], world["case"]
    declare_all(case, members[:3])
    for member, meets in zip(members[:3], (True, True, False), strict=True):
        assess(case, member, meets)
    with pytest.raises(ValidationError, match="no announcement") as error:
        _decide(world)
    assert "outcome" in error.value.message_dict
    decision = _decide(world, Outcome.BRIEF_AFFECTED_PARTIES)
    assert decision.finding == Finding.NO_AGREEMENT


def test_below_quorum_nothing_can_be_decided(world: dict[str, Any]) -> None:
    members, case = world["members"], world["case"]
    declare_all(case, members[:2])
    for member in members[:2]:
        assess(case, member, True)
    with pytest.raises(ValidationError, match="Quorum not met: 2 of the 3"):
        _decide(world, Outcome.NO_PUBLIC_ACTION)
    assert not Decision.objects.exists()


def test_recused_members_count_neither_in_the_tally_nor_towards_quorum(
    world: dict[str, Any],
) -> None:
    members, case = world["members"], world["case"]
    declare_all(case, members, conflicted=(0, 1))
    for member in members[2:]:
        assess(case, member, False)
    tally = selectors.tally_of(case)
    assert tally.members_not_recused == 3 and tally.assessed == 3
    decision = _decide(world, Outcome.NO_PUBLIC_ACTION)
    assert decision.finding == Finding.NOT_MET
    assert [r["member"] for r in decision.recusals] == ["ada", "bo"]
    assert decision.recusals[0]["description"] == "Advises the Civic Centre Union."


def test_too_many_recusals_says_plainly_that_the_panel_cannot_decide(
    world: dict[str, Any],
) -> None:
    members, case = world["members"], world["case"]
    declare_all(case, members, conflicted=(0, 1, 2))
    for member in members[3:]:
        assess(case, member, True)
    with pytest.raises(ValidationError) as error:
        _decide(world, Outcome.NO_PUBLIC_ACTION)
    assert error.value.messages == [
        "The panel cannot decide this case: too many members are recused. Only 2 member(s) "
        "are not recused and the quorum is 3."]


def test_a_majority_decides_where_consensus_would_not(world: dict[str, Any]) -> None:
    use_majority(world)
    members, case = world["members"], world["case"]
    declare_all(case, members)
    for member, meets in zip(members, (True, True, True, False, False), strict=True):
        assess(case, member, meets)
    decision = _decide(world)
    assert decision.finding == Finding.MET and decision.decision_rule == "majority"


def test_a_tie_under_majority_is_no_decision_to_announce(world: dict[str, Any]) -> None:
    use_majority(world, quorum=4)
    members, case = world["members"], world["case"]
    declare_all(case, members, conflicted=(4,))
    for member, meets in zip(members[:4], (True, True, False, False), strict=True):
        assess(case, member, meets)
    assert selectors.tally_of(case).finding == Finding.NO_MAJORITY
    with pytest.raises(ValidationError, match="no announcement"):
        _decide(world)


def test_members_not_on_the_panel_any_more_do_not_count(world: dict[str, Any]) -> None:
    members, case = world["members"], world["case"]
    declare_all(case, members[:3])
    for member in members[:3]:
        assess(case, member, True)
    services.update_panel(actor=world["coordinator"], panel=world["panel"],
                          changes={"members": members[1:]})
    assert selectors.tally_of(case).assessed == 2


# --- A read-only history ---------------------------------------------------------------------


def test_a_decided_case_refuses_a_second_decision_and_any_further_change(
    world: dict[str, Any],
) -> None:
    members, case = world["members"], world["case"]
    declare_all(case, members[:4])
    for member in members[:3]:
        assess(case, member, True)
    decision = _decide(world)
    with pytest.raises(Conflict):
        _decide(world, Outcome.NO_PUBLIC_ACTION)
    with pytest.raises(ValidationError, match="read-only"):
        assess(case, members[3], False)
    with pytest.raises(ValidationError, match="read-only"):
        services.declare_conflict(actor=members[4], case=case, has_conflict=False)
    with pytest.raises(ValidationError, match="read-only"):
        services.update_summary(actor=world["coordinator"], case=case, summary="Rewritten.")
    with pytest.raises(ValidationError, match="read-only"):
        services.record_briefing(actor=world["coordinator"], case=case, briefed_by="Late",
                                 briefed_at=timezone.now(), content="Too late.")
    decision.outcome = Outcome.NO_PUBLIC_ACTION
    with pytest.raises(RecordIsReadOnly):
        decision.save()
    decision.refresh_from_db()
    assert decision.outcome == Outcome.PUBLIC_NOTICE


def test_only_coordinators_decide(world: dict[str, Any]) -> None:
    members, case = world["members"], world["case"]
    declare_all(case, members[:3])
    for member in members[:3]:
        assess(case, member, True)
    for who in (members[0], world["viewer"], world["analyst"]):
        with pytest.raises(PermissionDenied):
            services.decide(actor=who, case=case, outcome=Outcome.PUBLIC_NOTICE, **DECIDE)


# --- The threshold ------------------------------------------------------------------------------


def test_the_threshold_is_versioned_and_a_case_keeps_the_version_it_was_opened_under(
    world: dict[str, Any],
) -> None:
    panel, case = world["panel"], world["case"]
    version = services.change_threshold(actor=world["coordinator"], panel=panel,
                                        text="A clearer threshold.")
    assert version.number == 2 and version.author == world["coordinator"]
    assert [v.number for v in selectors.threshold_versions(panel)] == [2, 1]
    case.refresh_from_db()
    assert case.threshold_version.number == 1
    later = services.open_case(actor=world["coordinator"], panel=panel, title="Another",
                               summary="More.", reports=[world["green"]])
    assert later.threshold_version == version
    assert ThresholdVersion.objects.filter(panel=panel).count() == 2


@pytest.mark.parametrize("who", ["admin", "members", "analyst"])
def test_only_the_coordinator_edits_the_threshold_and_the_rules(
    world: dict[str, Any], who: str,
) -> None:
    actor = world[who][0] if who == "members" else world[who]
    with pytest.raises(PermissionDenied):
        services.change_threshold(actor=actor, panel=world["panel"], text="Mine.")
    with pytest.raises(PermissionDenied):
        services.update_panel(actor=actor, panel=world["panel"], changes={"quorum": 1})


def test_only_panel_role_accounts_sit_on_the_panel(world: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as error:
        services.update_panel(actor=world["coordinator"], panel=world["panel"],
                              changes={"members": [world["analyst"]]})
    assert "members" in error.value.message_dict


def test_a_coordinator_cannot_put_a_report_they_cannot_see_to_the_panel(
    world: dict[str, Any],
) -> None:
    from civicshield.core.markings import TLP
    from tests.report_factories import make_report

    hidden = make_report(tlp=TLP.RED, owner=world["green"].owner_organisation,
                         created_by=world["analyst"], users=[world["analyst"]])
    with pytest.raises(ValidationError) as error:
        services.open_case(actor=world["coordinator"], panel=world["panel"], title="Red",
                           summary="From a red report.", reports=[hidden])
    assert "reports" in error.value.message_dict


# --- What each member may see of the reports -----------------------------------------------------


def test_members_see_only_the_reports_their_access_allows_and_the_coordinator_is_told(
    world: dict[str, Any],
) -> None:
    member, case = world["members"][0], world["case"]
    seen = selectors.member_reports(member, case)
    assert [r.title for r in seen] == ["Network pushing a vote-by-text claim"]
    assert len(selectors.member_reports(world["coordinator"], case)) == 2
    gaps = selectors.visibility_gaps(world["coordinator"], case)
    assert {(g.member.username, g.visible, g.total) for g in gaps} == {
        (m.username, 1, 2) for m in world["members"]}
    assert selectors.visibility_gaps(member, case) == []


# --- Fairness to every party ----------------------------------------------------------------------


def test_a_round_offered_to_every_party_at_once_is_fair(world: dict[str, Any]) -> None:
    services.start_party_briefing_round(actor=world["coordinator"], case=world["case"],
                                        subject="Before the notice")
    (round_fairness,) = selectors.fairness_of(world["coordinator"], world["case"])
    assert round_fairness.fair
    assert {row.party.slug for row in round_fairness.rows} == {
        "peoples-left", "civic-centre", "heritage"}


def test_fairness_flags_a_party_left_out_and_one_briefed_late(world: dict[str, Any]) -> None:
    left, centre, right = world["parties"]
    start = timezone.now() - timedelta(hours=4)
    briefing_round = services.start_party_briefing_round(
        actor=world["coordinator"], case=world["case"], subject="Before the notice",
        parties=[left], offered_at=start)
    services.offer_party_briefing(actor=world["coordinator"], briefing_round=briefing_round,
                                  party=centre, offered_at=start + timedelta(minutes=50))
    services.offer_party_briefing(actor=world["coordinator"], briefing_round=briefing_round,
                                  party=right, offered_at=start + timedelta(hours=2))
    make_organisation(slug="northern-voice", name="Northern Voice",
                      sector="political_party", political_leaning="other")
    (round_fairness,) = selectors.fairness_of(world["members"][0], world["case"])
    flags = {row.party.slug: ("left out" if row.missing else "late" if row.late else "ok")
             for row in round_fairness.rows}
    assert flags == {"peoples-left": "ok", "civic-centre": "ok", "heritage": "late",
                     "northern-voice": "left out"}
    assert not round_fairness.fair


def test_the_tolerance_is_configurable(world: dict[str, Any]) -> None:
    left, centre, right = world["parties"]
    start = timezone.now() - timedelta(hours=4)
    briefing_round = services.start_party_briefing_round(
        actor=world["coordinator"], case=world["case"], subject="Before the notice",
        parties=[left, centre], offered_at=start)
    services.offer_party_briefing(actor=world["coordinator"], briefing_round=briefing_round,
                                  party=right, offered_at=start + timedelta(hours=2))
    assert not selectors.fairness_of(world["coordinator"], world["case"])[0].fair
    services.update_panel(actor=world["coordinator"], panel=world["panel"],
                          changes={"briefing_tolerance": timedelta(hours=3)})
    world["case"].refresh_from_db()
    world["case"].panel.refresh_from_db()
    assert selectors.fairness_of(world["coordinator"], world["case"])[0].fair


def test_only_parties_are_offered_party_briefings_and_receipts_are_recorded_once(
    world: dict[str, Any],
) -> None:
    with pytest.raises(ValidationError):
        services.start_party_briefing_round(actor=world["coordinator"], case=world["case"],
                                            subject="x", parties=[world["university"]])
    briefing_round = services.start_party_briefing_round(
        actor=world["coordinator"], case=world["case"], subject="Before the notice")
    offer = briefing_round.offers.get(party__slug="heritage")
    with pytest.raises(ValidationError, match="delivery first"):
        services.record_party_briefing_acknowledged(actor=world["coordinator"], offer=offer,
                                                    acknowledged_by="Party chair")
    services.record_party_briefing_delivered(actor=world["coordinator"], offer=offer)
    services.record_party_briefing_acknowledged(actor=world["coordinator"], offer=offer,
                                                acknowledged_by="Party chair")
    with pytest.raises(Conflict):
        services.record_party_briefing_delivered(actor=world["coordinator"], offer=offer)
    offer.refresh_from_db()
    assert offer.delivered_by == world["coordinator"] and offer.acknowledged_by == "Party chair"


def test_targets_informed_is_recorded_even_after_the_decision(world: dict[str, Any]) -> None:
    members, case = world["members"], world["case"]
    declare_all(case, members[:3])
    for member in members[:3]:
        assess(case, member, False)
    _decide(world, Outcome.BRIEF_AFFECTED_PARTIES)
    step = services.record_targets_informed(
        actor=world["coordinator"], case=case, who_was_informed="Civic Centre Union",
        how="By phone to the party's security lead")
    assert list(selectors.targets_informed_of(case)) == [step]
    with pytest.raises(PermissionDenied):
        services.record_targets_informed(actor=members[0], case=case, who_was_informed="x")


# --- The audit log ------------------------------------------------------------------------


def test_every_step_writes_one_audit_entry(world: dict[str, Any]) -> None:
    members, case = world["members"], world["case"]
    before = AuditEntry.objects.count()
    declare_all(case, members[:3], conflicted=(2,))
    assess(case, members[0], True)
    assess(case, members[1], True)
    services.record_briefing(actor=world["coordinator"], case=case, briefed_by="Saoirse Lind",
                             briefed_at=timezone.now() - timedelta(hours=1),
                             content="The site also hosts a phishing kit.")
    actions = list(AuditEntry.objects.order_by("id").values_list("action", "actor_label")
                   [before:])
    assert actions == [
        ("panel_case.declare", "ada"), ("panel_case.declare", "bo"),
        ("panel_case.declare", "cy"), ("panel_case.assess", "ada"),
        ("panel_case.assess", "bo"), ("panel_case.briefing", "coord")]
    recusal = AuditEntry.objects.filter(action="panel_case.declare", actor_label="cy").get()
    assert recusal.details == {"has_conflict": True, "recused": True}
    assert recusal.object_type == "panel.panelcase" and recusal.object_id == str(case.pk)


def test_the_decision_is_in_the_audit_log_with_its_tally(world: dict[str, Any]) -> None:
    members, case = world["members"], world["case"]
    declare_all(case, members[:4], conflicted=(3,))
    for member in members[:3]:
        assess(case, member, True)
    _decide(world, Outcome.NO_PUBLIC_ACTION)
    entry = AuditEntry.objects.get(action="panel_case.decide")
    assert entry.details == {"outcome": "no_public_action", "finding": "met",
                             "rule": "consensus", "quorum": 3, "meets": 3,
                             "does_not_meet": 0, "recused": ["di"]}


def test_a_public_notice_decision_starts_a_draft_notice_through_comms(
    world: dict[str, Any],
) -> None:
    from civicshield.comms.models import Notice

    members, case = world["members"], world["case"]
    declare_all(case, members[:3])
    for member in members[:3]:
        assess(case, member, True)
    _decide(world)
    case.refresh_from_db()
    notice = Notice.objects.get(slug=case.notice_slug)
    assert notice.decision_reference == f"panel case {case.pk}"
    with pytest.raises(Conflict):
        services.draft_public_notice(actor=world["coordinator"], case=case)


def test_a_case_opened_from_a_campaign_takes_its_reports_and_shows_its_score(
    world: dict[str, Any],
) -> None:
    from civicshield.correlation.models import Campaign, Membership

    campaign = Campaign.objects.create(name="Vote by text")
    for report in (world["green"], world["amber"]):
        Membership.objects.create(campaign=campaign, report=report)
    case = services.open_case(actor=world["coordinator"], panel=world["panel"],
                              title="From the campaign", summary="s", campaign=campaign)
    assert set(case.reports.all()) == {world["green"], world["amber"]}
    seen_by_coordinator = selectors.campaign_of(world["coordinator"], case)
    assert seen_by_coordinator is not None and seen_by_coordinator.reports == 2
    seen_by_member = selectors.campaign_of(world["members"][0], case)
    assert seen_by_member is not None and seen_by_member.reports == 1
