"""MISP event JSON in: one report per event, through `reports.services.create_report`.

Accepted shapes: one event (`{"info": ...}` or `{"Event": {...}}`), a list of them, or a
MISP search result (`{"response": [...]}`). Attributes become observables (docs/misp.md
has the table); attribute types we do not model are reported, not guessed. Tags set the
TLP, techniques, phases, information types, confidence, severity and outcome where they
match our vocabulary; every other tag is kept as a label in the report's text (the report
has no label field). A malformed event or a bad attribute names the event and the
attribute, and nothing is written — unless `skip_invalid`, which imports the valid events
and lists exactly what was left out.

Importing is idempotent by event uuid, per importing organisation (`ReceivedMispEvent`):
an event imported before updates its report when its `timestamp` is newer, and is
otherwise left as it is and listed as unchanged. A newer version changes the report's
marking only when its TLP tags changed since the version imported, and only to narrow it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from civicshield.core import access, audit, authz
from civicshield.core.markings import TLP, is_wider, width
from civicshield.core.text import nul_path
from civicshield.reports import observables as kinds
from civicshield.reports.choices import ObservableType, Source, Status, VictimKind
from civicshield.reports.models import Report
from civicshield.reports.services import ReportInput, create_report, set_status, update_report
from civicshield.sharing.misp import mapping
from civicshield.sharing.models import ReceivedMispEvent

MAX_TITLE = 200  # Report.title


class InvalidEvents(Exception):
    """The payload, or some of its events, cannot be imported. `errors` maps a path such
    as `events[0].Attribute[2].value` to messages that name the event and attribute."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        first = next(iter(errors.items()), ("__all__", ["invalid MISP event"]))
        super().__init__(f"{first[0]}: {first[1][0]}")
        self.errors = errors


@dataclass(frozen=True)
class SkippedAttribute:
    event: str
    attribute: str
    type: str
    reason: str

    def __str__(self) -> str:
        return f"event {self.event}: attribute {self.attribute} ({self.type}): {self.reason}"


@dataclass(frozen=True)
class SkippedEvent:
    index: int
    event: str
    errors: dict[str, list[str]]


@dataclass(frozen=True)
class ImportedEvent:
    event: str
    report: Report
    labels: list[str]
    updated: bool = False  # imported before, and this newer version updated its report
    # A newer version whose TLP tags widened its marking: the report kept its narrower one,
    # and this is the marking the event asked for (an analyst may widen the report).
    marking_kept: str | None = None


@dataclass(frozen=True)
class UnchangedEvent:
    """An event imported before whose version here is not newer: nothing was written.
    `report` is None when the importer may not see the report made of it."""

    event: str
    report: Report | None


@dataclass
class ImportResult:
    imported: list[ImportedEvent] = field(default_factory=list)
    unchanged: list[UnchangedEvent] = field(default_factory=list)
    skipped_attributes: list[SkippedAttribute] = field(default_factory=list)
    skipped_events: list[SkippedEvent] = field(default_factory=list)


# --- Reading the payload ---------------------------------------------------------------


def parse_payload(raw: bytes | str | Any) -> list[Any]:
    """The events of a MISP JSON payload (bytes, text or already decoded), unwrapped.

    Raises InvalidEvents when it is not JSON or not a MISP event shape; the events
    themselves are checked by `import_events`.
    """
    if isinstance(raw, bytes | bytearray):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise InvalidEvents({"__all__": [f"not UTF-8 text (byte {error.start})"]}) from None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as error:
            raise InvalidEvents({"__all__": [
                f"not JSON: {error.msg} at line {error.lineno}, column {error.colno}"]}) from None
        except ValueError as error:  # e.g. an integer longer than Python reads (4,300 digits)
            raise InvalidEvents({"__all__": [f"not JSON as read here: {error}"]}) from None
    if isinstance(raw, dict) and isinstance(raw.get("response"), list):
        items = raw["response"]
    elif isinstance(raw, list):
        items = raw
    elif isinstance(raw, dict) and ("Event" in raw or "info" in raw):
        items = [raw]
    else:
        raise InvalidEvents({"__all__": [
            "not a MISP event: expected an event, {\"Event\": ...}, a list of events or "
            "{\"response\": [...]}"]})
    if not items:
        raise InvalidEvents({"__all__": ["no events"]})
    events = [item["Event"] if isinstance(item, dict) and "Event" in item else item
              for item in items]
    nul = {f"events[{index}]{path}": ["holds a NUL character, which text may not"]
           for index, event in enumerate(events) if (path := nul_path(event)) is not None}
    if nul:
        raise InvalidEvents(nul)
    return events


