"""Federation services: registering and changing peers, pulling from and pushing to them.

Pull: page through the peer's collection with `added_after` = the saved cursor; each page
is imported (the idempotent STIX import), its provenance recorded and the cursor advanced
in one transaction, so a crash resumes where it stopped without duplicates. Push: our TAXII
entries after the push cursor marked at most as wide as the peer's widest TLP allows,
never exercise data, never what came from that peer. One audit entry per sync; every
object left out is listed with its reason (`SyncResult.skipped_objects`).
"""

from __future__ import annotations

import functools
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from civicshield.core import access, audit, authz
from civicshield.core.errors import NotFound
from civicshield.core.markings import TLP, width
from civicshield.sharing.federation import tasks
from civicshield.sharing.federation.choices import REFUSALS, SkipReason
from civicshield.sharing.federation.client import (
    PeerClient,
    PeerRefused,
    PeerUnavailable,
    Unreadable,
)
from civicshield.sharing.federation.models import Direction, Peer, ReceivedFromPeer
from civicshield.sharing.federation.secrets import seal
from civicshield.sharing.stix.validate import parse_timestamp

PAGE_SIZE = 1000
PUSH_CHUNK = 500
PUSH_BATCH = 10_000
_FIX_ROUNDS = 3
# The audit entry (and the task's result) lists at most this many objects per reason,
# then says how many more: bounded, never silently cut.
AUDIT_OBJECTS_PER_REASON = 20
# Never taken from a peer, whatever its widest TLP: RED is for named people and AMBER+STRICT
# for named organisations, and a peer's collection names neither here.
NEVER_PULLED = frozenset({TLP.RED, TLP.AMBER_STRICT})
# Dependencies before what refers to them, so a chunk never points into a later one.
_RANK = {"marking-definition": 0, "extension-definition": 0, "identity": 1}


class FederationError(Exception):
    pass


@dataclass(frozen=True)
class SkippedObject:
    """An object a sync left out, and why. `stix_id` is "" when the object had none;
    `detail` says more: the marking, the problem, where a nameless object was."""

    stix_id: str
    reason: SkipReason
    detail: str = ""

    def __str__(self) -> str:
        text = f"{self.stix_id or _('(no id)')}: {self.reason.label}"
        return f"{text}: {self.detail}" if self.detail else text


@dataclass
class SyncResult:
    """What one pull or push did. `skipped_objects` lists, in full, every object left out
    with its reason; the audit entry keeps a bounded summary of it (`as_dict`)."""

    peer: str
    direction: str
    pages: int = 0
    objects: int = 0
    skipped_objects: list[SkippedObject] = field(default_factory=list)
    sent_ids: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def skipped(self) -> int:
        """How many objects were left out before the import (malformed, narrower, loop)."""
        return sum(1 for item in self.skipped_objects if item.reason not in REFUSALS)

    @property
    def rejected(self) -> list[str]:
        """The ids refused by our import (pull) or by the peer (push)."""
        return [item.stix_id for item in self.skipped_objects if item.reason in REFUSALS]

    def skip(self, stix_id: str, reason: SkipReason, detail: str = "") -> None:
        self.skipped_objects.append(SkippedObject(stix_id, reason, detail))

    def skipped_by_reason(self) -> dict[SkipReason, list[SkippedObject]]:
        """The objects left out, grouped by reason (in `SkipReason` order)."""
        groups: dict[SkipReason, list[SkippedObject]] = {}
        for reason in SkipReason:
            found = [item for item in self.skipped_objects if item.reason == reason]
            if found:
                groups[reason] = found
        return groups

    def as_dict(self, *, per_reason: int | None = None) -> dict[str, Any]:
        """The audit entry's details: the counts, and per reason at most `per_reason`
        (default `AUDIT_OBJECTS_PER_REASON`) objects with how many `more` were left out."""
        limit = AUDIT_OBJECTS_PER_REASON if per_reason is None else per_reason
        summary: dict[str, Any] = {}
        for reason, items in self.skipped_by_reason().items():
            shown = items[:limit]
            summary[reason.value] = {
                "count": len(items), "more": len(items) - len(shown),
                "objects": [{"id": item.stix_id, "detail": item.detail} for item in shown]}
        return {"peer": self.peer, "direction": self.direction, "pages": self.pages,
                "objects": self.objects, "skipped": self.skipped,
                "rejected": len(self.rejected), "skipped_objects": summary,
                "error": self.error}


def _tlp_of_body(body: dict[str, Any]) -> str | None:
    from civicshield.sharing.stix.markings import tlp_of

    return tlp_of(body.get("object_marking_refs"))


def push_ceiling(peer: Peer) -> str:
    """The narrowest marking we send to `peer`: its widest TLP, but never below GREEN, or
    below AMBER when the peer has an AMBER group.

    Under TLP 2.0 a recipient may not pass AMBER on to another organisation; only its
    originator may add recipients. Our collections hold AMBER that other organisations
    addressed to named local audiences, so AMBER leaves only when its originator addressed
    it to the peer's AMBER group (`push_viewer`), and AMBER+STRICT never does."""
    floor = TLP.AMBER if peer.amber_group_id else TLP.GREEN
    return peer.widest_tlp if width(peer.widest_tlp) >= width(floor) else floor


