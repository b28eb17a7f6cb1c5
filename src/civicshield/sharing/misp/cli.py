"""`civicshield export --format misp-feed -o DIR`: the MISP feed written to a directory.

`write_feed` is what the export command's format registry calls. The directory then
holds exactly what /misp/feed/ serves the same viewer, and can be published as a static
MISP feed (docs/misp.md).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from civicshield.core import access
from civicshield.core.authz import OPERATOR
from civicshield.sharing.misp import feed, services

FORMAT = "misp-feed"


def write_feed(directory: Path, *, viewer: Any) -> int:
    """Write manifest.json, one <uuid>.json per event and hashes.csv into `directory`
    (created if missing) with what `viewer` (a user, a Viewer or None for the public) may
    see. Returns the number of events; writes one audit entry by the operator, naming the
    viewer the feed was written for."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    events = list(feed.feed_events(viewer))
    for item in events:
        _write_json(directory / f"{item.uuid}.json", item.event)
    _write_json(directory / "manifest.json", feed.manifest(events))
    (directory / "hashes.csv").write_text(feed.hashes_csv(events), encoding="utf-8")
    who = access.Viewer.of(viewer)
    if getattr(viewer, "is_authenticated", False):
        label = viewer.get_username()
    elif who.is_coordinator:
        label = "coordinating organisation"
    else:
        label = "member" if who.is_member else "public"
    services.record_feed_written(actor=OPERATOR,
                                 directory=str(directory.resolve()), viewer_label=label,
                                 events=events)
    return len(events)


def _write_json(path: Path, payload: Any) -> None:
    path.write_text(json.dumps(payload, sort_keys=True, indent=1, ensure_ascii=False) + "\n",
                    encoding="utf-8")