# --- One event -------------------------------------------------------------------------


@dataclass
class _Prepared:
    name: str  # how messages name the event: its uuid, else its position
    data: ReportInput
    status: str
    observable_paths: list[tuple[str, str]]  # per observable: (error key, attribute label)
    labels: list[str]
    skipped: list[SkippedAttribute]
    event_uuid: uuid.UUID | None = None
    event_timestamp: datetime | None = None
    # What the event states, as `update_report` changes: for an event imported before.
    changes: dict[str, Any] = field(default_factory=dict)
    # Observables of attributes the source flagged `to_ids`: indicators of the report.
    indicators: list[tuple[str, str]] = field(default_factory=list)


class _EventErrors:
    def __init__(self, index: int, name: str) -> None:
        self.prefix = f"events[{index}]"
        self.name = name
        self.by_field: dict[str, list[str]] = {}

    def add(self, path: str, message: str) -> None:
        key = f"{self.prefix}.{path}" if path else self.prefix
        self.by_field.setdefault(key, []).append(f"event {self.name}: {message}")


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _list(container: Mapping[str, Any], key: str, errors: _EventErrors, path: str
          ) -> list[Any]:
    """`container[key]` when it is a list; absent (or null) is empty; anything else is an
    error on `<path><key>`, so a malformed event is named instead of failing."""
    value = container.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        errors.add(f"{path}{key}", f"{key} is not a list")
        return []
    return value


def _tag_names(container: Mapping[str, Any], errors: _EventErrors, path: str) -> list[str]:
    """Tag names of an event or attribute: `Tag: [{name}]` or MISP's `EventTag`/`AttributeTag`
    (`[{Tag: {name}}]`)."""
    names: list[str] = []
    for position, tag in enumerate(_list(container, "Tag", errors, path)):
        name = tag.get("name") if isinstance(tag, dict) else None
        if not isinstance(name, str) or not name.strip():
            errors.add(f"{path}Tag[{position}]", "a tag has no name")
            continue
        names.append(name.strip())
    for key in ("EventTag", "AttributeTag"):
        for position, link in enumerate(_list(container, key, errors, path)):
            tag = link.get("Tag") if isinstance(link, dict) else None
            name = tag.get("name") if isinstance(tag, dict) else None
            if not isinstance(name, str) or not name.strip():
                errors.add(f"{path}{key}[{position}]", f"an {key} has no Tag with a name")
                continue
            names.append(name.strip())
    return names


def _galaxy_tag_names(event: Mapping[str, Any], errors: _EventErrors) -> list[str]:
    """Tags of MISP's `Galaxy[].GalaxyCluster[]` blocks (events exported from MISP's API)."""
    names = []
    for number, galaxy in enumerate(_list(event, "Galaxy", errors, "")):
        if not isinstance(galaxy, dict):
            errors.add(f"Galaxy[{number}]", "a galaxy is not a JSON object")
            continue
        path = f"Galaxy[{number}]."
        for position, cluster in enumerate(_list(galaxy, "GalaxyCluster", errors, path)):
            if not isinstance(cluster, dict):
                errors.add(f"{path}GalaxyCluster[{position}]",
                           "a galaxy cluster is not a JSON object")
            elif isinstance(cluster.get("tag_name"), str):
                names.append(cluster["tag_name"].strip())
    return names


