"""The directory API: the stable contract outside scripts rely on."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from civicshield.core.choices import Role
from civicshield.core.models import AuditEntry
from civicshield.directory.choices import Availability, EscalationLevel, Sector
from civicshield.directory.models import Contact, Organisation
from tests.factories import make_contact, make_organisation, make_user


def _post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, json.dumps(body), content_type="application/json")


def _patch(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.patch(path, json.dumps(body), content_type="application/json")


def test_anonymous_caller_gets_401_with_a_json_reason() -> None:
    response = Client().get("/api/v1/organisations")
    assert response.status_code == 401
    assert "token" in response.json()["detail"]


def test_organisation_list_returns_items_and_count_with_limit_and_offset(
    api_client_for: Any,
) -> None:
    for number in range(5):
        make_organisation(slug=f"veridia-{number}", name=f"Veridia body {number}")
    client = api_client_for(make_user(Role.VIEWER))
    body = client.get("/api/v1/organisations?limit=2&offset=1").json()
    # five made here plus the viewer's own organisation
    assert body["count"] == 6
    assert len(body["items"]) == 2


def test_organisation_list_filters_by_sector_country_and_verified(api_client_for: Any) -> None:
    make_organisation(slug="party-a", sector=Sector.POLITICAL_PARTY, verified=True)
    make_organisation(slug="party-b", sector=Sector.POLITICAL_PARTY, verified=False)
    make_organisation(slug="abroad", sector=Sector.POLITICAL_PARTY, country="Elsewhere")
    client = api_client_for(make_user(Role.VIEWER))
    body = client.get("/api/v1/organisations?sector=political_party&verified=true"
                      "&country=veridia").json()
    assert [item["slug"] for item in body["items"]] == ["party-a"]


def test_coordinator_creates_an_organisation_with_a_parent_and_the_audit_log_says_api(
    api_client_for: Any,
) -> None:
    make_organisation(slug="ministry", name="Ministry of the Interior")
    client = api_client_for(make_user(Role.COORDINATOR))
    response = _post(client, "/api/v1/organisations", {
        "slug": "ministry-cyber", "name": "Ministry cyber unit", "sector": "government_agency",
        "country": "Veridia", "parent": "ministry",
    })
    assert response.status_code == 201, response.json()
    assert response.json()["parent"] == "ministry"
    entry = AuditEntry.objects.get(action="organisation.create")
    assert entry.surface == "api" and entry.object_repr == "Ministry cyber unit"


@pytest.mark.parametrize("role", [Role.ANALYST, Role.CONTRIBUTOR, Role.PANEL, Role.VIEWER])
def test_roles_that_do_not_manage_the_directory_get_403_creating_an_organisation(
    api_client_for: Any, role: str,
) -> None:
    client = api_client_for(make_user(role))
    response = _post(client, "/api/v1/organisations", {
        "slug": "new-body", "name": "New body", "sector": "academia", "country": "Veridia",
    })
    assert response.status_code == 403
    assert not Organisation.objects.filter(slug="new-body").exists()


def test_duplicate_slug_is_a_409_naming_the_field(api_client_for: Any) -> None:
    make_organisation(slug="taken")
    client = api_client_for(make_user(Role.COORDINATOR))
    response = _post(client, "/api/v1/organisations", {
        "slug": "taken", "name": "Again", "sector": "academia", "country": "Veridia",
    })
    assert response.status_code == 409
    assert "slug" in response.json()["errors"]


def test_unknown_sector_is_a_422_naming_the_field_not_a_500(api_client_for: Any) -> None:
    client = api_client_for(make_user(Role.COORDINATOR))
    response = _post(client, "/api/v1/organisations", {
        "slug": "x", "name": "X", "sector": "bakery", "country": "Veridia",
    })
    assert response.status_code == 422
    assert "sector" in response.json()["errors"]


def test_a_leaning_is_refused_for_an_organisation_that_is_not_a_party(api_client_for: Any) -> None:
    client = api_client_for(make_user(Role.COORDINATOR))
    response = _post(client, "/api/v1/organisations", {
        "slug": "uni", "name": "University", "sector": "academia", "country": "Veridia",
        "political_leaning": "left",
    })
    assert response.status_code == 422
    assert "political_leaning" in response.json()["errors"]
    assert not Organisation.objects.filter(slug="uni").exists()


def test_patch_changes_only_the_given_fields_and_records_the_difference(
    api_client_for: Any,
) -> None:
    make_organisation(slug="greens", name="Green Path", sector=Sector.POLITICAL_PARTY,
                      political_leaning="centre_left", region="North")
    client = api_client_for(make_user(Role.COORDINATOR))
    response = _patch(client, "/api/v1/organisations/greens", {"verified": True})
    assert response.status_code == 200
    assert response.json()["verified"] is True
    assert response.json()["region"] == "North"
    entry = AuditEntry.objects.get(action="organisation.update")
    assert entry.details == {"verified": {"from": False, "to": True}}


def test_unknown_organisation_is_a_404(api_client_for: Any) -> None:
    client = api_client_for(make_user(Role.VIEWER))
    assert client.get("/api/v1/organisations/nowhere").status_code == 404


@pytest.mark.usefixtures("vocabulary")
def test_analyst_manages_contacts_of_their_own_organisation(api_client_for: Any) -> None:
    home = make_organisation(slug="home")
    client = api_client_for(make_user(Role.ANALYST, organisation=home))
    response = _post(client, "/api/v1/contacts", {
        "organisation": "home", "name": "Ana Lindqvist", "email": "Ana@Home.veridia.example",
        "phone": "+44 20 7946 0123", "topics": ["Phishing", "hack-and-leak"],
        "phases": ["campaign"], "languages": ["en", "fr"], "availability": "24_7",
        "timezone": "Europe/Lisbon", "escalation_level": 1,
    })
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["email"] == "ana@home.veridia.example"
    assert body["phone"] == "+442079460123"
    assert body["topics"] == ["phishing", "hack_and_leak"]
    unknown = _post(client, "/api/v1/contacts", {"organisation": "home", "name": "X",
                                                 "phases": ["coronation"]})
    assert unknown.status_code == 422
    assert "coronation" in unknown.json()["errors"]["phases"][0]
    contact_id = body["id"]
    assert _patch(client, f"/api/v1/contacts/{contact_id}",
                  {"role_title": "Duty analyst"}).json()["role_title"] == "Duty analyst"
    assert client.delete(f"/api/v1/contacts/{contact_id}").status_code == 204
    assert not Contact.objects.filter(pk=contact_id).exists()


def test_analyst_from_another_organisation_cannot_change_or_delete_a_contact(
    api_client_for: Any,
) -> None:
    victim_contact = make_contact(organisation=make_organisation(slug="victim"))
    attacker = api_client_for(make_user(Role.ANALYST, organisation=make_organisation()))
    path = f"/api/v1/contacts/{victim_contact.pk}"
    assert _patch(attacker, path, {"email": "attacker@evil.example"}).status_code == 403
    assert attacker.delete(path).status_code == 403
    assert _post(attacker, "/api/v1/contacts",
                 {"organisation": "victim", "name": "Planted"}).status_code == 403
    victim_contact.refresh_from_db()
    assert victim_contact.email.endswith("@veridia.example")
    assert not Contact.objects.filter(name="Planted").exists()


def test_invalid_phone_is_a_field_error_and_nothing_is_saved(api_client_for: Any) -> None:
    make_organisation(slug="home")
    client = api_client_for(make_user(Role.COORDINATOR))
    response = _post(client, "/api/v1/contacts",
                     {"organisation": "home", "name": "Bad Phone", "phone": "12"})
    assert response.status_code == 422
    assert "phone" in response.json()["errors"]
    assert not Contact.objects.filter(name="Bad Phone").exists()


def test_escalation_must_go_up(api_client_for: Any) -> None:
    organisation = make_organisation(slug="home")
    junior = make_contact(organisation=organisation, escalation_level=EscalationLevel.ANALYST)
    client = api_client_for(make_user(Role.COORDINATOR))
    response = _post(client, "/api/v1/contacts", {
        "organisation": "home", "name": "Manager", "escalation_level": 2,
        "escalates_to": junior.pk,
    })
    assert response.status_code == 422
    assert "escalates_to" in response.json()["errors"]


def test_contact_search_by_text_and_topic(api_client_for: Any) -> None:
    organisation = make_organisation(slug="cec", name="Central Election Commission")
    make_contact(organisation=organisation, name="Mira Castell", topics=["phishing"])
    make_contact(organisation=organisation, name="Oren Vale", topics=["disinformation"])
    client = api_client_for(make_user(Role.VIEWER))
    by_text = client.get("/api/v1/contacts?q=castell").json()
    assert [item["name"] for item in by_text["items"]] == ["Mira Castell"]
    by_topic = client.get("/api/v1/contacts?topic=disinformation").json()
    assert [item["name"] for item in by_topic["items"]] == ["Oren Vale"]
    assert by_topic["count"] == 1


def test_who_to_contact_ranks_the_specialist_first_and_states_the_gaps(api_client_for: Any) -> None:
    commission = make_organisation(slug="cec", region="")
    senior = make_contact(organisation=commission, name="Senior Official",
                          escalation_level=EscalationLevel.SENIOR_OFFICIAL)
    manager = make_contact(organisation=commission, name="Desk Manager",
                           escalation_level=EscalationLevel.MANAGER, escalates_to=senior)
    specialist = make_contact(organisation=commission, name="Registry Analyst",
                              topics=["voter_registration_systems"], phases=["voter_registration"],
                              region="North", escalates_to=manager)
    make_contact(organisation=commission, name="Generalist")
    make_contact(organisation=commission, name="Southern Analyst",
                 topics=["voter_registration_systems"], region="South")
    client = api_client_for(make_user(Role.VIEWER))
    body = client.get("/api/v1/directory/who-to-contact?topic=voter registration systems"
                      "&phase=voter_registration&region=North").json()
    names = [item["contact"]["name"] for item in body["items"]]
    assert names[0] == "Registry Analyst"
    assert "Southern Analyst" not in names
    assert [step["name"] for step in body["items"][0]["escalation_chain"]] == [
        "Desk Manager", "Senior Official"]
    assert body["gaps"] == [
        "No 24/7 contact for voter registration systems during voter registration "
        "in the North region."]
    specialist.availability = Availability.ROUND_THE_CLOCK
    specialist.save()
    assert client.get("/api/v1/directory/who-to-contact?topic=voter_registration_systems"
                      "&region=North").json()["gaps"] == []


def test_who_to_contact_with_no_match_says_so(api_client_for: Any) -> None:
    client = api_client_for(make_user(Role.VIEWER))
    body = client.get("/api/v1/directory/who-to-contact?topic=deepfakes&region=East").json()
    assert body["count"] == 0
    assert body["gaps"] == ["No contact for deepfakes in the East region."]


def test_contact_list_query_count_does_not_grow_with_rows(
    api_client_for: Any, django_assert_max_num_queries: Any,
) -> None:
    client = api_client_for(make_user(Role.VIEWER))
    organisation = make_organisation()
    for _ in range(3):
        make_contact(organisation=organisation)
    with django_assert_max_num_queries(5):
        client.get("/api/v1/contacts")
    for _ in range(40):
        make_contact(organisation=make_organisation())
    with django_assert_max_num_queries(5):
        assert client.get("/api/v1/contacts?limit=100").json()["count"] == 43


def test_organisation_list_query_count_does_not_grow_with_rows(
    api_client_for: Any, django_assert_max_num_queries: Any,
) -> None:
    client = api_client_for(make_user(Role.VIEWER))
    parent = make_organisation()
    for _ in range(40):
        make_organisation(parent=parent)
    with django_assert_max_num_queries(5):
        assert client.get("/api/v1/organisations?limit=100").json()["count"] == 42


def test_openapi_document_is_served() -> None:
    document = Client().get("/api/v1/openapi.json").json()
    assert "/api/v1/organisations" in document["paths"]
    assert "/api/v1/directory/who-to-contact" in document["paths"]


def test_who_to_contact_says_when_only_nationwide_contacts_cover_a_region(
    api_client_for: Any,
) -> None:
    make_contact(organisation=make_organisation(region=""), name="National Desk",
                 topics=["phishing"], availability=Availability.ROUND_THE_CLOCK,
                 escalation_level=EscalationLevel.SENIOR_OFFICIAL)
    client = api_client_for(make_user(Role.VIEWER))
    body = client.get("/api/v1/directory/who-to-contact?topic=phishing&region=West").json()
    assert [item["contact"]["name"] for item in body["items"]] == ["National Desk"]
    assert body["gaps"] == [
        "No contact based in the West region for phishing: only nationwide ones."]
