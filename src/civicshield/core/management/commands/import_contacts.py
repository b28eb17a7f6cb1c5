"""`civicshield import-contacts FILE.csv [--skip-invalid]`: the contacts CSV, all or nothing.

The format is in docs/contacts-csv.md. Every bad row is reported as "line N: field:
reason"; nothing is imported unless every row is valid, or --skip-invalid is given,
in which case the valid rows are imported and each skipped row is listed.
"""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from typing import Any

from civicshield.core.authz import OPERATOR
from civicshield.core.management import CivicShieldCommand, fail, progress_bar
from civicshield.directory import contacts_csv, services


class Command(CivicShieldCommand):
    help = "Import contacts from a CSV file (see docs/contacts-csv.md); '-' reads stdin."
    stealth_options = ("stdin",)

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", metavar="FILE.csv", help="The CSV file, UTF-8 (a BOM is fine).")
        parser.add_argument("--skip-invalid", action="store_true",
                            help="Import the valid rows and list the rows left out.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        rows = self._read(path, options.get("stdin") or sys.stdin)
        with progress_bar("Importing contacts", total=len(rows)) as advance:
            try:
                result = services.import_contacts(
                    actor=OPERATOR, rows=rows, skip_invalid=options["skip_invalid"],
                    progress=lambda step, done, total: advance(step, completed=done, total=total),
                )
            except contacts_csv.InvalidRows as invalid:
                self._report(invalid.errors)
                lines = len({error.line for error in invalid.errors})
                raise fail(
                    f"{path}: {lines} invalid row{'s' if lines != 1 else ''}; nothing imported "
                    "(fix them, or use --skip-invalid to import the other rows)."
                ) from None
        if result.skipped:
            self.stderr.write(f"Skipped {len(result.skipped_lines)} invalid row"
                              f"{'s' if len(result.skipped_lines) != 1 else ''}:")
            self._report(result.skipped)
        self.stdout.write(
            f"Imported {path}: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged, {len(result.skipped_lines)} skipped."
        )

    def _read(self, path: str, stdin: Any) -> list[contacts_csv.ContactRow]:
        try:
            if path == "-":
                return contacts_csv.read_rows(stdin)
            with open(path, encoding="utf-8-sig", newline="") as stream:
                return contacts_csv.read_rows(stream)
        except contacts_csv.InvalidRows as invalid:
            self._report(invalid.errors)
            raise fail(f"{path}: cannot be read as a contacts CSV; nothing imported.") from None
        except FileNotFoundError:
            raise fail(f"{path}: no such file.") from None
        except UnicodeDecodeError as error:
            raise fail(f"{path}: not UTF-8 text (byte {error.start}); save it as "
                       "\"CSV UTF-8\".") from None
        except OSError as error:
            raise fail(f"{path}: {error.strerror}.") from None

    def _report(self, errors: list[contacts_csv.RowError]) -> None:
        for error in errors:
            self.stderr.write(f"  {error}")
