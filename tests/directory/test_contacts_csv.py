"""The contacts CSV: import all or nothing, line-numbered errors, export that imports back."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from civicshield.core.authz import OPERATOR
from civicshield.core.errors import PermissionDenied
from civicshield.core.models import AuditEntry
from civicshield.directory import contacts_csv, services
from civicshield.directory.models import Contact
from tests import factories

HEADER = ",".join(contacts_csv.HEADER)


def write_csv(tmp_path: Path, *rows: str, header: str = HEADER, bom: bool = False) -> Path:
    path = tmp_path / "contacts.csv"
    text = "\r\n".join([header, *rows]) + "\r\n"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode())
    return path


def run(*args: str) -> tuple[str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command(*args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def run_failing(*args: str) -> tuple[str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command(*args, stdout=stdout, stderr=stderr)
    assert failure.value.returncode == 2
    return stdout.getvalue(), stderr.getvalue() + str(failure.value)


@pytest.fixture
def commission(vocabulary: None) -> Any:
    return factories.make_organisation(slug="veridia-ec", name="Veridia Electoral Commission")


@pytest.fixture
def fact_checkers() -> Any:
    return factories.make_organisation(slug="veritas-check", name="Veritas Check")


def test_valid_rows_are_imported_normalised_with_their_escalation_chain(
    tmp_path: Path, commission: Any
) -> None:
    path = write_csv(
        tmp_path,
        "veridia-ec,Ana Lind,Duty analyst,Ana.Lind@ec.veridia.example,+44 20 7946 0101,Signal,"
        "Phishing;Hack and leak,voter registration;campaign,en; fr,North,24/7,Europe/London,1,"
        "chief@ec.veridia.example,yes",
        "veridia-ec,Ben Chief,Chief electoral officer,chief@ec.veridia.example,,,,,en,,"
        "business_hours,,3,,",
        bom=True,
    )

    out, _ = run("import_contacts", str(path))

    assert "2 created, 0 updated" in out
    ana = Contact.objects.get(email="ana.lind@ec.veridia.example")
    assert ana.organisation == commission
    assert ana.phone == "+442079460101"
    assert ana.topics == ["phishing", "hack_and_leak"]
    assert ana.phases == ["voter_registration", "campaign"]
    assert ana.languages == ["en", "fr"]
    assert ana.availability == "24_7"
    assert ana.escalates_to == Contact.objects.get(email="chief@ec.veridia.example")
    chief = ana.escalates_to
    assert chief.escalation_level == 3 and chief.active and chief.timezone == "UTC"


def test_invalid_rows_are_reported_by_line_and_field_and_nothing_is_imported(
    tmp_path: Path, commission: Any
) -> None:
    path = write_csv(
        tmp_path,
        "veridia-ec,Ana Lind,,ana@ec.veridia.example,,,,,,,,,,,",
        "no-such-org,Cy Ward,,cy@ec.veridia.example,,,,,,,,,,,",
        "veridia-ec,Di Moss,,di@ec.veridia.example,12345,,,,english,,sometimes,Mars/Base,7,,maybe",
        "veridia-ec,Ed Holt,,ed@ec.veridia.example,,,,,,,,,1,nobody@ec.veridia.example,",
        "veridia-ec,Fay Cole,,fay@ec.veridia.example",
    )

    _, err = run_failing("import_contacts", str(path))

    assert "line 3: organisation: No organisation with the slug “no-such-org”." in err
    assert "line 4: phone: “12345” is not a valid international phone number" in err
    assert "line 4: languages: “english” is not a language code" in err
    assert "line 4: availability: “sometimes” is not one of 24_7, business_hours." in err
    assert "line 4: timezone: “Mars/Base” is not a known time zone" in err
    assert "line 4: escalation_level: “7” is not 1 (analyst)" in err
    assert "line 4: active: “maybe” is not yes or no." in err
    assert ("line 5: escalates_to: No contact with the email nobody@ec.veridia.example "
            "in this file or the directory.") in err
    assert "line 6: row: 4 cells where the header has 15 columns." in err
    assert "line 2" not in err
    assert "4 invalid rows; nothing imported" in err
    assert not Contact.objects.exists()
    assert not AuditEntry.objects.filter(action="contact.import").exists()


def test_skip_invalid_imports_the_rest_and_lists_exactly_what_was_skipped(
    tmp_path: Path, commission: Any
) -> None:
    path = write_csv(
        tmp_path,
        "veridia-ec,Ana Lind,,ana@ec.veridia.example,,,,,,,,,,,",
        "veridia-ec,,,nameless@ec.veridia.example,,,,,,,,,,,",
        "veridia-ec,Cy Ward,,cy@ec.veridia.example,,,,,,,,,2,,",
        "veridia-ec,Di Moss,,di@ec.veridia.example,,,,,,,,,1,nameless@ec.veridia.example,",
    )

    out, err = run("import_contacts", str(path), "--skip-invalid")

    assert "2 created, 0 updated, 0 unchanged, 2 skipped" in out
    assert "Skipped 2 invalid rows:" in err
    assert "line 3: name: This field cannot be blank." in err
    assert ("line 5: escalates_to: nameless@ec.veridia.example is on line 3, "
            "which is not imported.") in err
    assert sorted(Contact.objects.values_list("name", flat=True)) == ["Ana Lind", "Cy Ward"]
    entry = AuditEntry.objects.get(action="contact.import")
    assert entry.details["skipped_lines"] == [3, 5]


def test_import_is_one_cli_audit_entry_with_the_counts(tmp_path: Path, commission: Any) -> None:
    factories.make_contact(commission, name="Ana Lind", email="ana@ec.veridia.example")
    path = write_csv(
        tmp_path,
        "veridia-ec,Ana Lind,Head of desk,ana@ec.veridia.example,,,,,,,,,,,",
        "veridia-ec,Ben Chief,,chief@ec.veridia.example,,,,,,,,,3,,",
    )

    out, _ = run("import_contacts", str(path))

    assert "1 created, 1 updated, 0 unchanged" in out
    assert Contact.objects.get(email="ana@ec.veridia.example").role_title == "Head of desk"
    entries = AuditEntry.objects.exclude(action__startswith="vocab.")
    assert [entry.action for entry in entries] == ["contact.import"]
    entry = entries[0]
    assert entry.surface == "cli"
    assert entry.actor_label == "operator"
    assert entry.details == {"rows": 2, "created": 1, "updated": 1, "unchanged": 0,
                             "skipped": 0, "skipped_lines": []}


def test_export_then_import_round_trips_unchanged(
    tmp_path: Path, commission: Any, fact_checkers: Any
) -> None:
    chief = factories.make_contact(
        commission, name="Ben Chief", email="chief@ec.veridia.example", escalation_level=3,
        phone="+442079460102", availability="24_7", timezone="Europe/London",
    )
    factories.make_contact(
        commission, name="Ana Lind", email="ana@ec.veridia.example", escalates_to=chief,
        topics=["phishing", "hack_and_leak"], phases=["campaign"],
        languages=["en", "fr"], region="North", secure_channel="Signal: +442079460101",
        role_title="=HYPERLINK(\"x\")",
    )
    factories.make_contact(fact_checkers, name="Zoë Ortiz, PhD", email="", active=False)
    exported = tmp_path / "contacts.csv"
    before = list(Contact.objects.values())

    out, _ = run("export_contacts", "-o", str(exported))
    assert "Exported 3 contacts" in out
    text = exported.read_bytes().decode("utf-8")
    assert text.splitlines()[0] == HEADER
    assert "'=HYPERLINK" in text  # a spreadsheet shows it as text instead of running it

    out, _ = run("import_contacts", str(exported))

    assert "0 created, 0 updated, 3 unchanged" in out
    assert list(Contact.objects.values()) == before
    again, _ = run("export_contacts")
    assert again == text


def test_export_writes_to_stdout_by_default(commission: Any) -> None:
    factories.make_contact(commission, name="Ana Lind", email="ana@ec.veridia.example")

    out, err = run("export_contacts")

    assert out.splitlines() == [
        HEADER,
        "veridia-ec,Ana Lind,,ana@ec.veridia.example,,,,,,,business_hours,UTC,1,,yes",
    ]
    assert "Exported 1 contacts." in err


def test_unknown_and_missing_columns_are_named(tmp_path: Path, commission: Any) -> None:
    path = write_csv(tmp_path, "veridia-ec,Ana,x", header="organisation,name,nickname")

    _, err = run_failing("import_contacts", str(path))

    assert "line 1: header: unknown columns: 'nickname'; missing columns: role_title, email" in err
    assert "nothing imported" in err


def test_a_row_naming_the_same_contact_twice_is_refused(tmp_path: Path, commission: Any) -> None:
    path = write_csv(
        tmp_path,
        "veridia-ec,Ana Lind,,ana@ec.veridia.example,,,,,,,,,,,",
        "veridia-ec,Ana L.,,ANA@ec.veridia.example,,,,,,,,,,,",
    )

    _, err = run_failing("import_contacts", str(path))

    assert "line 3: email: Line 2 already has this organisation and email." in err


def test_escalation_must_go_up_and_never_loop(tmp_path: Path, commission: Any) -> None:
    path = write_csv(
        tmp_path,
        "veridia-ec,Ana,,ana@ec.veridia.example,,,,,,,,,2,ben@ec.veridia.example,",
        "veridia-ec,Ben,,ben@ec.veridia.example,,,,,,,,,1,,",
        "veridia-ec,Cy,,cy@ec.veridia.example,,,,,,,,,2,di@ec.veridia.example,",
        "veridia-ec,Di,,di@ec.veridia.example,,,,,,,,,2,cy@ec.veridia.example,",
    )

    _, err = run_failing("import_contacts", str(path))

    assert "line 2: escalates_to: Escalation goes up: choose someone at level 2 or above." in err
    assert "line 4: escalates_to: This would make an escalation loop." in err
    assert not Contact.objects.exists()


def test_escalates_to_may_name_a_contact_already_in_the_directory(
    tmp_path: Path, commission: Any, fact_checkers: Any
) -> None:
    chief = factories.make_contact(commission, email="chief@ec.veridia.example",
                                   escalation_level=3)
    path = write_csv(
        tmp_path,
        "veritas-check,Eve Park,,eve@veritas.veridia.example,,,,,,,,,1,chief@ec.veridia.example,",
    )

    run("import_contacts", str(path))

    assert Contact.objects.get(email="eve@veritas.veridia.example").escalates_to == chief


def test_the_service_refuses_users_who_may_not_import(commission: Any) -> None:
    analyst = factories.make_user(role="analyst", organisation=commission)

    with pytest.raises(PermissionDenied):
        services.import_contacts(actor=analyst, rows=[], skip_invalid=False)


def test_the_service_imports_nothing_when_a_row_is_invalid(commission: Any) -> None:
    rows = contacts_csv.read_rows(io.StringIO(
        HEADER + "\nveridia-ec,Ana,,ana@ec.veridia.example,,,,,,,,,,,\n"
        "veridia-ec,Ben,,ben@ec.veridia.example,,,,,,,,,9,,\n"
    ))

    with pytest.raises(contacts_csv.InvalidRows) as invalid:
        services.import_contacts(actor=OPERATOR, rows=rows, skip_invalid=False)

    assert [str(error) for error in invalid.value.errors] == [
        "line 3: escalation_level: “9” is not 1 (analyst), 2 (manager) or 3 (senior official)."
    ]
    assert not Contact.objects.exists()


def test_a_file_that_is_not_utf8_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + "\nveridia-ec,Zoë,,,,,,,,,,,,,\n").encode("latin-1"))

    _, err = run_failing("import_contacts", str(path))

    assert "not UTF-8 text" in err


def test_an_empty_file_is_refused_as_having_no_header(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")

    _, err = run_failing("import_contacts", str(path))

    assert "line 1: header: The file is empty: line 1 must be the header." in err


@pytest.mark.parametrize("rows", [(), ("veridia-ec,Ana",)], ids=["in-the-header", "in-a-row"])
def test_a_cell_too_large_for_csv_is_refused_clearly(tmp_path: Path, rows: tuple[str, ...]
                                                     ) -> None:
    huge = '"' + "x" * 200_000 + '"'
    path = write_csv(tmp_path, *rows, huge) if rows else write_csv(tmp_path, header=huge)

    _, err = run_failing("import_contacts", str(path))

    assert "This is not readable CSV" in err
