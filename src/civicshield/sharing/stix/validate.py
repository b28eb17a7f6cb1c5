"""Fast structural validation of STIX 2.1 content before anything is stored.

`stix2.parse` builds a Python object per STIX object and is too slow for the ingest path
(INTEROP-NOTES.md); these checks are what the import relies on, written from STIX 2.1:
required properties (§4-§7, per type), identifiers (§2.9), timestamps (§2.13, §3.2),
references that resolve (within the content or to what we already hold), and markings
we know (§7.2: TLP 1.0 or 2.0, or a marking definition in the content). Every problem is
reported with the id of the object it was found on.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from civicshield.sharing.stix.markings import TLP_BY_MARKING_ID

TYPE_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,248})[a-z0-9]$")
# The OASIS schemas accept upper-case hex digits (one of their examples uses them).
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
                     re.IGNORECASE)
TIMESTAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$")
TIMESTAMP_PROPERTIES = (
    "created", "modified", "published", "valid_from", "valid_until", "first_seen",
    "last_seen", "first_observed", "last_observed", "start_time", "stop_time",
)

SDO_REQUIRED: dict[str, tuple[str, ...]] = {
    "attack-pattern": ("name",),
    "campaign": ("name",),
    "course-of-action": ("name",),
    "grouping": ("context", "object_refs"),
    "identity": ("name",),
    "incident": ("name",),
    "indicator": ("pattern", "pattern_type", "valid_from"),
    "infrastructure": ("name",),
    "intrusion-set": ("name",),
    "location": (),
    "malware": ("is_family",),
    "malware-analysis": ("product",),
    "note": ("content", "object_refs"),
    "observed-data": ("first_observed", "last_observed", "number_observed"),
    "opinion": ("opinion", "object_refs"),
    "report": ("name", "published", "object_refs"),
    "threat-actor": ("name",),
    "tool": ("name",),
    "vulnerability": ("name",),
    "relationship": ("relationship_type", "source_ref", "target_ref"),
    "sighting": ("sighting_of_ref",),
}
SCO_REQUIRED: dict[str, tuple[str, ...]] = {
    "artifact": (), "autonomous-system": ("number",), "directory": ("path",),
    "domain-name": ("value",), "email-addr": ("value",), "email-message": ("is_multipart",),
    "file": (), "ipv4-addr": ("value",), "ipv6-addr": ("value",), "mac-addr": ("value",),
    "mutex": ("name",), "network-traffic": ("protocols",), "process": (),
    "software": ("name",), "url": ("value",), "user-account": (),
    "windows-registry-key": (), "x509-certificate": (),
}
META_REQUIRED: dict[str, tuple[str, ...]] = {
    "marking-definition": ("created",),
    "extension-definition": ("created", "modified", "created_by_ref", "name", "schema",
                             "version", "extension_types"),
    "language-content": ("created", "modified", "object_ref", "contents"),
}


@dataclass(frozen=True)
class Problem:
    object_id: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"id": self.object_id, "message": self.message}


class InvalidStix(Exception):
    """The content is not valid STIX 2.1; `problems` names every error and its object."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def objects_of(document: Any) -> list[Any]:
    """The objects of a bundle, a TAXII envelope, or a single object."""
    if not isinstance(document, dict):
        raise InvalidStix([Problem("", "expected a JSON object: a bundle or an envelope")])
    if document.get("type") == "bundle":
        problems = []
        if not _is_id(document.get("id"), "bundle"):
            problems.append(Problem(str(document.get("id", "")),
                                    "the bundle id is not bundle--<UUID>"))
        objects = document.get("objects", [])
        if not isinstance(objects, list):
            problems.append(Problem(str(document.get("id", "")), "objects is not a list"))
        if problems:
            raise InvalidStix(problems)
        return objects
    if "objects" in document and "type" not in document:
        objects = document["objects"]
        if not isinstance(objects, list):
            raise InvalidStix([Problem("", "objects is not a list")])
        return objects
    if "type" in document and "id" in document:
        return [document]
    raise InvalidStix([Problem("", "expected a bundle, an envelope or a STIX object")])


def _is_id(value: Any, stix_type: str | None = None) -> bool:
    if not isinstance(value, str):
        return False
    prefix, separator, uuid = value.partition("--")
    if not separator or not UUID_RE.match(uuid):
        return False
    return (stix_type is None and bool(TYPE_RE.match(prefix))) or prefix == stix_type


_parse_cache: dict[str, datetime | None] = {}


def parse_timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str) or not TIMESTAMP_RE.match(value):
        return None
    cached = _parse_cache.get(value, False)
    if cached is not False:
        return cached  # type: ignore[return-value]
    try:
        parsed: datetime | None = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if len(_parse_cache) < 100_000:
        _parse_cache[value] = parsed
    return parsed