def push_viewer(peer: Peer) -> access.Viewer:
    """Whom the peer reads as when we push: a member of no local organisation, and of the
    peer's AMBER group when it has one (so AMBER addressed to that group is visible)."""
    from civicshield.sharing.stix.publish import ANY_MEMBER

    if not peer.amber_group_id:
        return ANY_MEMBER
    return access.Viewer.for_peer_group(peer.amber_group_id)


def _within(tlp: str | None, widest: str) -> bool:
    """True when an object marked `tlp` may be exchanged with a peer whose widest is
    `widest` (unmarked: decided elsewhere)."""
    return tlp is None or width(tlp) >= width(widest)


# --- Registry -----------------------------------------------------------------------

RETIRED = _lazy("This peer is retired: it is never contacted again and cannot be changed. "
                "Register a new peer (under another name) to exchange with it again.")


def _check_peer(*, name: str, api_root_url: str, collection_id: str, direction: str,
                widest_tlp: str, amber_group: Any = None, peer_id: int | None = None) -> str:
    """Raise ValidationError (by field) unless the values make a peer we may contact;
    returns the collection id in its canonical form. `peer_id`: the peer being changed."""
    errors: dict[str, str] = {}
    # Scheme and host only (the page's URLField checks the rest): a single-label host, e.g.
    # a container's name on a private network, is a valid peer.
    try:
        address = urlsplit(api_root_url)
        valid = address.scheme in ("http", "https") and bool(address.hostname)
        # The address is shown on the peers' pages and in the audit log; the token is sealed.
        credentials = address.username is not None or address.password is not None
    except ValueError:  # e.g. an unclosed IPv6 bracket
        valid = credentials = False
    if not valid:
        errors["api_root_url"] = _("An http or https address.")
    elif credentials:
        errors["api_root_url"] = _("Put no user name or password in the address: enter them "
                                   "in the Username and API token fields.")
    try:
        collection_id = str(uuid.UUID(collection_id))
    except ValueError:
        errors["collection_id"] = _("A collection id is a UUID.")
    if direction not in Direction.values:
        errors["direction"] = _("Pull, push or both.")
    if widest_tlp == TLP.RED:
        errors["widest_tlp"] = _("TLP:RED goes to named people only, never to a peer.")
    elif widest_tlp not in TLP.values:
        errors["widest_tlp"] = _("A TLP marking.")
    elif amber_group is not None and width(widest_tlp) > width(TLP.AMBER):
        errors["amber_group"] = _("AMBER is pushed only to a peer whose widest TLP is "
                                  "AMBER (or narrower).")
    others = Peer.objects.filter(name=name)
    if peer_id is not None:
        others = others.exclude(pk=peer_id)
    namesakes = list(others.values_list("retired_at", flat=True)[:1])
    if namesakes and namesakes[0] is not None:
        errors["name"] = _("A retired peer has this name (it is kept for the provenance of "
                           "what it sent): choose another.")
    elif namesakes:
        errors["name"] = _("A peer with this name exists.")
    if errors:
        raise ValidationError(errors)
    return collection_id


def create_peer(*, actor: Any, name: str, api_root_url: str, collection_id: str,
                token: str = "", username: str = "", region: str = "",
                direction: str = "pull", widest_tlp: str = TLP.GREEN,
                organisation: Any = None, amber_group: Any = None,
                active: bool = True) -> Peer:
    """Register a peer (its token sealed) and, when active, queue its first sync, whose
    chain then keeps it synced (`tasks`). Raises PermissionDenied, ValidationError."""
    authz.require(actor, "sharing_group:manage")
    collection_id = _check_peer(name=name, api_root_url=api_root_url,
                                collection_id=collection_id, direction=direction,
                                widest_tlp=widest_tlp, amber_group=amber_group)
    with transaction.atomic():
        peer = Peer.objects.create(
            name=name, region=region, api_root_url=api_root_url,
            collection_id=collection_id, username=username, token_sealed=seal(token),
            direction=direction, widest_tlp=widest_tlp, organisation=organisation,
            amber_group=amber_group, active=active)
        audit.record(actor=actor, action="federation.peer.add", target=peer, details={
            "api_root_url": api_root_url, "direction": direction, "widest_tlp": widest_tlp,
            "amber_group": peer.amber_group_id})
        if active:
            tasks.ensure_scheduled(peer_ids=[peer.pk])
    return peer


