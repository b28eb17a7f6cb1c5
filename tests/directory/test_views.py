"""The directory pages under /app/directory/: what a signed-in member sees and may change."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from civicshield.core.choices import Role, Surface
from civicshield.core.models import AuditEntry
from civicshield.directory.choices import Availability, EscalationLevel, PoliticalLeaning, Sector
from civicshield.directory.models import Contact, Organisation, User
from tests.factories import make_contact, make_organisation, make_user


@dataclass
class Directory:
    commission: Organisation
    northern_office: Organisation
    watchdog: Organisation
    director: Contact
    manager: Contact
    registrar: Contact
    northern_clerk: Contact
    watchdog_contact: Contact


@pytest.fixture
def directory(vocabulary: None) -> Directory:
    commission = make_organisation(
        slug="veridia-ec",
        name="Veridia Electoral Commission",
        verified=True,
        sector=Sector.ELECTION_MANAGEMENT_BODY,
    )
    northern_office = make_organisation(
        slug="veridia-ec-north",
        name="Electoral Commission Northern Office",
        region="North",
        parent=commission,
        sector=Sector.ELECTION_MANAGEMENT_BODY,
        verified=True,
    )
    watchdog = make_organisation(slug="ballot-watch", name="Ballot Watch Veridia")
    director = make_contact(
        commission,
        name="Lena Okafor",
        role_title="Director of Elections",
        escalation_level=EscalationLevel.SENIOR_OFFICIAL,
        email="lena.okafor@ec.veridia.example",
    )
    manager = make_contact(
        commission,
        name="Tomas Brandt",
        role_title="Head of Registration",
        escalation_level=EscalationLevel.MANAGER,
        escalates_to=director,
    )
    registrar = make_contact(
        commission,
        name="Ines Varga",
        role_title="Registration systems analyst",
        email="ines.varga@ec.veridia.example",
        phone="+442079460123",
        topics=["election_technology_vulnerability"],
        phases=["voter_registration"],
        languages=["en", "fr"],
        timezone="Europe/London",
        escalates_to=manager,
    )
    northern_clerk = make_contact(
        northern_office,
        name="Piet Halloran",
        topics=["election_technology_vulnerability"],
        email="piet.halloran@north.ec.veridia.example",
    )
    watchdog_contact = make_contact(
        watchdog,
        name="Rosa Lind",
        email="rosa.lind@ballotwatch.veridia.example",
        phone="+442079460456",
    )
    return Directory(
        commission,
        northern_office,
        watchdog,
        director,
        manager,
        registrar,
        northern_clerk,
        watchdog_contact,
    )


def _contact_form_data(contact: Contact, **changes: Any) -> dict[str, Any]:
    data = {
        "organisation": contact.organisation_id,
        "name": contact.name,
        "role_title": contact.role_title,
        "email": contact.email,
        "phone": contact.phone,
        "secure_channel": contact.secure_channel,
        "topics": ", ".join(contact.topics),
        "phases": ", ".join(contact.phases),
        "languages": ", ".join(contact.languages),
        "region": contact.region,
        "availability": contact.availability,
        "timezone": contact.timezone,
        "escalation_level": contact.escalation_level,
        "escalates_to": contact.escalates_to_id or "",
        "active": "on" if contact.active else "",
    }
    data.update(changes)
    return data


def _new_contact_data(organisation: Organisation, **changes: Any) -> dict[str, Any]:
    data = {
        "organisation": organisation.pk,
        "name": "Mira Castellan",
        "role_title": "Duty officer",
        "email": "mira.castellan@ec.veridia.example",
        "phone": "+44 20 7946 0789",
        "topics": "Election technology vulnerability, disinformation narrative",
        "phases": "voter_registration",
        "languages": "en",
        "region": "",
        "availability": Availability.ROUND_THE_CLOCK,
        "timezone": "Europe/London",
        "escalation_level": EscalationLevel.ANALYST,
        "escalates_to": "",
        "active": "on",
    }
    data.update(changes)
    return data


def _organisation_form_data(
    organisation: Organisation | None = None, **changes: Any
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "slug": "veridia-youth-vote",
        "name": "Veridia Youth Vote",
        "sector": Sector.CIVIL_SOCIETY,
        "country": "Veridia",
        "region": "",
        "parent": "",
        "website": "",
        "political_leaning": "",
        "verified": "",
    }
    if organisation is not None:
        data.update(
            {
                "name": organisation.name,
                "sector": organisation.sector,
                "country": organisation.country,
                "region": organisation.region,
                "parent": organisation.parent_id or "",
                "website": organisation.website,
                "political_leaning": organisation.political_leaning,
                "verified": "on" if organisation.verified else "",
            }
        )
    data.update(changes)
    return data


def _audit_actions(surface: str = Surface.UI) -> list[str]:
    return list(AuditEntry.objects.filter(surface=surface).values_list("action", flat=True))


# --- The permission matrix ------------------------------------------------------------

READ_PAGES = [
    "/app/directory/organisations/",
    "/app/directory/organisations/veridia-ec/",
    "/app/directory/contacts/",
    "/app/directory/contacts/{registrar}/",
    "/app/directory/contacts/{registrar}/vcard",
    "/app/directory/who-to-contact/",
    "/app/directory/who-to-contact/?topic=election+technology+vulnerability",
]
WRITE_PAGES = [
    "/app/directory/organisations/new/",
    "/app/directory/organisations/veridia-ec/edit/",
    "/app/directory/contacts/new/",
    "/app/directory/contacts/{registrar}/edit/",
    "/app/directory/contacts/{registrar}/delete/",
]


def _url(template: str, directory: Directory) -> str:
    return template.format(registrar=directory.registrar.pk)


@pytest.mark.parametrize("page", READ_PAGES + WRITE_PAGES)
def test_anonymous_visitor_is_sent_to_sign_in(directory: Directory, page: str) -> None:
    url = _url(page, directory)
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("page", WRITE_PAGES)
def test_anonymous_post_changes_nothing(directory: Directory, page: str) -> None:
    response = Client().post(_url(page, directory), _contact_form_data(directory.registrar))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert Contact.objects.count() == 5
    assert AuditEntry.objects.exclude(action__startswith="vocab.").count() == 0


@pytest.mark.parametrize("role", [Role.VIEWER, Role.CONTRIBUTOR, Role.ANALYST, Role.COORDINATOR])
@pytest.mark.parametrize("page", READ_PAGES)
def test_every_member_reads_the_directory(
    client_for: Any,
    directory: Directory,
    role: str,
    page: str,
) -> None:
    client = client_for(make_user(role, organisation=directory.watchdog))
    assert client.get(_url(page, directory)).status_code == 200


@pytest.mark.parametrize("page", WRITE_PAGES)
def test_viewer_reads_but_may_not_create_edit_or_delete(
    client_for: Any,
    directory: Directory,
    page: str,
) -> None:
    client = client_for(make_user(Role.VIEWER, organisation=directory.commission))
    url = _url(page, directory)
    assert client.get(url).status_code == 403
    data = {
        **_contact_form_data(directory.registrar, name="Changed"),
        **_organisation_form_data(directory.commission, name="Changed"),
    }
    assert client.post(url, data).status_code == 403
    assert not Contact.objects.filter(name="Changed").exists()
    assert not Organisation.objects.filter(name="Changed").exists()
    assert Contact.objects.count() == 5
    assert AuditEntry.objects.exclude(action__startswith="vocab.").count() == 0


def test_analyst_edits_a_contact_of_their_own_organisation(
    client_for: Any,
    directory: Directory,
) -> None:
    client = client_for(make_user(Role.ANALYST, organisation=directory.commission))
    url = f"/app/directory/contacts/{directory.registrar.pk}/edit/"
    assert client.get(url).status_code == 200
    response = client.post(
        url, _contact_form_data(directory.registrar, role_title="Senior registration analyst")
    )
    assert response.status_code == 302
    assert response["Location"] == f"/app/directory/contacts/{directory.registrar.pk}/"
    directory.registrar.refresh_from_db()
    assert directory.registrar.role_title == "Senior registration analyst"


def test_analyst_edits_a_contact_of_a_sub_organisation(
    client_for: Any,
    directory: Directory,
) -> None:
    client = client_for(make_user(Role.ANALYST, organisation=directory.commission))
    response = client.post(
        f"/app/directory/contacts/{directory.northern_clerk.pk}/edit/",
        _contact_form_data(directory.northern_clerk, region="North"),
    )
    assert response.status_code == 302
    directory.northern_clerk.refresh_from_db()
    assert directory.northern_clerk.region == "North"


@pytest.mark.parametrize("action", ["edit", "delete"])
def test_analyst_may_not_touch_another_organisations_contact(
    client_for: Any,
    directory: Directory,
    action: str,
) -> None:
    attacker = client_for(make_user(Role.ANALYST, organisation=directory.commission))
    victim = directory.watchdog_contact
    url = f"/app/directory/contacts/{victim.pk}/{action}/"
    assert attacker.get(url).status_code == 403
    response = attacker.post(url, _contact_form_data(victim, email="attacker@evil.example"))
    assert response.status_code == 403
    victim.refresh_from_db()
    assert victim.email == "rosa.lind@ballotwatch.veridia.example"
    assert AuditEntry.objects.exclude(action__startswith="vocab.").count() == 0


def test_analyst_of_a_sub_organisation_may_not_edit_the_parents_contacts(
    client_for: Any,
    directory: Directory,
) -> None:
    client = client_for(make_user(Role.ANALYST, organisation=directory.northern_office))
    url = f"/app/directory/contacts/{directory.registrar.pk}/edit/"
    assert client.get(url).status_code == 403
    assert client.post(url, _contact_form_data(directory.registrar, name="X")).status_code == 403


def test_analyst_cannot_add_a_contact_to_another_organisation(
    client_for: Any,
    directory: Directory,
) -> None:
    client = client_for(make_user(Role.ANALYST, organisation=directory.commission))
    offered = client.get("/app/directory/contacts/new/").context["form"]["organisation"]
    labels = [label for _value, label in offered.field.choices]
    assert labels == [
        "---------",
        "Electoral Commission Northern Office",
        "Veridia Electoral Commission",
    ]
    response = client.post("/app/directory/contacts/new/", _new_contact_data(directory.watchdog))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Contact.objects.filter(name="Mira Castellan").exists()


@pytest.mark.parametrize(
    "page", ["/app/directory/organisations/new/", "/app/directory/organisations/veridia-ec/edit/"]
)
def test_analyst_may_not_create_or_edit_organisations(
    client_for: Any,
    directory: Directory,
    page: str,
) -> None:
    client = client_for(make_user(Role.ANALYST, organisation=directory.commission))
    assert client.get(page).status_code == 403
    assert (
        client.post(page, _organisation_form_data(directory.commission, name="Renamed")).status_code
        == 403
    )
    assert not Organisation.objects.filter(name="Renamed").exists()


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ADMIN])
def test_coordinator_and_admin_edit_any_contact_and_organisation(
    client_for: Any,
    directory: Directory,
    role: str,
) -> None:
    client = client_for(make_user(role))
    contact = directory.watchdog_contact
    response = client.post(
        f"/app/directory/contacts/{contact.pk}/edit/",
        _contact_form_data(contact, role_title="Legal counsel"),
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.role_title == "Legal counsel"
    response = client.post(
        "/app/directory/organisations/ballot-watch/edit/",
        _organisation_form_data(directory.watchdog, verified="on"),
    )
    assert response.status_code == 302
    assert response["Location"] == "/app/directory/organisations/ballot-watch/"
    directory.watchdog.refresh_from_db()
    assert directory.watchdog.verified


def test_unknown_contact_and_organisation_are_404(client_for: Any, directory: Directory) -> None:
    client = client_for(make_user(Role.VIEWER))
    for url in (
        "/app/directory/contacts/999999/",
        "/app/directory/contacts/999999/vcard",
        "/app/directory/contacts/999999/edit/",
        "/app/directory/organisations/nope/",
        "/app/directory/organisations/nope/edit/",
    ):
        assert client.get(url).status_code == 404, url


# --- Writes: errors, audit, CSRF -----------------------------------------------------


def test_bad_phone_number_is_shown_on_the_field_and_nothing_is_saved(
    client_for: Any,
    directory: Directory,
) -> None:
    client = client_for(make_user(Role.ANALYST, organisation=directory.commission))
    response = client.post(
        "/app/directory/contacts/new/", _new_contact_data(directory.commission, phone="12345")
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "not a valid international phone number" in form.errors["phone"][0]
    assert "not a valid international phone number" in response.content.decode()
    assert not Contact.objects.filter(name="Mira Castellan").exists()

    response = client.post(
        f"/app/directory/contacts/{directory.registrar.pk}/edit/",
        _contact_form_data(directory.registrar, phone="call me maybe"),
    )
    assert response.status_code == 200
    assert "phone" in response.context["form"].errors
    directory.registrar.refresh_from_db()
    assert directory.registrar.phone == "+442079460123"
    assert AuditEntry.objects.exclude(action__startswith="vocab.").count() == 0


def test_escalating_downwards_is_refused_on_the_field(
    client_for: Any,
    directory: Directory,
) -> None:
    client = client_for(make_user(Role.ANALYST, organisation=directory.commission))
    response = client.post(
        f"/app/directory/contacts/{directory.director.pk}/edit/",
        _contact_form_data(directory.director, escalates_to=directory.registrar.pk),
    )
    assert response.status_code == 200
    assert "Escalation goes up" in response.context["form"].errors["escalates_to"][0]


def test_duplicate_organisation_slug_is_shown_on_the_slug_field(
    client_for: Any,
    directory: Directory,
) -> None:
    client = client_for(make_user(Role.COORDINATOR))
    response = client.post(
        "/app/directory/organisations/new/", _organisation_form_data(slug="veridia-ec")
    )
    assert response.status_code == 200
    assert "already exists" in response.context["form"].errors["slug"][0]
    assert Organisation.objects.filter(slug="veridia-ec").count() == 1


def test_leaning_for_a_non_party_is_refused_on_the_field(
    client_for: Any,
    directory: Directory,
) -> None:
    client = client_for(make_user(Role.COORDINATOR))
    response = client.post(
        "/app/directory/organisations/new/",
        _organisation_form_data(political_leaning=PoliticalLeaning.LEFT),
    )
    assert response.status_code == 200
    assert "political_leaning" in response.context["form"].errors
    assert not Organisation.objects.filter(slug="veridia-youth-vote").exists()


def test_create_edit_and_delete_each_write_a_ui_audit_entry(
    client_for: Any,
    directory: Directory,
) -> None:
    analyst = make_user(Role.ANALYST, organisation=directory.commission)
    client = client_for(analyst)

    response = client.post("/app/directory/contacts/new/", _new_contact_data(directory.commission))
    assert response.status_code == 302
    created = Contact.objects.get(name="Mira Castellan")
    assert created.phone == "+442079460789"
    assert created.topics == ["election_technology_vulnerability", "disinformation_narrative"]
    assert response["Location"] == f"/app/directory/contacts/{created.pk}/"

    response = client.post(
        f"/app/directory/contacts/{created.pk}/edit/",
        _contact_form_data(created, role_title="Shift lead"),
    )
    assert response.status_code == 302

    response = client.post(f"/app/directory/contacts/{created.pk}/delete/")
    assert response.status_code == 302
    assert response["Location"] == "/app/directory/organisations/veridia-ec/"
    assert not Contact.objects.filter(pk=created.pk).exists()

    entries = list(AuditEntry.objects.exclude(action__startswith="vocab.").order_by("pk"))
    assert [entry.action for entry in entries] == [
        "contact.create",
        "contact.update",
        "contact.delete",
    ]
    assert {entry.surface for entry in entries} == {Surface.UI}
    assert {entry.actor_id for entry in entries} == {analyst.pk}
    assert entries[1].details == {"role_title": {"from": "Duty officer", "to": "Shift lead"}}


def test_coordinator_creates_an_organisation_under_a_parent_with_a_ui_audit_entry(
    client_for: Any,
    directory: Directory,
) -> None:
    client = client_for(make_user(Role.COORDINATOR))
    response = client.post(
        "/app/directory/organisations/new/",
        _organisation_form_data(
            slug="veridia-ec-south",
            name="Electoral Commission Southern Office",
            sector=Sector.ELECTION_MANAGEMENT_BODY,
            region="South",
            parent=directory.commission.pk,
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == "/app/directory/organisations/veridia-ec-south/"
    assert Organisation.objects.get(slug="veridia-ec-south").parent == directory.commission
    assert _audit_actions() == ["organisation.create"]
    page = client.get("/app/directory/organisations/veridia-ec/").content.decode()
    assert "Electoral Commission Southern Office" in page


def _signed_in_csrf_client(user: User, client_for: Any) -> Client:
    """A client that enforces CSRF, carrying the session of a real sign-in."""
    signed_in = client_for(user)
    client = Client(enforce_csrf_checks=True)
    client.cookies = signed_in.cookies
    return client


def test_post_without_csrf_token_is_rejected_and_nothing_is_saved(
    client_for: Any,
    directory: Directory,
) -> None:
    client = _signed_in_csrf_client(
        make_user(Role.ANALYST, organisation=directory.commission), client_for
    )
    new = client.post("/app/directory/contacts/new/", _new_contact_data(directory.commission))
    assert new.status_code == 403
    edit = client.post(
        f"/app/directory/contacts/{directory.registrar.pk}/edit/",
        _contact_form_data(directory.registrar, name="Forged"),
    )
    assert edit.status_code == 403
    delete = client.post(f"/app/directory/contacts/{directory.registrar.pk}/delete/")
    assert delete.status_code == 403
    assert Contact.objects.count() == 5
    assert not Contact.objects.filter(name__in=["Mira Castellan", "Forged"]).exists()
    assert AuditEntry.objects.exclude(action__startswith="vocab.").count() == 0

    # The same request with the token from the form goes through.
    form_page = client.get("/app/directory/contacts/new/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form_page)
    assert token is not None
    response = client.post(
        "/app/directory/contacts/new/",
        {
            **_new_contact_data(directory.commission),
            "csrfmiddlewaretoken": token.group(1),
        },
    )
    assert response.status_code == 302


def test_pages_carry_no_inline_script_or_style(client_for: Any, directory: Directory) -> None:
    client = client_for(make_user(Role.COORDINATOR, organisation=directory.commission))
    for page in (
        READ_PAGES
        + WRITE_PAGES
        + [
            "/app/directory/who-to-contact/?topic=election+technology+vulnerability&region=North",
        ]
    ):
        response = client.get(_url(page, directory))
        if response["Content-Type"].startswith("text/html"):
            html = response.content.decode()
            assert " style=" not in html, page
            assert not re.search(r"<script(?![^>]*\bsrc=)", html), page
            assert re.search(r"\son[a-z]+=", html) is None, page


# --- What the pages show ----------------------------------------------------------------


def test_organisation_list_filters_by_sector_country_and_verified(
    client_for: Any,
    directory: Directory,
) -> None:
    make_organisation(
        slug="liberal-forum",
        name="Liberal Forum",
        verified=True,
        sector=Sector.POLITICAL_PARTY,
        political_leaning=PoliticalLeaning.CENTRE_RIGHT,
    )
    make_organisation(
        slug="northern-voice", name="Northern Voice", verified=False, sector=Sector.POLITICAL_PARTY
    )
    make_organisation(
        slug="abroad-party",
        name="Partido de Ultramar",
        verified=True,
        sector=Sector.POLITICAL_PARTY,
        country="Elsewhere",
    )
    client = client_for(make_user(Role.VIEWER, organisation=directory.watchdog))

    def names(query: str) -> list[str]:
        response = client.get(f"/app/directory/organisations/?{query}")
        return [organisation.name for organisation in response.context["page"]]

    assert names("sector=political_party&country=Veridia&verified=yes") == ["Liberal Forum"]
    assert names("sector=political_party&verified=no") == ["Northern Voice"]
    assert names("country=Elsewhere") == ["Partido de Ultramar"]
    assert len(names("")) == 6
    page = client.get("/app/directory/organisations/?sector=political_party").content.decode()
    assert "Centre-right" in page
    assert "Veridia Electoral Commission" not in page


def test_organisation_page_shows_sub_organisations_badge_and_contacts(
    client_for: Any,
    directory: Directory,
) -> None:
    client = client_for(make_user(Role.VIEWER, organisation=directory.watchdog))
    page = client.get("/app/directory/organisations/veridia-ec/").content.decode()
    assert "Electoral Commission Northern Office" in page  # sub-organisation
    assert 'class="badge ok">verified' in page
    for name in ("Lena Okafor", "Tomas Brandt", "Ines Varga"):
        assert name in page
    assert "Edit organisation" not in page
    assert "Add a contact" not in page


def test_party_page_shows_its_political_leaning(client_for: Any) -> None:
    make_organisation(
        slug="green-path",
        name="Green Path",
        sector=Sector.POLITICAL_PARTY,
        political_leaning=PoliticalLeaning.CENTRE_LEFT,
    )
    client = client_for(make_user(Role.VIEWER))
    page = client.get("/app/directory/organisations/green-path/").content.decode()
    assert "Political leaning" in page
    assert "Centre-left" in page


def test_contact_page_shows_what_a_caller_needs(client_for: Any, directory: Directory) -> None:
    client = client_for(make_user(Role.VIEWER, organisation=directory.watchdog))
    page = client.get(f"/app/directory/contacts/{directory.registrar.pk}/").content.decode()
    for text in (
        "ines.varga@ec.veridia.example",
        "+442079460123",
        "election_technology_vulnerability",
        "registration",
        "fr",
        "Business hours",
        "Europe/London",
        "1 — analyst",
        "Tomas Brandt",
        "Lena Okafor",
        "Download vCard",
    ):
        assert text in page, text
    assert "Edit contact" not in page


def test_edit_buttons_show_only_where_the_user_may_edit(
    client_for: Any,
    directory: Directory,
) -> None:
    client = client_for(make_user(Role.ANALYST, organisation=directory.commission))
    own = client.get(f"/app/directory/contacts/{directory.registrar.pk}/").content.decode()
    foreign = client.get(
        f"/app/directory/contacts/{directory.watchdog_contact.pk}/"
    ).content.decode()
    assert "Edit contact" in own
    assert f"/app/directory/contacts/{directory.registrar.pk}/delete/" in own
    assert "Edit contact" not in foreign
    assert "/delete/" not in foreign


def test_contact_search_finds_by_name_and_filters_by_topic(
    client_for: Any,
    directory: Directory,
) -> None:
    client = client_for(make_user(Role.VIEWER))
    page = client.get("/app/directory/contacts/?q=varga").content.decode()
    assert "Ines Varga" in page
    assert "Rosa Lind" not in page
    by_topic = client.get("/app/directory/contacts/?topic=Election+technology+vulnerability")
    # by organisation name: "Electoral Commission Northern Office" before "Veridia ..."
    assert [c.name for c in by_topic.context["page"]] == ["Piet Halloran", "Ines Varga"]


def test_contact_search_with_an_invalid_topic_says_so(
    client_for: Any,
    directory: Directory,
) -> None:
    client = client_for(make_user(Role.VIEWER))
    response = client.get("/app/directory/contacts/?topic=%21%21")
    assert response.status_code == 200
    assert "is not a valid tag" in response.content.decode()


def test_contact_search_as_htmx_returns_only_the_results_fragment(
    client_for: Any,
    directory: Directory,
) -> None:
    client = client_for(make_user(Role.VIEWER))
    response = client.get("/app/directory/contacts/?q=varga", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "Ines Varga" in html
    assert "<html" not in html
    assert "<form" not in html
    assert "HX-Request" in response["Vary"]


# --- Who do I contact? ---------------------------------------------------------------------


WHO_QUERY = (
    "/app/directory/who-to-contact/?topic=election+technology+vulnerability&phase=&region=North"
)


def test_who_to_contact_ranks_contacts_shows_the_chain_and_states_the_gap(
    client_for: Any,
    directory: Directory,
) -> None:
    client = client_for(make_user(Role.VIEWER, organisation=directory.watchdog))
    response = client.get(WHO_QUERY)
    html = response.content.decode()
    assert "<html" in html  # without JavaScript: the whole page
    assert 'id="who-results" aria-live="polite"' in html
    ranked = [r.contact.name for r in response.context["recommendations"]]
    assert ranked[0] == "Piet Halloran"  # the Northern office, named for the topic
    assert "Ines Varga" in ranked
    assert html.index("Piet Halloran") < html.index("Ines Varga")
    chain = re.search(r'aria-label="Escalation chain from Ines Varga">(.*?)</ol>', html, re.S)
    assert chain is not None
    assert chain.group(1).index("Tomas Brandt") < chain.group(1).index("Lena Okafor")
    assert "No 24/7 contact for election technology vulnerability in the North region." in html


def test_who_to_contact_as_htmx_returns_only_the_results_fragment(
    client_for: Any,
    directory: Directory,
) -> None:
    client = client_for(make_user(Role.VIEWER))
    response = client.get(WHO_QUERY, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "<form" not in html
    assert "Piet Halloran" in html
    assert "No 24/7 contact for election technology vulnerability in the North region." in html
    # A history restore after the back button needs the whole page again.
    restore = client.get(
        WHO_QUERY, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in restore.content.decode()


def test_who_to_contact_without_a_question_shows_only_the_form(
    client_for: Any,
    directory: Directory,
) -> None:
    client = client_for(make_user(Role.VIEWER))
    response = client.get("/app/directory/who-to-contact/")
    assert response.context["result"] is None
    assert 'name="topic"' in response.content.decode()


def test_who_to_contact_with_nobody_says_there_is_no_contact(
    client_for: Any,
    directory: Directory,
) -> None:
    client = client_for(make_user(Role.VIEWER))
    html = client.get(
        "/app/directory/who-to-contact/?topic=ballot+printing&region=South"
    ).content.decode()
    assert "No contact for ballot printing in the South region." in html


# --- Query budgets: list pages cost the same with 5 rows or 30 ------------------------------


def _make_organisations(count: int) -> None:
    parent = make_organisation(slug=f"parent-{count}", name=f"Parent body {count}")
    for number in range(count):
        organisation = make_organisation(parent=parent, verified=number % 2 == 0)
        make_contact(organisation)


def _make_contacts(count: int) -> None:
    organisation = make_organisation()
    senior = make_contact(organisation, escalation_level=EscalationLevel.SENIOR_OFFICIAL)
    for _number in range(count):
        make_contact(make_organisation(), escalates_to=senior, topics=["disinformation_narrative"])


def _queries_for(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


ORGANISATION_LIST_BUDGET = 6
CONTACT_LIST_BUDGET = 7
WHO_TO_CONTACT_BUDGET = 6


@pytest.mark.parametrize(
    ("make_rows", "url", "budget"),
    [
        (_make_organisations, "/app/directory/organisations/", ORGANISATION_LIST_BUDGET),
        (
            _make_organisations,
            "/app/directory/organisations/?verified=yes&country=Veridia",
            ORGANISATION_LIST_BUDGET,
        ),
        (_make_contacts, "/app/directory/contacts/", CONTACT_LIST_BUDGET),
        (_make_contacts, "/app/directory/contacts/?topic=disinformation", CONTACT_LIST_BUDGET),
        (
            _make_contacts,
            "/app/directory/who-to-contact/?topic=disinformation",
            WHO_TO_CONTACT_BUDGET,
        ),
    ],
)
def test_list_pages_cost_the_same_number_of_queries_for_5_or_30_rows(
    client_for: Any,
    django_assert_max_num_queries: Any,
    make_rows: Any,
    url: str,
    budget: int,
) -> None:
    client = client_for(make_user(Role.ANALYST))
    make_rows(5)
    with django_assert_max_num_queries(budget):
        small = _queries_for(client, url)
    make_rows(25)
    with django_assert_max_num_queries(budget):
        large = _queries_for(client, url)
    assert small == large
