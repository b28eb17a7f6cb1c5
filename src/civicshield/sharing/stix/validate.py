"""Fast structural validation of STIX 2.1 content before anything is stored.

`stix2.parse` builds a Python object per STIX object and is too slow for the ingest path
(INTEROP-NOTES.md); these checks are what the import relies on, written from STIX 2.1:
required properties (§4-§7, per type), identifiers (§2.9), timestamps (§2.13, §3.2),
references that resolve (within the content or to what we already hold), markings we
know (§7.2: TLP 1.0 or 2.0, or a marking definition in the content), indicator patterns
by the OASIS grammar (§9), extensions (§7.3) and limits on the size of one object. Every
problem is reported with the id of the object it was found on.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeGuard

from stix2patterns.v20.pattern import Pattern as Pattern20
from stix2patterns.v21.pattern import Pattern as Pattern21
from stix2patterns.validator import run_validator as run_pattern_validator

from civicshield.sharing.stix.export import EXTENSION_ID
from civicshield.sharing.stix.markings import TLP_2_EXTENSION_ID, TLP_BY_MARKING_ID

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

# STIX sets no size limits; these stop abuse (a 30 MB description would be stored, copied
# into every version and collection entry, and sent to every reader) far above what producers
# send: the longest string of ATT&CK ICS and DISARM is under 3,000 characters, and the largest
# object we know, ATT&CK's x-mitre-collection, takes about 120 characters per object of its
# release (216,533 for ICS's 1,826), so 5 MiB holds one of 40,000 objects. An artifact larger
# than 1 MiB is sent by `url` rather than `payload_bin` (§6.1). Counted in characters.
MAX_STRING_LENGTH = 1024 * 1024
MAX_OBJECT_SIZE = 5 * 1024 * 1024
# Containers nested deeper than this are refused: STIX content nests a handful of levels
# (ATT&CK and DISARM at most 5), and deeper content would make every later reader of it (the
# export, the federation client) recurse past Python's limit.
MAX_DEPTH = 64
# The pattern parser and stix2-validator's checks take 12-16 µs a character of a pattern of
# several comparisons, and about four times as much in one nested 32 deep (measured on the
# 2-core machine of docs/stix-mapping.md). Patterns other than a single comparison are parsed
# up to this many characters per import, each counted once more per 8 levels of nesting
# (about 8 s of one core), so that one 20 MiB request of patterns cannot hold a worker for
# minutes.
MAX_PARSED_PATTERN_CHARACTERS = 512 * 1024

# §7.3: an extension is keyed by its definition's id, or is one of the predefined SCO
# extensions (`archive-ext`, ...); its `extension_type` says what it adds.
EXTENSION_TYPES = ("new-sdo", "new-sco", "new-sro", "property-extension",
                   "toplevel-property-extension")
NEW_OBJECT_EXTENSION_TYPES = frozenset({"new-sdo", "new-sco", "new-sro"})
PREDEFINED_EXTENSION_RE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*-ext$")
# Known here without being received: ours, and the one OASIS TLP 2.0 markings use.
BUILT_IN_EXTENSION_DEFINITIONS = frozenset({EXTENSION_ID, TLP_2_EXTENSION_ID})

# What stix2-validator asks of the types (3 to 250 characters) and the properties (spec
# SCOs also have `id`) that a pattern compares.
PATTERN_TYPE_RE = re.compile(r"^-?[a-z0-9]+(?:-[a-z0-9]+)*-?$")
PATTERN_PROPERTY_RE = re.compile(r"^[a-z0-9_]{3,250}$")


@dataclass(frozen=True)
class Problem:
    object_id: str
    message: str
    # Not a fault of the object: the import had spent its pattern-parsing budget before it
    # (MAX_PARSED_PATTERN_CHARACTERS). Sent again in a smaller batch, it is judged.
    over_budget: bool = False

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
        if not is_stix_id(document.get("id"), "bundle"):
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


def is_stix_type(value: str) -> bool:
    """Whether `value` is a STIX 2.1 object type (§3.1), the whole of it."""
    return TYPE_RE.fullmatch(value) is not None


def is_stix_id(value: Any, stix_type: str | None = None) -> TypeGuard[str]:
    """Whether `value` is a STIX 2.1 identifier, `<type>--<UUID>` (§2.9), the whole of it
    (of `stix_type` when given)."""
    if not isinstance(value, str):
        return False
    prefix, separator, uuid = value.partition("--")
    if not separator or UUID_RE.fullmatch(uuid) is None:
        return False
    return (stix_type is None and is_stix_type(prefix)) or prefix == stix_type


_parse_cache: dict[str, datetime | None] = {}


def parse_timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str) or not TIMESTAMP_RE.match(value):
        return None
    if value in _parse_cache:
        return _parse_cache[value]
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
            if value == "" and name.startswith("x_"):
                continue  # a custom reference left empty (ATT&CK's data components): absent
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
    if is_stix_id(value, expected):
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


def _external_reference_problems(references: Any) -> list[str]:
    """`external_references` as STIX 2.1 §2.5 defines them: a list of objects, each with a
    `source_name` and, where present, a string `description`, `url` and `external_id` and a
    `hashes` object of strings."""
    if type(references) is not list:
        return ["external_references is not a list"]
    problems = []
    for position, reference in enumerate(references):
        where = f"external_references[{position}]"
        if type(reference) is not dict:
            problems.append(f"{where} is not a JSON object")
            continue
        if type(reference.get("source_name")) is not str:
            problems.append(f"{where} needs a source_name, a string")
        for name in ("description", "url", "external_id"):
            if name in reference and type(reference[name]) is not str:
                problems.append(f"{where}.{name} is not a string")
        hashes = reference.get("hashes")
        if "hashes" in reference and (type(hashes) is not dict or any(
                type(value) is not str for value in hashes.values())):
            problems.append(f"{where}.hashes is not an object of strings")
    return problems


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
    if "external_references" in body:
        problems += _external_reference_problems(body["external_references"])
    context = (body.get("extensions") or {}).get(EXTENSION_ID) if type(
        body.get("extensions")) is dict else None
    if type(context) is dict:
        for name in ("phases", "information_types"):
            if name in context and (type(context[name]) is not list or any(
                    type(code) is not str for code in context[name])):
                problems.append(f"extensions.{EXTENSION_ID}.{name} is not a list of codes "
                                f"(strings)")
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
    parsing = MAX_PARSED_PATTERN_CHARACTERS  # what is left of the parser's budget
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
        if not is_stix_id(object_id, stix_type):
            problems.append(Problem(label, f"id is missing or not {stix_type}--<UUID>"))
            continue
        in_content.add(object_id)
        fits = _check_size(body, label, problems)
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
                if not isinstance(pattern, str):
                    problems.append(Problem(label, "pattern is not a STIX pattern"))
                elif fits:
                    # As stix2-validator reads pattern_version: any other value is 2.0.
                    version = "2.1" if body.get("pattern_version", "2.1") == "2.1" else "2.0"
                    simple = is_simple_pattern(pattern, version)
                    if not simple:
                        parsing -= pattern_cost(pattern)
                    if not simple and parsing < 0:
                        problems.append(Problem(label, over_budget=True, message=(
                            f"the patterns of this content that are more than one comparison "
                            f"add up to more than {MAX_PARSED_PATTERN_CHARACTERS:,} characters, "
                            f"more than one import checks: send them in smaller batches")))
                    elif message := pattern_problem(pattern, version):
                        problems.append(Problem(label, message))
            valid_from, valid_until = stamps.get("valid_from"), stamps.get("valid_until")
            if valid_from and valid_until and valid_until <= valid_from:
                problems.append(Problem(label, "valid_until is not later than valid_from"))
        for message in _common_problems(body):
            problems.append(Problem(label, message))
        _check_properties(body, label, references, problems)
        if "extensions" in body:
            _check_extensions(body["extensions"], label, references, problems)
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
        elif name == "extensions" and not references_may_dangle:
            problems.append(Problem(label, f"extensions: {value}, the extension definition of "
                                           f"this object's type, is neither in the content nor "
                                           f"held here (dangling reference)"))
        elif not references_may_dangle:
            problems.append(Problem(label, f"{name} {value} does not resolve (dangling "
                                           f"reference)"))
    return problems


def _check_size(body: dict[str, Any], label: str, problems: list[Problem]) -> bool:
    """Whether `body` is within MAX_DEPTH, MAX_STRING_LENGTH and MAX_OBJECT_SIZE; each
    excess is added to `problems` with the property's path."""
    size, depth = _json_size(body)
    if depth > MAX_DEPTH:
        problems.append(Problem(label, f"{_too_deep(body)} is nested more than {MAX_DEPTH} "
                                       f"levels deep"))
        return False
    if size <= MAX_STRING_LENGTH:  # the common case: no string can be longer than its object
        return True
    fits = True
    for path, length in _long_strings(body):
        fits = False
        problems.append(Problem(label, f"{path} is {length:,} characters long, more than the "
                                       f"{MAX_STRING_LENGTH:,} a string may have"))
    if size > MAX_OBJECT_SIZE:
        fits = False
        problems.append(Problem(label, _too_large(body, size)))
    return fits


