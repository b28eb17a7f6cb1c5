"""Filing a report in a real Chromium: paste, find observables, untick one, save, see it queued."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from civicshield.core.authz import OPERATOR
from civicshield.core.choices import Role
from civicshield.core.markings import TLP
from civicshield.directory.choices import Sector
from civicshield.reports.choices import Outcome, Status
from civicshield.reports.models import Report
from civicshield.sharing.services import create_agreement
from civicshield.vocab.services import load_builtin_vocabularies
from tests.e2e.conftest import require_chromium, screenshot
from tests.factories import PASSWORD, make_organisation, make_user
from tests.report_factories import make_report

require_chromium()

pytestmark = pytest.mark.browser

from playwright.sync_api import expect  # noqa: E402  (only once Chromium is known to exist)

PASTED = (
    "From 07:40 voters in the North received an SMS: 'Your polling station has moved, "
    "check hxxps://vote-info-veridia[.]com/station?utm_source=sms before you go.' "
    "Replies went to +44 20 7946 0999. A copy was also mailed from help@veridia-vote.com."
)


def _veridia() -> dict[str, Any]:
    load_builtin_vocabularies(actor=OPERATOR, include_sources=False)
    commission = make_organisation(slug="veridia-cec", name="Central Election Commission",
                                   is_coordinator=True, sector=Sector.ELECTION_MANAGEMENT_BODY)
    agency = make_organisation(slug="vcsa", name="Veridian Cyber Security Agency",
                               sector=Sector.SECURITY_AGENCY)
    party = make_organisation(slug="green-path", name="Green Path Party",
                              sector=Sector.POLITICAL_PARTY)
    analyst = make_user(Role.ANALYST, organisation=agency, username="ana.analyst",
                        first_name="Ana", last_name="Petrov")
    create_agreement(
        actor=OPERATOR, slug="election-day-alerts", name="Election-day alerts",
        purpose="Security agencies tell the commission at once of threats to voting.",
        default_tlp=TLP.AMBER, widest_tlp=TLP.AMBER, provider_sectors=[Sector.SECURITY_AGENCY],
        recipient_organisations=[commission], hours_to_share=2,
    )
    earlier = timezone.now() - timedelta(hours=5)
    for title, tlp, outcome, status in (
        ("Defaced results page of the Northern office", TLP.GREEN, Outcome.SUCCESSFUL,
         Status.TRIAGED),
        ("Password-spraying against party mailboxes", TLP.AMBER, Outcome.ATTEMPTED, Status.NEW),
        ("Deepfake audio of a candidate", TLP.CLEAR, Outcome.SUCCESSFUL, Status.IN_ASSESSMENT),
        ("Leaked roster of poll workers", TLP.AMBER_STRICT, Outcome.UNKNOWN, Status.NEW),
    ):
        make_report(tlp=tlp, owner=agency, created_by=analyst, organisations=(
            [commission, party] if tlp in (TLP.AMBER, TLP.AMBER_STRICT) else []),
            title=title, outcome=outcome, status=status, observed_start=earlier,
            severity=4 if outcome == Outcome.SUCCESSFUL else 3, assignee=analyst)
    return {"analyst": analyst}


def _sign_in(page: Any, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/app/$"))


def test_analyst_pastes_text_keeps_the_observables_wanted_and_sees_the_report_queued(
    page: Any,
) -> None:
    _veridia()
    _sign_in(page, "ana.analyst")
    page.goto("/app/reports/")
    page.get_by_role("link", name="New report").click()
    expect(page).to_have_url(re.compile(r"/app/reports/new/$"))
    page.wait_for_load_state("load")  # htmx is a deferred script: wait until it has run

    page.get_by_label("Title").fill("Fake polling-station SMS in the North")
    page.get_by_role("textbox", name="What happened").fill(PASTED)
    with page.expect_response(lambda response: response.url.endswith("/new/observables/")):
        page.get_by_role("button", name="Find observables").click()
    found = page.locator("#extracted input[name=observables]")
    expect(found).to_have_count(3)
    url = page.locator('#extracted input[value="url:https://vote-info-veridia.com/station"]')
    expect(url).to_be_checked()
    email = page.locator('#extracted input[value="email:help@veridia-vote.com"]')
    expect(email).to_be_checked()
    email.uncheck()  # a bystander's address, not the sender's

    page.locator('input[name=phases][value="voting_operations"]').check()
    with page.expect_response(lambda response: response.url.endswith("/new/agreements/")):
        page.locator('input[name=information_types][value="voter_suppression"]').check()
    suggestion = page.locator("#agreement-suggestion")
    expect(suggestion).to_contain_text(
        "Agreement “Election-day alerts” suggests TLP:AMBER to Central Election Commission; "
        "widest allowed TLP:AMBER.")
    expect(page.locator('input[name=tlp][value="amber"]')).to_be_checked()
    expect(page.get_by_label("Organisations", exact=True)).to_have_values(["veridia-cec"])

    page.get_by_role("radio", name="Attempted").check()
    page.get_by_label("Severity", exact=True).select_option("4")
    page.locator("#id_victims-0-kind").select_option("voters")
    page.locator("#id_victims-0-name").fill("Voters of the North")
    page.locator("#id_victims-0-region").fill("North")
    screenshot(page, "new-report.png")

    page.get_by_role("button", name="Save report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Fake polling-station SMS in the North")
    report = Report.objects.get(title="Fake polling-station SMS in the North")
    observables = page.locator("ul.observables")
    expect(observables).to_contain_text("https://vote-info-veridia.com/station")
    expect(observables).to_contain_text("+442079460999")
    expect(observables).not_to_contain_text("help@veridia-vote.com")
    assert report.tlp == TLP.AMBER and report.outcome == Outcome.ATTEMPTED
    assert [o.slug for o in report.audience_organisations.all()] == ["veridia-cec"]

    page.get_by_role("link", name="Reports", exact=True).first.click()
    expect(page).to_have_url(re.compile(r"/app/reports/$"))
    row = page.locator("#report-results tbody tr").filter(has_text=report.reference)
    expect(row).to_contain_text("Fake polling-station SMS in the North")
    expect(row).to_contain_text("TLP:AMBER")
    expect(row).to_contain_text("Attempted breach")

    # The queue narrows as the analyst types, without a page load.
    page.wait_for_load_state("load")
    with page.expect_response(lambda response: "/app/reports/?" in response.url
                              and response.request.headers.get("hx-request") == "true"):
        page.get_by_role("combobox", name="Outcome").select_option("attempted")
    results = page.locator("#report-results")
    expect(results).not_to_contain_text("Deepfake audio of a candidate")
    expect(results).to_contain_text(report.reference)
    expect(page).to_have_url(re.compile(r"outcome=attempted"))
    page.get_by_role("combobox", name="Outcome").select_option("")
    expect(results).to_contain_text("Deepfake audio of a candidate")
    screenshot(page, "report-queue.png")
