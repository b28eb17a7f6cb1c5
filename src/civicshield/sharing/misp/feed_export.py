"""Registers `misp-feed` with `civicshield export` (sharing/management/commands/export.py).

`civicshield export --format misp-feed -o DIR` writes the feed of what the coordinating
organisation may see (the export command's rule for the operator: the widest view short
of TLP:RED) into DIR, through `cli.write_feed`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from civicshield.core.management import fail
from civicshield.sharing.management.commands.export import register_format
from civicshield.sharing.misp.cli import FORMAT, write_feed


def _write(options: dict[str, Any], output: str | None) -> str:
    from civicshield.sharing.stix.services import viewer_for_operator

    if not output:
        raise fail("--format misp-feed writes a directory: give it with -o DIR")
    if options.get("since") or options.get("until") or options.get("campaign") \
            or options.get("phase") or options.get("type"):
        raise fail("--format misp-feed exports the whole feed; filters apply to STIX only")
    directory = Path(output)
    if directory.exists() and not directory.is_dir():
        raise fail(f"{output}: not a directory")
    count = write_feed(directory, viewer=viewer_for_operator())
    return f"Wrote a MISP feed of {count} events to {directory}."


register_format(FORMAT, "a MISP feed directory: manifest.json, <uuid>.json, hashes.csv "
                "(-o DIR; docs/misp.md)", _write)
