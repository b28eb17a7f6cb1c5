"""The demo election holds one campaign, from many organisations, above the threshold."""

from __future__ import annotations

from typing import Any

from civicshield.correlation.choices import MembershipState
from civicshield.correlation.models import Alert, Campaign, Membership
from civicshield.demo import load_demo


def test_the_demo_assembles_the_fake_site_into_one_campaign_that_crosses_the_threshold(
        django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        load_demo()
    campaign = max(Campaign.objects.all(), key=lambda c: c.memberships.count())
    members = Membership.objects.filter(campaign=campaign).exclude(
        state=MembershipState.EXCLUDED).select_related("report__owner_organisation")
    organisations = {m.report.owner_organisation.slug for m in members}
    sectors = {m.report.owner_organisation.sector for m in members}
    assert members.count() >= 6
    assert len(organisations) >= 6
    assert len(sectors) >= 4
    assert campaign.threshold_crossed
    assert Alert.objects.filter(campaign=campaign, kind="threshold").count() == 1
