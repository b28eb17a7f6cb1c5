"""The TAXII collections' table of exported objects (`TaxiiEntry`), kept up to date.

A record is published into the collections of its audience (docs/taxii.md):
CLEAR → public; GREEN → community; AMBER and AMBER+STRICT → the owner organisation's
collection, each named organisation's and each named sharing group's; RED → the
collections of the named people's organisations. Each entry carries the record's own
marking and audience, so `core.access.visible_to` decides who sees it exactly as for the
record. Entries are written in bulk with strictly increasing `date_added`, so
`added_after` and keyset paging never skip or repeat an object. Writers of entries take
one lock (`lock_collections`) until they commit, so entries become visible in the order
of their `date_added`: a reader's cursor never passes an entry that commits later.

Reports written through `reports.services` are published lazily: `sync_reports()` runs
before a collection is read and publishes the reports changed since (`PublishedReport`).
"""

from __future__ import annotations

import functools
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, Max, Model, OuterRef
from django.utils import timezone

from civicshield.core import rows as rows_sql
from civicshield.core.access import Viewer
from civicshield.core.markings import TLP, width
from civicshield.reports.choices import Source
from civicshield.reports.models import Report
from civicshield.sharing.stix.ids import collection_id

# Consent is judged for a collection as for its least-privileged reader.
ANY_MEMBER = Viewer(user_id=0, organisation_id=0, lineage=(), is_coordinator=False,
                    amber_groups=(), strict_groups=())
_CHUNK = 900
# Reports saved in transactions still open when we last looked: look back this far.
SYNC_LOOKBACK = timedelta(minutes=5)
# pg_advisory_xact_lock key of the collections' append lock (any fixed 64-bit number).
_APPEND_LOCK = 0x5441584949  # "TAXII"


@dataclass(frozen=True)
class Audience:
    """The Shareable fields a published object copies from its record."""

    tlp: str
    owner_id: int
    created_by_id: int | None = None
    organisation_ids: tuple[int, ...] = ()
    group_ids: tuple[int, ...] = ()
    user_ids: tuple[int, ...] = ()
    user_organisation_ids: tuple[int, ...] = ()

    def collection_keys(self) -> list[str]:
        if self.tlp == TLP.CLEAR:
            return ["public"]
        if self.tlp == TLP.GREEN:
            return ["community"]
        if self.tlp == TLP.RED:
            return [f"org:{o}" for o in dict.fromkeys(self.user_organisation_ids)]
        keys = [f"org:{self.owner_id}", *(f"org:{o}" for o in self.organisation_ids)]
        keys += [f"group:{g}" for g in self.group_ids]
        return list(dict.fromkeys(keys))


@dataclass
class Entry:
    key: str
    audience: Audience
    stix_id: str
    stix_type: str
    version: str
    body: str
    source_report_id: int | None = None
    source_object_id: int | None = None
    # The record that publishes it, when not the report or object above (`source`).
    source_key: str = ""

    @property
    def source(self) -> str:
        """The record this entry is published for: each record has entries of its own, so
        an object several records share (an SCO, an identity) is in each one's collections,
        with each one's audience, and leaves them only with that record."""
        if self.source_key:
            return self.source_key
        if self.source_report_id is not None:
            return f"report:{self.source_report_id}"
        return f"object:{self.source_object_id}"


def version_of(body: dict[str, Any]) -> str:
    """The object's version as a canonical timestamp (microseconds), so versions compare
    as strings; "" for objects without one. SCOs have none, even when one carries a
    `modified`: STIX 2.1 does not version them, and their ids derive from their values, so
    a version would let anyone test who holds a value by sending it "newer"."""
    if is_sco(body):
        return ""
    stamp = body.get("modified") or body.get("created")
    return canonical_version(stamp) if isinstance(stamp, str) else ""


