"""Background work of notifications (the Django Tasks API, queue "notifications").

`send_delivery` sends one delivery, claimed first so it goes out once; `check_notifications`
is the periodic check (interrupted claims, due retries, escalation, digests). With the
database backend the check re-schedules itself while there is work; elsewhere run
`civicshield escalate` from cron.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django_tasks import task

from civicshield.comms.notifications import clock, conf

QUEUE = "notifications"


@task(queue_name=QUEUE)
def send_delivery(delivery_id: int) -> str:
    from civicshield.comms.notifications import services

    return services.deliver(delivery_id=delivery_id)


@task(queue_name=QUEUE)
def check_notifications() -> dict[str, int]:
    from civicshield.comms.notifications import services

    summary = services.run_checks()
    if services.work_outstanding():
        schedule_next_check()
    return summary.as_dict()


def enqueue_send(delivery_id: int, *, run_after: datetime | None = None) -> None:
    backend = send_delivery.get_backend()
    if run_after is not None and backend.supports_defer:
        send_delivery.using(run_after=run_after).enqueue(delivery_id)
    elif run_after is None or run_after <= clock.now():
        send_delivery.enqueue(delivery_id)
    # A deferred retry on a backend that cannot defer is picked up by the periodic check.


def schedule_next_check() -> None:
    """Make sure one periodic check is scheduled (database backend: at most one waits)."""
    backend = check_notifications.get_backend()
    if not backend.supports_defer or _check_waiting():
        return
    interval = timedelta(seconds=float(conf.value("CHECK_INTERVAL_SECONDS")))
    check_notifications.using(run_after=clock.now() + interval).enqueue()


def _check_waiting() -> bool:
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # another backend: an extra check is harmless, checks are idempotent
        return False
    return DBTaskResult.objects.filter(task_path=check_notifications.module_path,
                                       status="READY").exists()