def _too_large(body: dict[str, Any], size: int) -> str:
    largest = max(body, key=lambda name: _json_size([body[name]])[0])
    return (f"the object is at least {size:,} characters of JSON, more than the "
            f"{MAX_OBJECT_SIZE:,} one object may have (its largest property is "
            f"{_shown(largest)})")


def object_too_large(body: dict[str, Any], text: str) -> Problem | None:
    """The problem of an object whose JSON `text` (as the import stores it) is larger than
    MAX_OBJECT_SIZE: `validate` counts numbers and escapes short, this counts them all."""
    if len(text) <= MAX_OBJECT_SIZE:
        return None
    return Problem(body["id"], _too_large(body, len(text)))


def nul_character(body: dict[str, Any], text: str) -> Problem | None:
    """The problem of an object whose strings or property names hold a NUL character (no
    text column holds one: PostgreSQL refuses it), naming the first place. `text` is the
    object's JSON as stored, where a NUL is written \\u0000: only then is it looked for."""
    if "\\u0000" not in text:
        return None
    for path, value, is_name in _texts(body):
        if "\x00" in value:
            where = (f"the property name {_shown(value)} in {_written(path) or 'the object'}"
                     if is_name else _written(path))
            return Problem(body["id"], f"{where}: holds a NUL character (\\u0000), which "
                                       "text may not")
    return None  # only the six characters \\u0000, escaped: no NUL


