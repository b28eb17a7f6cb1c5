"""GET /api/v1/panel/cases and /api/v1/panel/cases/{id}: panel members and coordinators
only; the conflict declaration gates a case here as on the pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from civicshield.panel import services
from tests.panel.conftest import assess, declare_all


def test_anonymous_callers_must_authenticate(world: dict[str, Any]) -> None:
    assert Client().get("/api/v1/panel/cases").status_code == 401
    assert Client().get(f"/api/v1/panel/cases/{world['case'].pk}").status_code == 401


@pytest.mark.parametrize("who", ["viewer", "analyst"])
def test_viewers_and_analysts_are_refused(world: dict[str, Any], api_client_for: Any,
                                          who: str) -> None:
    client = api_client_for(world[who])
    assert client.get("/api/v1/panel/cases").status_code == 403
    assert client.get(f"/api/v1/panel/cases/{world['case'].pk}").status_code == 404


def test_the_coordinator_lists_and_reads_every_case(world: dict[str, Any],
                                                    api_client_for: Any) -> None:
    client = api_client_for(world["coordinator"])
    listing = client.get("/api/v1/panel/cases").json()
    assert listing["count"] == 1
    assert listing["items"][0]["title"] == "Fake voting-information site"
    assert listing["items"][0]["declared"] is None
    body = client.get(f"/api/v1/panel/cases/{world['case'].pk}").json()
    assert body["threshold"]["version"] == 1
    assert {r["title"] for r in body["reports"]} == {
        "Network pushing a vote-by-text claim", "Accounts behind the network"}
    assert body["assessments"] == [] and body["decision"] is None


def test_a_member_must_declare_before_reading_a_case_over_the_api(
    world: dict[str, Any], api_client_for: Any,
) -> None:
    member, case = world["members"][0], world["case"]
    client = api_client_for(member)
    listing = client.get("/api/v1/panel/cases").json()
    assert listing["items"][0]["declared"] is False
    response = client.get(f"/api/v1/panel/cases/{case.pk}")
    assert response.status_code == 403
    assert "declare any conflict of interest" in response.json()["detail"]
    declare_all(case, [member])
    body = client.get(f"/api/v1/panel/cases/{case.pk}").json()
    assert body["summary"].startswith("Partners saw a site")
    # The AMBER report addressed to the coordinator only stays hidden from the member.
    assert [r["title"] for r in body["reports"]] == ["Network pushing a vote-by-text claim"]


def test_a_recused_member_is_refused_the_case(world: dict[str, Any],
                                              api_client_for: Any) -> None:
    member, case = world["members"][0], world["case"]
    declare_all(case, [member], conflicted=(0,))
    response = api_client_for(member).get(f"/api/v1/panel/cases/{case.pk}")
    assert response.status_code == 403 and "recused" in response.json()["detail"]


def test_assessments_are_null_over_the_api_until_the_member_submits(
    world: dict[str, Any], api_client_for: Any,
) -> None:
    first, second = world["members"][:2]
    case = world["case"]
    declare_all(case, [first, second])
    assess(case, first, True)
    client = api_client_for(second)
    assert client.get(f"/api/v1/panel/cases/{case.pk}").json()["assessments"] is None
    assess(case, second, False)
    body = client.get(f"/api/v1/panel/cases/{case.pk}").json()
    assert {a["member"] for a in body["assessments"]} == {"ada", "bo"}


def test_a_panel_member_of_no_panel_sees_no_case(world: dict[str, Any],
                                                 api_client_for: Any) -> None:
    client = api_client_for(world["outsider"])
    assert client.get("/api/v1/panel/cases").json()["count"] == 0
    assert client.get(f"/api/v1/panel/cases/{world['case'].pk}").status_code == 404


def test_the_decision_shows_the_tally_and_the_recusals(world: dict[str, Any],
                                                       api_client_for: Any) -> None:
    members, case = world["members"], world["case"]
    declare_all(case, members, conflicted=(4,))
    for member in members[:3]:
        assess(case, member, False)
    services.decide(actor=world["coordinator"], case=case, outcome="no_public_action",
                    rationale="Too small to affect the vote.", consulted="No one else.")
    body = api_client_for(members[3]).get(f"/api/v1/panel/cases/{case.pk}").json()
    decision = body["decision"]
    assert decision["outcome"] == "no_public_action" and decision["finding"] == "not_met"
    assert (decision["votes_meeting"], decision["votes_not_meeting"]) == (0, 3)
    assert decision["recusals"] == [{"member": "ed",
                                     "description": "Advises the Civic Centre Union."}]
    assert decision["not_assessed"] == ["di"]
    assert len(body["assessments"]) == 3


def test_the_case_list_costs_the_same_queries_however_many_cases(
    world: dict[str, Any], api_client_for: Any,
) -> None:
    client = api_client_for(world["members"][0])
    client.get("/api/v1/panel/cases")
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/panel/cases")
    for number in range(5):
        services.open_case(actor=world["coordinator"], panel=world["panel"],
                           title=f"Case {number}", summary="s", reports=[world["green"]])
    with CaptureQueriesContext(connection) as many:
        assert client.get("/api/v1/panel/cases").json()["count"] == 6
    assert len(many) == len(few)


def test_the_case_list_counts_only_the_reports_the_reader_may_see(
    world: dict[str, Any], api_client_for: Any,
) -> None:
    member = world["members"][0]
    listing = api_client_for(member).get("/api/v1/panel/cases").json()
    # The case holds two reports; the AMBER one addressed to the coordinator is hidden.
    assert [item["reports"] for item in listing["items"]] == [1]
    coordinator = api_client_for(world["coordinator"]).get("/api/v1/panel/cases").json()
    assert [item["reports"] for item in coordinator["items"]] == [2]
