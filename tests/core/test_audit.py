"""The audit log: one entry per write, in the same transaction, with its surface."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from civicshield.core import audit
from civicshield.core.authz import OPERATOR
from civicshield.core.choices import Role, Surface
from civicshield.core.models import AuditEntry
from civicshield.directory import services
from civicshield.directory.models import Contact
from tests.factories import make_organisation, make_user


@pytest.mark.django_db(transaction=True)
def test_an_audit_entry_outside_a_transaction_is_refused() -> None:
    with pytest.raises(audit.AuditOutsideTransaction):
        audit.record(actor=None, action="nothing")


def test_a_service_write_records_exactly_one_entry_with_actor_and_surface() -> None:
    organisation = make_organisation(slug="home")
    analyst = make_user(Role.ANALYST, organisation=organisation)
    with audit.surface(Surface.API):
        contact = services.create_contact(
            actor=analyst, organisation=organisation, name="Ana Example"
        )
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.surface, entry.actor, entry.organisation_slug) == (
        "contact.create",
        "api",
        analyst,
        "home",
    )
    assert entry.object_id == str(contact.pk)


def test_a_failed_write_leaves_neither_the_change_nor_an_entry() -> None:
    organisation = make_organisation()
    with pytest.raises(ValidationError) as error:
        services.create_contact(
            actor=OPERATOR, organisation=organisation, name="Bad", timezone="Mars/Olympus"
        )
    assert "timezone" in error.value.message_dict
    assert not Contact.objects.exists()
    assert not AuditEntry.objects.exists()


def test_an_entry_rolls_back_with_its_change() -> None:
    organisation = make_organisation()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.create_contact(actor=OPERATOR, organisation=organisation, name="Gone")
        raise RuntimeError("later step failed")
    assert not AuditEntry.objects.exists()
    assert not Contact.objects.exists()


def test_operator_entries_are_labelled_operator() -> None:
    services.create_contact(actor=OPERATOR, organisation=make_organisation(), name="Someone")
    assert AuditEntry.objects.get().actor_label == "operator"


def test_audit_log_page_is_for_coordinators_and_admins(client_for) -> None:  # type: ignore[no-untyped-def]
    services.create_contact(actor=OPERATOR, organisation=make_organisation(), name="Logged")
    assert client_for(make_user(Role.ANALYST)).get("/app/audit/").status_code == 403
    page = client_for(make_user(Role.COORDINATOR)).get("/app/audit/")
    assert page.status_code == 200
    assert "contact.create" in page.content.decode()
