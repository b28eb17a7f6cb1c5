"""TAXII 2.1 server (OASIS TAXII 2.1; docs/taxii.md): plain Django views.

Authentication is by API token only — HTTP Basic (username + token as the password, or
the token alone) or `Authorization: Bearer|Token <token>`; a session cookie is never
looked at, so CSRF does not apply. Every object served or counted is read through
`core.access.visible_to`. Pages are cut by a keyset on (`date_added`, id) over the table
of exported objects (`TaxiiEntry`), never by re-filtering the collection.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    ValidationError,
)
from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.request import MediaType
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt

from civicshield.core import access, audit
from civicshield.core.choices import Surface
from civicshield.core.errors import PermissionDenied
from civicshield.core.markings import width
from civicshield.core.services import user_for_token
from civicshield.sharing.stix.validate import (
    InvalidStix,
    is_stix_id,
    is_stix_type,
    parse_timestamp,
)
from civicshield.sharing.taxii.collections import Collection, collection_for, collections_for

MEDIA_TYPE = "application/taxii+json;version=2.1"
STIX_MEDIA_TYPE = "application/stix+json;version=2.1"
DEFAULT_PAGE = 1000
MAX_PAGE = 10_000
MAX_CONTENT_LENGTH = getattr(settings, "CIVICSHIELD_TAXII_MAX_CONTENT_LENGTH", 20 * 1024 * 1024)

View = Callable[..., HttpResponse]
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_IDS_PER_QUERY = 900  # under SQLite's limit on a statement's parameters


def _response(payload: Any, status: int = 200, headers: dict[str, str] | None = None
              ) -> HttpResponse:
    text = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
    response = HttpResponse(text, status=status, content_type=MEDIA_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _error(status: int, title: str, description: str = "",
           details: dict[str, Any] | None = None) -> HttpResponse:
    """The error message resource (TAXII 2.1 §3.6.1)."""
    body: dict[str, Any] = {"title": title, "http_status": str(status)}
    if description:
        body["description"] = description
    if details:
        body["details"] = details
    response = _response(body, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Basic realm="taxii", Bearer realm="taxii"'
    return response


def _client(request: HttpRequest) -> Any | None:
    """The user holding the token the request carries, or None. Never the session."""
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    credentials = credentials.strip()
    if scheme.lower() in ("bearer", "token"):
        return user_for_token(credentials) if credentials else None
    if scheme.lower() != "basic" or not credentials:
        return None
    try:
        decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, _, password = decoded.partition(":")
    user = user_for_token(password or username)
    if user is not None and password and username and username != user.get_username():
        return None
    return user


def _accepts_taxii(request: HttpRequest) -> bool:
    """Whether the Accept header admits TAXII 2.1 JSON (RFC 9110 §12.5.1): the most
    specific range that matches it decides, and q=0 there means "not this"."""
    header = request.headers.get("Accept", "")
    if not header.strip():
        return True
    best: tuple[int, float] | None = None  # (specificity, quality) of the closest range
    for item in header.split(","):
        if not item.strip():
            continue
        # Django parses the range (quoted values, q); matching is done here, as a range
        # without parameters must admit our type with its version parameter.
        media_range = MediaType(item)
        specificity = _taxii_specificity(media_range)
        if specificity is not None and (best is None or specificity > best[0]):
            best = (specificity, media_range.quality)
    return best is not None and best[1] > 0


def _taxii_specificity(media_range: MediaType) -> int | None:
    """How closely an Accept range names TAXII 2.1 JSON (higher is closer); None: not."""
    main, sub = media_range.main_type.lower(), media_range.sub_type.lower()
    if (main, sub) == ("*", "*"):
        return 0
    if main != "application":
        return None
    if sub == "*":
        return 1
    if sub != "taxii+json":
        return None
    version = media_range.range_params.get("version")
    if version is None:
        return 2
    return 3 if version.strip() == "2.1" else None


def taxii_view(view: View) -> View:
    """Authenticate by token, check Accept, tag the audit surface, translate errors."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with audit.surface(Surface.API):
            user = _client(request)
            if user is None:
                return _error(401, "Authentication required",
                              "Send an API token: HTTP Basic or Authorization: Bearer.")
            if not _accepts_taxii(request):
                return _error(406, "Not acceptable", f"This server speaks {MEDIA_TYPE}.")
            try:
                return view(request, user, *args, **kwargs)
            except PermissionDenied as denied:
                return _error(403, "Forbidden", str(denied))
            except SuspiciousOperation as suspicious:
                # Raised by Django while reading the request (more query parameters than
                # DATA_UPLOAD_MAX_NUMBER_FIELDS...): logged as Django logs it, answered in TAXII.
                logging.getLogger(f"django.security.{type(suspicious).__name__}").error(
                    str(suspicious), exc_info=suspicious,
                    extra={"status_code": 400, "request": request})
                if isinstance(suspicious, RequestDataTooBig):
                    return _error(413, "Too large", str(suspicious))
                if isinstance(suspicious, TooManyFieldsSent):
                    return _error(400, "Bad request", "More than "
                                  f"{settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} query parameters.")
                return _error(400, "Bad request", str(suspicious))

    return wrapper


