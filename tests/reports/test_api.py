"""The reports API: the stable contract outside scripts rely on."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from civicshield.core.authz import OPERATOR
from civicshield.core.choices import Role
from civicshield.core.markings import TLP
from civicshield.core.models import AuditEntry
from civicshield.reports.models import Report
from civicshield.sharing.services import create_agreement
from tests.factories import make_organisation, make_user
from tests.report_factories import make_group, make_report


def _post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, json.dumps(body, default=str), content_type="application/json")


def _patch(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.patch(path, json.dumps(body, default=str), content_type="application/json")


def _report(**overrides: Any) -> dict[str, Any]:
    return {
        "title": "Phishing against party staff",
        "description": "Staff received mail from elections-veridia[.]com asking for passwords.",
        "observed_at": (timezone.now() - timedelta(hours=3)).isoformat(),
        "phases": ["campaign"], "information_types": ["phishing"],
        "outcome": "attempted", "severity": 3, "confidence": "high", "tlp": "amber",
        "audience": {"organisations": ["cec"]},
        **overrides,
    }


@pytest.mark.usefixtures("vocabulary")
def test_an_analyst_reports_an_attempted_breach_and_the_recipient_reads_it(
    api_client_for: Any,
) -> None:
    recipient = make_organisation(slug="cec")
    reporter = make_user(Role.ANALYST, organisation=make_organisation(slug="green-path"))
    response = _post(api_client_for(reporter), "/api/v1/reports", _report())
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["outcome"] == "attempted" and body["tlp"] == "amber"
    assert body["phases"] == ["campaign"] and body["organisation"] == "green-path"
    assert body["audience"] == {"organisations": ["cec"], "sharing_groups": [], "users": []}
    reader = api_client_for(make_user(Role.VIEWER, organisation=recipient))
    seen = reader.get(f"/api/v1/reports/{body['id']}").json()
    assert seen["title"] == "Phishing against party staff"
    # A recipient does not learn who else received it unless the owner chose to show it.
    assert seen["audience"] is None
    assert AuditEntry.objects.filter(action="report.read", object_id=str(body["id"])).exists()


@pytest.mark.usefixtures("vocabulary")
def test_an_outsider_gets_404_exactly_as_for_a_missing_report(api_client_for: Any) -> None:
    make_organisation(slug="cec")
    reporter = make_user(Role.ANALYST)
    created = _post(api_client_for(reporter), "/api/v1/reports", _report()).json()
    outsider = api_client_for(make_user(Role.ANALYST))
    hidden = outsider.get(f"/api/v1/reports/{created['id']}")
    missing = outsider.get("/api/v1/reports/999999")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    assert _patch(outsider, f"/api/v1/reports/{created['id']}",
                  {"title": "defaced"}).status_code == 404


@pytest.mark.usefixtures("vocabulary")
def test_bad_input_names_each_field_and_saves_nothing(api_client_for: Any) -> None:
    make_organisation(slug="cec")
    client = api_client_for(make_user(Role.ANALYST))
    response = _post(client, "/api/v1/reports", _report(
        phases=["campaign", "coronation"], information_types=["telepathy"],
        observed_at=(timezone.now() + timedelta(days=2)).isoformat(),
        tlp="red", audience={"organisations": ["cec"]},
        observables=[{"type": "ipv4", "value": "300.1.2.3"}, {"type": "smell", "value": "x"}],
    ))
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {"phases", "information_types", "observed_at", "audience", "observables[0].value",
            "observables[1].type"} <= set(errors)
    assert "coronation" in " ".join(errors["phases"])
    assert not Report.objects.exists()


@pytest.mark.usefixtures("vocabulary")
def test_red_needs_named_people_and_refuses_organisations(api_client_for: Any) -> None:
    client = api_client_for(make_user(Role.ANALYST))
    response = _post(client, "/api/v1/reports", _report(tlp="red", audience={}))
    assert response.status_code == 422
    assert "audience" in response.json()["errors"]


@pytest.mark.usefixtures("vocabulary")
def test_an_agreement_prefills_marking_and_audience_and_a_wider_marking_needs_a_reason(
    api_client_for: Any,
) -> None:
    platform = make_organisation(slug="chirp", sector="technology_platform")
    recipient = make_organisation(slug="cec")
    from civicshield.vocab.selectors import terms_visible_to

    phishing = terms_visible_to(OPERATOR, vocabularies=["information-types"]).get(
        code="phishing")
    create_agreement(actor=OPERATOR, slug="platform-alerts", name="Platform alerts",
                     purpose="Platforms tell the commission about attacks.",
                     provider_sectors=["technology_platform"], information_types=[phishing],
                     recipient_organisations=[recipient], default_tlp=TLP.AMBER,
                     widest_tlp=TLP.AMBER)
    client = api_client_for(make_user(Role.ANALYST, organisation=platform))
    body = _report()
    del body["tlp"], body["audience"]
    created = _post(client, "/api/v1/reports", body).json()
    assert created["tlp"] == "amber"
    assert created["audience"]["organisations"] == ["cec"]

    wider = _post(client, "/api/v1/reports", _report(tlp="green", audience={}))
    assert wider.status_code == 422
    assert "Platform alerts" in wider.json()["errors"]["tlp"][0]
    overridden = _post(client, "/api/v1/reports", _report(
        tlp="green", audience={}, override_reason="Public interest: already reported in press."))
    assert overridden.status_code == 201
    entry = AuditEntry.objects.get(action="report.create", object_id=str(overridden.json()["id"]))
    assert entry.details["override"]["reason"].startswith("Public interest")


@pytest.mark.usefixtures("vocabulary")
def test_victim_identity_follows_consent(api_client_for: Any) -> None:
    coordinator_org = make_organisation(slug="eicc", is_coordinator=True)
    reporter = make_user(Role.ANALYST)
    created = _post(api_client_for(reporter), "/api/v1/reports", _report(
        tlp="green", audience={},
        victims=[{"name": "Ilse Marin", "kind": "candidate", "region": "North",
                  "consent": "private"},
                 {"name": "Tomas Reyes", "kind": "official", "region": "South",
                  "consent": "partners"}])).json()
    member = api_client_for(make_user(Role.VIEWER)).get(f"/api/v1/reports/{created['id']}")
    labels = [v["label"] for v in member.json()["victims"]]
    assert "a candidate in the North region" in labels
    assert "Ilse Marin" not in json.dumps(member.json())
    assert "Tomas Reyes" in labels
    coordinator = api_client_for(make_user(Role.ANALYST, organisation=coordinator_org))
    assert "Ilse Marin" in json.dumps(coordinator.get(f"/api/v1/reports/{created['id']}").json())


@pytest.mark.usefixtures("vocabulary")
def test_attempted_breaches_are_listed_and_filterable(api_client_for: Any) -> None:
    viewer = make_user(Role.VIEWER)
    attempted = make_report(tlp=TLP.GREEN, outcome="attempted")
    make_report(tlp=TLP.GREEN, outcome="successful")
    body = api_client_for(viewer).get("/api/v1/reports?outcome=attempted").json()
    assert [item["id"] for item in body["items"]] == [attempted.pk]


@pytest.mark.usefixtures("vocabulary")
def test_status_moves_and_closing_needs_a_reason(api_client_for: Any) -> None:
    owner = make_organisation()
    analyst = make_user(Role.ANALYST, organisation=owner)
    report = make_report(tlp=TLP.GREEN, owner=owner)
    client = api_client_for(analyst)
    assert _patch(client, f"/api/v1/reports/{report.pk}",
                  {"status": "triaged"}).json()["status"] == "triaged"
    refused = _patch(client, f"/api/v1/reports/{report.pk}", {"status": "closed"})
    assert refused.status_code == 422 and "closed_reason" in refused.json()["errors"]
    closed = _patch(client, f"/api/v1/reports/{report.pk}",
                    {"status": "closed", "closed_reason": "Handled by the platform."})
    assert closed.json()["closed_reason"] == "Handled by the platform."


def test_an_analyst_cannot_change_another_organisations_report(api_client_for: Any) -> None:
    report = make_report(tlp=TLP.GREEN)
    attacker = api_client_for(make_user(Role.ANALYST))
    assert _patch(attacker, f"/api/v1/reports/{report.pk}",
                  {"title": "x"}).status_code == 403
    report.refresh_from_db()
    assert report.title != "x"


def test_sharing_groups_are_created_by_the_coordinator_only(api_client_for: Any) -> None:
    make_organisation(slug="cec")
    make_organisation(slug="vcsa")
    body = {"slug": "wg", "name": "Election-security working group",
            "organisations": ["cec", "vcsa"]}
    assert _post(api_client_for(make_user(Role.ANALYST)), "/api/v1/sharing-groups",
                 body).status_code == 403
    created = _post(api_client_for(make_user(Role.COORDINATOR)), "/api/v1/sharing-groups", body)
    assert created.status_code == 201
    assert created.json()["organisations"] == ["cec", "vcsa"]
    unknown = _post(api_client_for(make_user(Role.COORDINATOR)), "/api/v1/sharing-groups",
                    {**body, "slug": "wg2", "organisations": ["nowhere"]})
    assert unknown.status_code == 422


def test_report_list_query_count_does_not_grow_with_rows(
    api_client_for: Any, django_assert_max_num_queries: Any,
) -> None:
    viewer = make_user(Role.VIEWER)
    group = make_group(viewer.organisation)
    client = api_client_for(viewer)
    for _ in range(3):
        make_report(tlp=TLP.AMBER, groups=[group])
    with django_assert_max_num_queries(16):
        client.get("/api/v1/reports")
    for _ in range(30):
        make_report(tlp=TLP.AMBER, groups=[group])
    with django_assert_max_num_queries(16):
        assert client.get("/api/v1/reports?limit=100").json()["count"] == 33


def test_the_owner_sees_who_read_an_amber_report_and_recipients_do_not(
    api_client_for: Any,
) -> None:
    owner = make_organisation(slug="owner")
    recipient = make_organisation(slug="recipient")
    report = make_report(tlp=TLP.AMBER, owner=owner, organisations=[recipient])
    reader = make_user(Role.VIEWER, organisation=recipient)
    reader_client = api_client_for(reader)
    reader_client.get(f"/api/v1/reports/{report.pk}")
    owner_client = api_client_for(make_user(Role.ANALYST, organisation=owner))
    reads = owner_client.get(f"/api/v1/reports/{report.pk}/reads").json()
    assert [(r["who"], r["organisation"], r["action"]) for r in reads] == [
        (reader.username, "recipient", "report.read")]
    assert reader_client.get(f"/api/v1/reports/{report.pk}/reads").status_code == 404


def test_a_duplicates_hidden_primary_is_not_named(api_client_for: Any) -> None:
    owner = make_organisation()
    primary = make_report(tlp=TLP.AMBER, owner=owner)
    duplicate = make_report(tlp=TLP.GREEN, owner=owner, duplicate_of=primary,
                            status="closed", closed_reason="Duplicate")
    outsider = api_client_for(make_user(Role.ANALYST))
    insider = api_client_for(make_user(Role.ANALYST, organisation=owner))

    assert outsider.get(f"/api/v1/reports/{duplicate.pk}").json()["duplicate_of"] is None
    assert insider.get(f"/api/v1/reports/{duplicate.pk}").json()["duplicate_of"] == primary.pk


def test_report_list_names_primaries_of_duplicates_in_one_query_per_page(
    api_client_for: Any, django_assert_max_num_queries: Any,
) -> None:
    viewer = make_user(Role.VIEWER)
    group = make_group(viewer.organisation)
    client = api_client_for(viewer)
    primary = make_report(tlp=TLP.AMBER, groups=[group])
    hidden = make_report(tlp=TLP.AMBER)
    make_report(tlp=TLP.AMBER, groups=[group], duplicate_of=primary)
    with django_assert_max_num_queries(17):
        client.get("/api/v1/reports")
    for index in range(30):
        make_report(tlp=TLP.AMBER, groups=[group],
                    duplicate_of=primary if index % 2 else hidden)
    with django_assert_max_num_queries(17):
        listed = client.get("/api/v1/reports?limit=100").json()["items"]
    named = {item["duplicate_of"] for item in listed}
    assert named == {primary.pk, None}  # the hidden primary is never named