def _json_size(value: dict[str, Any] | list[Any]) -> tuple[int, int]:
    """(at least the length of `value`'s compact JSON, how deep its containers nest),
    counted without writing it: strings and names in full, a number, true, false or null
    as one character each."""
    size, deepest = 0, 1
    # A loop, not recursion: json.loads nests deeper than Python's recursion limit allows.
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        container, depth = pending.pop()
        deepest = max(deepest, depth)
        if type(container) is dict:
            # The braces; per member, two quotes, a colon and a comma.
            size += 1 + 4 * len(container) + sum(map(len, container))
            children: Iterable[Any] = container.values()
        else:
            size += 1 + len(container)
            children = container
        for child in children:
            kind = type(child)
            if kind is str:
                size += 2 + len(child)
            elif kind is dict or kind is list:
                pending.append((child, depth + 1))
            else:
                size += 1
    return size, deepest


# A path is kept as a chain of (parent, step) pairs and written out only for a value that is
# reported: writing every value's path costs memory in the values times the depth.
_Path = tuple[Any, str] | None


def _written(path: _Path) -> str:
    steps: list[str] = []
    while path is not None:
        path, step = path
        steps.append(step)
    return "".join(reversed(steps)).lstrip(".")


def _children(value: Any, path: _Path) -> Iterable[tuple[Any, _Path]]:
    if type(value) is dict:
        return ((child, (path, f".{_shown(name)}")) for name, child in value.items())
    return ((child, (path, f"[{position}]")) for position, child in enumerate(value))


def _long_strings(body: dict[str, Any]) -> Iterable[tuple[str, int]]:
    """(path, length) of each string or property name in `body` longer than
    MAX_STRING_LENGTH; paths as `external_references[0].description`."""
    for path, value, is_name in _texts(body):
        if len(value) > MAX_STRING_LENGTH:
            yield (f"a property name in {_written(path) or 'the object'}" if is_name
                   else _written(path)), len(value)


def _texts(body: dict[str, Any]) -> Iterable[tuple[_Path, str, bool]]:
    """Every property name (True) and string value (False) in `body`, with the path of the
    object that names it or of the value; paths are written (`_written`) only when needed."""
    for name in body:
        yield None, name, True
    pending: list[Iterable[tuple[Any, _Path]]] = [_children(body, None)]
    while pending:  # a loop: json.loads nests deeper than Python's recursion limit allows
        for value, path in pending.pop():
            if type(value) is dict:
                for name in value:
                    yield path, name, True
                pending.append(_children(value, path))
            elif type(value) is list:
                pending.append(_children(value, path))
            elif type(value) is str:
                yield path, value, False


def _too_deep(body: dict[str, Any]) -> str:
    """The path of the first container nested deeper than MAX_DEPTH."""
    pending: list[tuple[Iterable[tuple[Any, _Path]], int]] = [(_children(body, None), 2)]
    while pending:
        children, depth = pending.pop()
        for value, path in children:
            if type(value) in (dict, list):
                if depth > MAX_DEPTH:
                    return _written(path)
                pending.append((_children(value, path), depth + 1))
    return "the object"