def update_peer(*, actor: Any, peer_id: int, name: str, api_root_url: str,
                collection_id: str, direction: str, widest_tlp: str, active: bool,
                region: str = "", username: str = "", token: str = "",
                amber_group: Any = None) -> Peer:
    """Change a peer's registration. A blank `token` keeps the stored one; a new one is
    sealed. A new address or collection is another source and destination, so both
    cursors restart (re-reading and resending are idempotent). Re-activating queues a sync
    (`tasks.ensure_scheduled`); deactivating lets the pending one run as a no-op. A retired
    peer cannot be changed (ValidationError). Raises PermissionDenied, NotFound,
    ValidationError."""
    authz.require(actor, "sharing_group:manage")
    collection_id = _check_peer(name=name, api_root_url=api_root_url,
                                collection_id=collection_id, direction=direction,
                                widest_tlp=widest_tlp, amber_group=amber_group,
                                peer_id=peer_id)
    with transaction.atomic():
        peer = _locked_peer(peer_id)
        if peer.retired:
            raise ValidationError(RETIRED)
        values = {"name": name, "region": region, "api_root_url": api_root_url,
                  "collection_id": collection_id, "username": username,
                  "direction": direction, "widest_tlp": widest_tlp, "active": active,
                  "amber_group_id": amber_group.pk if amber_group is not None else None}
        changed = [field for field, value in values.items() if getattr(peer, field) != value]
        for field in changed:
            setattr(peer, field, values[field])
        fields = list(changed)
        if token:
            peer.token_sealed = seal(token)
            fields.append("token_sealed")
            changed.append("token")
        if "api_root_url" in changed or "collection_id" in changed:
            peer.pull_cursor, peer.push_cursor = "", 0
            fields += ["pull_cursor", "push_cursor"]
        elif "amber_group_id" in changed and peer.amber_group_id:
            # AMBER addressed to the (new) group before now is behind the cursor: resend
            # (the receiving import skips what it holds).
            peer.push_cursor = 0
            fields.append("push_cursor")
        if fields:
            # Only these columns: a sync running meanwhile writes its status and cursors.
            peer.save(update_fields=fields)
        audit.record(actor=actor, action="federation.peer.update", target=peer, details={
            "changed": changed, "api_root_url": api_root_url, "direction": direction,
            "widest_tlp": widest_tlp, "active": active, "amber_group": peer.amber_group_id})
        if active:
            tasks.ensure_scheduled(peer_ids=[peer.pk])
    return peer


def _locked_peer(peer_id: int) -> Peer:
    """The peer, its row locked until the transaction ends; NotFound when there is none."""
    peer = Peer.objects.select_for_update().filter(pk=peer_id).first()
    if peer is None:
        raise NotFound("peer")
    return peer


def request_sync(*, actor: Any, peer_id: int) -> bool:
    """Queue a sync with an active peer to run as soon as a worker is free ("sync now").
    Returns False when one was already due (nothing more queued). Its periodic schedule
    is kept. Raises PermissionDenied, NotFound, ValidationError (inactive peer)."""
    authz.require(actor, "sharing_group:manage")
    with transaction.atomic():
        peer = _locked_peer(peer_id)
        if peer.retired:
            raise ValidationError(RETIRED)
        if not peer.active:
            raise ValidationError({"active": _(
                "This peer is inactive and is never contacted: activate it first.")})
        queued = tasks.enqueue_now(peer.pk)
        audit.record(actor=actor, action="federation.peer.sync_request", target=peer,
                     details={"queued": queued})
    return queued


def clear_peer_credentials(*, actor: Any, peer_id: int) -> bool:
    """Remove the peer's stored username and sealed token, so that it is contacted with no
    credentials until new ones are entered on its form. Returns False, writing and auditing
    nothing, when none were stored. A sync already running finishes with the credentials it
    started with. Raises PermissionDenied, NotFound."""
    authz.require(actor, "sharing_group:manage")
    with transaction.atomic():
        peer = _locked_peer(peer_id)
        cleared = [name for name, stored in (("username", peer.username),
                                             ("token", peer.token_sealed)) if stored]
        if not cleared:
            return False
        peer.username, peer.token_sealed = "", ""
        peer.save(update_fields=["username", "token_sealed"])
        # The names of what was cleared, never the values.
        audit.record(actor=actor, action="federation.peer.credentials_clear", target=peer,
                     details={"cleared": cleared})
    return True


def retire_peer(*, actor: Any, peer_id: int) -> Peer:
    """Retire a peer for good: it is never contacted again (no pull, no push; its pending
    sync runs as a no-op and schedules nothing, a running one stops at its next page), its
    credentials and AMBER group are cleared, and it stays listed as retired. The row is
    kept, not deleted: the provenance of what it sent (`ReceivedFromPeer`, "Received from"
    on a report) still points at it. Raises PermissionDenied, NotFound, ValidationError
    (already retired)."""
    authz.require(actor, "sharing_group:manage")
    with transaction.atomic():
        peer = _locked_peer(peer_id)
        if peer.retired:
            raise ValidationError(_("This peer is already retired."))
        details = {"was_active": peer.active, "amber_group": peer.amber_group_id,
                   "credentials_cleared": peer.has_credentials,
                   "received_kept": peer.received.count()}
        peer.retired_at, peer.active = timezone.now(), False
        # Nothing is pushed to it any more, so its group no longer counts as a reader
        # (`access.seen_by_no_one_else`); and a secret kept for no use is a liability.
        peer.amber_group, peer.username, peer.token_sealed = None, "", ""
        peer.save(update_fields=["retired_at", "active", "amber_group", "username",
                                 "token_sealed"])
        audit.record(actor=actor, action="federation.peer.retire", target=peer,
                     details=details)
    return peer


