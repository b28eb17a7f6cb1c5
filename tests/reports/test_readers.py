"""The owner organisation sees who read its AMBER, AMBER+STRICT and RED reports."""

from __future__ import annotations

from typing import Any

from civicshield.core.choices import Role
from civicshield.core.markings import TLP
from tests.factories import make_organisation, make_user
from tests.report_factories import make_report


def test_report_page_lists_readers_for_the_owner_only(client_for: Any) -> None:
    owner, recipient = make_organisation(), make_organisation(name="Receiving body")
    report = make_report(tlp=TLP.AMBER, owner=owner, organisations=[recipient])
    reader = make_user(Role.VIEWER, organisation=recipient, username="curious.reader")
    reader_page = client_for(reader).get(f"/app/reports/{report.pk}/").content.decode()
    assert "Who has read it" not in reader_page
    owner_page = client_for(make_user(Role.ANALYST, organisation=owner)).get(
        f"/app/reports/{report.pk}/").content.decode()
    assert "Who has read it" in owner_page
    assert "curious.reader" in owner_page


def test_green_reads_are_not_recorded(client_for: Any) -> None:
    owner = make_organisation()
    report = make_report(tlp=TLP.GREEN, owner=owner)
    client_for(make_user(Role.VIEWER, username="green.reader")).get(f"/app/reports/{report.pk}/")
    owner_page = client_for(make_user(Role.ANALYST, organisation=owner)).get(
        f"/app/reports/{report.pk}/").content.decode()
    assert "green.reader" not in owner_page