def _require_get(request: HttpRequest, *allowed: str) -> HttpResponse | None:
    """A 405 naming the methods the endpoint allows (RFC 9110 §15.5.6), or None."""
    methods = ("GET", "HEAD", *allowed)
    if request.method not in methods:
        response = _error(405, "Method not allowed")
        response["Allow"] = ", ".join(methods)
        return response
    return None


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# --- Discovery, API root, collections -------------------------------------------------


@taxii_view
def discovery(request: HttpRequest, user: Any) -> HttpResponse:
    if (refusal := _require_get(request)) is not None:
        return refusal
    root = request.build_absolute_uri("/taxii2/api/")
    return _response({
        "title": "Civic Shield TAXII 2.1",
        "description": "Election-interference reports shared under TLP 2.0.",
        "default": root, "api_roots": [root],
    })


@taxii_view
def api_root(request: HttpRequest, user: Any) -> HttpResponse:
    if (refusal := _require_get(request)) is not None:
        return refusal
    return _response({
        "title": "Civic Shield", "description": "One collection per audience you may read.",
        "versions": [MEDIA_TYPE], "max_content_length": MAX_CONTENT_LENGTH,
    })


@taxii_view
def collections(request: HttpRequest, user: Any) -> HttpResponse:
    if (refusal := _require_get(request)) is not None:
        return refusal
    return _response({"collections": [c.resource() for c in collections_for(user)]})


def _collection_or_404(user: Any, collection_id: str) -> Collection | HttpResponse:
    found = collection_for(user, collection_id)
    if found is None:
        return _error(404, "No such collection")
    if not found.can_read:
        return _error(403, "This collection cannot be read")
    return found


@taxii_view
def collection(request: HttpRequest, user: Any, collection_id: str) -> HttpResponse:
    if (refusal := _require_get(request)) is not None:
        return refusal
    found = _collection_or_404(user, collection_id)
    if isinstance(found, HttpResponse):
        return found
    return _response(found.resource())


# --- Objects --------------------------------------------------------------------------


class BadFilter(ValueError):
    pass


def _listed(request: HttpRequest, name: str) -> list[str]:
    return [value.strip() for raw in request.GET.getlist(name) for value in raw.split(",")
            if value.strip()]


def _is_spec_version(value: str) -> bool:
    head, dot, tail = value.partition(".")
    return bool(dot) and head.isascii() and head.isdigit() and tail.isascii() and \
        tail.isdigit() and len(value) <= 5


# The filters whose values have a grammar (TAXII 2.1 §3.4.1), and what it is.
_GRAMMARS: dict[str, tuple[Callable[[str], bool], str]] = {
    "match[id]": (is_stix_id, "a STIX identifier (<type>--<UUID>)"),
    "match[type]": (is_stix_type, "a STIX object type"),
    "match[spec_version]": (_is_spec_version, "a STIX version (2.1)"),
}


def _matching(request: HttpRequest, name: str) -> list[str]:
    """The values of filter `name`, each of its grammar, else BadFilter naming the first
    that is not."""
    values = _listed(request, name)
    grammar, what = _GRAMMARS[name]
    for value in values:
        if not grammar(value):
            shown = value if len(value) <= 80 else value[:80] + "..."
            raise BadFilter(f"{name}: {shown!r} is not {what}")
    return values


def _canonical_version(value: str) -> str:
    """A requested version as entries write theirs (`publish.canonical_version`)."""
    from civicshield.sharing.stix.publish import canonical_version

    if not (version := canonical_version(value)):
        raise BadFilter(f"match[version]: {value!r} is not a timestamp, first, last or all")
    return version


