"""The data migrations that take credentials out of the addresses of peers registered
before such addresses were refused (sharing 0010), and out of the errors that quoted those
addresses (sharing 0012): run with Django's MigrationExecutor from the state before each, on
the test database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from civicshield.sharing.federation.secrets import seal, unseal

BEFORE = [("sharing", "0009_taxii_entry_per_record")]
AFTER = [("sharing", "0010_peer_credentials_out_of_address")]
BEFORE_ERROR_REDACTION = [("sharing", "0011_peer_retired")]
AFTER_ERROR_REDACTION = [("sharing", "0012_peer_errors_without_credentials")]
COLLECTION = "9f7a2c4e-5b1d-4e8a-9c3f-2d6b8e1a7c50"
PASSWORD = "Sup3r:Secret@Pass"  # written percent-escaped in the address, as it must be
ESCAPED = "Sup3r%3ASecret%40Pass"


def _migrate(targets: list[tuple[str, str]]) -> Any:
    """Migrate the sharing app of the test database to `targets`; the apps of that state
    (the other apps at their latest)."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    others = [node for node in executor.loader.graph.leaf_nodes() if node[0] != "sharing"]
    return executor.loader.project_state([*others, *targets]).apps


def _migrated_back_to(targets: list[tuple[str, str]]) -> Iterator[Any]:
    """The models as they were at `targets`; the database is migrated back to the latest
    state afterwards, whatever the test did."""
    try:
        yield _migrate(targets)
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.fixture
def before_migration() -> Iterator[Any]:
    """The models as they were before the migration (0010)."""
    yield from _migrated_back_to(BEFORE)


@pytest.fixture
def before_error_redaction() -> Iterator[Any]:
    """The models as they were before sharing 0012 (errors quoting old addresses)."""
    yield from _migrated_back_to(BEFORE_ERROR_REDACTION)


@pytest.mark.django_db(transaction=True)
def test_credentials_in_a_peers_address_move_to_its_username_and_sealed_token(
        before_migration: Any, capsys: pytest.CaptureFixture[str]) -> None:
    Peer = before_migration.get_model("sharing", "Peer")
    AuditEntry = before_migration.get_model("core", "AuditEntry")

    def peer(name: str, address: str, **stored: Any) -> Any:
        made = Peer.objects.create(name=name, api_root_url=address, collection_id=COLLECTION,
                                   **stored)
        # As `create_peer` recorded it before such addresses were refused.
        AuditEntry.objects.create(
            actor_label="operator", surface="cli", action="federation.peer.add",
            object_type="sharing.peer", object_id=str(made.pk), object_repr=name,
            details={"api_root_url": address, "direction": "pull", "widest_tlp": "green"})
        return made.pk

    both = peer("both", f"https://svc-user:{ESCAPED}@north.example:8443/taxii2/api/")
    only_user = peer("only-user", "https://svc-user@north.example/taxii2/api/")
    only_password = peer("only-password", f"https://:{ESCAPED}@north.example/taxii2/api/")
    stored = peer("stored", f"https://svc-user:{ESCAPED}@north.example/taxii2/api/",
                  username="kept.user", token_sealed=seal("kept-token"))
    ipv6 = peer("ipv6", f"http://svc-user:{ESCAPED}@[::1]:8000/taxii2/api/")
    clean = peer("clean", "https://north.example/taxii2/api/@mentions/", username="bot")

    apps = _migrate(AFTER)

    migrated = {row.pk: row for row in apps.get_model("sharing", "Peer").objects.all()}
    assert migrated[both].api_root_url == "https://north.example:8443/taxii2/api/"
    assert migrated[both].username == "svc-user"
    assert unseal(migrated[both].token_sealed) == PASSWORD
    assert (migrated[only_user].api_root_url, migrated[only_user].username,
            migrated[only_user].token_sealed) == ("https://north.example/taxii2/api/",
                                                  "svc-user", "")
    assert migrated[only_password].api_root_url == "https://north.example/taxii2/api/"
    assert migrated[only_password].username == ""
    assert unseal(migrated[only_password].token_sealed) == PASSWORD
    # Already stored: kept, and the address's dropped.
    assert migrated[stored].api_root_url == "https://north.example/taxii2/api/"
    assert migrated[stored].username == "kept.user"
    assert unseal(migrated[stored].token_sealed) == "kept-token"
    assert migrated[ipv6].api_root_url == "http://[::1]:8000/taxii2/api/"
    assert migrated[ipv6].username == "svc-user"
    # An "@" outside the authority is no credential.
    assert (migrated[clean].api_root_url, migrated[clean].username, migrated[clean].token_sealed
            ) == ("https://north.example/taxii2/api/@mentions/", "bot", "")

    entries = apps.get_model("core", "AuditEntry").objects
    moves = {int(entry.object_id): entry for entry in
             entries.filter(action="federation.peer.credentials_moved")}
    assert set(moves) == {both, only_user, only_password, stored, ipv6}
    assert moves[both].details["moved"] == ["username", "password"]
    assert moves[both].details["dropped"] == []
    assert moves[stored].details["moved"] == []
    assert moves[stored].details["dropped"] == ["username", "password"]
    assert moves[both].details["api_root_url"] == "https://north.example:8443/taxii2/api/"
    assert moves[both].surface == "system" and moves[both].actor_id is None
    # The addresses the log recorded earlier lose their credentials too.
    assert moves[both].details["redacted_entries"] == 1
    registered = entries.get(action="federation.peer.add", object_id=str(both))
    assert registered.details["api_root_url"] == "https://north.example:8443/taxii2/api/"
    # No secret anywhere in the log, nor printed.
    logged = json.dumps(list(entries.values_list("details", flat=True)))
    assert ESCAPED not in logged and PASSWORD not in logged and "kept-token" not in logged
    printed = capsys.readouterr()
    assert ESCAPED not in printed.out + printed.err and PASSWORD not in printed.out + printed.err


