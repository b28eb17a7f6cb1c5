"""The contacts CSV format (docs/contacts-csv.md): its header, reading it, writing it.

Reading turns text into typed values and reports every problem as "line N: field:
reason", with line numbers as a spreadsheet shows them (the header is line 1).
Checking the values against the directory (organisations, the escalation chain,
the model's rules) is the job of `directory.services.import_contacts`.
Export writes the same header, so an exported file imports back unchanged.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TextIO

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from civicshield.directory.choices import Availability, EscalationLevel
from civicshield.directory.models import Contact

HEADER: tuple[str, ...] = (
    "organisation", "name", "role_title", "email", "phone", "secure_channel", "topics",
    "phases", "languages", "region", "availability", "timezone", "escalation_level",
    "escalates_to", "active",
)
MULTI_VALUE_COLUMNS = ("topics", "phases", "languages")
MULTI_VALUE_SEPARATOR = ";"
TRUE_WORDS = frozenset({"yes", "y", "true", "1"})
FALSE_WORDS = frozenset({"no", "n", "false", "0"})
# A spreadsheet runs a cell that starts with one of these as a formula. Export guards such
# cells with a leading apostrophe (OWASP, "CSV injection"); import removes it again.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.message}"


@dataclass(frozen=True)
class ContactRow:
    """One data row of the file: its line number and its cells by column name."""

    line: int
    cells: dict[str, str]
    problem: str = ""  # set when the row cannot be read at all (its cells do not fit the header)


class InvalidRows(ValidationError):
    """Rows that cannot be imported; nothing was imported. `errors` says which and why."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__([str(error) for error in errors])
        self.errors = errors


def read_rows(stream: Iterable[str]) -> list[ContactRow]:
    """The data rows of a contacts CSV (text opened with newline="").

    Raises InvalidRows naming the unknown, missing or repeated columns. A row whose
    number of cells does not match the header comes back with its `problem` set.
    Empty rows (spreadsheets leave some at the end) are skipped.
    """
    reader = csv.reader(_without_bom(stream))
    records = enumerate(reader, start=1)
    try:
        # Not `_, cells = ...`: a local `_` would hide gettext in this whole function.
        header = next(records, None)
        if header is None:
            raise InvalidRows([RowError(1, "header", _(
                "The file is empty: line 1 must be the header."))])
        columns = [cell.strip().lower() for cell in header[1]]
        _check_header(columns)
        return [_row(line, columns, cells) for line, cells in records
                if any(cell.strip() for cell in cells)]
    except csv.Error as error:
        raise InvalidRows([RowError(reader.line_num, "file", _(
            "This is not readable CSV (%(error)s).") % {"error": error})]) from None


def _row(line: int, columns: list[str], cells: list[str]) -> ContactRow:
    if len(cells) != len(columns):
        return ContactRow(line, {}, _(
            "%(found)s cells where the header has %(expected)s columns."
        ) % {"found": len(cells), "expected": len(columns)})
    return ContactRow(line, {
        column: _unguard(cell.strip()) for column, cell in zip(columns, cells, strict=True)
    })


def _without_bom(stream: Iterable[str]) -> Iterator[str]:
    # Spreadsheets save "CSV UTF-8" with a byte order mark; a file opened as plain
    # utf-8 (or stdin) still carries it into the first column's name.
    first = True
    for text in stream:
        if first:
            text = text.removeprefix("\ufeff")
            first = False
        yield text


def _check_header(columns: list[str]) -> None:
    problems: dict[str, str] = {}
    unknown = [column for column in columns if column not in HEADER]
    missing = [column for column in HEADER if column not in columns]
    repeated = sorted({column for column in columns if columns.count(column) > 1})
    if unknown:
        problems["unknown columns"] = ", ".join(repr(column) for column in unknown)
    if missing:
        problems["missing columns"] = ", ".join(missing)
    if repeated:
        problems["repeated columns"] = ", ".join(repeated)
    if problems:
        detail = "; ".join(f"{what}: {names}" for what, names in problems.items())
        raise InvalidRows([RowError(1, "header", _(
            "%(detail)s. The header is: %(header)s"
        ) % {"detail": detail, "header": ",".join(HEADER)})])