@dataclass(frozen=True)
class VersionRule:
    """What `match[version]` asks for (TAXII 2.1 §3.4.2), among the versions of each object
    the client may see: everything, or the newest (`last`), the oldest (`first`), these
    timestamps (canonical, as `TaxiiEntry.version` is written)."""

    every: bool
    last: bool
    first: bool
    stamps: frozenset[str]

    @classmethod
    def of(cls, request: HttpRequest, default: str) -> VersionRule:
        versions = _listed(request, "match[version]") or [default]
        return cls(every="all" in versions, last="last" in versions,
                   first="first" in versions,
                   stamps=frozenset(_canonical_version(v) for v in versions
                                    if v not in ("all", "first", "last")))

    def only_for_being_last(self, version: str, oldest_visible: str) -> bool:
        """Whether a version is asked for as a candidate for `last` alone, so that a newer
        visible version makes it unwanted."""
        return self.last and not self.every and version not in self.stamps and not (
            self.first and version == oldest_visible)


def _entries(request: HttpRequest, user: Any, found: Collection,
             object_id: str | None, versions: VersionRule) -> QuerySet[Any]:
    """The visible entries of the collection matching the request's filters (§3.4). For
    `last`, each record's latest version: `_served_once` keeps the newest of them."""
    from civicshield.sharing.models import TaxiiEntry
    from civicshield.sharing.stix.publish import sync_reports

    # Checked before anything is read or published: a value outside the grammar is a 400,
    # never a query (a NUL byte is a DataError on PostgreSQL).
    ids = _matching(request, "match[id]")
    types = _matching(request, "match[type]")
    spec_versions = _matching(request, "match[spec_version]")
    added_after = _added_after(request)
    sync_reports()
    queryset = access.visible_to(user, TaxiiEntry.objects.filter(collection=found.id))
    if object_id is not None:
        queryset = queryset.filter(stix_id=object_id)
    if ids:
        queryset = queryset.filter(stix_id__in=ids)
    if types:
        queryset = queryset.filter(type__in=types)
    if spec_versions:
        queryset = queryset.filter(spec_version__in=spec_versions)
    if not versions.every:
        rule = Q()
        if versions.last:
            rule |= Q(is_latest=True)
        if versions.first:
            # "First" among the versions this client may see: a hidden earlier one must
            # neither count nor show through an empty answer.
            earlier = access.visible_to(user, TaxiiEntry.objects.filter(
                collection=found.id, stix_id=OuterRef("stix_id"),
                version__lt=OuterRef("version")))
            rule |= Q(~Exists(earlier))  # in a Q (the same SQL), so that `rule` stays one
        if stamps := sorted(versions.stamps):
            # An object without created or modified (an SCO) has its date_added as version
            # (manifest, versions): the same value must find it.
            rule |= Q(version__in=stamps) | Q(version="", date_added__in=[
                parse_timestamp(stamp) for stamp in stamps])
        queryset = queryset.filter(rule)
    if added_after is not None:
        queryset = queryset.filter(date_added__gt=added_after)
    return queryset


def _added_after(request: HttpRequest) -> datetime | None:
    if not (added_after := request.GET.get("added_after")):
        return None
    moment = parse_timestamp(added_after)
    if moment is None:
        raise BadFilter("added_after is not a timestamp")
    return moment


# A page's rows, (pk, date_added, *fields), and the `next` token if there is more.
Page = tuple[list[tuple[Any, ...]], str | None]


