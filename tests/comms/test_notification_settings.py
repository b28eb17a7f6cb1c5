"""Delivery settings: webhooks shown once, digest preferences for managed contacts only."""

from __future__ import annotations

from typing import Any

from civicshield.comms.models import NotificationPreference, WebhookEndpoint
from civicshield.core.choices import Role
from tests.factories import make_contact, make_organisation, make_user


def test_an_analyst_registers_a_webhook_and_sees_its_secret_once(client_for: Any) -> None:
    home = make_organisation()
    client = client_for(make_user(Role.ANALYST, organisation=home))
    page = client.post("/app/comms/notifications/settings/", {
        "action": "webhook", "url": "https://hooks.home.veridia.example/civicshield"})
    assert page.status_code == 200
    assert "will not be shown again" in page.content.decode()
    endpoint = WebhookEndpoint.objects.get(organisation=home)
    later = client.get("/app/comms/notifications/settings/").content.decode()
    assert endpoint.secret_fingerprint in later
    assert "will not be shown again" not in later


def test_digest_preference_is_set_for_own_contacts_only(client_for: Any) -> None:
    home = make_organisation()
    own = make_contact(organisation=home, name="Own Contact")
    other = make_contact(name="Other Contact")
    client = client_for(make_user(Role.ANALYST, organisation=home))
    page = client.get("/app/comms/notifications/settings/").content.decode()
    assert "Own Contact" in page and "Other Contact" not in page
    client.post("/app/comms/notifications/settings/", {
        "action": "digest", "contact": own.pk, "daily_digest": "on", "max_severity": "2"})
    assert NotificationPreference.objects.get(contact=own).daily_digest
    client.post("/app/comms/notifications/settings/", {
        "action": "digest", "contact": other.pk, "daily_digest": "on", "max_severity": "2"})
    assert not NotificationPreference.objects.filter(contact=other).exists()