def _references(body: dict[str, Any]) -> Iterable[tuple[str, Any]]:
    for name, value in body.items():
        if name.endswith("_ref"):
            yield name, value
        elif name.endswith("_refs"):
            if isinstance(value, list):
                for item in value:
                    yield name, item
            else:
                yield name, value
    for granular in body.get("granular_markings") or ():
        if isinstance(granular, dict) and "marking_ref" in granular:
            yield "granular_markings.marking_ref", granular["marking_ref"]


def validate(objects: list[Any], *, known: Callable[[set[str]], set[str]],
             references_may_dangle: bool = False) -> list[Problem]:
    """Every problem of `objects`; `known(ids)` says which of `ids` we already hold.

    A reference must name an object of the content or one we hold (unless
    `references_may_dangle`: then only its form is checked); a marking must be a TLP marking
    or a marking definition of the content or one we hold, always — it decides who sees.
    """
    problems: list[Problem] = []
    in_content: set[str] = set()
    references: list[tuple[str, str, str]] = []  # (object id, property, referenced id)
    for position, body in enumerate(objects):
        if not isinstance(body, dict):
            problems.append(Problem(f"objects[{position}]", "not a JSON object"))
            continue
        object_id = body.get("id")
        label = object_id if isinstance(object_id, str) else f"objects[{position}]"
        stix_type = body.get("type")
        if not isinstance(stix_type, str) or not TYPE_RE.match(stix_type):
            problems.append(Problem(label, "type is missing or malformed"))
            continue
        if not _is_id(object_id, stix_type):
            problems.append(Problem(label, f"id is missing or not {stix_type}--<UUID>"))
            continue
        in_content.add(object_id)
        is_sco = stix_type in SCO_REQUIRED or (
            stix_type not in SDO_REQUIRED and stix_type not in META_REQUIRED
            and "created" not in body and "modified" not in body)
        spec_version = body.get("spec_version")
        if spec_version is None and not is_sco:
            problems.append(Problem(label, "spec_version is required"))
        elif spec_version is not None and spec_version != "2.1":
            problems.append(Problem(label, f"spec_version {spec_version!r} is not 2.1"))
        if stix_type in SDO_REQUIRED:
            required: tuple[str, ...] = ("created", "modified", *SDO_REQUIRED[stix_type])
        elif stix_type in META_REQUIRED:
            required = META_REQUIRED[stix_type]
        elif stix_type in SCO_REQUIRED:
            required = SCO_REQUIRED[stix_type]
        else:
            required = () if is_sco else ("created", "modified")
        for name in required:
            if body.get(name) in (None, "", []):
                problems.append(Problem(label, f"required property {name} is missing"))
        if stix_type == "file" and not (body.get("hashes") or body.get("name")):
            problems.append(Problem(label, "a file needs hashes or a name"))
        if stix_type == "marking-definition" and not body.get("extensions") and not (
                body.get("definition_type") and body.get("definition")):
            problems.append(Problem(label, "a marking definition needs definition_type and "
                                           "definition, or extensions"))
        stamps = {}
        for name in TIMESTAMP_PROPERTIES:
            if name in body:
                parsed = parse_timestamp(body[name])
                if parsed is None:
                    problems.append(Problem(label, f"{name} is not an RFC 3339 UTC timestamp "
                                                   f"(e.g. 2024-05-01T12:00:00.000Z)"))
                stamps[name] = parsed
        if stamps.get("created") and stamps.get("modified") and \
                stamps["modified"] < stamps["created"]:
            problems.append(Problem(label, "modified is earlier than created"))
        if stix_type == "indicator" and body.get("pattern_type") == "stix":
            pattern = body.get("pattern")
            if not isinstance(pattern, str) or not _looks_like_pattern(pattern):
                problems.append(Problem(label, "pattern is not a STIX pattern"))
        for name, value in _references(body):
            if not _is_id(value):
                problems.append(Problem(label, f"{name} {value!r} is not an identifier"))
            else:
                references.append((label, name, value))
    wanted = {value for _, _, value in references
              if value not in in_content and value not in TLP_BY_MARKING_ID}
    held = known(wanted) if wanted else set()
    for label, name, value in references:
        if value in in_content or value in TLP_BY_MARKING_ID or value in held:
            continue
        if "marking" in name:
            problems.append(Problem(label, f"unknown marking {value}"))
        elif not references_may_dangle:
            problems.append(Problem(label, f"{name} {value} does not resolve (dangling "
                                           f"reference)"))
    return problems


def _looks_like_pattern(pattern: str) -> bool:
    """A cheap check of a STIX pattern's shape: comparisons in balanced square brackets."""
    depth, seen_bracket, quoted, escaped = 0, False, False, False
    for character in pattern:
        if quoted:
            if escaped:
                escaped = False
            elif character == "\\":
                escaped = True
            elif character == "'":
                quoted = False
            continue
        if character == "'":
            quoted = True
        elif character == "[":
            depth += 1
            seen_bracket = True
        elif character == "]":
            depth -= 1
            if depth < 0:
                return False
    return seen_bracket and depth == 0 and not quoted and ":" in pattern
