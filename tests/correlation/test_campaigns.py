"""Campaigns form from strong links, merge and split, and keep what analysts decided."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from civicshield.core.authz import OPERATOR
from civicshield.core.choices import Role
from civicshield.core.errors import PermissionDenied
from civicshield.core.models import AuditEntry
from civicshield.correlation import services
from civicshield.correlation.choices import CampaignStatus, MembershipState
from civicshield.correlation.models import Campaign, Membership
from civicshield.correlation.services import correlate_reports
from tests.correlation.conftest import add_report
from tests.factories import make_user


def members(campaign: Campaign) -> set[int]:
    return set(Membership.objects.filter(campaign=campaign).exclude(
        state=MembershipState.EXCLUDED).values_list("report_id", flat=True))


def campaign_of(report: Any) -> Campaign | None:
    membership = Membership.objects.filter(report=report).exclude(
        state=MembershipState.EXCLUDED).first()
    return membership.campaign if membership else None


def chain(value: str, count: int) -> list[Any]:
    return [add_report(observables=[("domain", value)]) for _ in range(count)]


def test_reports_linked_by_strong_links_form_one_candidate_campaign() -> None:
    reports = chain("vote-info-veridia.com", 4)
    loner = add_report(observables=[("domain", "unrelated-veridia.example")])
    campaign = Campaign.objects.get()
    assert campaign.status == CampaignStatus.CANDIDATE
    assert members(campaign) == {r.pk for r in reports}
    assert campaign_of(loner) is None


def test_a_bridging_report_merges_two_candidates_into_the_older_one() -> None:
    left = chain("left-veridia.example", 2)
    right = chain("right-veridia.example", 2)
    older, newer = campaign_of(left[0]), campaign_of(right[0])
    assert older.pk < newer.pk
    bridge = add_report(observables=[("domain", "left-veridia.example"),
                                     ("domain", "right-veridia.example")])
    assert list(Campaign.objects.values_list("pk", flat=True)) == [older.pk]
    assert members(older) == {r.pk for r in [*left, *right, bridge]}


def test_a_confirmed_and_named_campaign_keeps_its_decision_and_grows() -> None:
    first = chain("vote-info-veridia.com", 2)
    campaign = campaign_of(first[0])
    services.confirm_campaign(actor=OPERATOR, campaign=campaign, name="Vote by SMS")
    later = add_report(observables=[("domain", "vote-info-veridia.com")])
    correlate_reports(report_ids=[r.pk for r in first])
    campaign.refresh_from_db()
    assert (campaign.name, campaign.status) == ("Vote by SMS", CampaignStatus.CONFIRMED)
    assert members(campaign) == {first[0].pk, first[1].pk, later.pk}


def test_merging_campaigns_moves_every_report_and_survives_recomputation() -> None:
    left = chain("left-veridia.example", 2)
    right = chain("right-veridia.example", 2)
    keep, gone = campaign_of(left[0]), campaign_of(right[0])
    services.merge_campaigns(actor=OPERATOR, campaign=keep, others=[gone])
    correlate_reports(report_ids=[r.pk for r in [*left, *right]])
    assert list(Campaign.objects.values_list("pk", flat=True)) == [keep.pk]
    assert members(keep) == {r.pk for r in [*left, *right]}


def test_a_split_keeps_the_parts_apart_when_links_are_recomputed() -> None:
    reports = chain("vote-info-veridia.com", 4)
    campaign = campaign_of(reports[0])
    split = services.split_campaign(actor=OPERATOR, campaign=campaign,
                                    reports=[reports[2], reports[3]], name="Leaflets")
    correlate_reports(report_ids=[r.pk for r in reports])
    assert members(campaign) == {reports[0].pk, reports[1].pk}
    assert members(split) == {reports[2].pk, reports[3].pk}
    assert split.name == "Leaflets"


def test_an_excluded_report_never_returns_and_a_pinned_one_stays() -> None:
    reports = chain("vote-info-veridia.com", 3)
    campaign = campaign_of(reports[0])
    services.exclude_report(actor=OPERATOR, campaign=campaign, report=reports[2])
    outsider = add_report(observables=[("domain", "elsewhere-veridia.example")])
    services.pin_report(actor=OPERATOR, campaign=campaign, report=outsider)
    correlate_reports(report_ids=[r.pk for r in [*reports, outsider]])
    assert members(campaign) == {reports[0].pk, reports[1].pk, outsider.pk}
    pinned = Membership.objects.get(campaign=campaign, report=outsider)
    assert pinned.state == MembershipState.PINNED


def test_a_candidate_dissolves_when_its_links_are_gone() -> None:
    first, second = chain("vote-info-veridia.com", 2)
    assert campaign_of(first) is not None
    second.observables.clear()
    correlate_reports(report_ids=[second.pk])
    assert not Campaign.objects.exists()


def test_each_analyst_action_writes_one_audit_entry() -> None:
    reports = chain("vote-info-veridia.com", 3)
    campaign = campaign_of(reports[0])
    before = AuditEntry.objects.count()
    services.rename_campaign(actor=OPERATOR, campaign=campaign, name="Fake site")
    services.confirm_campaign(actor=OPERATOR, campaign=campaign)
    services.exclude_report(actor=OPERATOR, campaign=campaign, report=reports[2])
    assert list(AuditEntry.objects.order_by("id").values_list("action", flat=True))[before:] == [
        "campaign.rename", "campaign.confirm", "campaign.exclude"]


def test_a_viewer_without_the_right_cannot_decide_and_split_needs_visible_members() -> None:
    reports = chain("vote-info-veridia.com", 2)
    campaign = campaign_of(reports[0])
    with pytest.raises(PermissionDenied):
        services.confirm_campaign(actor=make_user(Role.VIEWER), campaign=campaign)
    with pytest.raises(ValidationError):
        services.split_campaign(actor=OPERATOR, campaign=campaign, reports=reports)


def test_splitting_off_every_visible_member_is_refused_whether_or_not_others_are_hidden(
) -> None:
    from civicshield.core.markings import TLP
    from tests.factories import make_organisation

    analyst = make_user(Role.ANALYST)
    visible = chain("vote-info-veridia.com", 2)
    add_report(observables=[("domain", "vote-info-veridia.com")], tlp=TLP.AMBER,
               owner=make_organisation())  # a member the analyst may not see
    campaign = campaign_of(visible[0])

    with pytest.raises(ValidationError) as refused:
        services.split_campaign(actor=analyst, campaign=campaign, reports=visible)
    assert "Leave at least one report" in str(refused.value)


def test_a_link_is_counted_once_however_many_reports_are_walked_at_once() -> None:
    from civicshield.correlation.campaigns import components, strong_neighbours
    from civicshield.correlation.models import Link

    first = add_report(correlate=False)
    second = add_report(correlate=False)
    Link.objects.create(source=first, target=second, kind="technique", strength=0.4,
                        details={})
    # The two reports fall in different chunks of the walk: the link comes back twice.
    walked = [first.pk, *range(10**6, 10**6 + 600), second.pk]

    assert strong_neighbours(walked, 0.5) == {}  # 0.4 counted twice would pass 0.5
    parts, _adjacency = components([first.pk, second.pk], 0.3)
    assert parts == [{first.pk, second.pk}]