def _page(request: HttpRequest, queryset: QuerySet[Any], fields: tuple[str, ...],
          keep: Callable[[list[tuple[Any, ...]]], list[tuple[Any, ...]]]) -> Page:
    """One page by keyset on `date_added` (unique in a collection) of the rows `keep` keeps;
    the `next` token is the last row's date, in microseconds. Not its row id: ids are
    numbered across every collection, so their gaps would count entries the client may
    not see. Rows `keep` drops (a shared object's later entries) do not shorten the page:
    it reads on until it is full or the rows run out."""
    try:
        limit = int(request.GET.get("limit") or DEFAULT_PAGE)
    except ValueError:
        raise BadFilter("limit is not a number") from None
    limit = max(1, min(limit, MAX_PAGE))
    after = None
    if token := request.GET.get("next"):
        try:
            # Tokens given before were "<microseconds>.<row id>": the id is not needed.
            after = EPOCH + timedelta(microseconds=int(token.partition(".")[0]))
        except (ValueError, OverflowError):
            raise BadFilter("next is not a token this server gave") from None
    ordered = queryset.order_by("date_added", "pk")
    page: list[tuple[Any, ...]] = []
    size = 0
    while True:
        wanted = limit - len(page)
        # Each read after the first takes twice as many rows: the rows `keep` drops cost a
        # number of queries that grows with their logarithm, not with their number.
        size = max(wanted, size * 2)
        scanned = list((ordered.filter(date_added__gt=after) if after else ordered)
                       .values_list("pk", "date_added", *fields)[:size + 1])
        batch = scanned[:size]
        kept = keep(batch)
        if len(kept) > wanted:  # more than the page holds: it ends at its last row
            page += kept[:wanted]
            return page, _token(page[-1][1])
        page += kept
        if len(scanned) <= size:
            return page, None
        after = batch[-1][1]
        if len(page) >= limit:
            return page, _token(after)


