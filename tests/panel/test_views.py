"""The panel's pages: the declaration gates the case page, assessments stay hidden until
submitted, the coordinator decides when quorum is met, the fairness view flags, and the
same permission matrix on every page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from civicshield.panel import services
from civicshield.panel.models import Assessment, ConflictDeclaration, Decision
from tests.panel.conftest import assess, declare_all


def _url(case: Any, suffix: str = "") -> str:
    return f"/app/panel/cases/{case.pk}/{suffix}"


def test_a_member_who_has_not_declared_is_sent_to_the_declaration_form(
    world: dict[str, Any], client_for: Any,
) -> None:
    client = client_for(world["members"][0])
    case = world["case"]
    for path in (_url(case), _url(case, "fairness/")):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == _url(case, "declare/")
    page = client.get(_url(case, "declare/")).content.decode()
    assert "Declare any conflict of interest" in page
    assert "Civic Centre Union" in page  # the affected party, to declare ties to
    assert "Partners saw a site" not in page  # the summary stays closed


def test_declaring_no_conflict_opens_the_case_and_a_conflict_recuses(
    world: dict[str, Any], client_for: Any,
) -> None:
    case = world["case"]
    first = client_for(world["members"][0])
    response = first.post(_url(case, "declare/"), {"has_conflict": "no"})
    assert response.status_code == 302 and response["Location"] == _url(case)
    page = first.get(_url(case)).content.decode()
    assert "Partners saw a site" in page and "Submit my assessment" in page

    second = client_for(world["members"][1])
    response = second.post(_url(case, "declare/"), {"has_conflict": "yes", "description": ""})
    assert response.status_code == 200 and "Say what the conflict is." in response.content.decode()
    second.post(_url(case, "declare/"), {"has_conflict": "yes",
                                         "description": "I advise the Civic Centre Union."})
    page = second.get(_url(case)).content.decode()
    assert "You are recused from this case" in page
    assert "Partners saw a site" not in page
    assert ConflictDeclaration.objects.get(member=world["members"][1]).has_conflict
    response = second.post(_url(case, "assess/"), {"meets_threshold": "yes",
                                                   "confidence": "high", "rationale": "x"})
    assert not Assessment.objects.exists()


def test_the_others_assessments_are_hidden_until_the_member_submits(
    world: dict[str, Any], client_for: Any,
) -> None:
    first, second = world["members"][:2]
    case = world["case"]
    declare_all(case, [first, second])
    services.record_assessment(actor=first, case=case, meets_threshold=True,
                               confidence="high", rationale="Ada's secret reasoning.")
    client = client_for(second)
    page = client.get(_url(case)).content.decode()
    assert "Ada&#x27;s secret reasoning." not in page and "Ada's secret reasoning." not in page
    assert "hidden until you submit yours" in page
    response = client.post(_url(case, "assess/"), {
        "meets_threshold": "no", "confidence": "medium", "rationale": "Not yet widespread."})
    assert response.status_code == 302
    page = client.get(_url(case)).content.decode()
    assert "Ada&#x27;s secret reasoning." in page and "Not yet widespread." in page
    assert "Submit my assessment" not in page


def test_the_coordinator_decides_once_quorum_is_met_and_the_case_turns_read_only(
    world: dict[str, Any], client_for: Any,
) -> None:
    case = world["case"]
    client = client_for(world["coordinator"])
    declare_all(case, world["members"][:3])
    assess(case, world["members"][0], True)
    page = client.get(_url(case)).content.decode()
    assert "Quorum not met: 1 of the 3 assessments needed have been submitted." in page
    response = client.post(_url(case, "decide/"), {
        "outcome": "public_notice", "rationale": "r", "consulted": "c"})
    assert response.status_code == 200 and "Quorum not met" in response.content.decode()
    for member in world["members"][1:3]:
        assess(case, member, True)
    response = client.post(_url(case, "decide/"), {
        "outcome": "public_notice", "rationale": "Seen by six partners.",
        "consulted": "The commission's chair."})
    assert response.status_code == 302
    decision = Decision.objects.get(case=case)
    assert decision.outcome == "public_notice"
    page = client.get(_url(case)).content.decode()
    assert "This case is decided: its whole history is read-only." in page
    assert "Record the decision" not in page and "Record a briefing" not in page
    response = client.post(_url(case, "decide/"), {
        "outcome": "no_public_action", "rationale": "r", "consulted": "c"}, follow=True)
    assert "decided already" in response.content.decode()
    decision.refresh_from_db()
    assert decision.outcome == "public_notice"


def test_broken_consensus_refuses_a_public_notice_on_the_page(
    world: dict[str, Any], client_for: Any,
) -> None:
    case = world["case"]
    declare_all(case, world["members"][:3])
    for member, meets in zip(world["members"][:3], (True, False, True), strict=True):
        assess(case, member, meets)
    client = client_for(world["coordinator"])
    assert "a public notice is not possible" in client.get(_url(case)).content.decode()
    response = client.post(_url(case, "decide/"), {
        "outcome": "public_notice", "rationale": "r", "consulted": "c"})
    assert "no announcement" in response.content.decode()
    assert not Decision.objects.exists()


def test_the_fairness_view_flags_a_party_left_out_and_a_late_one(
    world: dict[str, Any], client_for: Any,
) -> None:
    left, centre, right = world["parties"]
    start = timezone.now() - timedelta(hours=5)
    briefing_round = services.start_party_briefing_round(
        actor=world["coordinator"], case=world["case"], subject="Before the public notice",
        parties=[left], offered_at=start)
    services.offer_party_briefing(actor=world["coordinator"], briefing_round=briefing_round,
                                  party=right, offered_at=start + timedelta(hours=3))
    client = client_for(world["coordinator"])
    page = client.get(_url(world["case"], "fairness/")).content.decode()
    assert "2 parties flagged" in page
    assert page.count(">left out<") == 1 and page.count(">late<") == 1
    response = client.post(f"/app/panel/party-briefings/{briefing_round.pk}/offer/",
                           {"party": centre.slug})
    assert response.status_code == 302
    page = client.get(_url(world["case"], "fairness/")).content.decode()
    assert ">left out<" not in page


def test_the_coordinator_records_briefings_and_targets_informed(
    world: dict[str, Any], client_for: Any,
) -> None:
    client = client_for(world["coordinator"])
    case = world["case"]
    response = client.post(_url(case, "briefings/"), {
        "briefed_by": "Saoirse Lind", "organisation": "", "content": "A phishing kit too.",
        "briefed_at": (timezone.now() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 302
    response = client.post(_url(case, "targets-informed/"), {
        "who_was_informed": "Civic Centre Union", "how": "phone"})
    assert response.status_code == 302
    page = client.get(_url(case)).content.decode()
    assert "A phishing kit too." in page and "Civic Centre Union" in page


def test_the_coordinator_opens_a_case_and_sets_the_threshold(
    world: dict[str, Any], client_for: Any,
) -> None:
    client = client_for(world["coordinator"])
    page = client.get("/app/panel/cases/new/").content.decode()
    assert "Accounts behind the network" in page
    response = client.post("/app/panel/cases/new/", {
        "title": "Second case", "summary": "What the panel reads.",
        "reports": [str(world["green"].pk)], "affected_organisations": ["heritage"]})
    assert response.status_code == 302
    response = client.post("/app/panel/settings/threshold/", {"text": "Version two."})
    assert response.status_code == 302
    page = client.get("/app/panel/settings/").content.decode()
    assert "Version two." in page and "Version 2 by coord" in page and "Version 1" in page
    response = client.post("/app/panel/settings/", {
        "name": "Panel", "members": [str(m.pk) for m in world["members"][:4]], "quorum": "2",
        "decision_rule": "majority", "majority_fraction": "0.60",
        "briefing_tolerance_minutes": "30"})
    assert response.status_code == 302
    world["panel"].refresh_from_db()
    assert world["panel"].quorum == 2 and world["panel"].members.count() == 4


# --- The permission matrix --------------------------------------------------------------------


PAGES = ["", "cases/{case}/", "cases/{case}/fairness/", "cases/new/", "settings/"]
POSTS = ["cases/{case}/decide/", "cases/{case}/briefings/", "cases/{case}/targets-informed/",
         "cases/{case}/party-briefings/", "settings/threshold/"]


@pytest.mark.parametrize("path", PAGES + POSTS)
def test_anonymous_visitors_are_sent_to_sign_in(world: dict[str, Any], path: str) -> None:
    url = "/app/panel/" + path.format(case=world["case"].pk)
    response = Client().get(url) if path in PAGES else Client().post(url, {})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("who", ["viewer", "analyst"])
@pytest.mark.parametrize("path", PAGES)
def test_viewers_and_analysts_are_refused_every_panel_page(
    world: dict[str, Any], client_for: Any, who: str, path: str,
) -> None:
    response = client_for(world[who]).get("/app/panel/" + path.format(case=world["case"].pk))
    assert response.status_code in (403, 404)


@pytest.mark.parametrize("path", [*POSTS, "cases/new/", "settings/"])
def test_panel_members_cannot_do_the_coordinators_work(
    world: dict[str, Any], client_for: Any, path: str,
) -> None:
    declare_all(world["case"], world["members"][:1])
    response = client_for(world["members"][0]).post(
        "/app/panel/" + path.format(case=world["case"].pk), {})
    assert response.status_code == 403


def test_a_panel_member_not_on_the_panel_gets_the_same_404_as_for_a_missing_case(
    world: dict[str, Any], client_for: Any,
) -> None:
    client = client_for(world["outsider"])
    assert client.get(_url(world["case"])).status_code == 404
    assert client.get("/app/panel/cases/99999/").status_code == 404
    assert client.post(_url(world["case"], "declare/"), {"has_conflict": "no"}).status_code == 404
    assert "Fake voting-information site" not in client.get("/app/panel/").content.decode()


def test_the_administrator_reads_cases_but_does_not_configure_the_panel(
    world: dict[str, Any], client_for: Any,
) -> None:
    client = client_for(world["admin"])
    assert client.get(_url(world["case"])).status_code == 200
    assert client.get("/app/panel/settings/").status_code == 403


def test_the_case_list_costs_the_same_queries_however_many_cases(
    world: dict[str, Any], client_for: Any,
) -> None:
    for client_user in (world["coordinator"], world["members"][0]):
        client = client_for(client_user)
        client.get("/app/panel/")
        with CaptureQueriesContext(connection) as few:
            client.get("/app/panel/")
        for number in range(5):
            services.open_case(actor=world["coordinator"], panel=world["panel"],
                               title=f"Case {number}", summary="s", reports=[world["green"]])
        with CaptureQueriesContext(connection) as many:
            page = client.get("/app/panel/")
        assert page.status_code == 200
        assert len(many) == len(few)


def test_the_case_page_shows_the_campaign_behind_it(world: dict[str, Any],
                                                    client_for: Any) -> None:
    from civicshield.correlation.models import Campaign, Membership

    campaign = Campaign.objects.create(name="Vote by text")
    Membership.objects.create(campaign=campaign, report=world["green"])
    case = services.open_case(actor=world["coordinator"], panel=world["panel"],
                              title="From the campaign", summary="s", campaign=campaign)
    page = client_for(world["coordinator"]).get(_url(case)).content.decode()
    assert "Vote by text" in page and "cumulative score" in page
