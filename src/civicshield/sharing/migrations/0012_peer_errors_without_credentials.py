"""Error texts that quote a peer's old address with its credentials (sharing 0010 follow-up).

0010 took the user name and password out of the addresses of older peers and of the audit
entries that recorded those addresses, but `requests` quotes the whole URL in some errors
(`InvalidURL: Failed to parse: https://svc:S3cretPw@north.example:99999/...`), and such
text was kept where a sync records its error: `Peer.last_error`, the details of the
`federation.pull` and `federation.push` audit entries, and the stored results of
`sync_peer_task` (its return value and traceback). For every peer 0010 recorded (a
`federation.peer.credentials_moved` entry), the user information of any URL in those texts
(`://<user>:<password>@`, or `://<user>@`) is removed, leaving `scheme://host...`, as 0010
left the address. The secrets are not looked up: a password 0010 dropped (a token was
stored already) is kept nowhere, so the URLs' form is what finds them. Changed audit entries
are marked `error_credentials_removed`; nothing is printed. Not reversible in substance."""

import re

from django.db import migrations
from django.db.models import Q

MOVED = "federation.peer.credentials_moved"
SYNC_ACTIONS = ("federation.pull", "federation.push")
SYNC_TASK = "civicshield.sharing.federation.tasks.sync_peer_task"
# The authority's user information ends at its last "@" (as `urlsplit` reads it), before
# any "/", "?", "#" or white space; the scheme's "://" starts it.
USERINFO = re.compile(r"(?<=://)[^/?#\s]*@")


def _redacted(value):
    """`value` (a string, or JSON of lists and dicts) with the user information of every URL
    in its strings removed."""
    if isinstance(value, str):
        return USERINFO.sub("", value)
    if isinstance(value, list):
        return [_redacted(item) for item in value]
    if isinstance(value, dict):
        return {key: _redacted(item) for key, item in value.items()}
    return value


def remove_credentials_from_errors(apps, schema_editor):
    Peer = apps.get_model("sharing", "Peer")
    AuditEntry = apps.get_model("core", "AuditEntry")
    DBTaskResult = apps.get_model("django_tasks_database", "DBTaskResult")
    alias = schema_editor.connection.alias
    entries = AuditEntry.objects.using(alias)
    recorded = set(entries.filter(action=MOVED, object_type="sharing.peer")
                   .values_list("object_id", flat=True))
    for peer in Peer.objects.using(alias).filter(pk__in=[
            int(pk) for pk in recorded if pk.isdigit()]).order_by("pk"):
        cleaned = _redacted(peer.last_error)
        if cleaned != peer.last_error:
            peer.last_error = cleaned
            peer.save(update_fields=["last_error"])
        for entry in entries.filter(object_type="sharing.peer", object_id=str(peer.pk),
                                    action__in=SYNC_ACTIONS).order_by("pk").iterator():
            cleaned = _redacted(entry.details)
            if cleaned != entry.details:
                entry.details = ({**cleaned, "error_credentials_removed": True}
                                 if isinstance(cleaned, dict) else cleaned)
                entry.save(update_fields=["details"])
        results = DBTaskResult.objects.using(alias).filter(task_path=SYNC_TASK).filter(
            Q(args_kwargs__args__0=peer.pk) | Q(args_kwargs__kwargs__peer_id=peer.pk))
        for result in results.only("pk", "return_value", "traceback").iterator():
            value, traceback = _redacted(result.return_value), _redacted(result.traceback)
            if (value, traceback) != (result.return_value, result.traceback):
                result.return_value, result.traceback = value, traceback
                result.save(update_fields=["return_value", "traceback"])


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0002_initial"),
        ("django_tasks_database", "0014_remove_dbtaskresult_exception_data"),
        ("sharing", "0011_peer_retired"),
    ]

    operations = [
        # Not reversible in substance: the credentials do not come back.
        migrations.RunPython(remove_credentials_from_errors, migrations.RunPython.noop),
    ]
