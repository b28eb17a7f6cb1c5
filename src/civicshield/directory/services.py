"""Every write to the directory: one transaction and one audit entry per action.

Callers pass the acting user (or `core.authz.OPERATOR` from the command line);
permission checks happen here, so the UI, the API and the CLI cannot differ.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from civicshield.core import audit, authz
from civicshield.core.choices import Role
from civicshield.core.errors import Conflict
from civicshield.directory import normalise
from civicshield.directory.choices import POLITICAL_SECTORS
from civicshield.directory.models import Contact, Organisation, User

ORGANISATION_FIELDS = (
    "slug", "name", "sector", "country", "region", "parent", "website", "verified",
    "political_leaning",
)
CONTACT_FIELDS = (
    "organisation", "name", "role_title", "email", "phone", "secure_channel", "topics",
    "phases", "languages", "region", "availability", "timezone", "escalation_level",
    "escalates_to", "active",
)


def _reject_unknown(fields: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in unknown})


# --- Organisations ------------------------------------------------------------


def _check_organisation(organisation: Organisation) -> None:
    if organisation.political_leaning and organisation.sector not in POLITICAL_SECTORS:
        raise ValidationError(
            {"political_leaning": _("Only parties and candidate campaigns have a leaning.")}
        )
    ancestor, seen = organisation.parent, set()
    while ancestor is not None:
        if ancestor.pk == organisation.pk or ancestor.pk in seen:
            raise ValidationError({"parent": _("An organisation cannot be its own ancestor.")})
        seen.add(ancestor.pk)
        ancestor = ancestor.parent
    organisation.full_clean(exclude=["slug"] if organisation.pk else None,
                            validate_unique=False, validate_constraints=False)


def create_organisation(*, actor: Any, **fields: Any) -> Organisation:
    """Create an organisation. Raises Conflict if the slug is taken."""
    _reject_unknown(fields, ORGANISATION_FIELDS)
    authz.require(actor, "organisation:create")
    if fields.get("verified"):
        authz.require(actor, "organisation:verify")
    organisation = Organisation(**fields)
    with transaction.atomic():
        if Organisation.objects.filter(slug=organisation.slug).exists():
            raise Conflict("slug", _("An organisation with this slug already exists."))
        _check_organisation(organisation)
        organisation.save()
        audit.record(actor=actor, action="organisation.create", target=organisation)
    return organisation


def update_organisation(
    *, actor: Any, organisation: Organisation, changes: Mapping[str, Any]
) -> Organisation:
    """Apply `changes` (any of ORGANISATION_FIELDS but slug) to the organisation."""
    _reject_unknown(changes, tuple(f for f in ORGANISATION_FIELDS if f != "slug"))
    authz.require(actor, "organisation:change", organisation)
    if "verified" in changes and changes["verified"] != organisation.verified:
        authz.require(actor, "organisation:verify", organisation)
    with transaction.atomic():
        before = {name: _plain(getattr(organisation, name)) for name in changes}
        for name, value in changes.items():
            setattr(organisation, name, value)
        _check_organisation(organisation)
        organisation.save()
        audit.record(actor=actor, action="organisation.update", target=organisation,
                     details=_diff(before, organisation, changes))
    return organisation


# --- Contacts -----------------------------------------------------------------


def _normalise_contact_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    cleaned = dict(fields)
    for name in ("topics", "phases"):
        if name in cleaned:
            cleaned[name] = normalise.tags(name, cleaned[name] or [])
    if "languages" in cleaned:
        cleaned["languages"] = normalise.languages(cleaned["languages"] or [])
    if "phone" in cleaned:
        cleaned["phone"] = normalise.phone(cleaned["phone"] or "")
    if "timezone" in cleaned:
        cleaned["timezone"] = normalise.timezone_name(cleaned["timezone"] or "")
    if "email" in cleaned:
        cleaned["email"] = (cleaned["email"] or "").strip().lower()
    return cleaned


def _check_contact(contact: Contact) -> None:
    contact.full_clean(validate_unique=False, validate_constraints=False)
    target, seen = contact.escalates_to, {contact.pk}
    if target is not None and target.escalation_level < contact.escalation_level:
        raise ValidationError(
            {"escalates_to": _("Escalation goes up: choose someone at level %(level)s or above.")
             % {"level": contact.escalation_level}}
        )
    while target is not None:
        if target.pk in seen:
            raise ValidationError({"escalates_to": _("This would make an escalation loop.")})
        seen.add(target.pk)
        target = target.escalates_to


def create_contact(*, actor: Any, **fields: Any) -> Contact:
    """Add a point of contact to an organisation the actor may manage."""
    _reject_unknown(fields, CONTACT_FIELDS)
    cleaned = _normalise_contact_fields(fields)
    contact = Contact(**cleaned)
    authz.require(actor, "contact:create", contact.organisation)
    with transaction.atomic():
        _check_contact(contact)
        contact.save()
        audit.record(actor=actor, action="contact.create", target=contact)
    return contact


def update_contact(*, actor: Any, contact: Contact, changes: Mapping[str, Any]) -> Contact:
    _reject_unknown(changes, CONTACT_FIELDS)
    authz.require(actor, "contact:change", contact)
    cleaned = _normalise_contact_fields(changes)
    if "organisation" in cleaned:
        authz.require(actor, "contact:create", cleaned["organisation"])
    with transaction.atomic():
        before = {name: _plain(getattr(contact, name)) for name in cleaned}
        for name, value in cleaned.items():
            setattr(contact, name, value)
        _check_contact(contact)
        contact.save()
        audit.record(actor=actor, action="contact.update", target=contact,
                     details=_diff(before, contact, cleaned))
    return contact


def delete_contact(*, actor: Any, contact: Contact) -> None:
    authz.require(actor, "contact:delete", contact)
    with transaction.atomic():
        audit.record(actor=actor, action="contact.delete", target=contact,
                     details={"name": contact.name, "organisation": contact.organisation.slug})
        contact.delete()


# --- Accounts -----------------------------------------------------------------


@dataclass(frozen=True)
class NewUser:
    user: User
    generated_password: str | None  # set when none was given; shown once


def create_user(
    *, actor: Any, username: str, organisation: Organisation, role: str,
    password: str | None = None, email: str = "",
) -> NewUser:
    """Create an account. Without a password, a strong one is generated and returned once."""
    authz.require(actor, "backoffice:access")
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role “%(role)s”.") % {"role": role}})
    generated = None if password else secrets.token_urlsafe(18)
    user = User(username=username, organisation=organisation, role=role, email=email,
                is_staff=role == Role.ADMIN, is_superuser=role == Role.ADMIN)
    with transaction.atomic():
        if User.objects.filter(username=username).exists():
            raise Conflict("username", _("This username is taken."))
        user.full_clean(exclude=["password"], validate_unique=False)
        validate_password(password or generated, user)
        user.set_password(password or generated)
        user.save()
        audit.record(actor=actor, action="user.create", target=user,
                     details={"role": role, "organisation": organisation.slug})
    return NewUser(user=user, generated_password=generated)


def _plain(value: Any) -> Any:
    return getattr(value, "pk", value)


def _diff(before: dict[str, Any], instance: Any, fields: Mapping[str, Any]) -> dict[str, Any]:
    return {
        name: {"from": before[name], "to": _plain(getattr(instance, name))}
        for name in fields
        if before[name] != _plain(getattr(instance, name))
    }
