"""The sharing pages under /app/sharing/: agreements, the matrix and its holes, groups."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from civicshield.core.authz import OPERATOR
from civicshield.core.choices import Role
from civicshield.core.markings import TLP
from civicshield.core.models import AuditEntry
from civicshield.directory.choices import Sector
from civicshield.directory.models import Organisation, User
from civicshield.sharing.models import SharingAgreement, SharingGroup
from civicshield.sharing.services import create_agreement, create_sharing_group
from civicshield.vocab.models import Term
from civicshield.vocab.services import load_builtin_vocabularies
from tests.factories import make_contact, make_organisation, make_user


@dataclass
class Community:
    coordinator_org: Organisation
    commission: Organisation
    chirp: Organisation
    party: Organisation
    coordinator: User
    viewer: User
    analyst: User
    group: SharingGroup


@pytest.fixture
def community() -> Community:
    load_builtin_vocabularies(actor=OPERATOR, include_sources=False)
    coordinator_org = make_organisation(slug="eicc", name="Election Integrity Coordination "
                                        "Centre", is_coordinator=True,
                                        sector=Sector.GOVERNMENT_AGENCY)
    commission = make_organisation(slug="cec", name="Central Electoral Commission",
                                   sector=Sector.ELECTION_MANAGEMENT_BODY)
    chirp = make_organisation(slug="chirp", name="Chirp", sector=Sector.TECHNOLOGY_PLATFORM)
    party = make_organisation(slug="green-path", name="Green Path",
                              sector=Sector.POLITICAL_PARTY)
    group = create_sharing_group(actor=OPERATOR, slug="election-security",
                                 name="Election-security working group",
                                 organisations=[coordinator_org, commission])
    return Community(
        coordinator_org, commission, chirp, party,
        coordinator=make_user(Role.COORDINATOR, organisation=coordinator_org),
        viewer=make_user(Role.VIEWER, organisation=party),
        analyst=make_user(Role.ANALYST, organisation=chirp),
        group=group,
    )


def _type(code: str) -> Term:
    return Term.objects.get(vocabulary__slug="information-types", code=code)


def _agreement(community: Community, **overrides: Any) -> SharingAgreement:
    fields: dict[str, Any] = {
        "slug": "platforms-cib", "name": "Platforms report coordinated behaviour",
        "purpose": "Platforms tell the centre and the commission about networks of fake "
                   "accounts.",
        "provider_sectors": [Sector.TECHNOLOGY_PLATFORM],
        "information_types": [_type("coordinated_inauthentic_behaviour")],
        "recipient_organisations": [community.coordinator_org, community.commission],
        "default_tlp": TLP.AMBER, "widest_tlp": TLP.GREEN, "hours_to_share": 24,
        **overrides,
    }
    return create_agreement(actor=OPERATOR, **fields)


def _form(community: Community, **overrides: Any) -> dict[str, Any]:
    return {
        "slug": "parties-phishing", "name": "Parties report phishing",
        "purpose": "Parties tell the coordination centre within two hours when staff are "
                   "phished, so others can be warned.",
        "provider_sectors": [Sector.POLITICAL_PARTY],
        "information_types": [_type("phishing").pk, _type("account_compromise").pk],
        "recipient_organisations": [community.coordinator_org.pk],
        "recipient_groups": [community.group.pk],
        "default_tlp": TLP.AMBER_STRICT, "widest_tlp": TLP.AMBER_STRICT,
        "hours_to_share": 2, **overrides,
    }


READ_PAGES = ["/app/sharing/", "/app/sharing/matrix/", "/app/sharing/groups/"]
WRITE_PAGES = ["/app/sharing/agreements/new/", "/app/sharing/groups/new/",
               "/app/sharing/groups/election-security/members/"]


def test_anonymous_visitors_are_sent_to_sign_in(community: Community) -> None:
    _agreement(community)
    client = Client()
    for path in [*READ_PAGES, "/app/sharing/agreements/platforms-cib/", *WRITE_PAGES]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/login/"), path
    assert client.post("/app/sharing/agreements/new/", _form(community)).status_code == 302
    assert SharingAgreement.objects.count() == 1


def test_a_viewer_reads_the_pages_but_may_not_create(client_for: Any,
                                                     community: Community) -> None:
    _agreement(community)
    client = client_for(community.viewer)
    for path in [*READ_PAGES, "/app/sharing/agreements/platforms-cib/"]:
        assert client.get(path).status_code == 200, path
    for path in WRITE_PAGES:
        assert client.get(path).status_code == 403, path
    assert client.post("/app/sharing/agreements/new/", _form(community)).status_code == 403
    assert client.post("/app/sharing/groups/new/", {
        "slug": "mine", "name": "Mine", "organisations": [community.party.pk]}).status_code == 403
    assert client.post("/app/sharing/groups/election-security/members/", {
        "organisations": [community.party.pk]}).status_code == 403
    assert SharingAgreement.objects.count() == 1
    assert SharingGroup.objects.count() == 1
    assert list(community.group.organisations.order_by("slug").values_list(
        "slug", flat=True)) == ["cec", "eicc"]
    list_page = client.get("/app/sharing/").content.decode()
    assert "/app/sharing/agreements/new/" not in list_page


def test_an_analyst_of_another_organisation_may_not_change_groups_or_agreements(
    client_for: Any, community: Community,
) -> None:
    client = client_for(community.analyst)
    assert client.post("/app/sharing/agreements/new/", _form(community)).status_code == 403
    assert client.post("/app/sharing/groups/election-security/members/", {
        "organisations": [community.chirp.pk]}).status_code == 403
    assert not SharingAgreement.objects.exists()
    assert not community.group.organisations.filter(pk=community.chirp.pk).exists()


def test_the_coordinator_records_an_agreement(client_for: Any, community: Community) -> None:
    contact = make_contact(community.coordinator_org, name="Mara Ilvess")
    client = client_for(community.coordinator)
    assert client.get("/app/sharing/agreements/new/").status_code == 200
    response = client.post("/app/sharing/agreements/new/",
                           _form(community, contact=contact.pk))
    assert response.status_code == 302
    assert response["Location"] == "/app/sharing/agreements/parties-phishing/"
    agreement = SharingAgreement.objects.get(slug="parties-phishing")
    assert agreement.provider_sectors == [Sector.POLITICAL_PARTY]
    assert {t.code for t in agreement.information_types.all()} == {"phishing",
                                                                   "account_compromise"}
    assert list(agreement.recipient_groups.all()) == [community.group]
    assert agreement.default_tlp == agreement.widest_tlp == TLP.AMBER_STRICT
    assert agreement.hours_to_share == 2 and agreement.contact == contact
    assert AuditEntry.objects.filter(action="agreement.create",
                                     actor=community.coordinator).exists()

    page = client.get(response["Location"]).content.decode()
    assert "Parties report phishing" in page and "Within 2 hours of detection" in page
    assert "Mara Ilvess" in page and "Election-security working group" in page
    listing = client.get("/app/sharing/").content.decode()
    for expected in ("Parties report phishing", "Political party (whole sector)",
                     "Phishing or credential attack", "TLP:AMBER+STRICT", "within 2 hours",
                     "Mara Ilvess"):
        assert expected in listing, expected


def test_a_default_wider_than_the_widest_is_a_field_error_and_nothing_is_saved(
    client_for: Any, community: Community,
) -> None:
    client = client_for(community.coordinator)
    response = client.post("/app/sharing/agreements/new/",
                           _form(community, default_tlp=TLP.CLEAR, widest_tlp=TLP.AMBER))
    assert response.status_code == 400
    assert response.context["form"].errors["default_tlp"]
    assert not SharingAgreement.objects.exists()


def test_a_taken_slug_is_a_field_error(client_for: Any, community: Community) -> None:
    _agreement(community, slug="parties-phishing")
    response = client_for(community.coordinator).post("/app/sharing/agreements/new/",
                                                       _form(community))
    assert response.status_code == 400
    assert response.context["form"].errors["slug"]
    assert SharingAgreement.objects.count() == 1


def _holes(page: str) -> str:
    found = re.search(r"No one has agreed to share:</strong>(.*?)</p>", page, re.DOTALL)
    assert found is not None
    return found.group(1)


def _row(page: str, sector_label: str) -> str:
    found = re.search(rf'<th scope="row">{re.escape(sector_label)}</th>(.*?)</tr>', page,
                      re.DOTALL)
    assert found is not None, sector_label
    return found.group(1)


def test_the_matrix_shows_the_holes_and_fills_a_cell_once_an_agreement_covers_it(
    client_for: Any, community: Community,
) -> None:
    client = client_for(community.viewer)
    before = client.get("/app/sharing/matrix/").content.decode()
    assert "coordinated inauthentic behaviour" in _holes(before)
    assert "covert or foreign funding" in _holes(before)
    assert 'class="covered"' not in before

    _agreement(community)
    after = client.get("/app/sharing/matrix/").content.decode()
    assert "coordinated inauthentic behaviour" not in _holes(after)
    assert "covert or foreign funding" in _holes(after)
    platforms = _row(after, "Technology platform")
    assert platforms.count('class="covered"') == 1
    assert "Platforms report coordinated behaviour" in platforms
    assert re.search(r"→ (Central Electoral Commission|Election Integrity Coordination Centre), "
                     r"(Central Electoral Commission|Election Integrity Coordination Centre)<",
                     platforms)
    assert 'class="covered"' not in _row(after, "Political party")


def test_the_matrix_names_the_providers_an_agreement_lists_by_name(
    client_for: Any, community: Community,
) -> None:
    _agreement(community, slug="chirp-only", name="Chirp shares impersonation",
               provider_sectors=[], providers=[community.chirp],
               information_types=[_type("impersonation")], recipient_organisations=[],
               recipient_groups=[community.group])
    page = client_for(community.viewer).get("/app/sharing/matrix/").content.decode()
    platforms = _row(page, "Technology platform")
    assert "Chirp shares impersonation" in platforms and "(Chirp)" in platforms
    assert "→ Election-security working group" in platforms


def test_pages_cost_the_same_queries_however_many_agreements(
    client_for: Any, community: Community,
) -> None:
    client = client_for(community.viewer)
    _agreement(community)

    def count(path: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        return len(queries)

    first = {path: count(path) for path in ("/app/sharing/", "/app/sharing/matrix/")}
    for number in range(5):
        _agreement(community, slug=f"more-{number}", name=f"More {number}",
                   information_types=[_type("phishing"), _type("malware")],
                   recipient_groups=[community.group],
                   contact=make_contact(community.commission))
    assert {path: count(path) for path in first} == first


def test_the_coordinator_creates_a_group_and_edits_its_members(
    client_for: Any, community: Community,
) -> None:
    client = client_for(community.coordinator)
    assert client.get("/app/sharing/groups/new/").status_code == 200
    created = client.post("/app/sharing/groups/new/", {
        "slug": "platform-integrity", "name": "Platform integrity network",
        "description": "Platforms and fact-checkers.",
        "organisations": [community.chirp.pk, community.coordinator_org.pk]})
    assert created.status_code == 302
    group = SharingGroup.objects.get(slug="platform-integrity")
    assert {o.slug for o in group.organisations.all()} == {"chirp", "eicc"}

    form = client.get("/app/sharing/groups/platform-integrity/members/")
    assert form.status_code == 200
    edited = client.post("/app/sharing/groups/platform-integrity/members/", {
        "organisations": [community.chirp.pk, community.party.pk]})
    assert edited.status_code == 302
    assert {o.slug for o in group.organisations.all()} == {"chirp", "green-path"}
    assert AuditEntry.objects.filter(action="sharing_group.members").exists()
    taken = client.post("/app/sharing/groups/new/", {"slug": "platform-integrity",
                                                     "name": "Again"})
    assert taken.status_code == 400 and taken.context["form"].errors["slug"]
    assert client.get("/app/sharing/groups/nope/members/").status_code == 404


def test_group_members_are_shown_to_the_members_and_the_coordinator_only(
    client_for: Any, community: Community,
) -> None:
    outsider_page = client_for(community.viewer).get("/app/sharing/groups/").content.decode()
    assert "Election-security working group" in outsider_page
    assert "Central Electoral Commission" not in outsider_page
    member = make_user(Role.VIEWER, organisation=community.commission)
    member_page = client_for(member).get("/app/sharing/groups/").content.decode()
    assert "Central Electoral Commission" in member_page
    coordinator_page = client_for(community.coordinator).get(
        "/app/sharing/groups/").content.decode()
    assert "Central Electoral Commission" in coordinator_page
    assert "/app/sharing/groups/election-security/members/" in coordinator_page


def test_an_unknown_agreement_is_404(client_for: Any, community: Community) -> None:
    assert client_for(community.viewer).get(
        "/app/sharing/agreements/nope/").status_code == 404
