"""The panel flow in a real Chromium: a member signs in with their second factor, declares
no conflict, assesses the case, sees the others' assessments only then; the coordinator
decides and the case turns read-only."""

from __future__ import annotations

import re
from typing import Any

import pytest

from civicshield.core.choices import Role
from civicshield.core.markings import TLP
from civicshield.directory.choices import Sector
from civicshield.panel import services
from civicshield.panel.models import Decision
from tests.e2e.conftest import require_chromium, sign_in_with_second_factor
from tests.factories import make_organisation, make_user
from tests.report_factories import make_report

require_chromium()

pytestmark = pytest.mark.browser

from playwright.sync_api import expect  # noqa: E402  (only once Chromium is known to exist)


def _veridia() -> dict[str, Any]:
    centre = make_organisation(slug="eicc", name="Election Integrity Coordination Centre",
                               sector=Sector.GOVERNMENT_AGENCY, is_coordinator=True)
    university = make_organisation(slug="uv-digital", name="University of Veridia",
                                   sector=Sector.ACADEMIA)
    mission = make_organisation(slug="reom", name="Regional Election Observation Mission",
                                sector=Sector.INTERNATIONAL_ORGANISATION)
    platform = make_organisation(slug="chirp", name="Chirp", sector=Sector.TECHNOLOGY_PLATFORM)
    coordinator = make_user(Role.COORDINATOR, organisation=centre, username="mara")
    member = make_user(Role.PANEL, organisation=university, username="tamsin",
                       first_name="Tamsin", last_name="Roe")
    others = [make_user(Role.PANEL, organisation=mission, username="elodie",
                        first_name="Elodie"),
              make_user(Role.PANEL, organisation=mission, username="stefan",
                        first_name="Stefan")]
    analyst = make_user(Role.ANALYST, organisation=platform, username="ana")
    report = make_report(tlp=TLP.GREEN, owner=platform, created_by=analyst,
                         title="Network of 212 accounts pushing a vote-by-text claim")
    panel = services.create_panel(
        actor=coordinator, name="Election integrity panel", members=[member, *others],
        threshold="Many voters could be misled about how, when or where to vote.", quorum=3)
    case = services.open_case(actor=coordinator, panel=panel,
                              title="Fake voting-information site",
                              summary="A site tells voters they can vote by text message.",
                              reports=[report])
    for other in others:
        services.declare_conflict(actor=other, case=case, has_conflict=False)
        services.record_assessment(actor=other, case=case, meets_threshold=True,
                                   confidence="high",
                                   rationale=f"{other.first_name}: misleads many voters.")
    return {"coordinator": coordinator, "member": member, "case": case}


def test_a_member_declares_and_assesses_and_the_coordinator_decides(page: Any) -> None:
    world = _veridia()
    case = world["case"]

    sign_in_with_second_factor(page, world["member"])
    page.goto("/app/panel/")
    page.get_by_role("link", name="Fake voting-information site").click()
    expect(page).to_have_url(re.compile(rf"/app/panel/cases/{case.pk}/declare/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Before you read this case")
    expect(page.get_by_text("A site tells voters")).to_have_count(0)
    page.get_by_label("No, I have no conflict of interest").check()
    page.get_by_role("button", name="Record my declaration").click()

    expect(page).to_have_url(re.compile(rf"/app/panel/cases/{case.pk}/$"))
    expect(page.get_by_text("A site tells voters they can vote by text message.")).to_be_visible()
    expect(page.get_by_text("The other members' assessments are hidden until you submit "
                            "yours.")).to_be_visible()
    expect(page.get_by_text("Elodie: misleads many voters.")).to_have_count(0)
    page.get_by_label("Yes, it meets the threshold").check()
    page.get_by_role("radio", name="High").check()
    page.get_by_label("Your reasons").fill("False voting instructions reached many voters.")
    page.get_by_role("button", name="Submit my assessment").click()
    expect(page.get_by_text("Assessment submitted.")).to_be_visible()
    expect(page.get_by_text("Elodie: misleads many voters.")).to_be_visible()
    expect(page.get_by_role("button", name="Submit my assessment")).to_have_count(0)

    page.context.clear_cookies()
    sign_in_with_second_factor(page, world["coordinator"])
    page.goto(f"/app/panel/cases/{case.pk}/")
    expect(page.get_by_text("Quorum is met.")).to_be_visible()
    page.get_by_role("radio", name="Public notice").check()
    page.get_by_label("Rationale").fill("Every member found the threshold met.")
    page.get_by_label("Who was consulted").fill("The commission's chair.")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Decision recorded. The case is now read-only.")).to_be_visible()
    expect(page.get_by_text("This case is decided: its whole history is read-only.")
           ).to_be_visible()
    expect(page.get_by_role("button", name="Record the decision")).to_have_count(0)
    decision = Decision.objects.get(case=case)
    assert decision.outcome == "public_notice"
    assert (decision.votes_meeting, decision.votes_not_meeting) == (3, 0)