def _attributes(event: Mapping[str, Any], errors: _EventErrors
                ) -> list[tuple[str, Mapping[str, Any]]]:
    """(path, attribute) for the event's attributes and those of its objects."""
    found: list[tuple[str, Mapping[str, Any]]] = []
    found += [(f"Attribute[{position}]", attribute)
              for position, attribute in enumerate(_list(event, "Attribute", errors, ""))]
    for number, misp_object in enumerate(_list(event, "Object", errors, "")):
        inner = misp_object.get("Attribute") if isinstance(misp_object, dict) else None
        if not isinstance(inner, list):
            errors.add(f"Object[{number}]", "an object has no list of attributes")
            continue
        found += [(f"Object[{number}].Attribute[{position}]", attribute)
                  for position, attribute in enumerate(inner)]
    return found


def _observable_type_tag(tags: Sequence[str]) -> str | None:
    for name in tags:
        tag = mapping.parse_tag(name)
        if (tag is not None and tag.namespace == mapping.OWN_NAMESPACE
                and tag.predicate == mapping.OBSERVABLE_TYPE_PREDICATE):
            return tag.value
    return None


def _observables_of(misp_type: str, value: str, tags: Sequence[str]
                    ) -> list[tuple[str, str]] | str:
    """The (observable type, value) pairs an attribute gives, or why it gives none."""
    tagged = _observable_type_tag(tags)
    if tagged is not None:
        if tagged not in ObservableType.values:
            return f"its observable-type tag names an unknown type “{tagged}”"
        return [(tagged, value)]
    if misp_type in mapping.COMPOSITE_TYPES:
        parts = value.split("|")
        components = mapping.COMPOSITE_TYPES[misp_type]
        if len(parts) != len(components):
            return f"a {misp_type} value has {len(components)} parts separated by “|”"
        pairs: list[tuple[str, str]] = []
        for component, part in zip(components, parts, strict=True):
            if component:
                found = _observables_of(component, part, ())
                if isinstance(found, str):
                    return found
                pairs += found
        return pairs
    if misp_type not in mapping.OBSERVABLE_FOR_ATTRIBUTE:
        return f"MISP type “{misp_type}” has no observable type here (docs/misp.md)"
    if misp_type in ("ip-dst", "ip-src"):
        return [(mapping.ip_type(value), value)]
    if misp_type == mapping.TWITTER_TYPE:
        return [(kinds.SOCIAL_ACCOUNT, "x:" + value.strip().removeprefix("@"))]
    if misp_type == "text":
        if value.strip()[:1] in ("#", "\uff03"):
            return [(kinds.HASHTAG, value)]
        return "a text attribute is free text unless tagged civicshield:observable-type"
    observable_type = mapping.OBSERVABLE_FOR_ATTRIBUTE[misp_type]
    assert observable_type is not None
    return [(observable_type, value)]