def _retrying(call: Callable[[], Any], *, attempts: int, backoff: float,
              sleep: Callable[[float], None]) -> Any:
    for attempt in range(attempts):
        try:
            return call()
        except PeerUnavailable:
            if attempt == attempts - 1:
                raise
            sleep(backoff * (2 ** attempt))
    raise AssertionError("unreachable")


def _record_outcome(peer: Peer, result: SyncResult, actor: Any, action: str) -> None:
    now = timezone.now()
    with transaction.atomic():
        fields = ["last_error", "last_error_at", "consecutive_failures"]
        if result.error:
            peer.last_error, peer.last_error_at = result.error[:2000], now
            peer.consecutive_failures += 1
        else:
            peer.last_error, peer.consecutive_failures = "", 0
            if action == "federation.pull":
                peer.last_pull_at = now
                fields.append("last_pull_at")
            else:
                peer.last_push_at = now
                fields.append("last_push_at")
        Peer.objects.filter(pk=peer.pk).update(**{name: getattr(peer, name) for name in fields})
        audit.record(actor=actor, action=action, target=peer, details=result.as_dict())


def _run_sync(peer: Peer, result: SyncResult, work: Callable[[], None], *, actor: Any,
              action: str) -> SyncResult:
    """Run `work` (which fills `result`), then record the outcome on the peer and audit it
    (`action`), whatever happened. A failure is returned in `result.error`, except
    PeerUnavailable (re-raised for the task to back off) and unexpected errors (a database
    error, a bug: re-raised for the worker's log)."""
    try:
        work()
    except PeerUnavailable as error:
        result.error = f"peer unavailable: {error}"
        _record_outcome(peer, result, actor, action)
        raise
    except (PeerRefused, FederationError, ValueError) as error:
        result.error = f"{type(error).__name__}: {error}"
    except Exception as error:
        result.error = f"{type(error).__name__}: {error}"
        _record_outcome(peer, result, actor, action)
        raise
    _record_outcome(peer, result, actor, action)
    return result


def _active_peer(peer_id: int) -> Peer:
    peer = Peer.objects.filter(pk=peer_id, active=True, retired_at__isnull=True).first()
    if peer is None:
        raise FederationError(f"no active peer {peer_id}")
    return peer


# --- Pull ---------------------------------------------------------------------------


def pull_from_peer(peer_id: int, *, actor: Any = None, attempts: int = 3,
                   backoff: float = 1.0, sleep: Callable[[float], None] = time.sleep,
                   max_pages: int = 1000) -> SyncResult:
    """Fetch what the peer added since the cursor and import it; see the module doc.

    Errors are recorded on the peer (and returned in the result), not raised, except
    PeerUnavailable after the retries, which is re-raised for the task to back off."""
    peer = _active_peer(peer_id)
    result = SyncResult(peer=peer.name, direction="pull")
    if not peer.pulls:
        raise FederationError(f"peer {peer.name} is not pulled from")

    def pull() -> None:
        client = PeerClient(peer)

        def fetch(limit: int) -> Any:
            # Before every request, retries included: a peer retired or edited meanwhile
            # is not contacted again.
            _check_unchanged(peer)
            return client.get_objects(added_after=peer.pull_cursor, limit=limit)

        limit = PAGE_SIZE
        for _request in range(max_pages):
            try:
                page = _retrying(functools.partial(fetch, limit), attempts=attempts,
                                 backoff=backoff, sleep=sleep)
            except Unreadable as unreadable:
                if unreadable.status != 200:
                    raise
                if limit > 1:
                    # Perhaps one object's fault: read what is readable in smaller pages.
                    limit //= 2
                    continue
                _pass_over(peer, unreadable, result, functools.partial(fetch, 2))
                continue
            objects = page.envelope.get("objects") or []
            if not objects:
                if not page.envelope.get("more"):
                    break
                # Nothing on it, yet more to come (a peer that filters after cutting its
                # pages): past what it covered, or an error — never a silent end.
                _move_cursor(peer, _next_cursor(peer, page.date_added_last))
                continue
            _import_page(peer, objects, _next_cursor(peer, page.date_added_last), result)
            result.pages += 1
            limit = min(PAGE_SIZE, limit * 2)
            if not page.envelope.get("more"):
                break

    return _run_sync(peer, result, pull, actor=actor, action="federation.pull")


