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


def test_support_steps_are_recorded_by_those_who_know_the_victim(client_for: Any) -> None:
    from civicshield.core.models import AuditEntry
    from civicshield.reports.models import SupportStep, Victim

    coordinator_org = make_organisation(is_coordinator=True)
    victim = Victim.objects.create(kind="candidate", name="Ilse Marin", region="North")
    report = make_report(tlp=TLP.GREEN)
    report.victims.add(victim)
    coordinator = client_for(make_user(Role.ANALYST, organisation=coordinator_org))
    response = coordinator.post(f"/app/reports/victims/{victim.pk}/", {
        "taken_on": "2026-11-20", "description": "Called her campaign about the threats."})
    assert response.status_code == 302
    page = coordinator.get(f"/app/reports/victims/{victim.pk}/").content.decode()
    assert "Called her campaign about the threats." in page
    assert AuditEntry.objects.filter(action="victim.support").count() == 1
    # A partner who may not know who she is cannot reach the page, so cannot record either.
    partner = client_for(make_user(Role.ANALYST))
    assert partner.post(f"/app/reports/victims/{victim.pk}/", {
        "taken_on": "2026-11-20", "description": "x"}).status_code == 404
    assert SupportStep.objects.count() == 1
