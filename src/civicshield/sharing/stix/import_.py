"""Import STIX 2.1 content: from a file, the API or a TAXII POST (docs/stix-mapping.md).

One transaction and one audit entry per import. Everything is validated first
(`sharing.stix.validate`); an invalid object rejects the whole import and nothing is
written. Idempotent by id + version (`modified`, else `created`): a newer version
updates, an older or equal one is skipped, and the JSON of every version is kept
(`StixObjectVersion`). Every object is kept verbatim (`StixObject`) and re-exported
unchanged; reports also become `reports.Report` (owned by the importing organisation,
marked with their TLP), their SCOs observables, their attack-patterns techniques.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicshield.core import access, audit, authz
from civicshield.core import rows as rows_sql
from civicshield.core.markings import TLP, width
from civicshield.reports import bulk
from civicshield.reports import observables as observable_rules
from civicshield.reports.choices import Confidence, ObservableType, Outcome, Source
from civicshield.sharing.stix.export import (
    EXTENSION_ID,
    EXTENSION_SCO_TYPES,
    TECHNIQUE_SOURCES,
)
from civicshield.sharing.stix.markings import TLP_BY_MARKING_ID, tlp_of_definition
from civicshield.sharing.stix.publish import (
    Audience,
    Entry,
    is_sco,
    lock_collections,
    mark_published,
    version_of,
)
from civicshield.sharing.stix.publish import write_entries as publish_entries
from civicshield.sharing.stix.validate import (
    InvalidStix,
    Problem,
    nul_character,
    object_too_large,
    objects_of,
    parse_timestamp,
)
from civicshield.sharing.stix.validate import validate as validate_objects

Progress = Callable[[str, int], None]  # (step, objects done)
_CHUNK = 900
_SCO_OBSERVABLE_TYPES = {
    "domain-name": ObservableType.DOMAIN, "url": ObservableType.URL,
    "ipv4-addr": ObservableType.IPV4, "ipv6-addr": ObservableType.IPV6,
    "email-addr": ObservableType.EMAIL,
    **EXTENSION_SCO_TYPES,
}
_HASHES = {"MD5": ObservableType.MD5, "SHA-1": ObservableType.SHA1,
           "SHA-256": ObservableType.SHA256}
# The same values recur across a feed: normalise each once (pure function of its input).
_normalise = functools.lru_cache(maxsize=65_536)(observable_rules.normalise)
# Called per object with one of five codes: `width` builds a TLP member each time.
_width = functools.cache(width)
_SIMPLE_PATTERN = re.compile(
    r"^\[\s*([a-z0-9-]+):([a-z_]+(?:\.(?:'[^']+'|[A-Za-z0-9_-]+))?)\s*=\s*'((?:[^'\\]|\\.)*)'\s*\]$")


@dataclass(frozen=True)
class Destination:
    """Where an import lands: its default marking and, for a sharing group's collection,
    the group it is addressed to."""

    default_tlp: str = TLP.AMBER
    group_id: int | None = None
    collection: str = ""
    # A federation pull: a collection holds what its marking allows, so a report's identity
    # or observables may be in another collection or on a later page. Their references are
    # kept, and resolved when the objects arrive (`UnresolvedReference`).
    references_may_dangle: bool = False


def _held(viewer: Any) -> Callable[[set[str]], set[str]]:
    """Which ids the importer may already see: referring to anything else must fail the
    same way as referring to nothing, or imports would reveal what exists."""
    from civicshield.sharing.models import StixObject, TaxiiEntry

    def known(ids: set[str]) -> set[str]:
        found: set[str] = set()
        wanted = sorted(ids)
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start:start + _CHUNK]
            found.update(access.visible_to(viewer, StixObject.objects.filter(
                stix_id__in=chunk)).values_list("stix_id", flat=True))
            found.update(access.visible_to(viewer, TaxiiEntry.objects.filter(
                stix_id__in=chunk)).values_list("stix_id", flat=True))
        return found

    return known


def check(document: Any, *, viewer: Any, references_may_dangle: bool = False
          ) -> list[dict[str, Any]]:
    """Validate without writing: the objects, or InvalidStix naming every problem."""
    objects = objects_of(document)
    problems = validate_objects(objects, known=_held(viewer),
                                references_may_dangle=references_may_dangle)
    if problems:
        raise InvalidStix(problems)
    return objects


def _observable_of(body: dict[str, Any]) -> tuple[str, str] | None:
    """(type, canonical value) of an SCO we model, or None."""
    stix_type = body.get("type")
    try:
        if stix_type in _SCO_OBSERVABLE_TYPES and isinstance(body.get("value"), str):
            kind = _SCO_OBSERVABLE_TYPES[stix_type]
            return kind, _normalise(kind, body["value"])
        if stix_type == "file" and isinstance(body.get("hashes"), dict):
            for algorithm, kind in _HASHES.items():
                if algorithm in body["hashes"]:
                    return kind, _normalise(kind, str(body["hashes"][algorithm]))
        if stix_type == "email-message" and isinstance(body.get("message_id"), str):
            kind = ObservableType.MESSAGE_ID
            return kind, _normalise(kind, body["message_id"])
        if stix_type == "user-account":
            value = body.get("user_id")
            if isinstance(value, str) and ":" in value:
                kind = ObservableType.SOCIAL_ACCOUNT
                return kind, _normalise(kind, value)
    except observable_rules.InvalidObservable:
        return None
    return None


def _observable_of_pattern(pattern: str) -> tuple[str, str] | None:
    """The observable of an indicator whose pattern is one equality, e.g.
    [domain-name:value = 'x'] — the patterns we export; anything richer is kept verbatim."""
    match = _SIMPLE_PATTERN.match(pattern.strip())
    if match is None:
        return None
    stix_type, path, literal = match.groups()
    value = literal.replace("\\'", "'").replace("\\\\", "\\")
    if path == "value":
        return _observable_of({"type": stix_type, "value": value})
    if stix_type == "file" and path.startswith("hashes."):
        algorithm = path.split(".", 1)[1].strip("'")
        return _observable_of({"type": "file", "hashes": {algorithm: value}})
    if stix_type == "email-message" and path == "message_id":
        return _observable_of({"type": stix_type, "message_id": value})
    if stix_type == "user-account" and path == "user_id":
        return _observable_of({"type": stix_type, "user_id": value})
    return None


def _confidence(value: Any) -> str:
    if not isinstance(value, int):
        return Confidence.MEDIUM
    return Confidence.LOW if value < 34 else Confidence.MEDIUM if value < 67 else \
        Confidence.HIGH


def import_stix(*, actor: Any, document: Any, source: str, organisation: Any = None,
                destination: Destination | None = None,
                progress: Progress | None = None) -> Any:
    """Validate and store STIX content; returns the `StixImport` (the TAXII status).

    Raises InvalidStix (every problem, with the object's id) and writes nothing when any
    object is invalid; PermissionDenied when the actor may not create reports.
    """
    from civicshield.directory.selectors import coordinating_organisation
    from civicshield.sharing.models import StixImport, StixObject, StixObjectVersion

    destination = destination or Destination()
    authz.require(actor, "report:create")
    owner = organisation or getattr(actor, "organisation", None) or coordinating_organisation()
    if owner is None:
        raise ValidationError({"organisation": _("An import belongs to an organisation.")})
    user = actor if getattr(actor, "is_authenticated", False) else None
    viewer = user if user is not None else _operator_viewer(owner)
    objects = check(document, viewer=viewer,
                    references_may_dangle=destination.references_may_dangle)
    if progress:
        progress("validated", len(objects))

    texts = [json.dumps(body, separators=(",", ":"), ensure_ascii=False) for body in objects]
    if refused := [problem for body, text in zip(objects, texts, strict=True)
                   if (problem := object_too_large(body, text) or nul_character(body, text))
                   is not None]:
        raise InvalidStix(refused)
    versions = [version_of(body) for body in objects]
    with transaction.atomic():
        # What is held is read under the collections' lock, so two imports of the same
        # new objects at once queue: the second finds the first's rows and skips them.
        lock_collections()
        existing, seen_versions, newest, ours = _holdings(objects, versions, owner, viewer)
        tlp_for = _marking_resolver(objects, destination.default_tlp, viewer)
        status = StixImport.objects.create(
            status_id=uuid.uuid4(), source=source, collection=destination.collection,
            actor=user, organisation=owner, total_count=len(objects),
            success_count=len(objects))
        new_versions: list[tuple[str, str, str]] = []
        created: dict[str, Any] = {}
        updated: dict[str, Any] = {}
        older: list[tuple[dict[str, Any], str, str]] = []  # kept and published, not current
        copies: list[tuple[dict[str, Any], str]] = []  # SCOs held already: shared again
        skipped = 0
        user_pk = user.pk if user is not None else None
        user_organisation = getattr(user, "organisation_id", None)

        def addressed(body: dict[str, Any]) -> Audience:
            """Who this import shares `body` with, as the content marks it."""
            return _audience(tlp_for(body), owner.pk, user_pk, destination.group_id, user_pk,
                             user_organisation)

        changing = _readers_changing(objects, versions, existing, newest, owner, user,
                                     destination, tlp_for, viewer)
        if moved := [stix_id for stix_id, visible in changing.items() if visible]:
            raise InvalidStix([Problem(stix_id, _READERS_REFUSED) for stix_id in moved])
        for body, text, version in zip(objects, texts, versions, strict=True):
            stix_id = body["id"]
            current = existing.get(stix_id)
            if body["id"] in TLP_BY_MARKING_ID or (stix_id, version) in seen_versions or (
                    current is not None and current.owner_organisation_id != owner.pk) or \
                    stix_id in ours or stix_id in changing:
                # Only an object's holder adds to its history (STIX 2.1 §3.6); an SCO is a
                # value, which the sender shares again with its own audience below.
                skipped += 1
                if is_sco(body) and current is not None:
                    copies.append((body, text))
                continue
            seen_versions.add((stix_id, version))
            new_versions.append((stix_id, version, text))
            if version != newest[stix_id] or (current is not None
                                              and version < current.modified):
                older.append((body, version, text))
                continue
            tlp = tlp_for(body)
            if current is None:
                created[stix_id] = _Received(
                    stix_id=stix_id, type=body["type"], modified=version, body=text, tlp=tlp,
                    owner_organisation_id=owner.pk,
                    created_by_id=user.pk if user is not None else None)
            else:
                current.body, current.modified, current.tlp = text, version, tlp
                current.received_in = status
                current.updated_at = timezone.now()
                updated[stix_id] = current
        now = rows_sql.db_datetime(timezone.now())
        rows_sql.insert(StixObjectVersion, ("stix_id", "modified", "body", "received_in_id",
                                            "received_at"),
                        ((stix_id, version, text, status.pk, now)
                         for stix_id, version, text in new_versions))
        if progress:
            progress("versions", len(objects))
        rows_sql.insert(StixObject, (
            "stix_id", "type", "modified", "body", "received_in_id", "tlp",
            "owner_organisation_id", "created_by_id", "disclose_recipients", "created_at",
            "updated_at"), ((row.stix_id, row.type, row.modified, row.body, status.pk, row.tlp,
                             row.owner_organisation_id, row.created_by_id, False, now, now)
                            for row in created.values()))
        for pk, stix_id in rows_sql.ids_by(StixObject, "stix_id", list(created)):
            created[stix_id].pk = pk
        rows = list(created.values())
        StixObject.objects.bulk_update(list(updated.values()),
                                       ["body", "modified", "tlp", "received_in", "updated_at"],
                                       batch_size=_CHUNK)
        audiences = _write_audiences([*rows, *updated.values()], destination, user,
                                     replacing=[row.pk for row in updated.values()])
        stored = {row.stix_id: row for row in [*rows, *updated.values()]}
        if progress:
            progress("objects", len(objects))
        # Each id's newest version in the content (a bundle may carry older ones after it).
        by_id: dict[str, dict[str, Any]] = {}
        for body, version in zip(objects, versions, strict=True):
            if version == newest[body["id"]]:
                by_id.setdefault(body["id"], body)
        stored_audiences = {stix_id: audiences.get(stix_id) or
                            _audience_for(row, destination, user)
                            for stix_id, row in stored.items()}
        # What each object of the content is shared with, as the content marks it — also
        # for those not stored now (an SCO another organisation named first: same id).
        content_audiences = {stix_id: stored_audiences.get(stix_id) or addressed(body)
                             for stix_id, body in by_id.items()}
        reports = _store_reports(stored, stored_audiences, content_audiences, by_id, viewer,
                                 user, destination)
        completed = _resolve_waiting(content_audiences, by_id, owner, viewer, user)
        if progress:
            progress("reports", len(objects))
        entries = []
        exercise, exercise_only, real = _exercise_content(by_id, existing, stored)
        for stix_id, row in stored.items():
            if stix_id in exercise or (stix_id in exercise_only and stix_id in created):
                continue  # exercise content is never published (nor exported, nor pushed)
            audience = stored_audiences[stix_id]
            entries += [Entry(key=key, audience=audience, stix_id=stix_id, stix_type=row.type,
                              version=row.modified, body=row.body, source_object_id=row.pk)
                        for key in audience.collection_keys()]
        entries += _older_entries(
            [item for item in older if item[0]["id"] not in exercise], stored, stored_audiences,
            existing, addressed)
        entries += _copy_entries([copy for copy in copies if copy[0]["id"] not in exercise_only],
                                 content_audiences, existing)
        entries += _withheld_until_now(real - stored.keys() - exercise, existing, owner)
        # Objects updated now may place nothing where they did (RED to people of no
        # organisation): their entries must go all the same. New ones have none yet.
        publish_entries(entries, republished=[f"object:{row.pk}" for row in updated.values()])
        mark_published(reports)
        if progress:
            progress("published", len(objects))
        audit.record(actor=actor, action="stix.import", target=status, details={
            "source": source, "objects": len(objects), "created": len(created),
            "updated": len(updated), "skipped": skipped, "reports": len(reports),
            "reports_completed": len(completed), "collection": destination.collection,
        })
        report_ids = sorted({report.pk for report in reports} | set(completed))
        if report_ids:
            # Robust: the import is committed; a failing correlation is logged, not
            # turned into an error for a client whose objects are all stored.
            transaction.on_commit(lambda: _correlate(report_ids), robust=True)
    return status



_READERS_REFUSED = ("this version would hand the object to other readers than those it has "
                    "(a colleague's RED version, another sharing group): only the person "
                    "holding a RED object sends its versions, and an object moves to other "
                    "readers only by widening")


def _readers_changing(objects: Sequence[dict[str, Any]], versions: Sequence[str],
                      existing: dict[str, Any], newest: dict[str, str], owner: Any, user: Any,
                      destination: Destination, tlp_for: Callable[[dict[str, Any]], str],
                      viewer: Any) -> dict[str, bool]:
    """The held objects whose newer version here would move them to other readers than by
    widening or narrowing them — RED from or to another person, AMBER to another group —
    each with whether the importer may see it (then the import is refused, naming it; else
    the version is skipped, as an equal one is, so that nothing tells it the object exists).
    Versions, observables and entries all follow the readers an object has: handing it to
    others would hand them its history too."""
    from civicshield.sharing.models import StixObject
    from civicshield.sharing.stix.publish import audiences_of

    user_pk = user.pk if user is not None else None
    newer = {body["id"]: body for body, version in zip(objects, versions, strict=True)
             if body["id"] in existing and version == newest[body["id"]]
             and existing[body["id"]].owner_organisation_id == owner.pk
             and version > existing[body["id"]].modified}
    if not newer:
        return {}
    held = audiences_of(StixObject, [existing[stix_id] for stix_id in newer])
    moving = []
    for stix_id, body in newer.items():
        row = existing[stix_id]
        before = held[row.pk]
        after = _audience(tlp_for(body), owner.pk, row.created_by_id, destination.group_id,
                          user_pk, getattr(user, "organisation_id", None))
        if TLP.RED in (before.tlp, after.tlp) and row.created_by_id != user_pk:
            moving.append(row)  # RED is one person's: only they add to its history
        elif not (_within(before, after) or _within(after, before)):
            moving.append(row)
    if not moving:
        return {}
    visible = set(access.visible_to(viewer, StixObject.objects.filter(
        pk__in=[row.pk for row in moving])).values_list("pk", flat=True))
    return {row.stix_id: row.pk in visible for row in moving}


def _within(inner: Audience, outer: Audience) -> bool:
    """Whether everyone `inner` shares with is among those `outer` shares with (for the
    markings an import gives: RED to named people, AMBER to organisations and groups)."""
    if _readers(inner) == _readers(outer):
        return True
    if outer.tlp in (TLP.CLEAR, TLP.GREEN):
        return _width(inner.tlp) <= _width(outer.tlp)
    if inner.tlp in (TLP.CLEAR, TLP.GREEN) or inner.owner_id != outer.owner_id:
        return False
    if inner.tlp == TLP.RED:
        named = set(inner.user_organisation_ids)
        return outer.tlp != TLP.RED and named <= {outer.owner_id, *outer.organisation_ids}
    # AMBER reaches the sub-organisations of the organisations and groups it names, which
    # AMBER+STRICT does not (core.access); for its owner alone, the two are the same.
    if outer.tlp == TLP.RED or (inner.tlp == TLP.AMBER and outer.tlp == TLP.AMBER_STRICT and (
            inner.organisation_ids or inner.group_ids)):
        return False
    return set(inner.organisation_ids) <= set(outer.organisation_ids) and \
        set(inner.group_ids) <= set(outer.group_ids)


def _older_entries(older: Sequence[tuple[dict[str, Any], str, str]], stored: dict[str, Any],
                   stored_audiences: dict[str, Audience], existing: dict[str, Any],
                   addressed: Callable[[dict[str, Any]], Audience]) -> list[Entry]:
    """Entries for versions older than an object's current one: served as its versions
    (TAXII `versions`, `match[version]`), with the object's present audience — unless the
    version was addressed (`addressed`: as this import addresses it) to fewer or other
    readers than those; then it is kept (`StixObjectVersion`) and not served: a producer's
    RED draft must not reach the readers of its GREEN sanitised version."""
    from civicshield.sharing.models import StixObject
    from civicshield.sharing.stix.publish import audiences_of

    held_only = {body["id"]: existing[body["id"]] for body, _version, _text in older
                 if body["id"] not in stored}
    held_audiences = audiences_of(StixObject, list(held_only.values()))
    entries = []
    for body, version, text in older:
        stix_id = body["id"]
        row = stored.get(stix_id) or held_only[stix_id]
        audience = stored_audiences.get(stix_id) or held_audiences[row.pk]
        if not _within(audience, addressed(body)):
            continue
        entries += [Entry(key=key, audience=audience, stix_id=stix_id, stix_type=body["type"],
                          version=version, body=text, source_object_id=row.pk)
                    for key in audience.collection_keys()]
    return entries


def _copy_entries(copies: Sequence[tuple[dict[str, Any], str]],
                  content_audiences: dict[str, Audience], existing: dict[str, Any]
                  ) -> list[Entry]:
    """An SCO held already, by anyone, is published again as the sender shared it: in its
    audience's collections, as sent. Otherwise the sender would find its object missing
    from its own collections, and learn that someone holds that value."""
    from civicshield.sharing.models import StixObject
    from civicshield.sharing.stix.publish import audiences_of

    held_audiences = audiences_of(StixObject, [existing[body["id"]] for body, _text in copies])
    entries = []
    for body, text in copies:
        audience = content_audiences[body["id"]]
        held = existing[body["id"]].pk
        if _readers(audience) == _readers(held_audiences[held]):
            continue  # shared as it is held: its entries serve it already
        # One record per object and audience it was shared with: a copy shared again
        # with another audience is another one, and neither moves the holder's entries.
        readers = hashlib.sha256(repr(_readers(audience)).encode()).hexdigest()[:16]
        entries += [Entry(key=key, audience=audience, stix_id=body["id"],
                          stix_type=body["type"], version="", body=text,
                          source_object_id=held, source_key=f"copy:{held}:{readers}")
                    for key in audience.collection_keys()]
    return entries


def _holdings(objects: Sequence[dict[str, Any]], versions: Sequence[str], owner: Any,
              viewer: Any
              ) -> tuple[dict[str, Any], set[tuple[str, str]], dict[str, str], set[str]]:
    """What we hold of these objects: the current rows by id, the (id, version) pairs
    stored, the newest version of each id in the content, and the ids of our own records.
    Raises InvalidStix for newer versions of objects another organisation holds that the
    importer may see."""
    from civicshield.sharing.models import StixObject, StixObjectVersion

    ids = sorted({body["id"] for body in objects})
    # Most ids of a feed are new: look them up as plain rows, load only those held.
    held = [pk for pk, _stix_id in rows_sql.ids_by(StixObject, "stix_id", ids)]
    existing: dict[str, Any] = {row.stix_id: row for row in StixObject.objects.filter(
        pk__in=held)} if held else {}
    seen_versions: set[tuple[str, str]] = {
        (stix_id, modified) for _pk, stix_id, modified in
        rows_sql.ids_by(StixObjectVersion, "stix_id", ids, "modified")}
    newest: dict[str, str] = {}
    for body, version in zip(objects, versions, strict=True):
        newest[body["id"]] = max(version, newest.get(body["id"], ""))
    # Only the organisation holding an object sends its newer versions: anyone else could
    # re-mark (widen) or rewrite what it does not own, or may not even see. Held by another
    # organisation, newer: refused when the importer may see the object (it knows the id's
    # holder); otherwise skipped, exactly as an equal version is, so that an import cannot
    # tell that an object it may not see exists.
    foreign = [stix_id for stix_id, row in existing.items()
               if row.owner_organisation_id != owner.pk and newest[stix_id] > row.modified]
    visible = set(access.visible_to(viewer, StixObject.objects.filter(
        stix_id__in=foreign)).values_list("stix_id", flat=True)) if foreign else set()
    if visible:
        raise InvalidStix([Problem(stix_id, "this id belongs to an object held by another "
                                            "organisation: only it may send newer versions")
                           for stix_id in sorted(visible)])
    return existing, seen_versions, newest, _our_records(ids, newest)


def _our_records(ids: Sequence[str], newest: dict[str, str]) -> set[str]:
    """The ids among `ids` that name objects of our own records (reports, their identities,
    campaigns...). Those change through our services only: an import skips every version of
    them, whatever it is, so that it neither rewrites them nor learns their dates (our own
    export imported again is skipped the same way)."""
    from civicshield.sharing.models import TaxiiEntry
    from civicshield.sharing.stix.publish import sync_reports

    versioned = [stix_id for stix_id in ids if newest[stix_id]]
    if not versioned:
        return set()
    sync_reports()  # reports are published lazily: their ids are known once published
    return {stix_id for _pk, stix_id, object_id in rows_sql.ids_by(
        TaxiiEntry, "stix_id", versioned, "source_object") if object_id is None}


def _marking_resolver(objects: Sequence[dict[str, Any]], default_tlp: str, viewer: Any
                      ) -> Callable[[dict[str, Any]], str]:
    """The TLP of an object: `content_tlp_resolver`'s, else the destination's default."""
    tlp_of_content = content_tlp_resolver(objects, viewer)
    return lambda body: tlp_of_content(body) or default_tlp


def marking_refs(body: dict[str, Any]) -> list[str]:
    """Every marking an object names: its own and its granular ones. The object is kept and
    served whole, so a part marked RED makes all of it RED."""
    refs = list(body.get("object_marking_refs") or ())
    granular = body.get("granular_markings")
    refs += [marking["marking_ref"] for marking in (granular if isinstance(granular, list)
                                                   else ())
             if isinstance(marking, dict) and isinstance(marking.get("marking_ref"), str)]
    return refs


def content_tlp_resolver(objects: Sequence[dict[str, Any]], viewer: Any
                         ) -> Callable[[dict[str, Any]], str | None]:
    """How the import marks each object of `objects`: the narrowest TLP among its markings
    (the TLP ids, marking-definitions in the same content, or ones held here that `viewer`,
    the importer, may see), or None when none is a TLP marking (the import then applies its
    destination's default). One query."""
    from civicshield.sharing.models import StixObject

    content_markings = {body["id"]: tlp_of_definition(body) for body in objects
                        if body["type"] == "marking-definition"}
    wanted = list({ref for body in objects for ref in marking_refs(body)
                   if ref not in TLP_BY_MARKING_ID})
    # Most content is marked with the TLP ids alone: then there is nothing to look up.
    stored_markings = {row.stix_id: tlp_of_definition(json.loads(row.body))
                       for row in access.visible_to(viewer, StixObject.objects.filter(
                           type="marking-definition", stix_id__in=wanted))} if wanted else {}

    def tlp_for(body: dict[str, Any]) -> str | None:
        found = []
        for ref in marking_refs(body):
            tlp = TLP_BY_MARKING_ID.get(ref) or content_markings.get(ref) or \
                stored_markings.get(ref)
            if tlp:
                found.append(tlp)
        return min(found, key=_width) if found else None

    return tlp_for


@dataclass
class _Received:
    """An object received for the first time, before its row exists (plain, for speed)."""

    stix_id: str
    type: str
    modified: str
    body: str
    tlp: str
    owner_organisation_id: int
    created_by_id: int | None
    pk: int | None = None
    report_id: int | None = None


def _correlate(report_ids: list[int]) -> None:
    from civicshield.correlation.services import correlate_reports

    correlate_reports(report_ids=report_ids)


def _operator_viewer(owner: Any) -> Any:
    """The command line imports as the organisation that will own the content."""
    from civicshield.core.access import Viewer

    return Viewer.for_organisation(owner)


def _audience_for(row: Any, destination: Destination, user: Any) -> Audience:
    return _audience(row.tlp, row.owner_organisation_id, row.created_by_id,
                     destination.group_id, user.pk if user is not None else None,
                     getattr(user, "organisation_id", None))


# A feed has thousands of objects and a handful of audiences: build each (frozen) once.
@functools.lru_cache(maxsize=1024)
def _audience(tlp: str, owner_id: int, created_by_id: int | None, group_id: int | None,
              user_id: int | None, user_organisation_id: int | None) -> Audience:
    group_ids: tuple[int, ...] = ()
    if group_id and tlp in (TLP.AMBER, TLP.AMBER_STRICT):
        group_ids = (group_id,)
    user_ids: tuple[int, ...] = ()
    user_organisations: tuple[int, ...] = ()
    if tlp == TLP.RED and user_id is not None:
        user_ids = (user_id,)
        user_organisations = (user_organisation_id,) if user_organisation_id else ()
    return Audience(tlp=tlp, owner_id=owner_id, created_by_id=created_by_id,
                    group_ids=group_ids, user_ids=user_ids,
                    user_organisation_ids=user_organisations)


def _write_audiences(rows: Sequence[Any], destination: Destination, user: Any, *,
                     replacing: Sequence[int] = ()) -> dict[str, Audience]:
    """Address received objects, new or newer versions (`replacing`: the ids of rows whose
    audience is written again): AMBER to the destination group, RED to the importer (an
    AMBER object with no group stays with the owner organisation)."""
    from civicshield.sharing.models import StixObject

    for start in range(0, len(replacing), _CHUNK):
        chunk = replacing[start:start + _CHUNK]
        StixObject.audience_groups.through.objects.filter(stixobject_id__in=chunk).delete()
        StixObject.audience_users.through.objects.filter(stixobject_id__in=chunk).delete()

    audiences = {}
    groups, users = [], []
    # Looked up once: the descriptors are read per object otherwise.
    group_through = StixObject.audience_groups.through
    user_through = StixObject.audience_users.through
    for row in rows:
        audience = _audience_for(row, destination, user)
        audiences[row.stix_id] = audience
        groups += [group_through(stixobject_id=row.pk, sharinggroup_id=g)
                   for g in audience.group_ids]
        users += [user_through(stixobject_id=row.pk, user_id=u) for u in audience.user_ids]
    group_through.objects.bulk_create(groups, batch_size=_CHUNK)
    user_through.objects.bulk_create(users, batch_size=_CHUNK)
    return audiences


# Objects held here were stored before the validator checked the shape of external
# references and of our extension's codes: what is read of them is read defensively.
def _external_references(body: dict[str, Any]) -> list[dict[str, Any]]:
    references = body.get("external_references")
    return [reference for reference in (references if isinstance(references, list) else ())
            if isinstance(reference, dict)]


def _context(body: dict[str, Any]) -> dict[str, Any]:
    """Our extension's properties on a report (empty when it has none)."""
    extensions = body.get("extensions")
    context = extensions.get(EXTENSION_ID) if isinstance(extensions, dict) else None
    return context if isinstance(context, dict) else {}


def _exercise_content(by_id: dict[str, dict[str, Any]], existing: dict[str, Any],
                      stored: dict[str, Any]) -> tuple[set[str], set[str], set[str]]:
    """What of the content is exercise data: the reports whose current version says so (the
    one stored now, or the one held when an older one arrives); the objects only such
    reports refer to (an inject's made-up indicators: withheld when received first here,
    and not shared again as copies); and, for contrast, the objects real reports refer to."""
    def current(stix_id: str) -> dict[str, Any]:
        if stix_id in stored or stix_id not in existing:
            return by_id[stix_id]
        return dict(json.loads(existing[stix_id].body))

    exercise = {stix_id for stix_id, body in by_id.items()
                if body.get("type") == "report" and _is_exercise(current(stix_id))}
    referred = {ref for stix_id in exercise for ref in by_id[stix_id].get("object_refs") or ()}
    real = {ref for stix_id, body in by_id.items() if body.get("type") == "report"
            and stix_id not in exercise for ref in body.get("object_refs") or ()}
    return exercise, referred - real, real


def _withheld_until_now(referred: set[str], existing: dict[str, Any], owner: Any
                        ) -> list[Entry]:
    """Entries for the importing organisation's held objects a real report of its own now
    refers to that no collection holds: an object it received first in an exercise was
    withheld, and is published once it is real content too, with its present audience (else
    the report would name what no one serves). Another organisation's real report never
    publishes what this one withheld."""
    from civicshield.sharing.models import StixObject, TaxiiEntry
    from civicshield.sharing.stix.publish import audiences_of

    held = {existing[stix_id].pk: existing[stix_id] for stix_id in referred
            if stix_id in existing and existing[stix_id].owner_organisation_id == owner.pk}
    if not held:
        return []
    placed = set(TaxiiEntry.objects.filter(source_object_id__in=list(held)).values_list(
        "source_object_id", flat=True))
    rows = [row for pk, row in held.items() if pk not in placed]
    audiences = audiences_of(StixObject, rows)
    return [Entry(key=key, audience=audiences[row.pk], stix_id=row.stix_id, stix_type=row.type,
                  version=row.modified, body=row.body, source_object_id=row.pk)
            for row in rows for key in audiences[row.pk].collection_keys()]


def _is_exercise(body: dict[str, Any] | None) -> bool:
    """A report its producer marks as exercise content (our extension's `source`): it stays
    exercise data here, never published to a collection, exported or pushed (DESIGN.md)."""
    return body is not None and body.get("type") == "report" and \
        _context(body).get("source") == Source.EXERCISE


def _codes(context: dict[str, Any], name: str) -> list[str]:
    given = context.get(name)
    return [code for code in (given if isinstance(given, list) else ()) if isinstance(code, str)]


def _attack_codes(bodies: Iterable[dict[str, Any] | None]) -> set[str]:
    """The DISARM/ATT&CK codes named by these attack-patterns (others ignored)."""
    codes: set[str] = set()
    for body in bodies:
        if body and body.get("type") == "attack-pattern":
            codes.update(reference["external_id"] for reference in _external_references(body)
                         if reference.get("source_name") in TECHNIQUE_SOURCES.values()
                         and isinstance(reference.get("external_id"), str))
    return codes


def _terms(codes: set[str]) -> dict[tuple[str, str], int]:
    """(vocabulary slug, code) → term id, for the vocabularies a report maps to."""
    from civicshield.vocab.models import Term

    if not codes:
        return {}
    return {(vocabulary, code): pk for pk, vocabulary, code in Term.objects.filter(
        code__in=sorted(codes),
        vocabulary__slug__in=["disarm", "attack", "phases", "information-types"]
    ).values_list("pk", "vocabulary__slug", "code")}


@dataclass
class _Mapped:
    """What a report's references bring: observables (those from indicators flagged too)
    and techniques."""

    observables: list[tuple[str, str]]
    flagged: list[tuple[str, str]]
    technique_ids: list[int]


# A referenced object with the audience it is shared with; None: it came unmarked in the
# same content as the report (a producer marks the report and lets its parts follow it).
Target = tuple[dict[str, Any], Audience | None]


def _may_join(target: Audience | None, report: Audience) -> bool:
    """Whether what `target` says (an observable, a technique) may be shown with a report
    shared with `report`: everyone who sees the report must be allowed to see it. CLEAR and
    GREEN objects join reports marked as wide or narrower; others only a report shared with
    the same readers (an AMBER domain never surfaces in a GREEN report)."""
    if target is None:
        return True
    if target.tlp in (TLP.CLEAR, TLP.GREEN):
        return _width(target.tlp) >= _width(report.tlp)
    return _readers(target) == _readers(report)


def _readers(audience: Audience) -> tuple[Any, ...]:
    """What decides who sees a record (core.access): the creator only matters for RED."""
    return (audience.tlp, audience.owner_id, audience.organisation_ids, audience.group_ids,
            audience.user_ids, audience.created_by_id if audience.tlp == TLP.RED else None)


def _mapped(refs: Iterable[str], targets: dict[str, Target], terms: dict[tuple[str, str], int],
            report: Audience) -> _Mapped:
    mapped = _Mapped([], [], [])
    for ref in refs:
        found = targets.get(ref)
        if not found or not _may_join(found[1], report):
            continue
        target = found[0]
        if target.get("type") == "indicator" and isinstance(target.get("pattern"), str):
            pair = _observable_of_pattern(target["pattern"])
            if pair:
                mapped.observables.append(pair)
                mapped.flagged.append(pair)
        elif target.get("type") == "attack-pattern":
            for reference in _external_references(target):
                for slug, name in TECHNIQUE_SOURCES.items():
                    if reference.get("source_name") == name and isinstance(
                            reference.get("external_id"), str) and \
                            (slug, reference["external_id"]) in terms:
                        mapped.technique_ids.append(terms[(slug, reference["external_id"])])
        else:
            pair = _observable_of(target)
            if pair:
                mapped.observables.append(pair)
    return mapped


def _flag_indicators(pairs: Sequence[tuple[int, tuple[str, str]]],
                     observable_ids: dict[tuple[str, str], int], user: Any) -> None:
    """Mark (report id, observable) pairs as indicators, as the sender's patterns say, on
    the reports the importer may change (`report:change`, as `mark_indicator` asks: an
    indicator reaches detection systems, so flagging one is an analyst's act)."""
    from civicshield.reports.models import Report
    from civicshield.sharing.models import ObservableIndicator

    if user is not None and pairs:
        changeable = {report.pk for report in Report.objects.filter(
            pk__in=sorted({report_id for report_id, _ in pairs})).select_related(
            "owner_organisation") if authz.can(user, "report:change", report)}
        pairs = [(report_id, pair) for report_id, pair in pairs if report_id in changeable]
    now = rows_sql.db_datetime(timezone.now())
    rows_sql.insert(ObservableIndicator, ("report", "observable", "marked_by", "imported",
                                          "created_at"),
                    [(report_id, observable_ids[pair], user.pk if user is not None else None,
                      True, now) for report_id, pair in pairs if pair in observable_ids],
                    ignore_conflicts=True)


def _targets(refs: set[str], content_audiences: dict[str, Audience],
             by_id: dict[str, dict[str, Any]], viewer: Any) -> dict[str, Target]:
    """The referenced objects a report may draw on, with their audiences: those of the
    content as it marks them (unmarked ones follow the report), and those held that the
    importer may see (read through the access layer; anything else is as good as absent)."""
    from civicshield.sharing.models import StixObject
    from civicshield.sharing.stix.publish import audiences_of

    found: dict[str, Target] = {
        ref: (by_id[ref], content_audiences[ref] if marking_refs(by_id[ref]) else None)
        for ref in refs if ref in by_id}
    rest = sorted(refs - found.keys())
    for start in range(0, len(rest), _CHUNK):
        held = list(access.visible_to(viewer, StixObject.objects.filter(
            stix_id__in=rest[start:start + _CHUNK])))
        held_audiences = audiences_of(StixObject, held)
        for row in held:
            found[row.stix_id] = (json.loads(row.body), held_audiences[row.pk])
    return found


def _store_reports(stored: dict[str, Any], stored_audiences: dict[str, Audience],
                   content_audiences: dict[str, Audience], by_id: dict[str, dict[str, Any]],
                   viewer: Any, user: Any, destination: Destination) -> list[Any]:
    """Received reports (new or newer versions) as `reports.Report`, linked to what their
    references bring when it may be shown with them (`_may_join`)."""
    from civicshield.sharing.models import ObservableIndicator, StixObject, UnresolvedReference

    received = [(row, by_id[stix_id]) for stix_id, row in stored.items()
                if row.type == "report" and stix_id in by_id]
    if not received:
        return []
    referenced = {ref for _row, body in received for ref in body.get("object_refs") or ()}
    targets = _targets(referenced, content_audiences, by_id, viewer)
    codes = _attack_codes(body for body, _audience in targets.values())
    for _row, body in received:
        context = _context(body)
        codes.update(_codes(context, "phases"))
        codes.update(_codes(context, "information_types"))
    terms = _terms(codes)
    from civicshield.reports.models import Report

    held_reports = Report.objects.in_bulk([row.report_id for row, _body in received
                                           if row.report_id])
    items: list[bulk.BulkReport] = []
    indicator_pairs: list[tuple[int, tuple[str, str]]] = []
    for row, body in received:
        audience = stored_audiences[row.stix_id]
        held_report = held_reports.get(row.report_id) if row.report_id else None
        mapped = _mapped(body.get("object_refs") or (), targets, terms, audience)
        context = _context(body)
        start = parse_timestamp(context.get("observed_start")) or \
            parse_timestamp(body.get("published")) or parse_timestamp(body.get("created")) or \
            timezone.now()
        end = parse_timestamp(context.get("observed_end"))
        stated_outcome = context.get("outcome")
        item = bulk.BulkReport(
            title=str(body.get("name") or "")[:200] or body["id"],
            description=str(body.get("description") or body.get("name") or ""),
            observed_start=min(start, timezone.now()),
            observed_end=end if end and end >= start else None,
            owner_organisation_id=row.owner_organisation_id, tlp=row.tlp,
            created_by_id=user.pk if user is not None else None,
            source=Source.EXERCISE if _is_exercise(body) else Source.AUTOMATED_FEED,
            confidence=_confidence(body.get("confidence")),
            outcome=(Outcome(stated_outcome) if stated_outcome in Outcome.values
                     else Outcome.UNKNOWN),
            severity=context["severity"] if context.get("severity") in (1, 2, 3, 4, 5) else 3,
            observables=list(dict.fromkeys(mapped.observables)),
            phase_ids=[terms[("phases", c)] for c in _codes(context, "phases")
                       if ("phases", c) in terms],
            information_type_ids=[terms[("information-types", c)] for c in
                                  _codes(context, "information_types")
                                  if ("information-types", c) in terms],
            technique_ids=mapped.technique_ids,
            audience_group_ids=audience.group_ids, audience_user_ids=audience.user_ids,
            report=held_report,
            # Widened by its producer: what the report showed may not follow it to its
            # wider readers; it keeps what the new version brings, nothing more.
            replace_links=held_report is not None and
            _width(row.tlp) > _width(held_report.tlp),
        )
        items.append(item)
        indicator_pairs += [(len(items) - 1, pair) for pair in mapped.flagged]
    replaced = [item.report.pk for item in items if item.replace_links and item.report]
    reports = bulk.save_reports(items)
    if replaced:
        # Flags go with the observables the new version no longer brings, and so do those an
        # earlier version's indicators set (an AMBER indicator's verdict must not follow the
        # report to wider readers): the new version's come again below. An analyst's stay.
        linked = set(Report.observables.through.objects.filter(
            report_id__in=replaced).values_list("report_id", "observable_id"))
        ObservableIndicator.objects.filter(pk__in=[
            pk for pk, report_id, observable_id, imported in ObservableIndicator.objects.filter(
                report_id__in=replaced).values_list("pk", "report", "observable", "imported")
            if imported or (report_id, observable_id) not in linked]).delete()
    rows_sql.update(StixObject, "report", [
        (report.pk, row.pk) for (row, _body), report in zip(received, reports, strict=True)
        if row.report_id != report.pk])
    # The report as received, not changed here: exports send the received JSON verbatim
    # (`export.received_unchanged` compares these two times), never a version of ours under
    # its producer's id.
    rows_sql.update(StixObject, "updated_at", [
        (rows_sql.db_datetime(report.updated_at), row.pk)
        for (row, _body), report in zip(received, reports, strict=True)])
    if indicator_pairs:
        _flag_indicators([(reports[index].pk, pair) for index, pair in indicator_pairs],
                         bulk.observable_ids(pair for _, pair in indicator_pairs), user)
    if destination.references_may_dangle:
        rows_sql.insert(UnresolvedReference, ("stix_id", "source"), [
            (ref, row.pk) for row, body in received for ref in body.get("object_refs") or ()
            if ref not in targets], ignore_conflicts=True)
    return reports


def _resolve_waiting(content_audiences: dict[str, Audience],
                     by_id: dict[str, dict[str, Any]], owner: Any, viewer: Any,
                     user: Any) -> list[int]:
    """Reports of `owner` received earlier that were waiting for objects stored now gain
    what those bring, when it may be shown with them (`_may_join`); returns their report
    ids (to correlate again). Only the owner's own later imports complete its reports:
    a waiting id is visible in the report, and anyone could otherwise send an object under
    it."""
    from civicshield.sharing.models import StixObject, UnresolvedReference
    from civicshield.sharing.stix.publish import audiences_of

    arrived = sorted(by_id)
    waiting: dict[int, list[str]] = {}
    for _pk, stix_id, source in rows_sql.ids_by(UnresolvedReference, "stix_id", arrived,
                                                  "source"):
        waiting.setdefault(source, []).append(stix_id)
    if not waiting:
        return []
    sources = list(StixObject.objects.filter(pk__in=list(waiting), report__isnull=False,
                                             owner_organisation_id=owner.pk))
    report_audiences = audiences_of(StixObject, sources)
    targets = _targets({stix_id for ids in waiting.values() for stix_id in ids},
                       content_audiences, by_id, viewer)
    terms = _terms(_attack_codes(body for body, _audience in targets.values()))
    observables: list[tuple[int, tuple[str, str]]] = []
    techniques: list[tuple[int, int]] = []
    flagged: list[tuple[int, tuple[str, str]]] = []
    report_ids: set[int] = set()
    for source in sources:
        report_id = source.report_id
        assert report_id is not None  # only sources with a report were chosen
        report_ids.add(report_id)
        mapped = _mapped(waiting[source.pk], targets, terms, report_audiences[source.pk])
        observables += [(report_id, pair) for pair in mapped.observables]
        flagged += [(report_id, pair) for pair in mapped.flagged]
        techniques += [(report_id, term) for term in mapped.technique_ids]
    observable_ids = bulk.add_links(observables, techniques)
    _flag_indicators(flagged, observable_ids, user)
    UnresolvedReference.objects.filter(source_id__in=[source.pk for source in sources],
                                       stix_id__in=arrived).delete()
    return sorted(report_ids)


__all__ = ["Destination", "InvalidStix", "Problem", "check", "import_stix"]