# A feed repeats few timestamps (an object's `created` is often its `modified`): each is
# formatted once.
@functools.lru_cache(maxsize=65_536)
def canonical_version(stamp: str) -> str:
    """A STIX timestamp as versions are written and compared here (microseconds, `Z`), or
    "" when it is none."""
    from civicshield.sharing.stix.validate import parse_timestamp

    moment = parse_timestamp(stamp)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if moment is not None else ""


@functools.cache
def _sco_types() -> frozenset[str]:
    from civicshield.sharing.stix.export import EXTENSION_SCO_TYPES
    from civicshield.sharing.stix.validate import SCO_REQUIRED

    return frozenset(SCO_REQUIRED) | frozenset(EXTENSION_SCO_TYPES)


def is_sco(body: dict[str, Any]) -> bool:
    return body.get("type") in _sco_types()


def _date_added_series(counts: dict[str, int]) -> dict[str, list[datetime]]:
    """Strictly increasing `date_added` values per collection, after what each holds.

    One series per collection, not one for all: a reader sees the dates of the entries of
    its collections only, and a gap in one series counts entries written elsewhere in the
    same batch (narrower ones, hidden from that reader). Unique per collection (a
    constraint), so a page's `next` token needs no row id.
    """
    from civicshield.sharing.models import TaxiiEntry

    latest = dict(TaxiiEntry.objects.filter(collection__in=list(counts)).values_list(
        "collection").annotate(latest=Max("date_added")).values_list("collection", "latest"))
    now = timezone.now()
    series = {}
    for collection, count in counts.items():
        start = now
        if latest.get(collection) is not None and latest[collection] >= start:
            start = latest[collection] + timedelta(microseconds=1)
        series[collection] = [start + timedelta(microseconds=offset) for offset in range(count)]
    return series


def lock_collections() -> None:
    """Hold the collections' append lock until the current transaction ends.

    Without it, on PostgreSQL a transaction that took its `date_added` first but commits
    last would appear behind a peer's `added_after` cursor (and ours for push) and never
    be served to it; two readers publishing the same changed reports would also collide.
    SQLite needs nothing: its writers already queue at BEGIN IMMEDIATE (settings).
    """
    if not connection.in_atomic_block:
        raise RuntimeError("lock_collections() needs a transaction: the lock ends with it")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_APPEND_LOCK])


@dataclass(frozen=True)
class _Held:
    """An entry already in a collection."""

    pk: int
    collection: str
    stix_id: str
    version: str
    latest: bool
    source: str

    @property
    def identity(self) -> tuple[str, str, str, str]:
        return (self.collection, self.stix_id, self.version, self.source)


