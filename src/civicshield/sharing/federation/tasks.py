"""Background federation (the Django Tasks API, queue "federation").

`sync_peer_task` pulls from / pushes to one peer, then schedules that peer's next sync:
`CIVICSHIELD_FEDERATION_INTERVAL` seconds later, or after an exponential backoff (1, 2, 4 ...
minutes, at most 6 hours) when the peer was unavailable. So each active peer has one
pending sync, a chain that needs no cron. `ensure_scheduled()` starts the chain for every
active peer that has no pending sync; the worker calls it when it starts, the peer services
when a peer is added or re-activated. A deactivated or retired peer's pending sync runs as
a no-op and ends its chain.

Pending syncs can only be seen on the database backend (`django_tasks_db`, the default):
there at most one waits per peer. Elsewhere only outage retries are chained; run
`civicshield federate` from cron for periodic syncs.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import TaskResultStatus, task

QUEUE = "federation"
MAX_BACKOFF = timedelta(hours=6)


def backoff_for(failures: int) -> timedelta:
    return min(timedelta(minutes=2 ** max(failures - 1, 0)), MAX_BACKOFF)


def sync_interval() -> timedelta:
    """How long after a sync the peer's next one runs (`CIVICSHIELD_FEDERATION_INTERVAL`)."""
    return timedelta(seconds=int(getattr(settings, "CIVICSHIELD_FEDERATION_INTERVAL", 300)))


@task(queue_name=QUEUE)
def sync_peer_task(peer_id: int, pull: bool = True, push: bool = True) -> list[dict]:
    from civicshield.sharing.federation import services
    from civicshield.sharing.federation.client import PeerUnavailable
    from civicshield.sharing.federation.models import Peer

    peer = Peer.objects.filter(pk=peer_id, active=True, retired_at__isnull=True).first()
    if peer is None:
        return []  # deactivated or retired since it was queued: nothing to do, no next run
    delay, outage = sync_interval(), False
    try:
        results = services.sync_peer(peer_id, pull=pull, push=push)
    except PeerUnavailable:
        peer.refresh_from_db()
        delay, outage = backoff_for(peer.consecutive_failures), True
        return [{"peer": peer.name, "error": peer.last_error}]
    finally:
        # Also after an unexpected error, so one failure does not end the peer's chain.
        _schedule_next(peer_id, delay=delay, outage=outage)
    return [result.as_dict() for result in results]


def _tracks_pending() -> bool:
    """True on the database backend, the only one whose pending tasks can be looked up."""
    try:
        from django_tasks_db.backend import DatabaseBackend
    except ImportError:
        return False
    return isinstance(sync_peer_task.get_backend(), DatabaseBackend)


def pending_syncs(peer_id: int) -> Any:
    """The peer's syncs waiting to run (database backend only): READY rows of this task.

    RUNNING rows do not count: a worker killed mid-sync leaves one behind for good."""
    from django_tasks_db.models import DBTaskResult

    backend = sync_peer_task.get_backend()
    return DBTaskResult.objects.filter(
        task_path=sync_peer_task.module_path, backend_name=backend.alias,
        status=TaskResultStatus.READY,
    ).filter(Q(args_kwargs__args__0=peer_id) | Q(args_kwargs__kwargs__peer_id=peer_id))


def _lock_active_peer(peer_id: int) -> bool:
    """Lock the peer's row for the caller's transaction; False when it is not active.

    The lock serialises "is one pending? then enqueue" between workers and requests, so
    no two pending syncs are created for a peer (SQLite: writers queue at BEGIN anyway)."""
    from civicshield.sharing.federation.models import Peer

    return bool(list(Peer.objects.select_for_update()
                     .filter(pk=peer_id, active=True, retired_at__isnull=True)
                     .values_list("pk", flat=True)))


def _enqueue(peer_id: int, *, run_after: Any) -> None:
    sync_peer_task.using(run_after=run_after).enqueue(peer_id, True, True)


def _schedule(peer_id: int, *, delay: timedelta) -> bool:
    """Enqueue the peer's next sync `delay` from now unless one is pending already;
    True when one was enqueued."""
    with transaction.atomic():
        if not _lock_active_peer(peer_id) or pending_syncs(peer_id).exists():
            return False
        _enqueue(peer_id, run_after=timezone.now() + delay)
    return True


def _schedule_next(peer_id: int, *, delay: timedelta, outage: bool) -> None:
    if _tracks_pending():
        _schedule(peer_id, delay=delay)
    elif outage and sync_peer_task.get_backend().supports_defer:
        # Another backend cannot tell what is pending: chain only the outage retry, which
        # ends when the peer is back, as no periodic chain can be kept single there.
        _enqueue(peer_id, run_after=timezone.now() + delay)


def ensure_scheduled(peer_ids: list[int] | None = None) -> int:
    """Enqueue a sync, to run now, for every active peer (of `peer_ids`, default all) that
    has no pending one; returns how many were enqueued. Safe to call any number of times,
    from several processes at once: a peer never gets a second pending sync. Does nothing
    off the database backend."""
    from civicshield.sharing.federation.models import Peer

    if not _tracks_pending():
        return 0
    peers = Peer.objects.filter(active=True, retired_at__isnull=True)
    if peer_ids is not None:
        peers = peers.filter(pk__in=peer_ids)
    return sum(_schedule(peer_id, delay=timedelta(0))
               for peer_id in peers.values_list("pk", flat=True))


def enqueue_now(peer_id: int) -> bool:
    """Queue a sync of the peer to run as soon as a worker is free ("sync now"); False when
    one is already due (repeated clicks queue one). Call inside the caller's transaction,
    with the peer active; off the database backend the task is queued after commit."""
    if not _tracks_pending():
        transaction.on_commit(lambda: sync_peer_task.enqueue(peer_id, True, True))
        return True
    with transaction.atomic():
        if not _lock_active_peer(peer_id) or pending_syncs(peer_id).ready().exists():
            return False
        # run_after = now (not "unset", stored as year 9999) keeps it in time order with
        # other due tasks; the pending periodic sync stays, and the chain continues once.
        _enqueue(peer_id, run_after=timezone.now())
    return True
