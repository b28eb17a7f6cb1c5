"""`civicshield export --format stix [-o FILE] [filters]`: shared data in a standard format.

Run on the server by the operator, it exports what the coordinating organisation may see
(the widest view short of TLP:RED, which only named people see; exercise reports never
leave). Each format is a function registered in `FORMATS`: another format
(`misp-feed`) registers itself with `register_format` and the command offers it.
"""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from civicshield.core.authz import OPERATOR
from civicshield.core.management import CivicShieldCommand, fail


@dataclass(frozen=True)
class ExportFormat:
    """`write(options, output)` exports to `output` (a path, or None for stdout) and
    returns a one-line summary for stderr."""

    name: str
    help: str
    write: Callable[[dict[str, Any], str | None], str]


FORMATS: dict[str, ExportFormat] = {}


def register_format(name: str, help: str, write: Callable[[dict[str, Any], str | None], str]
                    ) -> None:
    FORMATS[name] = ExportFormat(name, help, write)


def _datetime(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise fail(f"{value!r} is not an ISO 8601 date or time") from None
    if moment.tzinfo is None:
        from django.utils import timezone

        moment = timezone.make_aware(moment)
    return moment


def _write_stix(options: dict[str, Any], output: str | None) -> str:
    from civicshield.sharing.stix.export import BundleFilters
    from civicshield.sharing.stix.services import export_bundle

    filters = BundleFilters(
        since=_datetime(options["since"]) if options.get("since") else None,
        until=_datetime(options["until"]) if options.get("until") else None,
        campaign=options.get("campaign"), phases=options.get("phase") or (),
        types=options.get("type") or ())
    result = export_bundle(actor=OPERATOR, filters=filters)
    text = json.dumps(result, ensure_ascii=False, indent=2) + "\n"
    if output:
        with open(output, "w", encoding="utf-8") as stream:
            stream.write(text)
    else:
        sys.stdout.write(text)
    return f"Exported {len(result['objects'])} STIX objects ({result['id']})."


register_format("stix", "a STIX 2.1 bundle (docs/stix-mapping.md)", _write_stix)


def _load_other_formats() -> None:
    """Formats living in other modules register themselves when imported."""
    import importlib

    for module in ("civicshield.sharing.misp.feed_export",):
        try:
            importlib.import_module(module)
        except ImportError:
            continue


class Command(CivicShieldCommand):
    help = ("Export what the coordinating organisation may see (TLP:RED excepted), in a "
            "standard format.")

    def add_arguments(self, parser: ArgumentParser) -> None:
        _load_other_formats()
        parser.add_argument("--format", required=True, choices=sorted(FORMATS),
                            help="; ".join(f"{f.name}: {f.help}" for f in FORMATS.values()))
        parser.add_argument("-o", "--output", metavar="FILE",
                            help="Write here (default: standard output).")
        parser.add_argument("--since", help="Only records created at or after (ISO 8601).")
        parser.add_argument("--until", help="Only records created before (ISO 8601).")
        parser.add_argument("--campaign", help="Only the reports of this campaign.")
        parser.add_argument("--phase", action="append", help="Only these electoral-cycle "
                            "phases (repeat).")
        parser.add_argument("--type", action="append", help="Only these STIX types (repeat).")

    def handle(self, *args: Any, **options: Any) -> None:
        chosen = FORMATS[options["format"]]
        summary = chosen.write(options, options.get("output"))
        self.stderr.write(summary)
