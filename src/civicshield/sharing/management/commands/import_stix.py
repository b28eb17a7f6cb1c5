"""`civicshield import FILE`: a STIX 2.1 bundle (or one object) in, all or nothing.

The command line imports for the coordinating organisation, which owns what it imports
(`--organisation SLUG` names another). An invalid bundle is reported one line per
problem, "object id: reason", nothing is written and the exit code is 2.
"""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from typing import Any

from civicshield.core.authz import OPERATOR
from civicshield.core.management import CivicShieldCommand, fail, progress_bar

# The steps `import_stix` reports, in order.
STEPS = ("validated", "versions", "objects", "reports", "published")


class Command(CivicShieldCommand):
    help = "Import a STIX 2.1 bundle (see docs/stix-mapping.md); '-' reads stdin."
    stealth_options = ("stdin",)

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", metavar="FILE", help="A STIX 2.1 bundle, JSON.")
        parser.add_argument("--organisation", metavar="SLUG",
                            help="The owner (default: the coordinating organisation).")

    def handle(self, *args: Any, **options: Any) -> None:
        from civicshield.directory.selectors import organisation_for
        from civicshield.sharing.stix.import_ import import_stix
        from civicshield.sharing.stix.validate import InvalidStix

        path = options["file"]
        try:
            if path == "-":
                document = json.load(options.get("stdin") or sys.stdin)
            else:
                with open(path, encoding="utf-8-sig") as stream:
                    document = json.load(stream)
        except OSError as error:
            raise fail(f"{path}: {error.strerror}") from None
        except ValueError as error:
            raise fail(f"{path}: not JSON ({error})") from None
        except RecursionError:
            raise fail(f"{path}: nests deeper than JSON is read here") from None
        organisation = organisation_for(OPERATOR, options["organisation"]) \
            if options.get("organisation") else None
        # The import reports each step it ends (for all its objects at once): the bar counts
        # steps, so it never shows the work done before it is.
        with progress_bar("Importing STIX", total=len(STEPS)) as advance:
            try:
                status = import_stix(
                    actor=OPERATOR, document=document, source="file", organisation=organisation,
                    progress=lambda step, _done: advance(
                        f"Importing STIX: {step}", completed=STEPS.index(step) + 1))
            except InvalidStix as invalid:
                for problem in invalid.problems:
                    self.stderr.write(f"{problem.object_id or path}: {problem.message}")
                raise fail(f"{path}: {len(invalid.problems)} problem(s); nothing imported."
                           ) from None
        self.stdout.write(f"Imported {path}: {status.total_count} objects "
                          f"(import {status.status_id}).")