def write_entries(entries: Sequence[Entry], *, republished: Iterable[str] = ()) -> int:
    """Publish what records hold now. Each record (`Entry.source`) has its own entries: those
    of a record published now whose audience or body changed are written again as it now is
    (its audience and body, older versions too, with new dates); those unchanged stay as they
    are, dates included; those it no longer places somewhere (it moved, or dropped the
    object) go; older versions of an object are marked as such, record by record.
    `republished` names records published again that may have no entries now (a report
    narrowed to people of no organisation): theirs all go. Returns how many entries were
    written. Runs inside the caller's transaction."""
    from civicshield.sharing.models import TaxiiEntry

    republished = list(republished)
    if not entries and not republished:
        return 0
    lock_collections()
    arriving: dict[tuple[str, str, str, str], Entry] = {}
    # source -> (collection, id) it places now
    placed: dict[str, set[tuple[str, str]]] = {source: set() for source in republished}
    audience_of: dict[tuple[str, str], Audience] = {}  # (source, id) -> its audience now
    for entry in entries:
        collection = collection_id(entry.key)
        source = entry.source  # a property: read once
        arriving.setdefault((collection, entry.stix_id, entry.version, source), entry)
        placed.setdefault(source, set()).add((collection, entry.stix_id))
        audience_of[(source, entry.stix_id)] = entry.audience
    held = _held_entries(entries, republished)
    gone, republishing = [], []
    for entry_held in held:
        where = (entry_held.collection, entry_held.stix_id)
        if entry_held.source in placed and where not in placed[entry_held.source]:
            gone.append(entry_held.pk)  # its record no longer publishes it here
        elif (entry_held.source, entry_held.stix_id) in audience_of:
            republishing.append(entry_held)
    # Its record is published now: an entry whose audience changed is added again as the
    # record now is — its audience (a narrowed report is never readable as it was, older
    # versions included) and a new date, so that clients reading since their last visit,
    # and our push, find what a widening lets them see; one whose version arrives with
    # another body is replaced. The others keep their dates: readers and peers have them.
    kept, again, dropped = _split_unchanged(republishing, arriving, audience_of)
    gone += dropped
    # The newest version of each object in each collection, for each record, among those
    # held and those arriving: an older version that arrives late is not the latest. Per
    # record: a version another record publishes, which a reader may not see, must not
    # take "last" from the version it does see.
    leaving = set(gone)
    newest: dict[tuple[str, str, str], str] = {}
    for collection, stix_id, version, source in [*arriving, *(
            (h.collection, h.stix_id, h.version, h.source) for h in held
            if h.pk not in leaving)]:
        key = (collection, stix_id, source)
        newest[key] = max(version, newest.get(key, ""))
    rewritten = {*gone, *(entry_held.pk for entry_held in again)}
    stale: list[int] = []
    fresh: list[int] = []
    for entry_held in held:
        if entry_held.pk in rewritten:
            continue
        is_latest = entry_held.version >= newest[(entry_held.collection, entry_held.stix_id,
                                                  entry_held.source)]
        if entry_held.latest != is_latest:
            (fresh if is_latest else stale).append(entry_held.pk)
    kept_identities = {entry_held.identity for entry_held in kept}
    older = [(h.identity, h.pk) for h in again if h.identity not in arriving]
    new = _older_versions(older, audience_of)
    new += [(identity, entry) for identity, entry in arriving.items()
            if identity not in kept_identities]
    # Oldest first (a stable sort): a client that keeps the last it reads of an object
    # keeps the newest.
    new.sort(key=lambda item: item[0][2])
    for pks in (gone, [entry_held.pk for entry_held in again]):
        for start in range(0, len(pks), _CHUNK):
            TaxiiEntry.objects.filter(pk__in=pks[start:start + _CHUNK]).delete()
    for pks, is_latest in ((stale, False), (fresh, True)):
        for start in range(0, len(pks), _CHUNK):
            TaxiiEntry.objects.filter(pk__in=pks[start:start + _CHUNK]).update(
                is_latest=is_latest)
    if new:
        _insert(new, newest)
    return len(new)


def _split_unchanged(republishing: Sequence[_Held],
                     arriving: dict[tuple[str, str, str, str], Entry],
                     audience_of: dict[tuple[str, str], Audience]
                     ) -> tuple[list[_Held], list[_Held], list[int]]:
    """(kept, again, dropped): the entries of records published now that stay as they are
    (same audience; same body when their version arrives again), those to write again,
    and the pks of older versions that go.

    An older version is never readable by more than its own marking allowed: when its
    record is now marked wider (a report sanitised, then cleared for a wider audience), it
    leaves the collections rather than reach readers it was not written for."""
    from civicshield.sharing.models import TaxiiEntry

    held_audience: dict[int, list[Any]] = {}
    bodies: dict[int, str] = {}
    pks = [h.pk for h in republishing]
    arriving_again = [h.pk for h in republishing if h.identity in arriving]
    for start in range(0, len(pks), _CHUNK):
        chunk = pks[start:start + _CHUNK]
        for pk, tlp, owner, creator in TaxiiEntry.objects.filter(pk__in=chunk).values_list(
                "pk", "tlp", "owner_organisation_id", "created_by_id"):
            held_audience[pk] = [tlp, owner, creator, [], [], []]
        for position, relation, column in ((3, TaxiiEntry.audience_organisations,
                                            "organisation_id"),
                                           (4, TaxiiEntry.audience_groups, "sharinggroup_id"),
                                           (5, TaxiiEntry.audience_users, "user_id")):
            for pk, target in relation.through.objects.filter(
                    taxiientry_id__in=chunk).values_list("taxiientry_id", column):
                held_audience[pk][position].append(target)
    for start in range(0, len(arriving_again), _CHUNK):
        bodies.update(TaxiiEntry.objects.filter(
            pk__in=arriving_again[start:start + _CHUNK]).values_list("pk", "body"))
    kept: list[_Held] = []
    again: list[_Held] = []
    dropped: list[int] = []
    for h in republishing:
        tlp, owner, creator, organisations, groups, users = held_audience[h.pk]
        present = audience_of[(h.source, h.stix_id)]
        same = _audience_key(Audience(tlp, owner, creator, tuple(organisations), tuple(groups),
                                      tuple(users))) == _audience_key(present)
        if h.identity in arriving:
            same = same and bodies[h.pk] == arriving[h.identity].body
        elif not same and width(present.tlp) > width(tlp):
            dropped.append(h.pk)
            continue
        (kept if same else again).append(h)
    return kept, again, dropped