def _indicating(misp_type: str, value: str, tags: Sequence[str],
                found: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """What of an attribute flagged `to_ids` indicates the activity: all it gives, except
    for a composite, its identifying part alone (`mapping.COMPOSITE_INDICATOR`)."""
    if misp_type not in mapping.COMPOSITE_TYPES or _observable_type_tag(tags) is not None:
        return found
    component = mapping.COMPOSITE_INDICATOR.get(misp_type)
    if component is None:
        return []
    part = value.split("|")[mapping.COMPOSITE_TYPES[misp_type].index(component)]
    identified = _observables_of(component, part, ())
    return identified if isinstance(identified, list) else []


def _int_field(event: Mapping[str, Any], name: str, allowed: Sequence[int],
               errors: _EventErrors) -> int | None:
    value = event.get(name)
    if value is None or value == "":
        return None
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isdecimal():
        number = int(value.strip())
    elif isinstance(value, float) and value.is_integer():  # not NaN, not ±Infinity
        number = int(value)
    if number not in allowed:
        errors.add(name, f"{name} must be one of {', '.join(map(str, allowed))}, "
                         f"not {value!r}")
        return None
    return number


# UTC+14 (Kiribati) is the earliest calendar: an event's `date` may be that far ahead of UTC.
EARLIEST_UTC_OFFSET = timedelta(hours=14)


def _observed_at(event: Mapping[str, Any], errors: _EventErrors, now: datetime
                 ) -> datetime | None:
    """00:00 UTC of the event's `date`. MISP stores the creator's calendar day, which can be
    tomorrow in UTC for an event created today east of UTC: such a day (no later than today
    in UTC+14) is read as now rather than refused as in the future. A later day stays in
    the future, and `create_report` refuses it."""
    value = event.get("date")
    if value is None or value == "":
        return None
    try:
        day = date.fromisoformat(str(value)[:10])
    except ValueError:
        errors.add("date", f"date {value!r} is not a date (YYYY-MM-DD)")
        return None
    moment = datetime.combine(day, time.min, tzinfo=UTC)
    if moment > now and day <= (now.astimezone(UTC) + EARLIEST_UTC_OFFSET).date():
        return now
    return moment


def _event_uuid(event: Mapping[str, Any], errors: _EventErrors) -> uuid.UUID | None:
    value = event.get("uuid")
    if value is not None and not isinstance(value, str):
        errors.add("uuid", f"uuid {value!r} is not a UUID (a string)")
        return None
    text = _text(value)
    if not text:
        return None
    try:
        return uuid.UUID(text)
    except ValueError:
        errors.add("uuid", f"uuid {text!r} is not a UUID")
        return None


def _event_timestamp(event: Mapping[str, Any], errors: _EventErrors) -> datetime | None:
    """The event's version: MISP's `timestamp` (its last change), else `publish_timestamp`;
    both are Unix times in seconds, as numbers or as text."""
    found: list[datetime] = []
    for name in ("timestamp", "publish_timestamp"):
        value = event.get(name)
        if value is None or value == "":
            continue
        try:
            found.append(datetime.fromtimestamp(int(str(value).strip()), UTC))
        except (ValueError, OverflowError, OSError):
            errors.add(name, f"{name} {value!r} is not a Unix time in seconds")
    return found[0] if found else None


@dataclass
class _Vocabulary:
    """Which codes of our vocabulary exist, looked up once per import."""

    techniques: dict[str, str]  # code → name
    phases: set[str]
    information_types: set[str]
    term_names: dict[str, str]  # MISP taxonomy tag → its term's name


def _vocabulary(events: Sequence[Any]) -> _Vocabulary:
    from civicshield.vocab.selectors import technique_kinds, terms_visible_to

    tags: set[str] = set()
    # Before the events are checked: a malformed one is named by `_prepare`, not here.
    for event in events:
        if isinstance(event, dict):
            for key in ("Tag", "EventTag"):
                found = event.get(key)
                for tag in found if isinstance(found, list) else []:
                    if isinstance(tag, dict):
                        inner = tag.get("Tag")
                        name = tag.get("name") or (
                            inner.get("name") if isinstance(inner, dict) else None)
                        if isinstance(name, str):
                            tags.add(name.strip())
    namespaces = {name.partition(":")[0] for name in tags if ":" in name}

    def codes(vocabularies: list[str], kinds_wanted: Sequence[str] = ()) -> dict[str, str]:
        return dict(terms_visible_to(authz.OPERATOR, vocabularies=vocabularies,
                                     kinds=kinds_wanted, include_deprecated=True)
                    .values_list("code", "name"))

    term_names = {
        term.code: term.name for term in terms_visible_to(
            authz.OPERATOR, vocabularies=[f"misp-{slugify(n)}" for n in namespaces],
            include_deprecated=True).filter(code__in=tags)
    } if namespaces else {}
    return _Vocabulary(
        techniques=codes(["disarm", "attack"], technique_kinds()),
        phases=set(codes(["phases"])), information_types=set(codes(["information-types"])),
        term_names=term_names,
    )


def _prepare(index: int, event: Any, vocabulary: _Vocabulary, actor: Any
             ) -> _Prepared | _EventErrors:
    if not isinstance(event, dict):
        errors = _EventErrors(index, f"#{index}")
        errors.add("", "is not a JSON object")
        return errors
    name = _text(event.get("uuid")) or f"#{index}"
    errors = _EventErrors(index, name)
    event_uuid = _event_uuid(event, errors)
    event_timestamp = _event_timestamp(event, errors)
    info = _text(event.get("info"))
    if not info:
        errors.add("info", "info (the event's title) is missing")
    threat_level = _int_field(event, "threat_level_id", (1, 2, 3, 4), errors)
    analysis = _int_field(event, "analysis", (0, 1, 2), errors)
    now = timezone.now()
    observed_at = _observed_at(event, errors, now)
    event_reports = _list(event, "EventReport", errors, "")
    for position, item in enumerate(event_reports):
        if not isinstance(item, dict):
            errors.add(f"EventReport[{position}]", "an event report is not a JSON object")

    tlps: list[str] = []
    techniques: list[str] = []
    phases: list[str] = []
    information_types: list[str] = []
    labels: list[str] = []
    notes: list[str] = []
    confidence = severity = outcome = None

    def read_tag(name: str) -> None:
        nonlocal confidence, severity, outcome
        lowered = name.lower()
        if lowered in mapping.TLP_FROM_TAG:
            tlps.append(mapping.TLP_FROM_TAG[lowered])
            return
        if lowered in mapping.TLP_EXTENSION_NOTES:
            notes.append(mapping.TLP_EXTENSION_NOTES[lowered])
        tag = mapping.parse_tag(name)
        if tag is not None and tag.value is not None:
            if tag.namespace == "misp-galaxy":
                code = mapping.technique_from_galaxy(tag.predicate, tag.value,
                                                     vocabulary.techniques)
                if code is not None:
                    techniques.append(code)
                    return
            elif tag.namespace == mapping.OWN_NAMESPACE:
                value = tag.value
                if tag.predicate == mapping.TECHNIQUE_PREDICATE and value in \
                        vocabulary.techniques:
                    techniques.append(value)
                    return
                if tag.predicate == mapping.PHASE_PREDICATE and value in vocabulary.phases:
                    phases.append(value)
                    return
                if (tag.predicate == mapping.INFORMATION_TYPE_PREDICATE
                        and value in vocabulary.information_types):
                    information_types.append(value)
                    return
                if tag.predicate == mapping.SEVERITY_PREDICATE and value in "12345" \
                        and len(value) == 1:
                    severity = int(value)
                    return
                if tag.predicate == mapping.OUTCOME_PREDICATE and value in mapping.OUTCOMES:
                    outcome = value
                    return
            elif (f"{tag.namespace}:{tag.predicate}" == mapping.CONFIDENCE_PREDICATE
                  and tag.value in mapping.CONFIDENCE_FROM_ESTIMATIVE):
                confidence = mapping.CONFIDENCE_FROM_ESTIMATIVE[tag.value]
                return
        term_name = vocabulary.term_names.get(name)
        labels.append(f"{name} ({term_name})" if term_name and term_name != name else name)

    for tag_name in [*_tag_names(event, errors, ""), *_galaxy_tag_names(event, errors)]:
        read_tag(tag_name)

    observables: list[dict[str, str]] = []
    observable_paths: list[tuple[str, str]] = []
    indicators: list[tuple[str, str]] = []
    victims: list[dict[str, Any]] = []
    skipped: list[SkippedAttribute] = []
    for path, attribute in _attributes(event, errors):
        if not isinstance(attribute, dict):
            errors.add(path, "an attribute is not a JSON object")
            continue
        misp_type = _text(attribute.get("type"))
        raw_value = attribute.get("value")
        value = str(raw_value).strip() if isinstance(raw_value, str | int) else ""
        label = f"attribute {_text(attribute.get('uuid')) or path} ({misp_type or '?'} " \
                f"{value[:80]!r})"
        if not misp_type:
            errors.add(f"{path}.type", f"{label}: has no type")
            continue
        if not value:
            errors.add(f"{path}.value", f"{label}: has no value")
            continue
        if attribute.get("deleted") in (True, 1, "1", "true"):
            continue
        tags = _tag_names(attribute, errors, f"{path}.")
        for tag_name in tags:
            if tag_name.lower() in mapping.TLP_FROM_TAG:
                # An attribute marked more narrowly than its event narrows the whole report:
                # the report has one marking, and it must not widen the attribute's.
                tlps.append(mapping.TLP_FROM_TAG[tag_name.lower()])
        if misp_type in mapping.VICTIM_ATTRIBUTE_TYPES:
            # The source named a target; its identity stays private here until consent says
            # otherwise (reports.redaction).
            victims.append({"kind": VictimKind.OTHER, "name": value[:200], "consent": "private"})
            continue
        found = _observables_of(misp_type, value, tags)
        if isinstance(found, str):
            skipped.append(SkippedAttribute(name, _text(attribute.get("uuid")) or path,
                                            misp_type, found))
            continue
        for observable_type, observable_value in found:
            observables.append({"type": observable_type, "value": observable_value})
            observable_paths.append((f"{path}.value", label))
        if attribute.get("to_ids") in (True, 1, "1", "true", "True"):
            indicators += _indicating(misp_type, value, tags, found)

    if errors.by_field:
        return errors
    tlp = min(tlps, key=width) if tlps else None
    audience_users = [actor] if tlp == TLP.RED and getattr(actor, "is_authenticated", False) \
        else []
    description = _description(event, event_reports, info, notes, labels)
    stated: dict[str, Any] = {
        "severity": severity or mapping.SEVERITY_FROM_THREAT_LEVEL.get(threat_level or 4, 3),
        **({"confidence": confidence} if confidence else {}),
        **({"outcome": outcome} if outcome else {}),
    }
    data = ReportInput(
        title=info[:MAX_TITLE], description=description,
        observed_start=observed_at or now, phases=phases,
        information_types=information_types, techniques=techniques, tlp=tlp,
        audience_users=audience_users, victims=victims, observables=observables,
        source=Source.AUTOMATED_FEED, **stated,
    )
    changes = {"title": data.title, "description": description, "observables": observables,
               "victims": victims, "phases": phases, "information_types": information_types,
               "techniques": techniques, **stated,
               **({"observed_start": observed_at} if observed_at else {})}
    status = mapping.STATUS_FROM_ANALYSIS.get(analysis if analysis is not None else 0,
                                              Status.NEW)
    return _Prepared(name, data, status, observable_paths, labels, skipped, event_uuid,
                     event_timestamp, changes, indicators)


def _description(event: Mapping[str, Any], event_reports: list[Any], info: str,
                 notes: list[str], labels: list[str]) -> str:
    reports = [item for item in event_reports
               if isinstance(item, dict) and isinstance(item.get("content"), str)
               and item["content"].strip() and not item.get("deleted")]
    parts = [item["content"].strip() for item in reports] or [info]
    origin = event.get("Orgc")
    origin_name = origin.get("name") if isinstance(origin, dict) else None
    source = f" from {origin_name}" if isinstance(origin_name, str) else ""
    parts.append(f"Imported from MISP event {_text(event.get('uuid')) or '(no uuid)'}{source}.")
    parts += notes
    if labels:
        parts.append("MISP tags: " + "; ".join(labels))
    return "\n\n".join(parts)


# create_report's field names, in the words of the MISP event.
_EVENT_FIELDS = {
    "title": "info", "description": "info", "observed_start": "date",
    "tlp": "Tag", "audience": "Tag", "techniques": "Tag", "phases": "Tag",
    "information_types": "Tag", "severity": "threat_level_id",
}


def _in_event_terms(index: int, prepared: _Prepared,
                    error: ValidationError) -> dict[str, list[str]]:
    errors = _EventErrors(index, prepared.name)
    messages = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
    for name, problems in messages.items():
        if name.startswith("observables["):
            position = int(name[len("observables["):name.index("]")])
            path, label = prepared.observable_paths[position]
            for problem in problems:
                errors.add(path, f"{label}: {problem}")
            continue
        if name.startswith("victims["):
            for problem in problems:
                errors.add("Attribute", f"a target attribute: {problem}")
            continue
        for problem in problems:
            errors.add(_EVENT_FIELDS.get(name, name if name != "__all__" else ""), problem)
    return errors.by_field


# --- The import ------------------------------------------------------------------------


def _marking_changes(prepared: _Prepared, report: Report, imported_tlp: str
                     ) -> dict[str, Any]:
    """The marking of a newer version as changes to its report, with the audience that
    marking allows: RED names the importer as on creation; GREEN names no one; AMBER and
    AMBER+STRICT keep the organisations and groups the report is addressed to.

    Only a changed TLP tag says anything: the same tag as the version imported before
    (`imported_tlp`) leaves the report as it is, however an analyst has marked it since.
    And a changed tag only narrows: a report is never widened by an import (see
    `_widened_marking`), as a wider marking is a disclosure someone here decides on."""
    tlp = prepared.data.tlp
    if tlp is None or tlp == imported_tlp or not is_wider(report.tlp, tlp):
        return {}
    if tlp == TLP.RED:
        return {"tlp": tlp, "audience_organisations": [], "audience_groups": [],
                "audience_users": list(prepared.data.audience_users)}
    if tlp == TLP.GREEN:  # narrowed from CLEAR
        return {"tlp": tlp, "audience_organisations": [], "audience_groups": [],
                "audience_users": []}
    return {"tlp": tlp, "audience_users": []}


def _widened_marking(prepared: _Prepared, report: Report, imported_tlp: str) -> str | None:
    """The marking of a newer version whose changed TLP tag is wider than its report's:
    the report keeps its own, and the import says so (`ImportedEvent.marking_kept`)."""
    tlp = prepared.data.tlp
    if tlp is None or tlp == imported_tlp or not is_wider(tlp, report.tlp):
        return None
    return tlp


def _update_changes(prepared: _Prepared, report: Report, imported_tlp: str
                    ) -> dict[str, Any]:
    """The event as changes to its report. Vocabulary is added to, never taken away, as a
    STIX import updates a report (reports.bulk): a removal is an analyst's deliberate act."""
    changes = dict(prepared.changes)
    for name in ("phases", "information_types", "techniques"):
        held = [term.code for term in getattr(report, name).all()]
        changes[name] = list(dict.fromkeys([*held, *changes[name]]))
    return {**changes, **_marking_changes(prepared, report, imported_tlp)}


def _is_newer(version: datetime | None, imported: datetime | None) -> bool:
    """Without a timestamp an event cannot be told newer, so it changes nothing."""
    return version is not None and (imported is None or version > imported)


def _store(actor: Any, prepared: _Prepared, organisation: Any
           ) -> ImportedEvent | UnchangedEvent:
    """Create the event's report, or update the one made of it before when the event is
    newer. Runs inside the caller's transaction; raises ValidationError as create_report."""
    owner = organisation or getattr(actor, "organisation", None)
    received = None
    if prepared.event_uuid is not None and owner is not None:
        # Locked, so two imports of one event at once apply its versions one after the other.
        received = ReceivedMispEvent.objects.select_for_update().filter(
            organisation=owner, event_uuid=prepared.event_uuid).first()
    if received is None:
        report = create_report(actor=actor, data=prepared.data, organisation=organisation)
        if prepared.status != Status.NEW and authz.can(actor, "report:triage", report):
            set_status(actor=actor, report=report, status=prepared.status)
        if prepared.event_uuid is not None:
            try:
                with transaction.atomic():
                    ReceivedMispEvent.objects.create(
                        organisation=report.owner_organisation, event_uuid=prepared.event_uuid,
                        event_timestamp=prepared.event_timestamp,
                        tlp=prepared.data.tlp or "", report=report)
            except IntegrityError:
                raise ValidationError({"uuid": [
                    "this event was being imported at the same time; import it again"]}
                ) from None
        _flag_indicators(actor, report, prepared.indicators)
        return ImportedEvent(prepared.name, report, prepared.labels)

    report = received.report
    # The command line (OPERATOR) is trusted with the database; anyone else may learn only
    # of a report they may see — a RED one is seen by the people it names.
    visible = actor is authz.OPERATOR or access.can_see(actor, report)
    if not _is_newer(prepared.event_timestamp, received.event_timestamp):
        return UnchangedEvent(prepared.name, report if visible else None)
    if not visible:
        raise ValidationError({"uuid": [
            "your organisation imported this event before, into a report you may not see; "
            "its newer version was not applied"]})
    if not authz.can(actor, "report:change", report):
        raise ValidationError({"uuid": [
            "this event was imported before; applying its newer version needs the right to "
            "change your organisation's reports"]})
    # The report's status is left alone: triage is this organisation's work, not the source's.
    kept = _widened_marking(prepared, report, received.tlp)
    report = update_report(actor=actor, report=report,
                           changes=_update_changes(prepared, report, received.tlp))
    received.event_timestamp = prepared.event_timestamp
    # A version without TLP tags says nothing of the marking: the last one stated stands.
    received.tlp = prepared.data.tlp or received.tlp
    received.save(update_fields=["event_timestamp", "tlp", "updated_at"])
    _flag_indicators(actor, report, prepared.indicators)
    return ImportedEvent(prepared.name, report, prepared.labels, updated=True,
                         marking_kept=kept)


def _flag_indicators(actor: Any, report: Report, indicators: Sequence[tuple[str, str]]
                     ) -> None:
    """Flag the report's observables the event marked `to_ids` as indicators, as an analyst
    does with `mark_indicator`, when the importer may (`report:change`, as there; the
    report was just written, in this transaction: its new version carries them). A flag is
    never removed by a later event: it is a judgement made here, as the feed's `to_ids` is
    ours."""
    from civicshield.sharing.models import ObservableIndicator

    if not authz.can(actor, "report:change", report):
        return  # an indicator reaches detection systems: flagging one is an analyst's act
    wanted = set()
    for kind, value in indicators:
        try:
            wanted.add((kind, kinds.normalise(kind, value)))
        except kinds.InvalidObservable:
            continue  # create_report refused it already; unreachable for a stored report
    if not wanted:
        return
    marked_by = actor if getattr(actor, "is_authenticated", False) else None
    ObservableIndicator.objects.bulk_create(
        [ObservableIndicator(report=report, observable=observable, marked_by=marked_by,
                             imported=True)
         for observable in report.observables.all() if (observable.type, observable.value)
         in wanted], ignore_conflicts=True)


def import_events(*, actor: Any, payload: bytes | str | Any, organisation: Any = None,
                  skip_invalid: bool = False) -> ImportResult:
    """Create one report per MISP event in `payload`, owned by `organisation` (default: the
    actor's), each through `create_report` (validation, vocabulary, audit).

    An event this organisation imported before (same uuid) is not imported twice: when its
    `timestamp` (else `publish_timestamp`) is newer than the version imported, its report
    is updated through `update_report` (listed in `imported` with `updated`); otherwise it
    is listed in `unchanged` and nothing is written for it. The update narrows the report's
    marking when the event's TLP tags changed to a narrower one since the version imported;
    it never widens it (a wider tag is listed as `marking_kept`).

    All or nothing: any invalid event raises InvalidEvents naming every problem, and
    nothing is written. With `skip_invalid`, valid events are imported and the invalid
    ones listed in `skipped_events`. Attributes of types we do not model are listed in
    `skipped_attributes` either way. One `misp.import` audit entry sums up the run.
    """
    authz.require(actor, "report:create")
    events = parse_payload(payload)
    vocabulary = _vocabulary(events)
    result = ImportResult()
    problems: dict[str, list[str]] = {}
    with transaction.atomic():
        for index, event in enumerate(events):
            prepared = _prepare(index, event, vocabulary, actor)
            if isinstance(prepared, _EventErrors):
                event_errors = prepared.by_field
            else:
                try:
                    with transaction.atomic():
                        stored = _store(actor, prepared, organisation)
                except ValidationError as error:
                    event_errors = _in_event_terms(index, prepared, error)
                else:
                    if isinstance(stored, UnchangedEvent):
                        result.unchanged.append(stored)
                    else:
                        result.imported.append(stored)
                        result.skipped_attributes += prepared.skipped
                    continue
            problems.update(event_errors)
            result.skipped_events.append(SkippedEvent(index, prepared.name, event_errors))
        if problems and not skip_invalid:
            raise InvalidEvents(problems)
        audit.record(actor=actor, action="misp.import", details={
            "events": len(events),
            "imported": [item.report.reference for item in result.imported
                         if not item.updated],
            "updated": [item.report.reference for item in result.imported if item.updated],
            "marking_kept": [item.report.reference for item in result.imported
                             if item.marking_kept],
            "unchanged": [item.event for item in result.unchanged],
            "skipped_events": [item.event for item in result.skipped_events],
            "skipped_attributes": len(result.skipped_attributes)})
    return result
