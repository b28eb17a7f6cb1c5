"""`civicshield export-contacts [-o FILE]`: every contact as CSV, to stdout by default.

Writes the header of docs/contacts-csv.md, so the file imports back with
`civicshield import-contacts` unchanged.
"""

from __future__ import annotations

import io
import os
import tempfile
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from civicshield.core import authz
from civicshield.core.authz import OPERATOR
from civicshield.core.management import CivicShieldCommand, fail, progress_bar
from civicshield.directory import contacts_csv, selectors


class Command(CivicShieldCommand):
    help = "Export every contact as CSV (see docs/contacts-csv.md), to stdout or a file."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("-o", "--output", metavar="FILE",
                            help="Write to FILE instead of stdout (replaced whole or not at all).")
        parser.add_argument("--bom", action="store_true",
                            help="Start with a UTF-8 byte order mark (for some spreadsheets).")

    def handle(self, *args: Any, **options: Any) -> None:
        authz.require(OPERATOR, "contact:export")
        contacts = list(selectors.contacts_visible_to(OPERATOR, include_inactive=True))
        output = options["output"]
        if not output:
            buffer = io.StringIO(newline="")
            count = self._write(contacts, buffer, options["bom"])
            # The CSV writer ends each row itself; add no line ending of our own.
            self.stdout.write(buffer.getvalue(), ending="")
            self.stderr.write(f"Exported {count} contacts.")
            return
        target = Path(output)
        temporary = None
        try:
            # Written beside the target, then renamed over it: a reader never sees half a file.
            with tempfile.NamedTemporaryFile(
                "w", encoding="utf-8", newline="", dir=target.parent,
                prefix=f".{target.name}.", suffix=".tmp", delete=False,
            ) as stream:
                temporary = Path(stream.name)
                count = self._write(contacts, stream, options["bom"])
            os.replace(temporary, target)
        except OSError as error:
            if temporary is not None:
                temporary.unlink(missing_ok=True)
            raise fail(f"{output}: {error.strerror or error}.") from None
        self.stdout.write(f"Exported {count} contacts to {output}.")

    def _write(self, contacts: list[Any], stream: Any, bom: bool) -> int:
        with progress_bar("Exporting contacts", total=len(contacts)) as advance:
            def each() -> Any:
                for contact in contacts:
                    yield contact
                    advance()

            return contacts_csv.write_contacts(each(), stream, byte_order_mark=bom)