# How far past our clock a peer's dates may run: beyond it, moving the cursor there would
# pass over everything the peer adds until then.
CLOCK_SKEW = timedelta(hours=1)


def _header_moment(date: str) -> datetime | None:
    """A TAXII date header as a moment: RFC 3339 with `Z` as TAXII writes it, or with an
    offset as looser servers do; None without a zone or when it is no date."""
    if moment := parse_timestamp(date):
        return moment
    try:
        moment = datetime.fromisoformat(date)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _next_cursor(peer: Peer, date: str) -> str:
    """`date`, a page's X-TAXII-Date-Added-Last, as the next cursor (written with `Z` when
    the peer wrote an offset) — or PeerRefused when it is missing, unreadable, not past the
    cursor (the pull would go round, or back) or later than our clock allows (it would pass
    over what the peer adds until then)."""
    if not date:
        raise PeerRefused("the peer sends no X-TAXII-Date-Added-Last header")
    moment = _header_moment(date)
    if moment is None:
        raise PeerRefused(f"the peer's X-TAXII-Date-Added-Last {date[:40]!r} is not a date")
    cursor = _header_moment(peer.pull_cursor) if peer.pull_cursor else None
    if peer.pull_cursor and (cursor is None or moment <= cursor):
        raise PeerRefused(f"the peer's X-TAXII-Date-Added-Last {date} does not move past "
                          f"the cursor {peer.pull_cursor}")
    if moment > timezone.now() + CLOCK_SKEW:
        raise PeerRefused(f"the peer dates what it added in the future ({date})")
    if parse_timestamp(date) is None:
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return date


def _move_cursor(peer: Peer, cursor: str) -> None:
    """Move the pull cursor, alone in its transaction (`_import_page` moves it with its
    objects)."""
    with transaction.atomic():
        _check_unchanged(peer, lock=True)
        _write_cursor(peer, cursor)


def _write_cursor(peer: Peer, cursor: str) -> None:
    """In the caller's transaction, holding the peer's row (`_check_unchanged(lock=True)`)."""
    Peer.objects.filter(pk=peer.pk).update(pull_cursor=cursor)
    peer.pull_cursor = cursor


def _pass_over(peer: Peer, unreadable: Unreadable, result: SyncResult,
               pair: Callable[[], Any]) -> None:
    """Move the pull cursor past one object the peer cannot send readably (a page of one,
    too large or nested too deep: the import would refuse it anyway), and list it as left
    out. Raises `unreadable` unless the page shows one object (its first and last dates
    added are one), nothing else was added at that date (`pair`, the page of two from the
    same cursor, ends later) and the cursor may move there (`_next_cursor`): the pull then
    stays, and says so at every sync — nothing readable is passed over."""
    date = unreadable.date_added_last
    if not date or unreadable.date_added_first != date:
        raise unreadable
    try:
        cursor = _next_cursor(peer, date)
    except PeerRefused:
        raise unreadable from None
    try:
        pair()
    except Unreadable as two:
        after, moment = _header_moment(two.date_added_last), _header_moment(date)
        if after is None or moment is None or after <= moment:
            raise unreadable from None  # another object added at that date, or the last
    except PeerRefused:
        raise unreadable from None
    else:
        raise unreadable  # read whole, the peer now answers otherwise: nothing to pass over
    _move_cursor(peer, cursor)
    result.skip("", SkipReason.UNREADABLE, f"the object the peer added at {date}: {unreadable}")


# What a sync was started with; an edit of any of them resets the cursors (`update_peer`).
_SYNC_SETTINGS = ("api_root_url", "collection_id", "widest_tlp", "active", "organisation_id",
                  "amber_group_id")


def _check_unchanged(peer: Peer, *, lock: bool = False) -> None:
    """Stop the sync (FederationError) if the peer was edited or removed since it started:
    writing this sync's cursor would undo the reset, and its objects would be filed or sent
    under settings that no longer hold. With `lock`, the peer's row stays locked for the
    caller's transaction (cursor writes)."""
    rows = Peer.objects.select_for_update() if lock else Peer.objects
    current = rows.filter(pk=peer.pk).values(*_SYNC_SETTINGS).first()
    if current is None or any(current[name] != getattr(peer, name) for name in _SYNC_SETTINGS):
        raise FederationError(f"peer {peer.name} was changed during the sync; the next sync "
                              "uses its new settings")


