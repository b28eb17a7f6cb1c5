"""The back office writes to the audit log like every other surface."""

from __future__ import annotations

from typing import Any

import pytest

from civicshield.core.choices import Role
from civicshield.core.models import AuditEntry
from civicshield.correlation.models import AllowListEntry
from civicshield.directory.models import Contact
from tests.factories import make_contact, make_user

pytestmark = pytest.mark.django_db


def test_adding_and_deleting_in_the_back_office_are_audited(client_for: Any) -> None:
    administrator = make_user(Role.ADMIN)
    client = client_for(administrator)

    added = client.post("/admin/correlation/allowlistentry/add/", {
        "type": "domain", "value": "example.org", "reason": "Documentation domain"})
    assert added.status_code == 302, added.content[:500]
    entry = AllowListEntry.objects.get()
    record = AuditEntry.objects.get(action="admin.add")
    assert (record.actor, record.object_id) == (administrator, str(entry.pk))
    assert record.details["fields"] == ["reason", "type", "value"]

    contact = make_contact()
    deleted = client.post(f"/admin/directory/contact/{contact.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert AuditEntry.objects.filter(action="admin.delete", object_id=str(contact.pk)).exists()


def test_campaigns_and_tokens_change_only_through_their_services_not_the_back_office(
        client_for: Any) -> None:
    from civicshield.core.services import issue_token
    from civicshield.correlation.models import Campaign

    client = client_for(make_user(Role.ADMIN))
    campaign = Campaign.objects.create(name="Queue rumours")
    token = issue_token(user=make_user(Role.ANALYST), label="feed").token

    for url in (f"/admin/correlation/campaign/{campaign.pk}/change/",
                f"/admin/core/apitoken/{token.pk}/change/"):
        assert client.get(url).status_code == 200  # shown
        client.post(url, {"name": "Renamed", "label": "renamed"})
    assert client.post(f"/admin/correlation/campaign/{campaign.pk}/delete/",
                       {"post": "yes"}).status_code == 403
    campaign.refresh_from_db()
    token.refresh_from_db()
    assert (campaign.name, token.label) == ("Queue rumours", "feed")
    assert not AuditEntry.objects.filter(action__startswith="admin.").exists()
