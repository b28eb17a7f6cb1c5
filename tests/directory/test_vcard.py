"""vCard download: RFC 6350 escaping (§3.4) and folding (§3.2), and who may download."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from civicshield.core.choices import Role
from civicshield.directory import vcard
from civicshield.directory.choices import Availability, EscalationLevel
from tests.factories import make_contact, make_organisation, make_user


def _unfold(text: str) -> list[str]:
    """The content lines of a vCard, continuation lines joined back (RFC 6350 §3.2)."""
    assert text.endswith("\r\n")
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def _property(lines: list[str], name: str) -> str:
    values = [line.split(":", 1)[1] for line in lines
              if line.split(":", 1)[0].split(";")[0] == name]
    assert len(values) == 1, (name, values)
    return values[0]


@pytest.mark.parametrize(("raw", "escaped"), [
    ("plain", "plain"),
    ("a,b", "a\\,b"),
    ("a;b", "a\\;b"),
    ("back\\slash", "back\\\\slash"),
    ("two\nlines", "two\\nlines"),
    ("windows\r\nline", "windows\\nline"),
    ("\\,", "\\\\\\,"),
])
def test_text_values_escape_backslash_comma_semicolon_and_newline(raw: str, escaped: str) -> None:
    assert vcard.escape(raw) == escaped


@given(st.text(min_size=0, max_size=400))
def test_folded_lines_fit_75_octets_and_unfold_to_the_original(text: str) -> None:
    line = "NOTE:" + vcard.escape(text)
    folded = vcard.fold(line)
    for physical in folded.split("\r\n"):
        assert len(physical.encode("utf-8")) <= 75
    assert folded.replace("\r\n ", "") == line


def test_folding_never_splits_a_multibyte_character() -> None:
    folded = vcard.fold("NOTE:" + "é" * 100)
    for physical in folded.split("\r\n"):
        physical.encode("utf-8").decode("utf-8")  # a split sequence would not survive this
        assert len(physical.encode("utf-8")) <= 75


def test_vcard_carries_name_organisation_title_email_phone_and_an_escaped_note() -> None:
    organisation = make_organisation(name="Ballot Watch; Northern Chapter, Veridia")
    senior = make_contact(organisation, name="Lena Okafor",
                          escalation_level=EscalationLevel.SENIOR_OFFICIAL)
    contact = make_contact(
        organisation, name="Ines Varga", role_title="Analyst, registration systems",
        email="ines.varga@ballotwatch.veridia.example", phone="+442079460123",
        topics=["voter_registration_systems"], phases=["registration"], languages=["en", "fr"],
        availability=Availability.ROUND_THE_CLOCK, timezone="Europe/London",
        escalation_level=EscalationLevel.MANAGER, escalates_to=senior,
    )
    text = vcard.contact_vcard(contact)
    assert text.startswith("BEGIN:VCARD\r\nVERSION:4.0\r\n")
    assert text.endswith("END:VCARD\r\n")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    lines = _unfold(text)
    assert _property(lines, "FN") == "Ines Varga"
    assert _property(lines, "N") == "Varga;Ines;;;"
    assert _property(lines, "ORG") == "Ballot Watch\\; Northern Chapter\\, Veridia"
    assert _property(lines, "TITLE") == "Analyst\\, registration systems"
    assert _property(lines, "EMAIL") == "ines.varga@ballotwatch.veridia.example"
    assert _property(lines, "TEL") == "tel:+442079460123"
    note = _property(lines, "NOTE")
    assert "\n" not in note
    assert note.split("\\n")[:3] == [
        "Escalation level: 2 — manager",
        "Availability: 24/7 (Europe/London)",
        "Escalates to: Lena Okafor",
    ]
    assert "Languages: en\\, fr" in note


def test_vcard_leaves_out_what_the_contact_does_not_have() -> None:
    contact = make_contact(name="Cher", email="", phone="", role_title="")
    lines = _unfold(vcard.contact_vcard(contact))
    names = {line.split(":", 1)[0].split(";")[0] for line in lines}
    assert {"FN", "N", "ORG", "NOTE"} <= names
    assert not names & {"TITLE", "EMAIL", "TEL"}
    assert _property(lines, "N") == "Cher;;;;"


def test_download_is_a_text_vcard_attachment_for_any_member(client_for: Any) -> None:
    contact = make_contact(name="Rosa Lind", email="rosa.lind@ballotwatch.veridia.example",
                           phone="+442079460456")
    client = client_for(make_user(Role.VIEWER))
    response = client.get(f"/app/directory/contacts/{contact.pk}/vcard")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/vcard; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="rosa-lind.vcf"'
    lines = _unfold(response.content.decode("utf-8"))
    assert _property(lines, "EMAIL") == "rosa.lind@ballotwatch.veridia.example"


def test_download_needs_a_signed_in_member() -> None:
    contact = make_contact()
    response = Client().get(f"/app/directory/contacts/{contact.pk}/vcard")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
