"""Fast structural validation of STIX 2.1 content before anything is stored.

`stix2.parse` builds a Python object per STIX object and is too slow for the ingest path
(INTEROP-NOTES.md); these checks are what the import relies on, written from STIX 2.1:
required properties (§4-§7, per type), identifiers (§2.9), timestamps (§2.13, §3.2),
references that resolve (within the content or to what we already hold), and markings
we know (§7.2: TLP 1.0 or 2.0, or a marking definition in the content). Every problem is
reported with the id of the object it was found on.
"""

from __future__ import annotations

import math
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


# Properties whose values must be identifiers of one type (STIX 2.1 §3.2, §7.2).
REFERENCE_TYPES: dict[str, str] = {
    "created_by_ref": "identity",
    "object_marking_refs": "marking-definition",
    "granular_markings.marking_ref": "marking-definition",
}
# json.loads turns NaN, Infinity and numbers too large for a float (1e400) into floats
# that json.dumps writes back as NaN or Infinity, which is not JSON (RFC 8259 §6).
_MAY_HOLD_FLOATS = frozenset({float, dict, list})


def _check_properties(body: dict[str, Any], label: str,
                      references: list[tuple[str, str, str]], problems: list[Problem]) -> None:
    """One pass over an object's properties: its references, well-formed ones added to
    `references` as (object id, property, referenced id), and its numbers."""
    for name, value in body.items():
        kind = type(value)
        if name.endswith("_ref"):
            _check_reference(label, name, value, references, problems)
        elif name.endswith("_refs"):
            if kind is list:
                for item in value:
                    _check_reference(label, name, item, references, problems)
            else:
                problems.append(Problem(label, f"{name} is not a list"))
        elif kind is str:
            continue
        elif (kind is float and not math.isfinite(value)) or (
                kind is dict and _has_non_finite(value.values())) or (
                kind is list and not _MAY_HOLD_FLOATS.isdisjoint(map(type, value))
                and _has_non_finite(value)):
            problems.append(Problem(label, f"{name} holds NaN or an infinite number (or one "
                                           f"too large for a float), which JSON cannot carry"))
    granular_markings = body.get("granular_markings")
    if type(granular_markings) is list:
        for granular in granular_markings:
            if type(granular) is dict and "marking_ref" in granular:
                _check_reference(label, "granular_markings.marking_ref",
                                 granular["marking_ref"], references, problems)


def _check_reference(label: str, name: str, value: Any, references: list[tuple[str, str, str]],
                     problems: list[Problem]) -> None:
    expected = REFERENCE_TYPES.get(name)
    if _is_id(value, expected):
        references.append((label, name, value))
    else:
        problems.append(Problem(label, f"{name} {value!r} is not an identifier" + (
            f" of type {expected}" if expected else "")))


def _has_non_finite(values: Iterable[Any]) -> bool:
    """Whether a NaN or an infinity is among `values` or nested in them."""
    # Most values are strings, and most lists lists of strings (refs, labels): those are
    # passed over without a call, the lists' item types checked in C.
    for value in values:
        kind = type(value)
        if kind is str:
            continue
        if kind is float:
            if not math.isfinite(value):
                return True
        elif kind is dict:
            if _has_non_finite(value.values()):
                return True
        elif kind is list and not _MAY_HOLD_FLOATS.isdisjoint(map(type, value)) and \
                _has_non_finite(value):
            return True
    return False


def _common_problems(body: dict[str, Any]) -> list[str]:
    """Problems with the common properties (STIX 2.1 §3.2) that a consumer's validator
    refuses, which we would otherwise store and re-export as received."""
    problems: list[str] = []
    for name in ("name", "description"):
        if name in body and type(body[name]) is not str:
            problems.append(f"{name} is not a string")
    if "labels" in body:
        labels = body["labels"]
        if type(labels) is not list or any(type(label) is not str for label in labels):
            problems.append("labels is not a list of strings")
    if "confidence" in body:
        confidence = body["confidence"]
        # bool is an int in Python, not in JSON.
        if type(confidence) is not int or not 0 <= confidence <= 100:
            problems.append(f"confidence {confidence!r} is not an integer from 0 to 100")
    if "granular_markings" in body:
        granular_markings = body["granular_markings"]
        if type(granular_markings) is not list:
            problems.append("granular_markings is not a list")
        else:
            for position, granular in enumerate(granular_markings):
                selectors = granular.get("selectors") if type(granular) is dict else None
                if type(selectors) is not list or not selectors or any(
                        type(selector) is not str for selector in selectors):
                    problems.append(f"granular_markings[{position}] needs selectors, a "
                                    f"non-empty list of strings")
                elif "marking_ref" not in granular and "lang" not in granular:
                    problems.append(f"granular_markings[{position}] needs a marking_ref "
                                    f"or a lang")
    return problems


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
    # Each id and version once: the importer keeps the first copy and skips the others.
    versions: dict[tuple[Any, datetime | None], dict[str, Any]] = {}
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
        created, modified = stamps.get("created"), stamps.get("modified")
        if created and modified and modified < created:
            problems.append(Problem(label, "modified is earlier than created"))
        if stix_type == "indicator":
            if body.get("pattern_type") == "stix":
                pattern = body.get("pattern")
                if not isinstance(pattern, str) or not _looks_like_pattern(pattern):
                    problems.append(Problem(label, "pattern is not a STIX pattern"))
            valid_from, valid_until = stamps.get("valid_from"), stamps.get("valid_until")
            if valid_from and valid_until and valid_until <= valid_from:
                problems.append(Problem(label, "valid_until is not later than valid_from"))
        for message in _common_problems(body):
            problems.append(Problem(label, message))
        _check_properties(body, label, references, problems)
        version_name = "modified" if "modified" in body else "created"
        key = (object_id, None if is_sco else (modified if "modified" in body else created))
        first = versions.setdefault(key, body)
        if first is not body and first != body:
            problems.append(Problem(label, "two different objects with the same id" + (
                "" if key[1] is None else f" and {version_name}")))
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
