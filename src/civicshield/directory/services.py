"""Every write to the directory: one transaction and one audit entry per action.

Callers pass the acting user (or `core.authz.OPERATOR` from the command line);
permission checks happen here, so the UI, the API and the CLI cannot differ.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from civicshield.core import audit, authz
from civicshield.core.choices import Role
from civicshield.core.errors import Conflict
from civicshield.directory import contacts_csv, normalise
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


# Contacts are tagged with the shared vocabulary: topics are information types, phases are
# electoral-cycle phases (vocabulary slug, and an example for the error message).
_TAG_VOCABULARIES = {"topics": ("information-types", "phishing"),
                     "phases": ("phases", "voter_registration")}


def _check_vocabulary(name: str, codes: list[str]) -> None:
    from civicshield.vocab.selectors import terms_visible_to

    vocabulary, example = _TAG_VOCABULARIES[name]
    known = set(terms_visible_to(authz.OPERATOR, vocabularies=[vocabulary],
                                 include_deprecated=True)
                .filter(code__in=codes).values_list("code", flat=True))
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise ValidationError({name: _("Unknown %(what)s: %(codes)s. Use the codes of the "
                                       "shared vocabulary, such as %(example)s.")
                               % {"what": name, "codes": ", ".join(unknown),
                                  "example": example}})


def _normalise_contact_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    cleaned = dict(fields)
    for name in ("topics", "phases"):
        if name in cleaned:
            cleaned[name] = normalise.tags(name, cleaned[name] or [])
            _check_vocabulary(name, cleaned[name])
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
    password: str | None = None, email: str = "", usable_password: bool = True,
) -> NewUser:
    """Create an account. Without a password, a strong one is generated and returned once.

    With `usable_password=False` the account cannot sign in until an administrator sets a
    password (accounts that exist to author records, such as the demo's reporters)."""
    authz.require(actor, "backoffice:access")
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role “%(role)s”.") % {"role": role}})
    chosen = password or secrets.token_urlsafe(18)
    generated = None if password else chosen
    user = User(username=username, organisation=organisation, role=role, email=email,
                is_staff=role == Role.ADMIN, is_superuser=role == Role.ADMIN)
    with transaction.atomic():
        if User.objects.filter(username=username).exists():
            raise Conflict("username", _("This username is taken."))
        user.full_clean(exclude=["password"], validate_unique=False)
        if usable_password:
            validate_password(chosen, user)
            user.set_password(chosen)
        else:
            user.set_unusable_password()
            generated = None
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


# --- Contacts CSV import --------------------------------------------------------------

ImportProgress = Callable[[str, int, int], None]
# The fields a CSV row sets on a contact, besides its organisation and escalation target.
_IMPORTED_FIELDS = tuple(f for f in CONTACT_FIELDS if f not in ("organisation", "escalates_to"))


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int
    skipped: list[contacts_csv.RowError]  # with skip_invalid: the problems of the rows left out

    @property
    def skipped_lines(self) -> list[int]:
        return sorted({error.line for error in self.skipped})


@dataclass
class _PlannedRow:
    line: int
    values: dict[str, Any]
    escalates_to_email: str
    existing: Contact | None
    target: _PlannedRow | Contact | None = None


def import_contacts(
    *, actor: Any, rows: Sequence[contacts_csv.ContactRow], skip_invalid: bool = False,
    progress: ImportProgress | None = None,
) -> ImportResult:
    """Create or update the contacts of a CSV file (docs/contacts-csv.md), all or nothing.

    Every row is checked first, with the same normalisation and model rules as
    `create_contact`. A row matches an existing contact by organisation and email (by
    organisation and name when it has no email) and then updates it. `escalates_to` is
    the email of another contact, in the file or already in the directory.
    Raises `contacts_csv.InvalidRows` listing every problem, and changes nothing, unless
    `skip_invalid`: then the valid rows are imported and `ImportResult.skipped` lists the
    problems of the rows left out. One audit entry, "contact.import", records the counts.
    `progress(step, done, total)` is called as rows are checked and saved.
    """
    authz.require(actor, "contact:import")
    report = progress or (lambda step, done, total: None)
    with transaction.atomic():
        planned, errors = _plan_import(rows, report)
        if errors and not skip_invalid:
            raise contacts_csv.InvalidRows(errors)
        created, updated, unchanged = _apply_import(planned, report)
        result = ImportResult(created, updated, unchanged, errors)
        audit.record(actor=actor, action="contact.import", details={
            "rows": len(rows), "created": created, "updated": updated, "unchanged": unchanged,
            "skipped": len(result.skipped_lines), "skipped_lines": result.skipped_lines,
        })
    return result


def _plan_import(
    rows: Sequence[contacts_csv.ContactRow], report: ImportProgress
) -> tuple[list[_PlannedRow], list[contacts_csv.RowError]]:
    """Check every row: the rows fit to import, and every problem found, by line."""
    slugs = [row.cells["organisation"] for row in rows if row.cells.get("organisation")]
    organisations = Organisation.objects.in_bulk(slugs, field_name="slug")
    everyone = list(Contact.objects.select_related("organisation"))
    by_key: dict[tuple[int, str, str], list[Contact]] = {}
    for contact in everyone:
        key = _contact_key(contact.organisation_id, contact.email, contact.name)
        by_key.setdefault(key, []).append(contact)

    errors: list[contacts_csv.RowError] = []
    planned: dict[int, _PlannedRow] = {}
    first_line_of: dict[tuple[int, str, str], int] = {}
    emails_by_line: dict[int, str] = {}
    for done, row in enumerate(rows, start=1):
        report(_("Checking rows"), done, len(rows))
        emails_by_line[row.line] = row.cells.get("email", "").strip().lower()
        errors.extend(_check_row(row, organisations, by_key, first_line_of, planned))

    _resolve_escalations(planned, everyone, emails_by_line, errors)
    order = {name: index for index, name in enumerate(contacts_csv.HEADER)}
    errors.sort(key=lambda error: (error.line, order.get(error.field, -1)))
    return [planned[line] for line in sorted(planned)], errors


def _contact_key(organisation_id: int, email: str, name: str) -> tuple[int, str, str]:
    email = email.strip().lower()
    return (organisation_id, email, "" if email else name.strip().casefold())


def _check_row(
    row: contacts_csv.ContactRow,
    organisations: dict[str, Organisation],
    by_key: dict[tuple[int, str, str], list[Contact]],
    first_line_of: dict[tuple[int, str, str], int],
    planned: dict[int, _PlannedRow],
) -> list[contacts_csv.RowError]:
    values, errors = contacts_csv.parse_row(row)
    if row.problem:
        return errors

    def problem(field: str, message: str) -> None:
        errors.append(contacts_csv.RowError(row.line, field, message))

    organisation = organisations.get(values["organisation"])
    if organisation is None and values["organisation"]:
        problem("organisation", _("No organisation with the slug “%(slug)s”.")
                % {"slug": values["organisation"]})
    failed = {error.field for error in errors}
    cleaned: dict[str, Any] = {}
    for name in _IMPORTED_FIELDS:
        if name in failed:
            continue
        try:
            cleaned.update(_normalise_contact_fields({name: values[name]}))
        except ValidationError as error:
            failed.add(name)
            for message in error.messages:
                problem(name, message)
    try:
        Contact(organisation=organisation, **cleaned).full_clean(
            exclude=[*failed, "organisation", "escalates_to"],
            validate_unique=False, validate_constraints=False,
        )
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            for message in messages:
                problem(name, message)
    if organisation is None or errors:
        return errors

    key = _contact_key(organisation.pk, cleaned["email"], cleaned["name"])
    if key in first_line_of:
        field = "email" if cleaned["email"] else "name"
        problem(field, _("Line %(line)s already has this organisation and %(field)s.")
                % {"line": first_line_of[key], "field": field})
        return errors
    first_line_of[key] = row.line
    matches = by_key.get(key, [])
    if len(matches) > 1:
        problem("name", _("Several contacts of %(organisation)s have this name and no email: "
                          "add an email to tell them apart.") % {"organisation": organisation.slug})
        return errors
    planned[row.line] = _PlannedRow(
        line=row.line, values={"organisation": organisation, **cleaned},
        escalates_to_email=values["escalates_to"].strip().lower(),
        existing=matches[0] if matches else None,
    )
    return errors


def _organisation_id(node: _PlannedRow | Contact) -> int:
    if isinstance(node, Contact):
        return node.organisation_id
    return node.values["organisation"].pk


def _level(node: _PlannedRow | Contact) -> int:
    if isinstance(node, Contact):
        return node.escalation_level
    return node.values["escalation_level"]


def _resolve_escalations(
    planned: dict[int, _PlannedRow], everyone: list[Contact], emails_by_line: dict[int, str],
    errors: list[contacts_csv.RowError],
) -> None:
    """Point each planned row at whom it escalates to; drop the rows whose target is unusable.

    Dropping a row can strand the rows that name it, so this repeats until nothing changes.
    A contact the file updates is its row; the others are as the directory has them.
    """
    contacts_by_pk = {contact.pk: contact for contact in everyone}

    def fail(row: _PlannedRow, message: str) -> None:
        errors.append(contacts_csv.RowError(row.line, "escalates_to", message))
        del planned[row.line]

    changed = True
    while changed:
        changed = False
        rows_by_pk = {row.existing.pk: row for row in planned.values() if row.existing}
        candidates: dict[str, list[_PlannedRow | Contact]] = {}
        for row in planned.values():
            if row.values["email"]:
                candidates.setdefault(row.values["email"], []).append(row)
        for contact in everyone:
            if contact.email and contact.pk not in rows_by_pk:
                candidates.setdefault(contact.email.lower(), []).append(contact)

        for row in list(planned.values()):
            email, row.target = row.escalates_to_email, None
            if not email:
                continue
            found = candidates.get(email, [])
            own = [c for c in found if _organisation_id(c) == row.values["organisation"].pk]
            choice = own or found
            left_out = [line for line, e in emails_by_line.items()
                        if e == email and line not in planned]
            if not choice:
                fail(row, _("%(email)s is on line %(line)s, which is not imported.")
                     % {"email": email, "line": left_out[0]} if left_out else
                     _("No contact with the email %(email)s in this file or the directory.")
                     % {"email": email})
            elif len(choice) > 1:
                fail(row, _("Several contacts have the email %(email)s; name a contact of this "
                            "organisation or one whose email is unique.") % {"email": email})
            elif _level(choice[0]) < row.values["escalation_level"]:
                fail(row, _("Escalation goes up: choose someone at level %(level)s or above.")
                     % {"level": row.values["escalation_level"]})
            else:
                row.target = choice[0]
                continue
            changed = True

        for row in list(planned.values()):
            if _escalation_returns_to(row, rows_by_pk, contacts_by_pk):
                fail(row, _("This would make an escalation loop."))
                changed = True
                break  # the others' targets may have changed: resolve again


def _escalation_returns_to(
    row: _PlannedRow, rows_by_pk: dict[int, _PlannedRow], contacts_by_pk: dict[int, Contact]
) -> bool:
    def identity(node: _PlannedRow | Contact) -> tuple[str, int]:
        if isinstance(node, Contact):
            return ("contact", node.pk)
        return ("contact", node.existing.pk) if node.existing else ("line", node.line)

    def next_of(node: _PlannedRow | Contact) -> _PlannedRow | Contact | None:
        if isinstance(node, _PlannedRow):
            return node.target
        if node.escalates_to_id is None:
            return None
        return rows_by_pk.get(node.escalates_to_id) or contacts_by_pk.get(node.escalates_to_id)

    start, seen = identity(row), set()
    node = next_of(row)
    while node is not None and identity(node) not in seen:
        if identity(node) == start:
            return True
        seen.add(identity(node))
        node = next_of(node)
    return False


def _apply_import(planned: list[_PlannedRow], report: ImportProgress) -> tuple[int, int, int]:
    """Save the checked rows; returns how many contacts were created, updated and unchanged."""
    created = updated = unchanged = 0
    saved: dict[int, Contact] = {}
    waiting: list[tuple[Contact, _PlannedRow]] = []  # rows naming a contact not yet created
    tracked = (*_IMPORTED_FIELDS, "escalates_to_id")
    for done, row in enumerate(planned, start=1):
        report(_("Saving contacts"), done, len(planned))
        contact = row.existing or Contact()
        before = {name: getattr(contact, name) for name in tracked}
        for name, value in row.values.items():
            setattr(contact, name, value)
        target, waits = row.target, False
        if isinstance(target, _PlannedRow):
            waits = target.existing is None
            if waits:
                waiting.append((contact, target))
            target = target.existing
        contact.escalates_to = target
        if row.existing is None:
            contact.save()
            created += 1
        elif waits or any(before[name] != getattr(contact, name) for name in tracked):
            contact.save()
            updated += 1
        else:
            unchanged += 1
        saved[row.line] = contact
    for contact, target_row in waiting:
        contact.escalates_to = saved[target_row.line]
        contact.save(update_fields=["escalates_to", "updated_at"])
    return created, updated, unchanged
