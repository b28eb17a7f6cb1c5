"""A generated, realistic STIX 2.1 corpus for the STIX benchmarks (fictional data only).

Each case is 20 objects: a report, the identity that wrote it, eight SCOs (domains, URLs,
IPv4 addresses, e-mail addresses, file hashes), four indicators with STIX patterns and six
relationships; markings spread as partners mark what they share. A case never refers
outside itself, so chunks of whole cases are valid on their own.

What correlation sees is shaped like a real feed, in time order: about 40% of the reports
stand alone (their own narrative and infrastructure); the others belong to operations of
about 25 reports each, active over a stretch of the feed, whose reports repeat the
operation's narrative with small edits (copy-pasta) and reuse one of its domains.
"""

from __future__ import annotations

import random
import uuid
from typing import Any

MARKINGS = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
}
OBJECTS_PER_CASE = 20
STANDALONE_SHARE = 0.4
REPORTS_PER_OPERATION = 25
WORDS = (
    "ballot", "polling", "station", "queue", "voters", "register", "count", "recount",
    "tally", "observers", "district", "mayor", "council", "minister", "party", "candidate",
    "slogan", "rally", "leaflet", "message", "video", "channel", "group", "account",
    "hashtag", "rumour", "claim", "warning", "notice", "deadline", "change", "closed",
    "moved", "cancelled", "extended", "fake", "official", "stamp", "envelope", "postal",
    "abroad", "students", "pensioners", "farmers", "workers", "families", "youth", "north",
    "south", "east", "west", "coast", "valley", "capital", "harbour", "river", "market",
    "square", "school", "hall", "library", "clinic", "station", "bridge", "tower",
    "district", "tonight", "tomorrow", "sunday", "monday", "morning", "evening", "hours",
    "minutes", "urgent", "share", "forward", "everyone", "friends", "neighbours", "secret",
    "leaked", "proof", "photo", "document", "audio", "recording", "machines", "software",
    "tablets", "scanners", "ink", "pens", "queue", "police", "army", "curfew", "protest",
    "strike", "fraud", "rigged", "stolen", "bought", "paid", "foreign", "agents", "network",
    "bots", "trolls", "influencers",
)


def _id(rng: random.Random, stix_type: str) -> str:
    return f"{stix_type}--{uuid.UUID(int=rng.getrandbits(128), version=4)}"


def _narrative(rng: random.Random, words: int = 28) -> list[str]:
    return [rng.choice(WORDS) for _ in range(words)]


def _copy_of(rng: random.Random, narrative: list[str]) -> list[str]:
    """The operation's text re-posted with an edit or two, as copy-pasta is."""
    edited = list(narrative)
    for _ in range(rng.randint(0, 2)):
        edited[rng.randrange(len(edited))] = rng.choice(WORDS)
    return edited


class _Operations:
    """Operations start one after the other along the feed and overlap a little."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.narratives: dict[int, list[str]] = {}

    def pick(self, number: int) -> int | None:
        if self.rng.random() < STANDALONE_SHARE:
            return None
        span = REPORTS_PER_OPERATION / (1 - STANDALONE_SHARE)
        operation = int(number / span) + self.rng.randint(0, 1)
        if operation not in self.narratives:
            self.narratives[operation] = _narrative(self.rng)
        return operation


def case(rng: random.Random, number: int, operation: int | None = None,
         narrative: list[str] | None = None) -> list[dict[str, Any]]:
    marking = [MARKINGS[rng.choice(["clear"] * 2 + ["green"] * 6 + ["amber"] * 2)]]
    stamp = f"2025-{1 + number % 12:02d}-{1 + number % 28:02d}T{number % 24:02d}:00:00.000Z"
    common = {"spec_version": "2.1", "created": stamp, "modified": stamp,
              "object_marking_refs": marking}
    identity = {"type": "identity", "id": _id(rng, "identity"), **common,
                "name": f"Observer network {number}", "identity_class": "organization"}
    # An operation's reports share one of its two domains; the rest is the case's own.
    domains = [f"poll-{number}-{n}.example" for n in range(2)]
    if operation is not None:
        domains[0] = f"vote-check-{operation}-{rng.randint(0, 1)}.example"
    scos: list[dict[str, Any]] = []
    for n in range(2):
        scos.append({"type": "domain-name", "spec_version": "2.1",
                     "id": _id(rng, "domain-name"), "value": domains[n],
                     "object_marking_refs": marking})
        scos.append({"type": "url", "spec_version": "2.1", "id": _id(rng, "url"),
                     "value": f"https://{domains[n]}/vote?at={number}",
                     "object_marking_refs": marking})
        scos.append({"type": "ipv4-addr", "spec_version": "2.1", "id": _id(rng, "ipv4-addr"),
                     "value": f"198.51.{number % 250}.{2 * (number // 250) + n + 1}",
                     "object_marking_refs": marking})
    scos.append({"type": "email-addr", "spec_version": "2.1", "id": _id(rng, "email-addr"),
                 "value": f"press{number}@poll-{number}-0.example",
                 "object_marking_refs": marking})
    scos.append({"type": "file", "spec_version": "2.1", "id": _id(rng, "file"),
                 "hashes": {"SHA-256": f"{rng.getrandbits(256):064x}"},
                 "object_marking_refs": marking})
    indicators = [{
        "type": "indicator", "id": _id(rng, "indicator"), **common,
        "name": f"Fake polling site {number}-{n}", "indicator_types": ["malicious-activity"],
        "pattern": f"[domain-name:value = '{domains[n % 2]}']",
        "pattern_type": "stix", "valid_from": stamp, "created_by_ref": identity["id"],
    } for n in range(4)]
    relationships = [{
        "type": "relationship", "id": _id(rng, "relationship"), **common,
        "relationship_type": "related-to", "source_ref": indicators[n % 4]["id"],
        "target_ref": scos[n]["id"],
    } for n in range(6)]
    words = narrative if narrative is not None else _narrative(rng)
    report = {"type": "report", "id": _id(rng, "report"), **common,
              "name": " ".join(words[:6]).capitalize(),
              "description": " ".join(words).capitalize() + ".",
              "published": stamp, "report_types": ["threat-report"],
              "created_by_ref": identity["id"],
              "object_refs": [o["id"] for o in (*scos, *indicators, *relationships)]}
    return [identity, *scos, *indicators, *relationships, report]


def corpus(objects: int, seed: int = 20261125) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    operations = _Operations(rng)
    result: list[dict[str, Any]] = []
    for number in range(objects // OBJECTS_PER_CASE):
        operation = operations.pick(number)
        narrative = None if operation is None else _copy_of(rng, operations.narratives[operation])
        result += case(rng, number, operation, narrative)
    return result