def _audience_key(audience: Audience) -> tuple[Any, ...]:
    """What of an audience an entry stores (who it names only when the marking names
    anyone), in a comparable form."""
    named = audience.tlp not in (TLP.CLEAR, TLP.GREEN)
    return (audience.tlp, audience.owner_id, audience.created_by_id,
            *(tuple(sorted(ids)) if named else () for ids in (
                audience.organisation_ids, audience.group_ids, audience.user_ids)))


def _older_versions(older: Sequence[tuple[tuple[str, str, str, str], int]],
                    audience_of: dict[tuple[str, str], Audience]
                    ) -> list[tuple[tuple[str, str, str, str], Entry]]:
    """Entries for these (identity, pk of an entry holding its body): a record's older
    versions, written with the record's present audience and their own bodies."""
    from civicshield.sharing.models import TaxiiEntry

    stored: dict[int, tuple[Any, ...]] = {}
    pks = sorted({pk for _, pk in older})
    for start in range(0, len(pks), _CHUNK):
        stored.update((row[0], row[1:]) for row in TaxiiEntry.objects.filter(
            pk__in=pks[start:start + _CHUNK]).values_list(
            "pk", "type", "body", "source_report_id", "source_object_id"))
    result = []
    for identity, pk in older:
        _collection, stix_id, version, source = identity
        stix_type, body, report_id, object_id = stored[pk]
        result.append((identity, Entry(
            key="", audience=audience_of[(source, stix_id)], stix_id=stix_id,
            stix_type=stix_type, version=version, body=body, source_report_id=report_id,
            source_object_id=object_id, source_key=source)))
    return result


def _held_entries(entries: Sequence[Entry], republished: Sequence[str]) -> list[_Held]:
    """The entries held of these objects (any record's), and those the records published
    again had before (of objects they may have dropped since)."""
    from civicshield.sharing.models import TaxiiEntry

    found: dict[int, _Held] = {}
    fields = ("collection", "version", "is_latest", "source_key")
    for pk, stix_id, collection, version, latest, source in rows_sql.ids_by(
            TaxiiEntry, "stix_id", sorted({e.stix_id for e in entries}), *fields):
        found[pk] = _Held(pk, collection, stix_id, version, bool(latest), source)
    # A report may drop objects (found by its id, not theirs); a received object's entries
    # are of itself, found above, unless it was published again with none.
    sources = {*republished, *(e.source for e in entries if e.source.startswith("report:"))}
    # Looked up by their indexed foreign keys.
    for column, prefix in (("source_report", "report:"), ("source_object", "object:")):
        ids = sorted({int(source.removeprefix(prefix)) for source in sources
                      if source.startswith(prefix)})
        for pk, _record, stix_id, collection, version, latest, source in rows_sql.ids_by(
                TaxiiEntry, column, ids, "stix_id", *fields):
            if source in sources:
                found[pk] = _Held(pk, collection, stix_id, version, bool(latest), source)
    return list(found.values())


