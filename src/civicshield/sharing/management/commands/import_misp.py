"""`civicshield import-misp FILE --organisation SLUG [--skip-invalid]`: MISP event JSON in.

One report per event (see sharing/misp/importer.py and docs/misp.md), owned by the named
organisation. All or nothing: a bad event is reported as "events[N].Attribute[M].value:
event <uuid>: attribute <uuid> (...): reason", nothing is written and the exit code is 2
— unless --skip-invalid, which imports the valid events and lists each one left out.
"""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from typing import Any

from civicshield.core.authz import OPERATOR
from civicshield.core.management import CivicShieldCommand, fail
from civicshield.directory.selectors import organisation_for
from civicshield.sharing.misp.importer import InvalidEvents, import_events


class Command(CivicShieldCommand):
    help = "Import MISP event JSON (an event, a list or a search result); '-' reads stdin."
    stealth_options = ("stdin",)

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", metavar="FILE", help="MISP event JSON, UTF-8.")
        parser.add_argument("--organisation", required=True, metavar="SLUG",
                            help="The organisation that owns the imported reports.")
        parser.add_argument("--skip-invalid", action="store_true",
                            help="Import the valid events and list the events left out.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        payload = self._read(path, options.get("stdin") or sys.stdin)
        organisation = organisation_for(OPERATOR, options["organisation"])
        try:
            result = import_events(actor=OPERATOR, payload=payload, organisation=organisation,
                                   skip_invalid=options["skip_invalid"])
        except InvalidEvents as invalid:
            self._report(invalid.errors)
            raise fail(f"{path}: invalid MISP input; nothing imported (fix it, or use "
                       "--skip-invalid to import the other events).") from None
        for skipped in result.skipped_events:
            self.stderr.write(f"Skipped event {skipped.event} (events[{skipped.index}]):")
            self._report(skipped.errors)
        for attribute in result.skipped_attributes:
            self.stderr.write(f"  not imported: {attribute}")
        for item in result.imported:
            self.stdout.write(f"{item.event} → {item.report.reference} "
                              f"(TLP:{item.report.tlp.upper()})"
                              f"{' updated' if item.updated else ''}")
            if item.marking_kept:
                self.stdout.write(
                    f"  the event is now marked TLP:{item.marking_kept.upper()}: the report "
                    f"keeps its narrower marking (an analyst may widen it)")
        for unchanged in result.unchanged:
            self.stdout.write(f"{unchanged.event}: imported before, no newer version")
        self.stdout.write(
            f"Imported {path}: {len(result.imported)} reports, "
            f"{len(result.unchanged)} unchanged, "
            f"{len(result.skipped_events)} events skipped, "
            f"{len(result.skipped_attributes)} attributes not imported."
        )

    def _read(self, path: str, stdin: Any) -> bytes:
        try:
            if path == "-":
                data = stdin.read()
                return data.encode("utf-8") if isinstance(data, str) else data
            with open(path, "rb") as stream:
                return stream.read()
        except FileNotFoundError:
            raise fail(f"{path}: no such file.") from None
        except OSError as error:
            raise fail(f"{path}: {error.strerror}.") from None

    def _report(self, errors: dict[str, list[str]]) -> None:
        for field, messages in errors.items():
            for message in messages:
                self.stderr.write(f"  {field}: {message}")