def _import_page(peer: Peer, objects: list[Any], cursor: str, result: SyncResult) -> None:
    """Import one page and then move the pull cursor to `cursor`, its end. The page is
    imported in one transaction, or in several when the import's pattern budget runs out:
    what it could not judge is imported in batches of its own, and the cursor moves with the
    last, so no object is passed over."""
    from civicshield.directory.selectors import coordinating_organisation

    well_formed = []
    for position, body in enumerate(objects):
        where = f"object {position + 1} of page {result.pages + 1}"
        if not isinstance(body, dict) or not isinstance(body.get("id"), str):
            result.skip("", SkipReason.MALFORMED, where)
        elif problem := _unreadable_markings(body):
            result.skip(body["id"], SkipReason.MALFORMED, f"{where}: {problem}")
        else:
            well_formed.append(body)
    owner = peer.organisation or coordinating_organisation()
    if owner is None:
        raise FederationError("no owner for received content: set the peer's organisation "
                              "or mark a coordinating organisation")
    accepted = _within_markings(peer, well_formed, result, access.Viewer.for_organisation(owner))
    accepted = _without_our_own(accepted, result)
    batches = [accepted]
    while batches:
        batch = batches.pop(0)
        with transaction.atomic():
            _check_unchanged(peer, lock=True)
            imported, deferred = _import_batch(peer, owner, batch, result)
            if deferred and len(deferred) == len(batch):
                # None was judged (one pattern alone over the budget, or versions of one
                # id): halve, down to one object, which is judged alone.
                half = len(deferred) // 2
                batches[:0] = [deferred[:half], deferred[half:]]
            elif deferred:
                batches.insert(0, deferred)
            if not batches:
                _write_cursor(peer, cursor)
        result.objects += imported


def _import_batch(peer: Peer, owner: Any, objects: list[dict[str, Any]], result: SyncResult
                  ) -> tuple[int, list[dict[str, Any]]]:
    """Import `objects` (in the caller's transaction), less those the import refuses, each
    noted in `result` as invalid. Returns how many were imported, and those deferred: the
    import's pattern budget (`Problem.over_budget`) ran out before it judged them, which
    is no fault of theirs. An object alone in `objects` is never deferred: its own pattern
    is over the budget, and it is refused."""
    from civicshield.sharing.stix.import_ import Destination, InvalidStix, Problem, import_stix
    from civicshield.sharing.stix.publish import version_of

    accepted, deferred = objects, []
    status = None
    for _round in range(_FIX_ROUNDS + 1):
        if not accepted:
            break
        try:
            status = import_stix(
                actor=authz.OPERATOR,
                document={"type": "bundle", "id": f"bundle--{uuid.uuid4()}",
                          "objects": accepted},
                source="peer", organisation=owner,
                destination=Destination(default_tlp=TLP.AMBER, collection=peer.collection_id,
                                        references_may_dangle=True))
            break
        except InvalidStix as invalid:
            problems: dict[str, list[Problem]] = {}
            for found in invalid.problems:
                problems.setdefault(found.object_id, []).append(found)
            waiting = {stix_id for stix_id, found in problems.items()
                       if all(problem.over_budget for problem in found)} \
                if len(objects) > 1 else set()
            for stix_id in sorted(set(problems) - waiting):
                messages = [problem.message for problem in problems[stix_id]
                            if not problem.over_budget] or \
                    [problem.message for problem in problems[stix_id]]
                result.skip(stix_id, SkipReason.INVALID, "; ".join(messages))
            deferred += [body for body in accepted if body["id"] in waiting]
            remaining = [body for body in accepted if body["id"] not in problems]
            if len(remaining) == len(accepted):
                raise FederationError(f"invalid content: {invalid.problems[:3]}") from invalid
            accepted = remaining
    else:
        raise FederationError("invalid content after dropping the invalid objects")
    if not accepted or status is None:
        return 0, deferred
    ReceivedFromPeer.objects.bulk_create(
        [ReceivedFromPeer(peer=peer, stix_id=body["id"], version=version_of(body),
                          received_in=status) for body in accepted],
        update_conflicts=True, unique_fields=["peer", "stix_id"],
        update_fields=["version", "received_in", "received_at"], batch_size=500)
    return len(accepted), deferred


def _unreadable_markings(body: dict[str, Any]) -> str:
    """Why the marking filter cannot read this object's markings, or "" (the import checks
    the rest of the object)."""
    if not isinstance(body.get("type"), str):
        return "no type"
    refs = body.get("object_marking_refs", [])
    if not isinstance(refs, list) or not all(isinstance(ref, str) for ref in refs):
        return "object_marking_refs is not a list of ids"
    if body["type"] == "marking-definition" and not isinstance(body.get("extensions", {}), dict):
        return "extensions is not an object"
    return ""


def _within_markings(peer: Peer, objects: list[dict[str, Any]], result: SyncResult,
                     importer: Any) -> list[dict[str, Any]]:
    """`objects` less those the import would mark narrower than the peer's widest TLP, or
    RED or AMBER+STRICT, and less the marking-definitions of RED and AMBER+STRICT; each
    noted in `result`. Judged by the import's own reading of the markings, so a TLP defined
    in the content or held here counts as much as the TLP ids do."""
    from civicshield.sharing.stix.import_ import content_tlp_resolver
    from civicshield.sharing.stix.markings import tlp_of_definition

    tlp_of = content_tlp_resolver(objects, importer)  # as the import will read them
    widest = peer.widest_tlp.upper()
    kept = []
    for body in objects:
        tlp = tlp_of(body)
        defined = tlp_of_definition(body) if body["type"] == "marking-definition" else None
        if defined in NEVER_PULLED:
            result.skip(body["id"], SkipReason.NARROWER,
                        f"defines TLP:{str(defined).upper()}, never taken from a peer")
        elif not _within(tlp, peer.widest_tlp):
            result.skip(body["id"], SkipReason.NARROWER,
                        f"TLP:{str(tlp).upper()}, narrower than TLP:{widest}")
        elif tlp in NEVER_PULLED:
            result.skip(body["id"], SkipReason.NARROWER,
                        f"TLP:{str(tlp).upper()}, never taken from a peer")
        else:
            kept.append(body)
    return kept


