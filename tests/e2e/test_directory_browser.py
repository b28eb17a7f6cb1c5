"""The directory in a real Chromium: sign in, find a contact, ask who to contact."""

from __future__ import annotations

import re
from typing import Any

import pytest

from civicshield.core.choices import Role
from civicshield.directory.choices import Availability, EscalationLevel, Sector
from tests.e2e.conftest import require_chromium, screenshot
from tests.factories import PASSWORD, make_contact, make_organisation, make_user

require_chromium()

pytestmark = pytest.mark.browser

from playwright.sync_api import expect  # noqa: E402  (only once Chromium is known to exist)


def _veridia() -> dict[str, Any]:
    commission = make_organisation(
        slug="veridia-ec", name="Veridia Electoral Commission", verified=True,
        sector=Sector.ELECTION_MANAGEMENT_BODY,
    )
    northern_office = make_organisation(
        slug="veridia-ec-north", name="Electoral Commission — Northern Office", region="North",
        parent=commission, verified=True, sector=Sector.ELECTION_MANAGEMENT_BODY,
    )
    cyber = make_organisation(slug="vcsa", name="Veridian Cyber Security Agency",
                              sector=Sector.SECURITY_AGENCY, verified=True)
    director = make_contact(
        commission, name="Lena Okafor", role_title="Director of Elections",
        email="lena.okafor@ec.veridia.example", phone="+442079460101",
        escalation_level=EscalationLevel.SENIOR_OFFICIAL,
    )
    manager = make_contact(
        commission, name="Tomas Brandt", role_title="Head of Voter Registration",
        email="tomas.brandt@ec.veridia.example", escalation_level=EscalationLevel.MANAGER,
        escalates_to=director, topics=["voter_registration_systems"],
    )
    make_contact(
        northern_office, name="Piet Halloran", role_title="Regional registration officer",
        email="piet.halloran@north.ec.veridia.example", phone="+442079460102",
        topics=["voter_registration_systems"], phases=["registration"],
        timezone="Europe/London", escalates_to=manager,
    )
    make_contact(
        cyber, name="Ines Varga", role_title="Incident handler, election systems",
        email="ines.varga@vcsa.veridia.example", phone="+442079460103",
        topics=["voter_registration_systems", "cyber_incident"], languages=["en", "fr"],
        availability=Availability.BUSINESS_HOURS, timezone="Europe/London",
    )
    analyst = make_user(Role.ANALYST, organisation=commission, username="ana.analyst")
    return {"analyst": analyst}


def _sign_in(page: Any, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/app/$"))


def test_analyst_signs_in_searches_a_contact_by_name_and_sees_their_email(page: Any) -> None:
    _veridia()
    _sign_in(page, "ana.analyst")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Contacts").click()
    expect(page).to_have_url(re.compile(r"/app/directory/contacts/$"))
    page.wait_for_load_state("load")  # htmx is a deferred script: wait until it has run
    results = page.locator("#contact-results")
    expect(results).to_contain_text("Tomas Brandt")

    with page.expect_response(lambda response: "/app/directory/contacts/?" in response.url
                              and response.request.headers.get("hx-request") == "true"):
        page.get_by_role("searchbox", name="Search contacts").fill("Varga")
    expect(results).to_contain_text("Ines Varga")
    expect(results).not_to_contain_text("Tomas Brandt")
    expect(page).to_have_url(re.compile(r"q=Varga"))

    results.get_by_role("link", name="Ines Varga").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ines Varga")
    expect(page.get_by_role("link", name="ines.varga@vcsa.veridia.example")).to_be_visible()


def test_analyst_asks_who_to_contact_and_sees_the_gap(page: Any) -> None:
    _veridia()
    _sign_in(page, "ana.analyst")
    navigation = page.get_by_role("navigation", name="Main")
    navigation.get_by_role("link", name="Who do I contact?").click()
    expect(page).to_have_url(re.compile(r"/app/directory/who-to-contact/$"))
    page.wait_for_load_state("load")
    page.get_by_label("Topic").fill("voter registration systems")
    page.get_by_label("Region").fill("North")
    with page.expect_response(lambda response: "/app/directory/who-to-contact/?" in response.url
                              and response.request.headers.get("hx-request") == "true"):
        page.get_by_role("button", name="Find contacts").click()

    results = page.locator("#who-results")
    expect(results).to_contain_text(
        "No 24/7 contact for voter registration systems in the North region."
    )
    first = results.locator("li.recommendation").first
    expect(first).to_contain_text("Piet Halloran")
    expect(first.locator("ol.chain")).to_contain_text("Tomas Brandt")
    expect(first.locator("ol.chain")).to_contain_text("Lena Okafor")
    expect(page).to_have_url(re.compile(r"topic=voter"))

    screenshot(page, "who-to-contact.png")
