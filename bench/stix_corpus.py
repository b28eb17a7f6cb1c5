"""A generated, realistic STIX 2.1 corpus for the STIX benchmarks (fictional data only).

Each case is 20 objects: a report, the identity that wrote it, eight SCOs (domains, URLs,
IPv4 addresses, e-mail addresses, file hashes), four indicators with STIX patterns and six
relationships; markings spread as partners mark what they share. A case never refers
outside itself, so chunks of whole cases are valid on their own.
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


def _id(rng: random.Random, stix_type: str) -> str:
    return f"{stix_type}--{uuid.UUID(int=rng.getrandbits(128), version=4)}"


def case(rng: random.Random, number: int) -> list[dict[str, Any]]:
    marking = [MARKINGS[rng.choice(["clear"] * 2 + ["green"] * 6 + ["amber"] * 2)]]
    stamp = f"2025-{1 + number % 12:02d}-{1 + number % 28:02d}T{number % 24:02d}:00:00.000Z"
    common = {"spec_version": "2.1", "created": stamp, "modified": stamp,
              "object_marking_refs": marking}
    identity = {"type": "identity", "id": _id(rng, "identity"), **common,
                "name": f"Observer network {number}", "identity_class": "organization"}
    scos: list[dict[str, Any]] = []
    for n in range(2):
        scos.append({"type": "domain-name", "spec_version": "2.1",
                     "id": _id(rng, "domain-name"), "value": f"poll-{number}-{n}.example",
                     "object_marking_refs": marking})
        scos.append({"type": "url", "spec_version": "2.1", "id": _id(rng, "url"),
                     "value": f"https://poll-{number}-{n}.example/vote?at={n}",
                     "object_marking_refs": marking})
        scos.append({"type": "ipv4-addr", "spec_version": "2.1", "id": _id(rng, "ipv4-addr"),
                     "value": f"198.51.{number % 250}.{n + 1}", "object_marking_refs": marking})
    scos.append({"type": "email-addr", "spec_version": "2.1", "id": _id(rng, "email-addr"),
                 "value": f"press{number}@poll-{number}-0.example",
                 "object_marking_refs": marking})
    scos.append({"type": "file", "spec_version": "2.1", "id": _id(rng, "file"),
                 "hashes": {"SHA-256": f"{rng.getrandbits(256):064x}"},
                 "object_marking_refs": marking})
    indicators = [{
        "type": "indicator", "id": _id(rng, "indicator"), **common,
        "name": f"Fake polling site {number}-{n}", "indicator_types": ["malicious-activity"],
        "pattern": f"[domain-name:value = 'poll-{number}-{n % 2}.example']",
        "pattern_type": "stix", "valid_from": stamp, "created_by_ref": identity["id"],
    } for n in range(4)]
    relationships = [{
        "type": "relationship", "id": _id(rng, "relationship"), **common,
        "relationship_type": "related-to", "source_ref": indicators[n % 4]["id"],
        "target_ref": scos[n]["id"],
    } for n in range(6)]
    report = {"type": "report", "id": _id(rng, "report"), **common,
              "name": f"Fake polling-place notices, wave {number}",
              "description": "Messages send voters to a fake polling-place finder.",
              "published": stamp, "report_types": ["threat-report"],
              "created_by_ref": identity["id"],
              "object_refs": [o["id"] for o in (*scos, *indicators, *relationships)]}
    return [identity, *scos, *indicators, *relationships, report]


def corpus(objects: int, seed: int = 20261125) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    result: list[dict[str, Any]] = []
    for number in range(objects // OBJECTS_PER_CASE):
        result += case(rng, number)
    return result