def _without_our_own(objects: list[dict[str, Any]], result: SyncResult
                     ) -> list[dict[str, Any]]:
    """`objects` less the versions we published ourselves (e.g. pushed to the peer earlier),
    each noted in `result`: imported back they would duplicate our report under the peer's
    name. Matched by id and version (a version we received is not ours); SCOs (no version,
    ids derived from their value) are left to the import, which is idempotent."""
    from civicshield.core import rows
    from civicshield.sharing.models import StixObjectVersion, TaxiiEntry
    from civicshield.sharing.stix.publish import version_of

    versions = [version_of(body) for body in objects]
    ids = sorted({body["id"] for body, version in zip(objects, versions, strict=True)
                  if version})
    if not ids:
        return objects
    # Entries from our own records (not from an import), less the versions we received.
    ours = {(stix_id, version) for _pk, stix_id, version, source_object_id in
            rows.ids_by(TaxiiEntry, "stix_id", ids, "version", "source_object")
            if source_object_id is None}
    ours -= {(stix_id, version) for _pk, stix_id, version in
             rows.ids_by(StixObjectVersion, "stix_id", ids, "modified")}
    kept = []
    for body, version in zip(objects, versions, strict=True):
        if (body["id"], version) in ours:
            result.skip(body["id"], SkipReason.LOOP, f"version {version}")
        else:
            kept.append(body)
    return kept


# --- Push ---------------------------------------------------------------------------


def pushable(peer: Peer, *, after: int, limit: int = PUSH_BATCH) -> tuple[list[Any], int]:
    """The latest versions of our TAXII entries after `after` that `peer` may receive,
    ordered dependencies first, and the last entry id looked at."""
    import json

    from civicshield.reports.choices import Source
    from civicshield.sharing.models import TaxiiEntry
    from civicshield.sharing.stix.export import EXTENSION_ID

    allowed = [tlp for tlp in TLP.values if _within(tlp, push_ceiling(peer))]
    # The peer reads through the access layer as `push_viewer`; the marking ceiling and
    # the exercise and loop rules come on top.
    rows = list(access.visible_to(push_viewer(peer), TaxiiEntry.objects.filter(pk__gt=after))
                .order_by("pk").values_list("pk", "stix_id", "version", "tlp", "is_latest",
                                            "body", "source_report__source",
                                            "source_report_id", "source_object_id")[:limit])
    last = rows[-1][0] if rows else after
    listed = [row[1] for row in rows]
    returned_ids = set(ReceivedFromPeer.objects.filter(peer=peer, stix_id__in=listed)
                       .values_list("stix_id", flat=True))
    from_peer = _reports_received_from(peer, {row[7] for row in rows})
    authored_here = _authored_here({row[7] for row in rows if row[3] == TLP.AMBER})
    chosen: dict[str, dict[str, Any]] = {}
    widths: dict[str, str] = {}
    for (_pk, stix_id, version, tlp, is_latest, text, report_source, report_id,
         object_id) in rows:
        if not is_latest or tlp not in allowed or stix_id in returned_ids:
            continue
        # Loop prevention by provenance: once edited or triaged here a received report is
        # exported under an id of ours, but it is still the peer's content.
        if report_id in from_peer:
            continue
        # AMBER leaves only as part of a report written here, whose originator addressed it
        # to the peer's group: never received content (from a peer, a file, a TAXII POST,
        # even re-addressed here), whose originator chose no such thing.
        if tlp == TLP.AMBER and (object_id is not None or report_id not in authored_here):
            continue
        if report_source == Source.EXERCISE:
            continue
        body = json.loads(text)
        marked = _tlp_of_body(body)
        if marked is not None and marked not in allowed:
            continue
        context = (body.get("extensions") or {}).get(EXTENSION_ID) or {}
        if context.get("source") == Source.EXERCISE:
            continue
        # Records that share an object each have an entry of it: send the widest.
        key = f"{stix_id}@{version}"
        if key not in chosen or width(tlp) > width(widths[key]):
            chosen[key], widths[key] = body, tlp
    ordered = sorted(chosen.values(), key=lambda b: (
        _RANK.get(b["type"], 3 if b["type"] in ("report", "relationship", "sighting",
                                                 "note", "opinion") else 2)))
    return ordered, last


