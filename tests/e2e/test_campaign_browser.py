"""A campaign page in Chromium: the graph draws under the strict CSP, with no console error."""

from __future__ import annotations

import re
from typing import Any

import pytest

from civicshield.core.choices import Role
from civicshield.core.markings import TLP
from civicshield.correlation.models import Campaign
from civicshield.correlation.services import correlate_reports
from civicshield.reports.models import Observable
from tests.e2e.conftest import require_chromium, screenshot
from tests.factories import PASSWORD, make_user
from tests.report_factories import make_report

require_chromium()

from playwright.sync_api import expect  # noqa: E402  (only once Chromium is known to exist)

pytestmark = pytest.mark.browser


def test_the_campaign_graph_draws_without_breaking_the_content_security_policy(
    page: Any,
) -> None:
    shared = Observable.objects.create(type="domain", value="vote-info-veridia.com")
    reports = [make_report(tlp=TLP.GREEN, title=f"Fake site sighting {n}") for n in range(3)]
    for report in reports:
        report.observables.add(shared)
    correlate_reports(report_ids=[r.pk for r in reports])
    campaign = Campaign.objects.get()
    analyst = make_user(Role.ANALYST)
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(analyst.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/app/$"))
    page.goto(f"/app/correlation/campaigns/{campaign.pk}/")
    # Cytoscape draws on canvases inside the container once the graph JSON has loaded.
    expect(page.locator("canvas").first).to_be_attached()
    screenshot(page, "campaign.png")
    # The page fixture fails the test on any console error, CSP violations included.