def _unguard(cell: str) -> str:
    if cell.startswith("'") and cell[1:2] and cell[1:2] in _FORMULA_STARTS:
        return cell[1:]
    return cell


def _guard(cell: str) -> str:
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


def parse_row(row: ContactRow) -> tuple[dict[str, Any], list[RowError]]:
    """The row's values as the contact services take them, and what is wrong with its text.

    `organisation` stays a slug and `escalates_to` an email: the service resolves them.
    """
    if row.problem:
        return {}, [RowError(row.line, "row", row.problem)]
    cells = row.cells
    values: dict[str, Any] = {
        name: cells[name]
        for name in ("organisation", "name", "role_title", "email", "phone", "secure_channel",
                     "region", "timezone", "escalates_to")
    }
    errors: list[RowError] = []
    for name in MULTI_VALUE_COLUMNS:
        values[name] = [part.strip() for part in cells[name].split(MULTI_VALUE_SEPARATOR)
                        if part.strip()]

    availability = cells["availability"].strip()
    by_word = {choice.value.lower(): choice.value for choice in Availability}
    by_word.update({str(choice.label).lower(): choice.value for choice in Availability})
    if not availability:
        values["availability"] = Availability.BUSINESS_HOURS.value
    elif availability.lower() in by_word:
        values["availability"] = by_word[availability.lower()]
    else:
        errors.append(RowError(row.line, "availability", _(
            "“%(value)s” is not one of %(choices)s."
        ) % {"value": availability, "choices": ", ".join(Availability.values)}))

    level = cells["escalation_level"].strip()
    if not level:
        values["escalation_level"] = EscalationLevel.ANALYST.value
    elif level.isdigit() and int(level) in EscalationLevel.values:
        values["escalation_level"] = int(level)
    else:
        errors.append(RowError(row.line, "escalation_level", _(
            "“%(value)s” is not 1 (analyst), 2 (manager) or 3 (senior official)."
        ) % {"value": level}))

    active = cells["active"].strip().lower()
    if not active or active in TRUE_WORDS:
        values["active"] = True
    elif active in FALSE_WORDS:
        values["active"] = False
    else:
        errors.append(RowError(row.line, "active", _(
            "“%(value)s” is not yes or no."
        ) % {"value": cells["active"]}))

    if not values["organisation"]:
        errors.append(RowError(row.line, "organisation", _("Required: an organisation slug.")))
    return values, errors


def contact_cells(contact: Contact) -> list[str]:
    """The contact as one CSV row, in HEADER order."""
    escalates_to = contact.escalates_to
    values = {
        "organisation": contact.organisation.slug,
        "name": contact.name,
        "role_title": contact.role_title,
        "email": contact.email,
        "phone": contact.phone,
        "secure_channel": contact.secure_channel,
        "topics": MULTI_VALUE_SEPARATOR.join(contact.topics),
        "phases": MULTI_VALUE_SEPARATOR.join(contact.phases),
        "languages": MULTI_VALUE_SEPARATOR.join(contact.languages),
        "region": contact.region,
        "availability": contact.availability,
        "timezone": contact.timezone,
        "escalation_level": str(contact.escalation_level),
        "escalates_to": escalates_to.email if escalates_to is not None else "",
        "active": "yes" if contact.active else "no",
    }
    return [_guard(values[column]) for column in HEADER]


def write_contacts(
    contacts: Iterable[Contact], stream: TextIO, *, byte_order_mark: bool = False
) -> int:
    """Write the header and one row per contact; returns how many rows were written.

    Contacts should come with `organisation` and `escalates_to` selected (no query per row).
    """
    if byte_order_mark:
        stream.write("\ufeff")
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(HEADER)
    count = 0
    for contact in contacts:
        writer.writerow(contact_cells(contact))
        count += 1
    return count