def _shown(name: str) -> str:
    """A property name fit for a message (it may itself be the abuse)."""
    name = name.replace("\x00", "\\u0000")  # never a NUL in a message: it is stored
    return name if len(name) <= 100 else f"{name[:100]}…"


def _check_extensions(extensions: Any, label: str, references: list[tuple[str, str, str]],
                      problems: list[Problem]) -> None:
    """An object's `extensions` (§3.2, §7.3) as stix2-validator requires them; a definition
    that defines the object's type (new-sdo, new-sco, new-sro) added to `references`.

    Property extensions whose definition is unknown are accepted: consumers may ignore
    extensions they do not know (§7.3), and what we store is re-exported unchanged."""
    if type(extensions) is not dict or not extensions:
        problems.append(Problem(label, "extensions is not a non-empty JSON object"))
        return
    for key, extension in extensions.items():
        if type(extension) is not dict or not extension:
            problems.append(Problem(label, f"extensions.{_shown(key)} is not a non-empty JSON "
                                           f"object"))
        elif is_stix_id(key, "extension-definition"):
            extension_type = extension.get("extension_type")
            if extension_type not in EXTENSION_TYPES:
                problems.append(Problem(label, f"extensions.{key} needs an extension_type, one "
                                               f"of {', '.join(EXTENSION_TYPES)}"))
            elif extension_type in NEW_OBJECT_EXTENSION_TYPES and \
                    key not in BUILT_IN_EXTENSION_DEFINITIONS:
                references.append((label, "extensions", key))
        elif not PREDEFINED_EXTENSION_RE.match(key):
            problems.append(Problem(label, f"extensions key {_shown(key)!r} is neither an "
                                           f"extension-definition id nor a predefined "
                                           f"extension (…-ext)"))


# Patterns are read by the OASIS grammar (stix2-patterns, which stix2-validator uses too). Its
# ANTLR parser takes about 0.3 ms for a short pattern and stix2-validator's checks of the
# comparisons as much again, against about 10 µs for the rest of an object's checks. So: one
# comparison of a spec SCO's property with a string, the form nearly every feed sends (ours
# included), is recognised by a regular expression that accepts a subset of what the grammar
# and those checks accept (tests/sharing/test_stix_validate.py holds it to the library); the
# shape check refuses what is plainly no pattern; and the library's results are kept per
# distinct pattern (a feed repeats its patterns), short ones only, so that the cache stays
# small (8,192 of at most 1,024 characters).
_CACHED_PATTERN_LENGTH = 1024
# Brackets and parentheses nested deeper than this are refused before the parser: real
# patterns nest a few levels, and the parser's time per character grows with the nesting.
MAX_PATTERN_NESTING = 32
_QUOTED_MESSAGE_LENGTH = 300
_PATTERN_SPACE = r"[ \t\r\n]*"
_PATTERN_STRING = r"'(?:[^'\\]|\\['\\])*'"
# The library checks these hash algorithms' values (stix2patterns.v21.object_validator).
_PATTERN_HASH_LENGTHS = {"MD5": 32, "SHA-1": 40, "SHA-256": 64, "SHA-512": 128}
_SIMPLE_PATTERN_RE = re.compile(
    rf"\[{_PATTERN_SPACE}(?:"
    rf"(?:{'|'.join(sorted(SCO_REQUIRED))}):"
    # `true` and `false` are keywords of the grammar, not names.
    rf"(?!(?:true|false)[^a-z0-9_])[a-z_][a-z0-9_]{{2,249}}"
    rf"{_PATTERN_SPACE}={_PATTERN_SPACE}{_PATTERN_STRING}"
    rf"|(?:artifact|file|x509-certificate):hashes\.(?:"
    + "|".join(rf"'{algorithm}'{_PATTERN_SPACE}={_PATTERN_SPACE}'[0-9a-fA-F]{{{length}}}'"
               for algorithm, length in _PATTERN_HASH_LENGTHS.items())
    + rf")){_PATTERN_SPACE}\]")


def is_simple_pattern(pattern: str, pattern_version: str = "2.1") -> bool:
    """Whether `pattern` is one comparison of the common form, known valid without the
    parser."""
    return pattern_version == "2.1" and _SIMPLE_PATTERN_RE.fullmatch(pattern) is not None