def _insert(new: Sequence[tuple[tuple[str, str, str, str], Entry]],
            newest: dict[tuple[str, str, str], str]) -> None:
    from civicshield.sharing.models import TaxiiEntry

    series = _date_added_series(Counter(collection for (collection, *_), _ in new))
    dates = {collection: iter(rows_sql.db_datetimes(values))
             for collection, values in series.items()}
    now = rows_sql.db_datetime(timezone.now())
    rows_sql.insert(TaxiiEntry, (
        "collection", "stix_id", "type", "spec_version", "version", "date_added", "is_latest",
        "body", "tlp", "owner_organisation_id", "created_by_id", "source_report_id",
        "source_object_id", "source_key", "disclose_recipients", "created_at", "updated_at"), (
        (collection, stix_id, entry.stix_type, "2.1", version,
         next(dates[collection]),
         version >= newest[(collection, stix_id, source)], entry.body, entry.audience.tlp,
         entry.audience.owner_id, entry.audience.created_by_id, entry.source_report_id,
         entry.source_object_id, source, False, now, now)
        for (collection, stix_id, version, source), entry in new))
    addressed = [(identity, entry) for identity, entry in new
                 if entry.audience.organisation_ids or entry.audience.group_ids
                 or entry.audience.user_ids]
    if addressed:
        pks = {(collection, stix_id, version, source): pk
               for pk, stix_id, collection, version, source in rows_sql.ids_by(
                   TaxiiEntry, "stix_id", sorted({identity[1] for identity, _ in addressed}),
                   "collection", "version", "source_key")}
        _write_audiences([pks[identity] for identity, _ in addressed],
                         [entry for _, entry in addressed])


def _write_audiences(pks: Sequence[int], entries: Sequence[Entry]) -> None:
    from civicshield.sharing.models import TaxiiEntry

    organisations, groups, users = [], [], []
    for pk, entry in zip(pks, entries, strict=True):
        audience = entry.audience
        if audience.tlp in (TLP.CLEAR, TLP.GREEN):
            continue
        organisations += [(pk, o) for o in audience.organisation_ids]
        groups += [(pk, g) for g in audience.group_ids]
        users += [(pk, u) for u in audience.user_ids]
    for relation, pairs, column in (
            (TaxiiEntry.audience_organisations, organisations, "organisation_id"),
            (TaxiiEntry.audience_groups, groups, "sharinggroup_id"),
            (TaxiiEntry.audience_users, users, "user_id")):
        through: type[Model] = relation.through  # one of three tables: a Model to mypy
        through._default_manager.bulk_create(
            [through(taxiientry_id=pk, **{column: target}) for pk, target in pairs],
            batch_size=_CHUNK)


def audiences_of(model: Any, records: Sequence[Any]) -> dict[int, Audience]:
    """The Audience of each Shareable record, in four queries whatever their number."""
    from civicshield.directory.models import User

    organisations: dict[int, list[int]] = defaultdict(list)
    groups: dict[int, list[int]] = defaultdict(list)
    users: dict[int, list[int]] = defaultdict(list)
    narrow = [record.pk for record in records if record.tlp not in (TLP.CLEAR, TLP.GREEN)]
    owner_column = model._meta.get_field("audience_organisations").m2m_field_name()
    for start in range(0, len(narrow), _CHUNK):
        chunk = narrow[start:start + _CHUNK]
        for relation, target, bucket in (("audience_organisations", "organisation_id",
                                           organisations),
                                          ("audience_groups", "sharinggroup_id", groups),
                                          ("audience_users", "user_id", users)):
            through = getattr(model, relation).through
            for owner, value in through.objects.filter(**{f"{owner_column}_id__in": chunk}) \
                    .values_list(f"{owner_column}_id", target):
                bucket[owner].append(value)
    # Named people and creators: one query for the organisations of all of them.
    user_ids = {u for values in users.values() for u in values} | {
        record.created_by_id for record in records if record.created_by_id}
    user_organisation = dict(User.objects.filter(pk__in=user_ids)
                             .values_list("pk", "organisation_id")) if user_ids else {}
    result = {}
    for record in records:
        named_users = tuple(sorted(users.get(record.pk, ())))
        creator_organisation = user_organisation.get(record.created_by_id) if \
            record.created_by_id else None
        member_organisations = [user_organisation.get(u) for u in named_users]
        if record.tlp == TLP.RED and creator_organisation:
            member_organisations.append(creator_organisation)
        result[record.pk] = Audience(
            tlp=record.tlp, owner_id=record.owner_organisation_id,
            created_by_id=record.created_by_id,
            organisation_ids=tuple(sorted(organisations.get(record.pk, ()))),
            group_ids=tuple(sorted(groups.get(record.pk, ()))), user_ids=named_users,
            user_organisation_ids=tuple(o for o in member_organisations if o),
        )
    return result