@pytest.mark.django_db(transaction=True)
def test_a_peer_with_credentials_in_its_address_is_shown_without_them_after_the_migration(
        before_migration: Any, client_for: Any) -> None:
    from civicshield.core.choices import Role
    from tests.factories import make_user

    before_migration.get_model("sharing", "Peer").objects.create(
        name="legacy", api_root_url=f"https://svc-user:{ESCAPED}@north.example/taxii2/api/",
        collection_id=COLLECTION)

    _migrate(AFTER)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    client = client_for(make_user(Role.COORDINATOR))
    listing = client.get("/app/sharing/peers/").content.decode()
    assert "https://north.example/taxii2/api/" in listing
    assert ESCAPED not in listing and "svc-user:" not in listing
    from civicshield.sharing.federation.models import Peer

    legacy = Peer.objects.get(name="legacy")
    edit = client.get(f"/app/sharing/peers/{legacy.pk}/edit/").content.decode()
    assert ESCAPED not in edit and "svc-user" in edit  # now in the Username field


@pytest.mark.django_db(transaction=True)
def test_errors_that_quote_a_moved_peers_old_address_lose_its_credentials(
        before_error_redaction: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from django.utils import timezone

    Peer = before_error_redaction.get_model("sharing", "Peer")
    AuditEntry = before_error_redaction.get_model("core", "AuditEntry")
    TaskResult = before_error_redaction.get_model("django_tasks_database", "DBTaskResult")
    # As `requests` words it (the port is out of range), then as a sync recorded it.
    quoted = (f"InvalidURL: Failed to parse: https://svc-user:{ESCAPED}@north.example:99999"
              f"/taxii2/api/collections/{COLLECTION}/objects/")
    unescaped = "ConnectionError: http://svc-user:p@ss@north.example/taxii2/api/ refused"
    error = f"peer unavailable: {quoted}"

    def peer(name: str, *, moved: bool) -> Any:
        made = Peer.objects.create(name=name, api_root_url="https://north.example:99999/"
                                   "taxii2/api/", collection_id=COLLECTION,
                                   last_error=error[:2000])
        if moved:  # as sharing 0010 recorded it
            AuditEntry.objects.create(
                actor_label="system", surface="system",
                action="federation.peer.credentials_moved", object_type="sharing.peer",
                object_id=str(made.pk), object_repr=name,
                details={"api_root_url": made.api_root_url, "moved": ["username", "password"],
                         "dropped": []})
        for action, text in (("federation.pull", error), ("federation.push", unescaped)):
            AuditEntry.objects.create(
                actor_label="system", surface="system", action=action,
                object_type="sharing.peer", object_id=str(made.pk), object_repr=name,
                details={"peer": name, "direction": action.rpartition(".")[2], "pages": 2,
                         "objects": 7, "error": text})
        TaskResult.objects.create(
            status="SUCCESSFUL", args_kwargs={"args": [made.pk, True, True], "kwargs": {}},
            task_path="civicshield.sharing.federation.tasks.sync_peer_task",
            queue_name="federation", backend_name="default", run_after=timezone.now(),
            return_value=[{"peer": name, "error": error}], exception_class_path="",
            traceback="")
        TaskResult.objects.create(
            status="FAILED", args_kwargs={"args": [], "kwargs": {"peer_id": made.pk}},
            task_path="civicshield.sharing.federation.tasks.sync_peer_task",
            queue_name="federation", backend_name="default", run_after=timezone.now(),
            return_value=None, exception_class_path="builtins.RuntimeError",
            traceback=f"Traceback (most recent call last):\nRuntimeError: {quoted}\n")
        return made.pk

    moved = peer("moved", moved=True)
    untouched = peer("never-moved", moved=False)

    apps = _migrate(AFTER_ERROR_REDACTION)

    host = (f"https://north.example:99999/taxii2/api/collections/{COLLECTION}/objects/")
    peers = {row.pk: row for row in apps.get_model("sharing", "Peer").objects.all()}
    assert peers[moved].last_error == f"peer unavailable: InvalidURL: Failed to parse: {host}"
    entries = apps.get_model("core", "AuditEntry").objects.filter(
        action__in=["federation.pull", "federation.push"])
    syncs = {(int(entry.object_id), entry.action): entry.details for entry in entries}
    assert syncs[moved, "federation.pull"] == {
        "peer": "moved", "direction": "pull", "pages": 2, "objects": 7,
        "error": f"peer unavailable: InvalidURL: Failed to parse: {host}",
        "error_credentials_removed": True}
    assert syncs[moved, "federation.push"]["error"] == (
        "ConnectionError: http://north.example/taxii2/api/ refused")
    results = apps.get_model("django_tasks_database", "DBTaskResult").objects
    stored = json.dumps([[row.return_value, row.traceback] for row in results.all()
                         if moved in [*row.args_kwargs["args"][:1],
                                      row.args_kwargs["kwargs"].get("peer_id")]])
    assert host in stored
    # Only the peers sharing 0010 recorded: another peer's texts are left as they were.
    assert peers[untouched].last_error == error
    assert syncs[untouched, "federation.pull"]["error"] == error
    assert "error_credentials_removed" not in syncs[untouched, "federation.pull"]
    # No credential left in what concerns the moved peer, nor printed.
    texts = json.dumps([peers[moved].last_error, syncs[moved, "federation.pull"],
                        syncs[moved, "federation.push"]]) + stored
    for secret in ("svc-user", ESCAPED, "p@ss"):
        assert secret not in texts
    printed = capsys.readouterr()
    assert ESCAPED not in printed.out + printed.err