def pattern_problem(pattern: str, pattern_version: str = "2.1") -> str | None:
    """Why `pattern` is not a STIX pattern (of the grammar of `pattern_version`, "2.1" or
    "2.0") that stix2-validator accepts, in a sentence; None when it is one."""
    if is_simple_pattern(pattern, pattern_version):
        return None
    shape, _nesting = _pattern_shape(pattern)
    if shape == "no pattern":
        return ("pattern is not a STIX pattern: comparisons in square brackets, e.g. "
                "[domain-name:value = 'example.com']")
    if shape == "too deep":
        return (f"pattern nests more than {MAX_PATTERN_NESTING} brackets and parentheses "
                f"deep")
    if len(pattern) <= _CACHED_PATTERN_LENGTH:
        return _grammar_problem(pattern, pattern_version)
    return _grammar_problem.__wrapped__(pattern, pattern_version)


@functools.lru_cache(maxsize=8192)
def _grammar_problem(pattern: str, pattern_version: str) -> str | None:
    try:
        errors = run_pattern_validator(pattern, stix_version=pattern_version)
        if errors:
            return f"pattern is not a valid STIX pattern: {_shortened(errors[0])}"
        # What stix2-validator then checks of the comparisons: their types and properties.
        parsed = (Pattern21 if pattern_version == "2.1" else Pattern20)(pattern)
        comparisons = parsed.inspect().comparisons
    except RecursionError:
        return "pattern nests too deeply to be checked"
    except Exception as error:  # a third-party parser fed untrusted text: refuse, not crash
        return f"pattern could not be read: {_shortened(str(error) or type(error).__name__)}"
    for stix_type, tests in comparisons.items():
        if stix_type not in SCO_REQUIRED and not (
                PATTERN_TYPE_RE.match(stix_type) and 3 <= len(stix_type) <= 250):
            return (f"pattern compares {_shortened(repr(stix_type))}, which is not an observable "
                    f"type (3 to 250 lower-case letters, digits and single hyphens)")
        for object_path, _operator, _value in tests:
            name = object_path[0]
            if not isinstance(name, str) or not (PATTERN_PROPERTY_RE.match(name) or (
                    name == "id" and stix_type in SCO_REQUIRED)):
                return (f"pattern compares the property {_shortened(repr(name))} of {stix_type}, "
                        f"which is not a property name (3 to 250 lower-case letters, digits "
                        f"and underscores)")
    return None


def _shortened(message: str) -> str:
    """Text fit for a message: on one line, without the library's "FAIL: ", and cut short
    (the library may quote the whole of a long pattern)."""
    message = " ".join(message[:2 * _QUOTED_MESSAGE_LENGTH].removeprefix("FAIL: ").split())
    return message if len(message) <= _QUOTED_MESSAGE_LENGTH else \
        f"{message[:_QUOTED_MESSAGE_LENGTH]}…"


def pattern_cost(pattern: str) -> int:
    """What parsing `pattern` takes of an import's MAX_PARSED_PATTERN_CHARACTERS."""
    return len(pattern) * (1 + _pattern_shape(pattern)[1] // 8)


def _pattern_shape(pattern: str) -> tuple[str | None, int]:
    """A cheap look at a STIX pattern before the parser, and how deep its brackets and
    parentheses nest: "no pattern" unless it is comparisons in balanced square brackets,
    "too deep" when they nest deeper than MAX_PATTERN_NESTING (the parser's cost grows with
    the nesting, and it recurses), else None. Quoted strings and comments (`/* */`, `//`)
    are passed over."""
    brackets = nesting = deepest = 0
    seen_bracket = False
    position, length = 0, len(pattern)
    while position < length:
        character = pattern[position]
        if character == "'":
            position += 1
            while position < length and pattern[position] != "'":
                position += 2 if pattern[position] == "\\" else 1
            if position >= length:
                return "no pattern", deepest  # an unterminated string
        elif pattern.startswith("/*", position):
            closing = pattern.find("*/", position + 2)
            if closing < 0:
                return "no pattern", deepest
            position = closing + 1
        elif pattern.startswith("//", position):
            closing = pattern.find("\n", position)
            position = length if closing < 0 else closing
        elif character in "[(":
            brackets += character == "["
            seen_bracket = seen_bracket or character == "["
            nesting += 1
            deepest = max(deepest, nesting)
            if nesting > MAX_PATTERN_NESTING:
                return "too deep", deepest
        elif character in "])":
            brackets -= character == "]"
            nesting -= 1
            if brackets < 0:
                return "no pattern", deepest
        position += 1
    return (None if seen_bracket and brackets == 0 and ":" in pattern else "no pattern"), deepest
