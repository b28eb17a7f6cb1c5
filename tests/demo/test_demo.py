"""The demo election: a whole fictional country that loads once."""

from __future__ import annotations

from typing import Any

from civicshield.core.choices import Role
from civicshield.core.models import AuditEntry
from civicshield.demo import DEMO_LOGINS, demo_is_loaded, load_demo
from civicshield.directory.choices import POLITICAL_SECTORS, EscalationLevel, Sector
from civicshield.directory.models import Contact, Organisation, User
from civicshield.directory.selectors import (
    EscalationIndex,
    escalation_chain,
    who_to_contact,
)


def test_demo_loads_once_and_a_second_load_changes_nothing() -> None:
    assert not demo_is_loaded()
    first = load_demo()
    entries = AuditEntry.objects.count()
    second = load_demo()
    assert first.loaded and not second.loaded
    assert (second.organisations, second.contacts, second.users) == (
        first.organisations, first.contacts, first.users)
    assert AuditEntry.objects.count() == entries


def test_demo_covers_every_sector_and_parties_across_the_spectrum() -> None:
    load_demo()
    assert set(Organisation.objects.values_list("sector", flat=True)) == set(Sector.values)
    assert 25 <= Organisation.objects.count() <= 40
    parties = Organisation.objects.filter(sector=Sector.POLITICAL_PARTY)
    assert parties.count() >= 5
    leanings = set(parties.values_list("political_leaning", flat=True))
    assert {"left", "centre", "right"} <= leanings
    assert not Organisation.objects.exclude(sector__in=POLITICAL_SECTORS).exclude(
        political_leaning="").exists()
    assert Organisation.objects.filter(is_coordinator=True).count() == 1


def test_demo_contacts_have_escalation_chains_up_to_senior_officials() -> None:
    load_demo()
    contacts = {contact.pk: contact for contact in Contact.objects.select_related("organisation")}
    index = EscalationIndex(list(contacts.values()))
    assert 50 <= len(contacts) <= 80
    reaching_senior = [
        contact for contact in contacts.values()
        if contact.escalation_level == EscalationLevel.ANALYST
        and any(step.escalation_level == EscalationLevel.SENIOR_OFFICIAL
                for step in escalation_chain(contact, index))
    ]
    assert len(reaching_senior) >= 10
    assert all(contact.email.endswith(".example") for contact in contacts.values())


def test_demo_has_one_account_per_role_and_every_documented_login_works(client: Any) -> None:
    load_demo()
    assert {role for _, _, role in DEMO_LOGINS} == set(Role.values)
    for username, password, _ in DEMO_LOGINS:
        response = client.post("/accounts/login/", {"username": username, "password": password})
        assert response.status_code == 302, username
        client.logout()
    assert User.objects.filter(username="coordinator", organisation__is_coordinator=True).exists()


def test_demo_shows_the_gap_in_northern_election_technology_cover() -> None:
    load_demo()
    viewer = User.objects.get(username="viewer")
    result = who_to_contact(viewer, topic="election_technology_vulnerability",
                            phase="voter_registration", region="North")
    assert result.recommendations[0].contact.coverage_region == "North"
    assert any("No 24/7 contact" in gap for gap in result.gaps)
