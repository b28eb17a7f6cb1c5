"""`civicshield export --format misp-feed -o DIR`: the MISP feed written to a directory.

`write_feed` is what the export command's format registry calls. The directory then
holds exactly what /misp/feed/ serves the same viewer, and can be published as a static
MISP feed (docs/misp.md).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from civicshield.core import access
from civicshield.core.authz import OPERATOR
from civicshield.sharing.misp import feed, services

FORMAT = "misp-feed"
# An event file's name (`mapping.event_uuid`): only these are ever removed from the directory.
EVENT_FILE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.json")


def write_feed(directory: Path, *, viewer: Any) -> int:
    """Write manifest.json, one <uuid>.json per event and hashes.csv into `directory`
    (created if missing) with what `viewer` (a user, a Viewer or None for the public) may
    see, and remove the <uuid>.json event files of events no longer in the feed (nothing
    else in the directory is touched). Returns the number of events; writes one audit
    entry by the operator, naming the viewer the feed was written for."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    events = list(feed.feed_events(viewer))
    for item in events:
        _write_json(directory / f"{item.uuid}.json", item.event)
    _write_json(directory / "manifest.json", feed.manifest(events))
    (directory / "hashes.csv").write_text(feed.hashes_csv(events), encoding="utf-8")
    _remove_stale_events(directory, {f"{item.uuid}.json" for item in events})
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


def _remove_stale_events(directory: Path, current: set[str]) -> None:
    """Remove event files the manifest no longer lists: a report narrowed or withdrawn since
    the last export must not stay readable where the directory is served."""
    for path in directory.iterdir():
        if EVENT_FILE.fullmatch(path.name) and path.name not in current \
                and (path.is_file() or path.is_symlink()):
            path.unlink()
