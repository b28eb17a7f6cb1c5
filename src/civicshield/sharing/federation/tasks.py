"""Background federation (the Django Tasks API, queue "federation").

`sync_peer_task` pulls from / pushes to one peer. When the peer is down it re-schedules
itself with exponential backoff (1, 2, 4 ... minutes, at most 6 hours) on backends that
can defer (the database backend). Periodic syncs: `civicshield federate` from cron, or
`schedule_all()`.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

QUEUE = "federation"
MAX_BACKOFF = timedelta(hours=6)


def backoff_for(failures: int) -> timedelta:
    return min(timedelta(minutes=2 ** max(failures - 1, 0)), MAX_BACKOFF)


@task(queue_name=QUEUE)
def sync_peer_task(peer_id: int, pull: bool = True, push: bool = True) -> list[dict]:
    from civicshield.sharing.federation import services
    from civicshield.sharing.federation.client import PeerUnavailable
    from civicshield.sharing.federation.models import Peer

    try:
        results = services.sync_peer(peer_id, pull=pull, push=push)
    except PeerUnavailable:
        peer = Peer.objects.get(pk=peer_id)
        enqueue(peer_id, pull=pull, push=push,
                delay=backoff_for(peer.consecutive_failures))
        return [{"peer": peer.name, "error": peer.last_error}]
    return [result.as_dict() for result in results]


def enqueue(peer_id: int, *, pull: bool = True, push: bool = True,
            delay: timedelta | None = None) -> None:
    backend = sync_peer_task.get_backend()
    if delay and backend.supports_defer:
        sync_peer_task.using(run_after=timezone.now() + delay).enqueue(peer_id, pull, push)
    else:
        sync_peer_task.enqueue(peer_id, pull, push)


def schedule_all() -> int:
    from civicshield.sharing.federation.models import Peer

    peers = list(Peer.objects.filter(active=True).values_list("pk", flat=True))
    for peer_id in peers:
        enqueue(peer_id)
    return len(peers)