def _reports_received_from(peer: Peer, report_ids: set[int | None]) -> set[int]:
    """Those of these reports made from objects received from `peer`, or holding a merged
    duplicate that was (merging moves its content in): two queries."""
    from civicshield.reports.models import Report
    from civicshield.sharing.models import StixObject

    wanted = {report_id for report_id in report_ids if report_id is not None}
    if not wanted:
        return set()
    from_peer = StixObject.objects.filter(
        stix_id__in=ReceivedFromPeer.objects.filter(peer=peer).values("stix_id"))
    merged_in = Report.objects.filter(duplicate_of_id__in=wanted,
                                      pk__in=from_peer.values("report_id"))
    return {*from_peer.filter(report_id__in=wanted).values_list("report_id", flat=True),
            *merged_in.values_list("duplicate_of_id", flat=True)}


def _authored_here(report_ids: set[int | None]) -> set[int]:
    """Those of these reports written on this instance: not made from received STIX or a
    MISP event, and holding no merged duplicate that was (merging moves its content in)."""
    from civicshield.reports.models import Report
    from civicshield.sharing.models import ReceivedMispEvent, StixObject

    wanted = {report_id for report_id in report_ids if report_id is not None}
    if not wanted:
        return set()
    merged = dict(Report.objects.filter(duplicate_of_id__in=wanted).values_list(
        "pk", "duplicate_of_id"))
    involved = wanted | set(merged)
    received = set(StixObject.objects.filter(report_id__in=involved).values_list(
        "report_id", flat=True))
    received |= set(ReceivedMispEvent.objects.filter(report_id__in=involved).values_list(
        "report_id", flat=True))
    received |= {merged[duplicate] for duplicate in received & set(merged)}
    return wanted - received


def push_to_peer(peer_id: int, *, actor: Any = None, attempts: int = 3,
                 backoff: float = 1.0, sleep: Callable[[float], None] = time.sleep
                 ) -> SyncResult:
    """Offer the peer what it may receive since the push cursor (TAXII add_objects)."""
    from civicshield.sharing.stix.publish import sync_reports

    peer = _active_peer(peer_id)
    result = SyncResult(peer=peer.name, direction="push")
    if not peer.pushes:
        raise FederationError(f"peer {peer.name} is not pushed to")

    def push() -> None:
        sync_reports()
        client = PeerClient(peer)
        while True:
            _check_unchanged(peer)
            objects, last = pushable(peer, after=peer.push_cursor)
            for start in range(0, len(objects), PUSH_CHUNK):
                _send_chunk(peer, client, objects[start:start + PUSH_CHUNK], result,
                            attempts=attempts, backoff=backoff, sleep=sleep)
                result.pages += 1
            if last == peer.push_cursor:
                break
            with transaction.atomic():
                _check_unchanged(peer, lock=True)
                Peer.objects.filter(pk=peer.pk).update(push_cursor=last)
            peer.push_cursor = last

    return _run_sync(peer, result, push, actor=actor, action="federation.push")


def _send_chunk(peer: Peer, client: PeerClient, objects: list[dict[str, Any]],
                result: SyncResult, *, attempts: int, backoff: float,
                sleep: Callable[[float], None]) -> None:
    def send(batch: list[dict[str, Any]]) -> Any:
        # Before every request, retries and resends included: an edit (a narrower marking,
        # another AMBER group) or a retirement stops what is left.
        _check_unchanged(peer)
        return client.add_objects(batch)

    for _round in range(_FIX_ROUNDS + 1):
        if not objects:
            return
        try:
            _retrying(functools.partial(send, objects), attempts=attempts, backoff=backoff,
                      sleep=sleep)
        except PeerRefused as refused:
            errors = ((refused.body or {}).get("details") or {}).get("errors") \
                if isinstance(refused.body, dict) else None
            bad = {e.get("id") for e in errors or () if isinstance(e, dict)}
            if refused.status != 422 or not bad:
                raise
            messages: dict[str, list[str]] = {}
            for error in errors or ():
                if isinstance(error, dict) and error.get("id"):
                    messages.setdefault(str(error["id"]), []).append(
                        str(error.get("message") or ""))
            for stix_id in sorted(messages):
                result.skip(stix_id, SkipReason.REFUSED,
                            "; ".join(message for message in messages[stix_id] if message))
            objects = [body for body in objects if body["id"] not in bad]
            continue
        result.objects += len(objects)
        result.sent_ids += [body["id"] for body in objects]
        return
    raise FederationError("the peer kept refusing the content")


def sync_peer(peer_id: int, *, pull: bool = True, push: bool = True, actor: Any = None,
              **options: Any) -> list[SyncResult]:
    peer = _active_peer(peer_id)
    results = []
    if pull and peer.pulls:
        results.append(pull_from_peer(peer_id, actor=actor, **options))
    if push and peer.pushes:
        results.append(push_to_peer(peer_id, actor=actor, **options))
    return results