def _token(added: datetime) -> str:
    delta = added - EPOCH
    return str((delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds)


def _date_headers(rows: list[tuple[Any, ...]]) -> dict[str, str]:
    if not rows:
        return {}
    return {"X-TAXII-Date-Added-First": _timestamp(rows[0][1]),
            "X-TAXII-Date-Added-Last": _timestamp(rows[-1][1])}


def _envelope(rows: list[tuple[Any, ...]], next_token: str | None) -> str:
    """The envelope (§3.7), joined from the stored JSON text without re-serialising it."""
    more = "true" if next_token else "false"
    head = f'{{"more":{more}' + (f',"next":"{next_token}"' if next_token else "")
    if not rows:
        return head + "}"
    return head + ',"objects":[' + ",".join(row[2] for row in rows) + "]}"


# Appended to a page's fields where one object is read, for `_record_read`.
SOURCE_FIELDS = ("tlp", "source_report_id", "source_object_id", "source_key")


def _record_read(request: HttpRequest, user: Any, rows: list[tuple[Any, ...]],
                 stix_id: str) -> None:
    """Audit the read of one object as the report page and API audit a report's: through
    `access.record_read`, which logs AMBER, AMBER+STRICT and RED and nothing else.

    The record logged is the one the object was published from — the report (a received
    report too), so its owner finds the read among the report's readers, else the received
    STIX object. All versions of one object come from one record: one entry per request.
    Lists and manifests are not audited, as the API's lists are not (docs/taxii.md),
    except a list of objects asked for by id.
    """
    from civicshield.reports.selectors import report_if_visible
    from civicshield.sharing.models import StixObject, TaxiiEntry

    if request.method != "GET":
        return  # HEAD serves no content
    audited = [row for row in rows if row[-4] in access.AUDITED_READ_MARKINGS]
    if not audited:
        return
    entry_id, report_id, object_id, source = (audited[-1][0], *audited[-1][-3:])
    record: Any = None
    if source.startswith("copy:"):
        pass  # a sender's copy of an object someone else holds: its read is the entry's
    elif object_id is not None:
        record = access.visible_to(user, StixObject.objects.filter(pk=object_id)).only(
            "pk", "stix_id", "tlp", "report_id").first()
        if record is not None and record.report_id is not None:
            report_id = record.report_id
    if report_id is not None:
        record = report_if_visible(user, report_id) or record
    # The entry's audience is its record's, so this fallback is only for a record changed
    # since it was published: the read is still logged, against what was served.
    # Audited as served: a record widened since may still have this copy in an earlier,
    # narrower marking (a received AMBER report edited here and shared wider).
    access.record_read(user, record or TaxiiEntry.objects.get(pk=entry_id),
                       details={"stix_id": stix_id,
                                "tlp": min((row[-4] for row in audited), key=width)})


def _record_listed_reads(request: HttpRequest, user: Any, rows: list[tuple[Any, ...]]
                         ) -> None:
    """Audit what a list asked for by id serves, as `_record_read` audits one object: one
    entry per record read (the report, else the received object, else a sender's copy),
    naming the STIX ids served of it. Rows end in (*SOURCE_FIELDS, stix_id, version). The
    records are looked up in one query per kind, whatever the page's size."""
    from civicshield.reports.models import Report
    from civicshield.sharing.models import StixObject, TaxiiEntry

    if request.method != "GET":
        return
    audited = [row for row in rows if row[-6] in access.AUDITED_READ_MARKINGS]
    if not audited:
        return
    object_ids = {row[-4] for row in audited if row[-4] is not None
                  and not row[-3].startswith("copy:")}
    # Only what the audit entry names of them: never a received object's body.
    objects = {item.pk: item for item in access.visible_to(
        user, StixObject.objects.filter(pk__in=object_ids)).only(
        "pk", "stix_id", "tlp", "report_id").order_by()}
    report_ids = {row[-5] for row in audited if row[-5] is not None} | {
        item.report_id for item in objects.values() if item.report_id is not None}
    reports = {item.pk: item for item in access.visible_to(
        user, Report.objects.filter(pk__in=report_ids)).only(
        "pk", "reference", "title", "tlp").order_by()}
    # (model, pk) -> (record, the STIX ids and markings served of it)
    read: dict[tuple[str, int], tuple[Any, list[tuple[str, str]]]] = {}
    fallback: list[int] = []
    for row in audited:
        entry_id, report_id, object_id, source, stix_id = row[0], *row[-5:-1]
        record: Any = None
        if not source.startswith("copy:"):
            found = objects.get(object_id) if object_id is not None else None
            if found is not None and found.report_id is not None:
                report_id = found.report_id
            record = reports.get(report_id) if report_id is not None else None
            record = record or found
        if record is None:
            fallback.append(entry_id)  # a sender's copy, or a record changed since
            continue
        read.setdefault((record._meta.label_lower, record.pk), (record, []))[1].append(
            (stix_id, row[-6]))
    served_tlp = {row[0]: row[-6] for row in audited}
    for entry in TaxiiEntry.objects.filter(pk__in=fallback).defer("body"):
        read[(entry._meta.label_lower, entry.pk)] = (entry, [(entry.stix_id,
                                                             served_tlp[entry.pk])])
    # Audited as served (see `_record_read`): the narrowest marking of what was served of it.
    access.record_reads(user, [
        (record, {"stix_ids": sorted({stix_id for stix_id, _ in served}),
                  "tlp": min((tlp for _, tlp in served), key=width)})
        for record, served in read.values()])


def _served_once(user: Any, found: Collection, rows: list[tuple[Any, ...]],
                 added_after: datetime | None, versions: VersionRule
                 ) -> list[tuple[Any, ...]]:
    """`rows` (ending in stix_id, version) less those that another visible entry stands for:
    - an earlier entry of the same version (after `added_after`, as the request asks):
      records that share an object (an SCO, an identity) each have an entry of it, and
      whoever may see several gets it once, from the first;
    - for `last`, a newer version of the object: each record's latest is a candidate, and
      `last` is the newest of them among the versions `user` may see (TAXII 2.1 §3.4.2),
      whenever it was added — a client that has it is never sent an older one — and never
      one hidden from `user`, which would leave the object out.
    Two queries per batch of rows, whatever its size: as a filter of the page's query, this
    would cost a lookup per row."""
    from civicshield.sharing.models import TaxiiEntry

    entries = TaxiiEntry.objects.filter(collection=found.id)
    window = Q(date_added__gt=added_after) if added_after is not None else None
    # Most objects have one entry: find those with more on the unique index (and the
    # `last` mark) alone. The answer only narrows what the access layer is asked next, and
    # is never shown.
    several = Q(entry_count__gt=F("version_count"))  # a version held by several records
    if versions.last and not versions.every:
        several |= Q(latest_count__gt=1)  # records whose latest versions differ
    ids = sorted({row[-2] for row in rows})
    suspects: set[str] = set()
    for start in range(0, len(ids), _IDS_PER_QUERY):
        suspects.update(entries.filter(stix_id__in=ids[start:start + _IDS_PER_QUERY])
                        .values("stix_id").annotate(
                            entry_count=Count("id", filter=window),
                            version_count=Count("version", distinct=True, filter=window),
                            latest_count=Count("version", distinct=True,
                                               filter=Q(is_latest=True)))
                        .filter(several).values_list("stix_id", flat=True))
    wanted = sorted(suspects)
    # stix_id -> {each version user may see: when its first visible entry in the window
    # was added, or None if none is in it}
    visible: dict[str, dict[str, datetime | None]] = {}
    for start in range(0, len(wanted), _IDS_PER_QUERY):
        for stix_id, version, added in access.visible_to(user, entries.filter(
                stix_id__in=wanted[start:start + _IDS_PER_QUERY])
        ).values("stix_id", "version").annotate(
                first=Min("date_added", filter=window)).values_list(
                "stix_id", "version", "first"):
            visible.setdefault(stix_id, {})[version] = added
    kept = []
    for row in rows:
        stix_id, version, added = row[-2], row[-1], row[1]
        seen = visible.get(stix_id)
        if seen is not None:
            first = seen.get(version)
            if first is not None and first < added:
                continue
            if version < max(seen) and versions.only_for_being_last(version, min(seen)):
                continue
        kept.append(row)
    return kept


def _page_of_entries(request: HttpRequest, user: Any, collection_id: str,
                     fields: tuple[str, ...], *, object_id: str | None = None,
                     default_version: str = "last", audit_listed: bool = False
                     ) -> Page | HttpResponse:
    """What the object endpoints share: one page of the entries `user` may see in the
    collection that match the request's filters, as rows of (pk, date_added, *fields) and
    the `next` token — or the error to send (no such collection, unreadable, bad filter).

    With `object_id` (one object's content or versions) a first page with nothing on it
    is "No such object", and the read is audited by `_record_read`; with `audit_listed`,
    so is each object a list filtered by `match[id]` serves.
    """
    found = _collection_or_404(user, collection_id)
    if isinstance(found, HttpResponse):
        return found
    if object_id is not None and not is_stix_id(object_id):
        # Nothing else is ever stored, so nothing else is looked up (PostgreSQL refuses a
        # NUL byte in a text parameter: a 500 if it reached the database).
        return _error(404, "No such object")
    # A list asked for by id (`match[id]`) is a read of those objects, audited as one is.
    audited = audit_listed and bool(_listed(request, "match[id]"))
    if object_id is not None or audited:
        fields = (*fields, *SOURCE_FIELDS)
    try:
        versions = VersionRule.of(request, default_version)
        added_after = _added_after(request)
        rows, next_token = _page(
            request, _entries(request, user, found, object_id, versions),
            (*fields, "stix_id", "version"),
            lambda scanned: _served_once(user, found, scanned, added_after, versions))
    except BadFilter as problem:
        return _error(400, "Bad request", str(problem))
    if audited and object_id is None:
        _record_listed_reads(request, user, rows)
    rows = [row[:-2] for row in rows]
    if object_id is not None:
        if not rows and not request.GET.get("next"):
            return _error(404, "No such object")
        _record_read(request, user, rows, stix_id=object_id)
    return rows, next_token


@taxii_view
def objects(request: HttpRequest, user: Any, collection_id: str) -> HttpResponse:
    if request.method == "POST":
        return _add_objects(request, user, collection_id)
    if (refusal := _require_get(request, "POST")) is not None:
        return refusal
    page = _page_of_entries(request, user, collection_id, ("body",), audit_listed=True)
    if isinstance(page, HttpResponse):
        return page
    rows, next_token = page
    return _response(_envelope(rows, next_token), headers=_date_headers(rows))


@taxii_view
def object_detail(request: HttpRequest, user: Any, collection_id: str, object_id: str
                  ) -> HttpResponse:
    if (refusal := _require_get(request)) is not None:
        return refusal
    page = _page_of_entries(request, user, collection_id, ("body",), object_id=object_id)
    if isinstance(page, HttpResponse):
        return page
    rows, next_token = page
    return _response(_envelope(rows, next_token), headers=_date_headers(rows))


@taxii_view
def versions(request: HttpRequest, user: Any, collection_id: str, object_id: str
             ) -> HttpResponse:
    if (refusal := _require_get(request)) is not None:
        return refusal
    page = _page_of_entries(request, user, collection_id, ("version",), object_id=object_id,
                            default_version="all")
    if isinstance(page, HttpResponse):
        return page
    rows, next_token = page
    payload: dict[str, Any] = {"more": bool(next_token),
                               "versions": [row[2] or _timestamp(row[1]) for row in rows]}
    if next_token:
        payload["next"] = next_token
    return _response(payload, headers=_date_headers(rows))


@taxii_view
def manifest(request: HttpRequest, user: Any, collection_id: str) -> HttpResponse:
    if (refusal := _require_get(request)) is not None:
        return refusal
    page = _page_of_entries(request, user, collection_id, ("stix_id", "version"))
    if isinstance(page, HttpResponse):
        return page
    rows, next_token = page
    payload: dict[str, Any] = {"more": bool(next_token)}
    if next_token:
        payload["next"] = next_token
    if rows:
        payload["objects"] = [{"id": row[2], "date_added": _timestamp(row[1]),
                               "version": row[3] or _timestamp(row[1]),
                               "media_type": STIX_MEDIA_TYPE} for row in rows]
    return _response(payload, headers=_date_headers(rows))


# --- Adding objects and their status ---------------------------------------------------


def _is_taxii_content(request: HttpRequest) -> bool:
    """Whether the body is TAXII 2.1 JSON: parsed as Accept is (RFC 9110 §8.3.1), so a
    quoted `version="2.1"` is the same value as `version=2.1`."""
    media_type = MediaType(request.headers.get("Content-Type", ""))
    version = media_type.params.get("version")
    return ((media_type.main_type.lower(), media_type.sub_type.lower())
            == ("application", "taxii+json")
            and version is not None and version.strip() == "2.1")


def _add_objects(request: HttpRequest, user: Any, collection_id: str) -> HttpResponse:
    from civicshield.sharing.stix.import_ import Destination, import_stix

    found = _collection_or_404(user, collection_id)
    if isinstance(found, HttpResponse):
        return found
    if not found.can_write:
        return _error(403, "This collection cannot be written to by this account")
    if not _is_taxii_content(request):
        return _error(415, "Unsupported media type", f"Send {MEDIA_TYPE}.")
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_CONTENT_LENGTH:
        return _error(413, "Too large", f"max_content_length is {MAX_CONTENT_LENGTH} bytes.")
    raw = request.read(MAX_CONTENT_LENGTH + 1)
    if len(raw) > MAX_CONTENT_LENGTH:
        return _error(413, "Too large", f"max_content_length is {MAX_CONTENT_LENGTH} bytes.")
    try:
        envelope = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return _error(400, "Bad request", "The body is not JSON.")
    except RecursionError:
        return _error(400, "Bad request", "The body nests deeper than JSON is read here.")
    if not isinstance(envelope, dict) or not isinstance(envelope.get("objects"), list):
        return _error(400, "Bad request", "Send an envelope: {\"objects\": [...]}.")
    try:
        status = import_stix(actor=user, document={"objects": envelope["objects"]},
                             source="taxii", destination=Destination(
                                 default_tlp=found.default_tlp, group_id=found.group_id,
                                 collection=found.id))
    except ValidationError as invalid:
        return _error(422, "Cannot import", "; ".join(invalid.messages))
    except InvalidStix as invalid:
        return _error(422, "Invalid STIX 2.1 content",
                      f"{len(invalid.problems)} problem(s); nothing was added.",
                      details={"errors": [p.as_dict() for p in invalid.problems]})
    return _response(_status_resource(status), status=202)


def _status_resource(status: Any) -> dict[str, Any]:
    """The status resource (§4.3.1); the counts add up."""
    return {
        "id": str(status.status_id), "status": status.status,
        "request_timestamp": _timestamp(status.created_at),
        "total_count": status.total_count, "success_count": status.success_count,
        "failure_count": status.failure_count, "pending_count": status.pending_count,
    }


@taxii_view
def status(request: HttpRequest, user: Any, status_id: str) -> HttpResponse:
    from civicshield.sharing.models import StixImport

    if (refusal := _require_get(request)) is not None:
        return refusal
    try:
        wanted = uuid.UUID(status_id)
    except ValueError:
        return _error(404, "No such status")
    found = StixImport.objects.filter(status_id=wanted, actor=user).first()
    if found is None:
        return _error(404, "No such status")
    return _response(_status_resource(found))


@taxii_view
def not_found(request: HttpRequest, user: Any, path: str = "") -> HttpResponse:
    """Any other address under /taxii2/: the TAXII error resource, not Django's page. An
    endpoint asked for without its trailing slash says so (TAXII URLs end in one)."""
    description = "There is no TAXII endpoint at this address."
    if path and not path.endswith("/"):
        try:
            match = resolve(f"{request.path_info}/")
        except Resolver404:
            match = None
        if match is not None and match.url_name != "not_found":
            description = f"TAXII addresses end in a slash: {request.path}/"
    return _error(404, "Not found", description)