# --- Reports written through the reports services --------------------------------------


def report_entries(reports: Sequence[Report]) -> list[Entry]:
    from civicshield.sharing.stix.export import (
        ExportContext,
        context_for,
        received_unchanged,
        report_objects,
    )

    shared = context_for(ANY_MEMBER, reports)
    audiences = audiences_of(Report, reports)
    entries: list[Entry] = []
    for report in reports:
        if received_unchanged(report, shared) is not None:
            continue  # not changed here: served as received, from its import's entries
        audience = audiences[report.pk]
        keys = audience.collection_keys()
        for viewer in ((Viewer.anonymous(),) if keys == ["public"] else (ANY_MEMBER,)):
            context = ExportContext(victim_viewer=viewer, indicators=shared.indicators,
                                    received=shared.received)
            bodies = report_objects(report, context)
            for key in keys:
                entries += [Entry(key=key, audience=audience, stix_id=body["id"],
                                  stix_type=body["type"], version=version_of(body),
                                  body=json.dumps(body, separators=(",", ":"),
                                                  ensure_ascii=False),
                                  source_report_id=report.pk) for body in bodies]
    return entries


def sync_reports(report_ids: Iterable[int] | None = None) -> int:
    """Publish reports changed since they were last published; returns how many.

    Two readers at once publish each report once: the second waits for the first's lock,
    then finds nothing left to do."""
    from civicshield.sharing.stix.export import with_related

    wanted = list(report_ids) if report_ids is not None else None
    if not _unpublished(wanted).exists():
        return 0  # the usual case for a read: no lock, no write
    with transaction.atomic():
        lock_collections()
        reports = list(with_related(_unpublished(wanted).order_by("updated_at", "id")))
        if not reports:
            return 0
        write_entries(report_entries(reports),
                      republished=[f"report:{report.pk}" for report in reports])
        mark_published(reports)
    return len(reports)


def _unpublished(report_ids: list[int] | None) -> Any:
    from civicshield.sharing.models import PublishedReport

    published = PublishedReport.objects.filter(report_id=OuterRef("pk"),
                                               version=OuterRef("updated_at"))
    candidates = Report.objects.exclude(source=Source.EXERCISE).exclude(Exists(published))
    if report_ids is not None:
        return candidates.filter(pk__in=report_ids)
    state = PublishedReport.objects.aggregate(latest=Max("version"))["latest"]
    if state is not None:
        candidates = candidates.filter(updated_at__gte=state - SYNC_LOOKBACK)
    return candidates


def mark_published(reports: Sequence[Report]) -> None:
    """Record that these reports' current versions are in the collections already."""
    from civicshield.sharing.models import PublishedReport

    by_id = {report.pk: report for report in reports}
    existing = {row.report_id: row for row in PublishedReport.objects.filter(
        report_id__in=list(by_id))}
    for report_id, row in existing.items():
        row.version = by_id[report_id].updated_at
    PublishedReport.objects.bulk_update(list(existing.values()), ["version"], batch_size=_CHUNK)
    PublishedReport.objects.bulk_create(
        [PublishedReport(report_id=r.pk, version=r.updated_at) for r in reports
         if r.pk not in existing], batch_size=_CHUNK)
