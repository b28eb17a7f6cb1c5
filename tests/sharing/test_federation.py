"""Federation between two instances on loopback: the remote peer is a second Civic Shield
(`civicshield up` in a subprocess with its own data directory); the local instance is the
test database."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from taxii2client.v21 import Collection

from civicshield.core.authz import OPERATOR
from civicshield.core.choices import Role
from civicshield.core.markings import TLP
from civicshield.core.models import AuditEntry
from civicshield.reports.models import Report
from civicshield.sharing.federation.client import PeerUnavailable
from civicshield.sharing.federation.models import Peer, ReceivedFromPeer
from civicshield.sharing.federation.secrets import unseal
from civicshield.sharing.federation.services import create_peer, pull_from_peer, push_to_peer
from civicshield.sharing.models import StixObject
from civicshield.sharing.stix.ids import collection_id
from tests.factories import make_organisation, make_user
from tests.report_factories import make_group, make_report

CIVICSHIELD = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "civicshield"
MARKING = {
    TLP.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    TLP.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    TLP.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    TLP.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
COMMUNITY = collection_id("community")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Remote:
    def __init__(self, url: str, username: str, token: str) -> None:
        self.url, self.username, self.token = url, username, token

    @property
    def api_root(self) -> str:
        return f"{self.url}/taxii2/api/"

    def collection(self, identifier: str = COMMUNITY) -> Collection:
        return Collection(f"{self.api_root}collections/{identifier}/",
                          user=self.username, password=self.token)

    def ids(self, identifier: str = COMMUNITY) -> set[str]:
        envelope = self.collection(identifier).get_objects(limit=10_000)
        return {body["id"] for body in envelope.get("objects", [])}


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Remote]:
    data_dir = tmp_path_factory.mktemp("peer")
    environment = {name: value for name, value in os.environ.items()
                   if not name.startswith("CIVICSHIELD_") and name != "DATABASE_URL"}
    environment["CIVICSHIELD_DATA_DIR"] = str(data_dir)

    def run(*args: str, stdin: str = "") -> str:
        return subprocess.run([str(CIVICSHIELD), *args], env=environment, cwd=data_dir,
                              input=stdin, capture_output=True, text=True, timeout=120,
                              check=True).stdout

    port = _free_port()
    log = (data_dir / "up.log").open("w")
    process = subprocess.Popen(
        [str(CIVICSHIELD), "up", "--no-demo", "--no-worker", "--port", str(port)],
        env=environment, cwd=data_dir, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/taxii2/", timeout=2):
                    break
            except urllib.error.HTTPError:
                break  # answering (401/406): up
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError((data_dir / "up.log").read_text()) from None
                time.sleep(0.25)
        run("org", "add", "peer-b", "--name", "Peer B election body",
            "--sector", "election_management_body", "--country", "Veridia")
        run("user", "add", "peer.analyst", "--org", "peer-b", "--role", "analyst",
            stdin="a-long-password-for-the-peer-1234\n")
        token = run("token", "issue", "peer.analyst", "--label", "federation").splitlines()[-1]
        yield Remote(url, "peer.analyst", token.strip())
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _report_bundle(tlp: str, title: str) -> dict[str, Any]:
    """A report with one domain, marked `tlp`, as another instance would create it."""
    domain = {"type": "domain-name", "spec_version": "2.1",
              "id": f"domain-name--{uuid.uuid4()}", "value": f"{uuid.uuid4().hex[:10]}.example",
              "object_marking_refs": [MARKING[tlp]]}
    report = {"type": "report", "spec_version": "2.1", "id": f"report--{uuid.uuid4()}",
              "created": "2025-03-01T10:00:00.000Z", "modified": "2025-03-01T10:00:00.000Z",
              "published": "2025-03-01T10:00:00.000Z", "name": title,
              "report_types": ["threat-report"], "object_refs": [domain["id"]],
              "object_marking_refs": [MARKING[tlp]]}
    return {"objects": [domain, report]}


@pytest.fixture
def owner() -> Any:
    return make_organisation(slug="local-coordination")


def _peer(remote: Remote, owner: Any, *, direction: str = "both", url: str = "",
          name: str = "peer-b") -> Peer:
    return create_peer(actor=OPERATOR, name=name, api_root_url=url or remote.api_root,
                       collection_id=COMMUNITY, token=remote.token, username=remote.username,
                       direction=direction, organisation=owner, region="North")


@pytest.mark.django_db(transaction=True)
def test_pull_brings_a_green_report_with_its_marking_and_provenance(
        remote: Remote, owner: Any) -> None:
    bundle = _report_bundle(TLP.GREEN, "Fake polling-station closures")
    remote.collection().add_objects(bundle)
    report_id = bundle["objects"][1]["id"]
    peer = _peer(remote, owner)
    assert peer.token_sealed and remote.token not in peer.token_sealed
    assert unseal(peer.token_sealed) == remote.token

    result = pull_from_peer(peer.pk, backoff=0)

    assert result.error == ""
    held = StixObject.objects.get(stix_id=report_id)
    assert held.tlp == TLP.GREEN and held.report is not None
    assert held.report.title == "Fake polling-station closures"
    assert held.report.tlp == TLP.GREEN
    assert ReceivedFromPeer.objects.filter(peer=peer, stix_id=report_id).exists()
    peer.refresh_from_db()
    assert peer.pull_cursor and peer.last_pull_at and peer.last_error == ""
    assert AuditEntry.objects.filter(action="federation.pull").count() == 1

    # Pulling again brings nothing new and duplicates nothing.
    again = pull_from_peer(peer.pk, backoff=0)
    assert again.objects == 0
    assert Report.objects.filter(title="Fake polling-station closures").count() == 1


@pytest.mark.django_db(transaction=True)
def test_red_and_amber_strict_never_cross_either_way(remote: Remote, owner: Any) -> None:
    # Pull: even a peer that serves them (here posted to its organisation's collection and
    # read from there) sees them refused by the GREEN ceiling.
    red = _report_bundle(TLP.RED, "Named informant")
    strict = _report_bundle(TLP.AMBER_STRICT, "Strict report")
    remote.collection().add_objects(red)
    remote.collection().add_objects(strict)
    peer = _peer(remote, owner)
    pull_from_peer(peer.pk, backoff=0)
    for bundle in (red, strict):
        assert not StixObject.objects.filter(
            stix_id__in=[body["id"] for body in bundle["objects"]]).exists()

    # Push: only GREEN (and CLEAR) leaves; RED and AMBER+STRICT stay.
    green = make_report(tlp=TLP.GREEN, owner=owner, title="Green leaves")
    make_report(tlp=TLP.RED, owner=owner, title="Red stays")
    make_report(tlp=TLP.AMBER_STRICT, owner=owner, title="Strict stays")
    make_report(tlp=TLP.AMBER, owner=owner, title="Amber stays")
    result = push_to_peer(peer.pk, backoff=0)
    assert result.error == "", result.error
    sent_reports = {sid for sid in result.sent_ids if sid.startswith("report--")}
    assert len(sent_reports) == 1
    sent = remote.ids()
    assert sent_reports <= sent
    titles = {body.get("name") for body in
              remote.collection().get_objects(limit=10_000, type=["report"])["objects"]}
    assert green.title in titles
    assert not titles & {"Red stays", "Strict stays", "Amber stays"}
    assert AuditEntry.objects.filter(action="federation.push").count() == 1


@pytest.mark.django_db(transaction=True)
def test_amber_is_not_pushed_even_to_a_peer_agreed_for_amber(remote: Remote, owner: Any) -> None:
    # TLP 2.0: a recipient may not add recipients to AMBER; our collections hold AMBER other
    # organisations addressed to local audiences, so it never leaves for a peer.
    peer = create_peer(actor=OPERATOR, name="peer-amber", api_root_url=remote.api_root,
                       collection_id=COMMUNITY, token=remote.token, username=remote.username,
                       direction="push", organisation=owner, widest_tlp=TLP.AMBER)
    partner = make_organisation(slug="amber-partner")
    green = make_report(tlp=TLP.GREEN, owner=owner, title="Green for the region")
    make_report(tlp=TLP.AMBER, owner=partner, organisations=[owner],
                title="Partner's amber for us")
    make_report(tlp=TLP.AMBER, owner=owner, title="Our own amber")

    result = push_to_peer(peer.pk, backoff=0)

    assert result.error == "", result.error
    # What was sent, not what the peer shows: it would file AMBER out of this collection.
    assert len([sid for sid in result.sent_ids if sid.startswith("report--")]) == 1
    titles = {body.get("name") for body in
              remote.collection().get_objects(limit=10_000, type=["report"])["objects"]}
    assert green.title in titles


@pytest.mark.django_db(transaction=True)
def test_amber_its_originator_addressed_to_the_peers_amber_group_is_pushed_and_no_other(
        remote: Remote, owner: Any) -> None:
    from civicshield.sharing.models import TaxiiEntry

    group = make_group(owner, slug="north-partners")
    peer = create_peer(actor=OPERATOR, name="peer-amber-group", api_root_url=remote.api_root,
                       collection_id=COMMUNITY, token=remote.token, username=remote.username,
                       direction="push", organisation=owner, widest_tlp=TLP.AMBER,
                       amber_group=group)
    originator = make_organisation(slug="amber-originator")
    addressed = make_report(tlp=TLP.AMBER, owner=originator, groups=[group],
                            title="Amber addressed to the peer's group")
    make_report(tlp=TLP.AMBER, owner=originator, groups=[make_group(owner)],
                title="Amber for another group")
    make_report(tlp=TLP.AMBER_STRICT, owner=originator, groups=[group],
                title="Strict for the peer's group")
    make_report(tlp=TLP.AMBER, owner=originator, organisations=[owner],
                title="Amber for an organisation")
    result = push_to_peer(peer.pk, backoff=0)

    assert result.error == "", result.error
    sent_reports = {stix_id for stix_id in result.sent_ids if stix_id.startswith("report--")}
    assert sent_reports == set(TaxiiEntry.objects.filter(
        source_report=addressed, type="report").values_list("stix_id", flat=True))
    # It arrived, marked AMBER: the peer files it for the account that sent it.
    served = remote.collection(_organisation_collection(remote)).get_objects(
        limit=10_000, type=["report"])["objects"]
    arrived = [body for body in served if body.get("name") == addressed.title]
    assert arrived and arrived[0]["object_marking_refs"] == [MARKING[TLP.AMBER]]
    assert not {body.get("name") for body in served} & {
        "Amber for another group", "Strict for the peer's group", "Amber for an organisation"}
    # (Received AMBER, even filed in the group here: test_amber_received_then_readdressed…)


def test_an_amber_group_needs_a_peer_agreed_for_amber(owner: Any) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        create_peer(actor=OPERATOR, name="peer-green-only", api_root_url=NORTH,
                    collection_id=COMMUNITY, organisation=owner, widest_tlp=TLP.GREEN,
                    amber_group=make_group(owner))

    assert "amber_group" in refused.value.message_dict
    assert not Peer.objects.filter(name="peer-green-only").exists()


@pytest.mark.django_db(transaction=True)
def test_a_peer_outage_is_recorded_then_recovery_loses_and_duplicates_nothing(
        remote: Remote, owner: Any) -> None:
    first = _report_bundle(TLP.GREEN, "Before the outage")
    remote.collection().add_objects(first)
    dead = f"http://127.0.0.1:{_free_port()}/taxii2/api/"
    peer = _peer(remote, owner, url=dead, name="peer-b-down")
    slept: list[float] = []

    with pytest.raises(PeerUnavailable):
        pull_from_peer(peer.pk, attempts=3, backoff=1.0, sleep=slept.append)

    assert slept == [1.0, 2.0]  # exponential backoff between attempts
    peer.refresh_from_db()
    assert "unavailable" in peer.last_error and peer.consecutive_failures == 1
    assert peer.pull_cursor == ""
    from civicshield.sharing.federation.tasks import backoff_for

    assert backoff_for(1) < backoff_for(3)

    # The peer is back; something else was added meanwhile.
    second = _report_bundle(TLP.GREEN, "During the outage")
    remote.collection().add_objects(second)
    Peer.objects.filter(pk=peer.pk).update(api_root_url=remote.api_root)
    result = pull_from_peer(peer.pk, backoff=0)
    assert result.error == ""
    peer.refresh_from_db()
    assert peer.last_error == "" and peer.consecutive_failures == 0
    for title in ("Before the outage", "During the outage"):
        assert Report.objects.filter(title=title).count() == 1

    # Resuming from an older cursor (a crash before it was saved) duplicates nothing.
    Peer.objects.filter(pk=peer.pk).update(pull_cursor="")
    pull_from_peer(peer.pk, backoff=0)
    for title in ("Before the outage", "During the outage"):
        assert Report.objects.filter(title=title).count() == 1


@pytest.mark.django_db(transaction=True)
def test_what_came_from_a_peer_is_never_pushed_back_to_it(
        remote: Remote, owner: Any) -> None:
    bundle = _report_bundle(TLP.GREEN, "Came from the peer")
    remote.collection().add_objects(bundle)
    peer = _peer(remote, owner)
    pull_from_peer(peer.pk, backoff=0)
    received = {body["id"] for body in bundle["objects"]}
    assert set(ReceivedFromPeer.objects.filter(peer=peer).values_list(
        "stix_id", flat=True)) >= received

    ours = make_report(tlp=TLP.GREEN, owner=owner, title="Ours to share")
    result = push_to_peer(peer.pk, backoff=0)

    assert result.error == "", result.error
    assert not received & set(result.sent_ids)
    assert any(sid.startswith("report--") for sid in result.sent_ids)
    assert ours.title in {body.get("name") for body in remote.collection().get_objects(
        limit=10_000, type=["report"])["objects"]}


@pytest.mark.django_db
def test_the_peers_page_lists_and_adds_peers_for_the_coordinator_only(client_for: Any) -> None:
    from civicshield.core.choices import Role
    from tests.factories import make_user

    client = client_for(make_user(Role.COORDINATOR))
    response = client.post("/app/sharing/peers/new/", {
        "name": "north", "region": "North", "api_root_url": "https://north.example/taxii2/api/",
        "collection_id": COMMUNITY, "token": "secret-token-value", "direction": "pull",
        "widest_tlp": TLP.GREEN})
    assert response.status_code == 302 and response["Location"] == "/app/sharing/peers/"
    listing = client.get("/app/sharing/peers/")
    assert listing.status_code == 200, listing
    page = listing.content.decode()
    assert "north" in page and "https://north.example/taxii2/api/" in page
    assert "secret-token-value" not in page
    assert "secret-token-value" not in Peer.objects.get(name="north").token_sealed

    analyst = client_for(make_user(Role.ANALYST))
    assert analyst.get("/app/sharing/peers/").status_code == 403


# --- Schedule: each active peer keeps one pending sync, with no cron ------------------------

NORTH = "https://north.example/taxii2/api/"


def _waiting(peer: Peer) -> list[Any]:
    """The peer's syncs waiting in the database queue, read from the queue's own table."""
    from django_tasks_db.models import DBTaskResult

    from civicshield.sharing.federation.tasks import sync_peer_task

    rows = DBTaskResult.objects.filter(status="READY", task_path=sync_peer_task.module_path)
    return [row for row in rows if row.args_kwargs["args"][:1] == [peer.pk]]


def _registered(name: str, *, active: bool = True, url: str = NORTH) -> Peer:
    """A peer as it stands in the registry, with nothing queued for it yet."""
    return Peer.objects.create(name=name, api_root_url=url, collection_id=COMMUNITY,
                               active=active)


def _run_worker() -> None:
    """What `civicshield worker --batch` runs: every task due now, then exit (a sync queued
    for later stays). The worker's connection clean-up would close the test's own
    connection on PostgreSQL, so it is kept open."""
    from unittest import mock

    from django.core.management import call_command

    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        call_command("db_worker", batch=True, queue_name="*", startup_delay=False, verbosity=0)


def _dead_url() -> str:
    return f"http://127.0.0.1:{_free_port()}/taxii2/api/"


def test_a_starting_worker_queues_one_sync_per_active_peer_and_never_a_second() -> None:
    from unittest import mock

    from django.core.management import call_command

    north, south = _registered("north"), _registered("south")
    dormant = _registered("dormant", active=False)

    with mock.patch("civicshield.core.management.commands.worker.call_command") as db_worker:
        call_command("worker", batch=True, verbosity=0)
    db_worker.assert_called_once()  # then it runs the queue
    assert [len(_waiting(peer)) for peer in (north, south, dormant)] == [1, 1, 0]

    # A restart, or any other caller, finds them queued and adds nothing.
    with mock.patch("civicshield.core.management.commands.worker.call_command"):
        call_command("worker", batch=True, verbosity=0)
    from civicshield.sharing.federation.tasks import ensure_scheduled

    assert ensure_scheduled() == 0
    assert [len(_waiting(peer)) for peer in (north, south, dormant)] == [1, 1, 0]



@pytest.mark.django_db(transaction=True)
def test_two_workers_starting_at_once_queue_one_sync_for_a_peer() -> None:
    import threading

    from django.db import connection, transaction

    from civicshield.sharing.federation.tasks import ensure_scheduled

    if connection.vendor != "postgresql":
        pytest.skip("the in-memory SQLite test database fails on a held lock instead of "
                    "waiting; a file database queues writers at BEGIN IMMEDIATE")
    peer = _registered("north")
    other: list[int] = []

    def second_worker() -> None:
        try:
            other.append(ensure_scheduled())
        finally:
            connection.close()

    with transaction.atomic():
        assert ensure_scheduled() == 1
        racing = threading.Thread(target=second_worker)
        racing.start()
        racing.join(timeout=1.0)
        assert racing.is_alive()  # waiting on the peer's row until the first one commits
    racing.join(timeout=30)

    assert other == [0]
    assert len(_waiting(peer)) == 1

def test_registering_an_active_peer_queues_its_first_sync_once(owner: Any) -> None:
    from civicshield.sharing.federation.tasks import ensure_scheduled

    peer = create_peer(actor=OPERATOR, name="north", api_root_url=NORTH,
                       collection_id=COMMUNITY, organisation=owner)
    resting = create_peer(actor=OPERATOR, name="resting", api_root_url=NORTH,
                          collection_id=COMMUNITY, organisation=owner, active=False)

    assert len(_waiting(peer)) == 1 and _waiting(resting) == []
    assert ensure_scheduled() == 0
    assert len(_waiting(peer)) == 1


@pytest.mark.django_db(transaction=True)
def test_a_sync_schedules_the_peers_next_sync_one_interval_later(
        remote: Remote, owner: Any, settings: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    settings.CIVICSHIELD_FEDERATION_INTERVAL = 600
    remote.collection().add_objects(_report_bundle(TLP.GREEN, "Scheduled pull"))
    peer = _peer(remote, owner, direction="pull", name="peer-b-scheduled")
    [first] = _waiting(peer)
    before = timezone.now()

    _run_worker()

    after = timezone.now()
    first.refresh_from_db()
    assert first.status == "SUCCESSFUL", first.traceback
    assert Report.objects.filter(title="Scheduled pull").count() == 1
    [following] = _waiting(peer)
    assert following.pk != first.pk
    assert before + timedelta(seconds=600) <= following.run_after <= after + timedelta(seconds=600)


def test_an_unavailable_peer_is_retried_after_the_backoff_not_the_interval(
        owner: Any, settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import timedelta
    from functools import partial

    from django.utils import timezone

    from civicshield.sharing.federation import services

    settings.CIVICSHIELD_FEDERATION_INTERVAL = 3600
    monkeypatch.setattr(services, "sync_peer", partial(services.sync_peer, backoff=0))
    peer = create_peer(actor=OPERATOR, name="down", api_root_url=_dead_url(),
                       collection_id=COMMUNITY, organisation=owner)
    before = timezone.now()

    _run_worker()

    peer.refresh_from_db()
    assert peer.consecutive_failures == 1 and "unavailable" in peer.last_error
    [retry] = _waiting(peer)
    assert before + timedelta(minutes=1) <= retry.run_after \
        <= timezone.now() + timedelta(minutes=1)


def test_a_deactivated_peers_pending_sync_contacts_nothing_and_ends_its_chain(
        owner: Any) -> None:
    from civicshield.sharing.federation.services import update_peer

    peer = create_peer(actor=OPERATOR, name="leaving", api_root_url=_dead_url(),
                       collection_id=COMMUNITY, organisation=owner)
    [pending] = _waiting(peer)
    fields = {"name": peer.name, "api_root_url": peer.api_root_url,
              "collection_id": peer.collection_id, "direction": peer.direction,
              "widest_tlp": peer.widest_tlp}
    update_peer(actor=OPERATOR, peer_id=peer.pk, active=False, **fields)

    _run_worker()

    pending.refresh_from_db()
    assert pending.status == "SUCCESSFUL" and pending.return_value == []
    assert _waiting(peer) == []
    peer.refresh_from_db()
    assert peer.last_error == "" and peer.consecutive_failures == 0  # never contacted

    # Re-activated: its chain starts again, once.
    update_peer(actor=OPERATOR, peer_id=peer.pk, active=True, **fields)
    update_peer(actor=OPERATOR, peer_id=peer.pk, active=True, **fields)
    assert len(_waiting(peer)) == 1


# --- The peers page: edit and "Sync now" ----------------------------------------------------


def _edit_form(peer: Peer, **changes: Any) -> dict[str, Any]:
    form = {"name": peer.name, "region": peer.region, "api_root_url": peer.api_root_url,
            "collection_id": peer.collection_id, "username": peer.username, "token": "",
            "direction": peer.direction, "widest_tlp": peer.widest_tlp, "active": "on"}
    form.update(changes)
    return {name: value for name, value in form.items() if value is not None}


def test_editing_a_peer_changes_it_and_audits_it_and_a_blank_token_keeps_the_stored_one(
        client_for: Any, owner: Any) -> None:
    from civicshield.core.choices import Role
    from tests.factories import make_user

    peer = create_peer(actor=OPERATOR, name="north", api_root_url=NORTH,
                       collection_id=COMMUNITY, token="first-token-value",
                       username="north.bot", organisation=owner)
    Peer.objects.filter(pk=peer.pk).update(pull_cursor="2025-03-01T10:00:00.000000Z",
                                           push_cursor=42)
    client = client_for(make_user(Role.COORDINATOR))

    page = client.get(f"/app/sharing/peers/{peer.pk}/edit/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "north.bot" in body and NORTH in body
    assert "first-token-value" not in body and peer.token_sealed not in body

    moved = str(uuid.uuid4())
    response = client.post(f"/app/sharing/peers/{peer.pk}/edit/", _edit_form(
        peer, name="north-2", region="North coast", api_root_url="https://n2.example/taxii2/api/",
        collection_id=moved, direction="both", widest_tlp=TLP.CLEAR))
    assert response.status_code == 302 and response["Location"] == "/app/sharing/peers/"

    peer.refresh_from_db()
    assert (peer.name, peer.region, peer.api_root_url, peer.collection_id, peer.direction,
            peer.widest_tlp, peer.active) == (
        "north-2", "North coast", "https://n2.example/taxii2/api/", moved, "both",
        TLP.CLEAR, True)
    assert unseal(peer.token_sealed) == "first-token-value"
    # Another address and collection: both cursors restart.
    assert peer.pull_cursor == "" and peer.push_cursor == 0
    [entry] = AuditEntry.objects.filter(action="federation.peer.update")
    assert set(entry.details["changed"]) == {
        "name", "region", "api_root_url", "collection_id", "direction", "widest_tlp"}
    assert entry.object_id == str(peer.pk) and entry.surface == "ui"

    client.post(f"/app/sharing/peers/{peer.pk}/edit/",
                _edit_form(peer, token="second-token-value"))
    peer.refresh_from_db()
    assert unseal(peer.token_sealed) == "second-token-value"
    latest = AuditEntry.objects.filter(action="federation.peer.update").order_by("-pk")[0]
    assert latest.details["changed"] == ["token"]
    assert "token-value" not in str(list(AuditEntry.objects.values_list("details", flat=True)))


def test_the_edit_form_sets_an_amber_group_and_the_list_says_so(
        client_for: Any, owner: Any) -> None:
    from civicshield.core.choices import Role
    from tests.factories import make_user

    peer = create_peer(actor=OPERATOR, name="north", api_root_url=NORTH,
                       collection_id=COMMUNITY, organisation=owner)
    group = make_group(owner, slug="north-partners")
    Peer.objects.filter(pk=peer.pk).update(push_cursor=42)
    client = client_for(make_user(Role.COORDINATOR))

    refused = client.post(f"/app/sharing/peers/{peer.pk}/edit/",
                          _edit_form(peer, amber_group=str(group.pk)))
    assert refused.status_code == 200 and "widest TLP is AMBER" in refused.content.decode()
    peer.refresh_from_db()
    assert peer.amber_group_id is None

    saved = client.post(f"/app/sharing/peers/{peer.pk}/edit/",
                        _edit_form(peer, amber_group=str(group.pk), widest_tlp=TLP.AMBER))
    assert saved.status_code == 302
    peer.refresh_from_db()
    assert peer.amber_group == group and peer.widest_tlp == TLP.AMBER
    assert peer.push_cursor == 0  # AMBER addressed to the group before now is sent too
    [entry] = AuditEntry.objects.filter(action="federation.peer.update")
    assert "amber_group_id" in entry.details["changed"]
    assert f"AMBER addressed to {group.name} is pushed" in client.get(
        "/app/sharing/peers/").content.decode()


def test_the_peer_page_shows_recent_syncs_with_every_reason_objects_were_left_out(
        client_for: Any, owner: Any) -> None:
    from civicshield.core.choices import Role
    from civicshield.sharing.federation import services
    from civicshield.sharing.federation.choices import SkipReason
    from tests.factories import make_user

    peer = create_peer(actor=OPERATOR, name="north", api_root_url=NORTH,
                       collection_id=COMMUNITY, organisation=owner)
    result = services.SyncResult(peer=peer.name, direction="pull", pages=2, objects=7)
    narrow_id = f"report--{uuid.uuid4()}"
    result.skip(narrow_id, SkipReason.NARROWER, "TLP:RED, narrower than TLP:GREEN")
    for _ in range(services.AUDIT_OBJECTS_PER_REASON + 5):
        result.skip(f"report--{uuid.uuid4()}", SkipReason.LOOP, "version 2025")
    services._record_outcome(peer, result, None, "federation.pull")
    coordinator = client_for(make_user(Role.COORDINATOR))

    listing = coordinator.get("/app/sharing/peers/").content.decode()
    assert f'href="/app/sharing/peers/{peer.pk}/"' in listing
    page = coordinator.get(f"/app/sharing/peers/{peer.pk}/")

    assert page.status_code == 200
    body = page.content.decode()
    assert "7 objects crossed (2 pages)" in body
    assert f"{SkipReason.NARROWER.label}: 1" in body and narrow_id in body
    assert "TLP:RED, narrower than TLP:GREEN" in body
    assert f"{SkipReason.LOOP.label}: {services.AUDIT_OBJECTS_PER_REASON + 5}" in body
    assert "and 5 more" in body
    analyst = client_for(make_user(Role.ANALYST, organisation=owner))
    assert analyst.get(f"/app/sharing/peers/{peer.pk}/").status_code == 403


def test_the_edit_form_refuses_an_address_other_than_http_and_changes_nothing(
        client_for: Any, owner: Any) -> None:
    from civicshield.core.choices import Role
    from tests.factories import make_user

    peer = create_peer(actor=OPERATOR, name="north", api_root_url=NORTH,
                       collection_id=COMMUNITY, organisation=owner)
    client = client_for(make_user(Role.COORDINATOR))

    for address in ("ftp://north.example/taxii2/api/", "file:///etc/passwd",
                    "javascript:alert(1)"):
        response = client.post(f"/app/sharing/peers/{peer.pk}/edit/",
                                _edit_form(peer, api_root_url=address))
        assert response.status_code == 200, address
        assert "errorlist" in response.content.decode()
    response = client.post(f"/app/sharing/peers/{peer.pk}/edit/",
                           _edit_form(peer, collection_id="not-a-uuid", widest_tlp=TLP.RED))
    assert response.status_code == 200
    peer.refresh_from_db()
    assert peer.api_root_url == NORTH and peer.widest_tlp == TLP.GREEN
    assert not AuditEntry.objects.filter(action="federation.peer.update").exists()


def test_an_address_with_a_user_name_or_password_in_it_is_refused_on_the_form_and_service(
        client_for: Any, owner: Any) -> None:
    from django.core.exceptions import ValidationError

    client = client_for(make_user(Role.COORDINATOR))
    with_password = "https://svc-user:Sup3rSecretPass@north.example/taxii2/api/"
    response = client.post("/app/sharing/peers/new/", {
        "name": "north", "api_root_url": with_password, "collection_id": COMMUNITY,
        "direction": "pull", "widest_tlp": TLP.GREEN})
    assert response.status_code == 200
    assert "enter them in the Username and API token fields" in response.content.decode()
    assert not Peer.objects.exists()

    peer = create_peer(actor=OPERATOR, name="north", api_root_url=NORTH,
                       collection_id=COMMUNITY, organisation=owner)
    response = client.post(f"/app/sharing/peers/{peer.pk}/edit/",
                           _edit_form(peer, api_root_url=with_password))
    assert response.status_code == 200
    assert "enter them in the Username and API token fields" in response.content.decode()
    peer.refresh_from_db()
    assert peer.api_root_url == NORTH

    for address in (with_password, "https://svc-user@north.example/taxii2/api/",
                    "https://:Sup3rSecretPass@north.example/taxii2/api/"):
        with pytest.raises(ValidationError) as refused:
            create_peer(actor=OPERATOR, name="south", api_root_url=address,
                        collection_id=COMMUNITY, organisation=owner)
        assert "api_root_url" in refused.value.message_dict, address
    assert "Sup3rSecretPass" not in client.get("/app/sharing/peers/").content.decode()
    assert not any("Sup3rSecretPass" in json.dumps(entry.details)
                   for entry in AuditEntry.objects.all())


def test_sync_now_queues_a_sync_due_at_once_beside_the_scheduled_one_and_only_once(
        client_for: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from civicshield.core.choices import Role
    from civicshield.sharing.federation.tasks import sync_peer_task
    from tests.factories import make_user

    peer = _registered("<b>north</b>")
    later = timezone.now() + timedelta(hours=1)
    sync_peer_task.using(run_after=later).enqueue(peer.pk, True, True)  # its periodic sync
    client = client_for(make_user(Role.COORDINATOR))
    listing = client.get("/app/sharing/peers/").content.decode()
    assert f'action="/app/sharing/peers/{peer.pk}/sync/"' in listing
    assert "&lt;b&gt;north&lt;/b&gt;" in listing and "<b>north</b>" not in listing

    response = client.post(f"/app/sharing/peers/{peer.pk}/sync/", follow=True)

    assert response.redirect_chain == [("/app/sharing/peers/", 302)]
    assert "is queued" in response.content.decode()
    due_now = [row for row in _waiting(peer) if row.run_after <= timezone.now()]
    assert len(due_now) == 1 and len(_waiting(peer)) == 2
    again = client.post(f"/app/sharing/peers/{peer.pk}/sync/", follow=True)
    assert "already queued" in again.content.decode()
    assert len(_waiting(peer)) == 2
    assert list(AuditEntry.objects.filter(action="federation.peer.sync_request")
                .order_by("pk").values_list("details", flat=True)) == [
        {"queued": True}, {"queued": False}]


def test_sync_now_refuses_an_inactive_peer(client_for: Any) -> None:
    from civicshield.core.choices import Role
    from tests.factories import make_user

    peer = _registered("dormant", active=False)
    client = client_for(make_user(Role.COORDINATOR))
    assert f"/app/sharing/peers/{peer.pk}/sync/" not in client.get(
        "/app/sharing/peers/").content.decode()

    response = client.post(f"/app/sharing/peers/{peer.pk}/sync/", follow=True)

    assert "inactive" in response.content.decode()
    assert _waiting(peer) == []
    assert not AuditEntry.objects.filter(action="federation.peer.sync_request").exists()


def _refused_to_all_but_peer_managers(client_for: Any, owner: Any, *, gets: list[str],
                                      posts: list[tuple[str, dict[str, Any]]]) -> None:
    """Anonymous visitors are sent to sign in, and every role without the right to manage
    peers, in the coordinating organisation or elsewhere, is refused (403)."""
    from django.test import Client

    from civicshield.core.choices import Role
    from tests.factories import make_user

    anonymous = Client()
    for url in gets:
        assert anonymous.get(url)["Location"].startswith("/accounts/login/")
    for url, data in posts:
        assert anonymous.post(url, data)["Location"].startswith("/accounts/login/")
    for role in (Role.ANALYST, Role.CONTRIBUTOR, Role.VIEWER, Role.PANEL):
        for organisation in (owner, None):
            client = client_for(make_user(role, organisation=organisation))
            for url in gets:
                assert client.get(url).status_code == 403
            for url, data in posts:
                assert client.post(url, data).status_code == 403


def test_only_peer_managers_may_edit_or_sync_a_peer(client_for: Any, owner: Any) -> None:

    from civicshield.core.choices import Role
    from civicshield.core.errors import PermissionDenied
    from civicshield.sharing.federation.services import request_sync, update_peer
    from tests.factories import make_user

    peer = _registered("north")
    edit, sync = f"/app/sharing/peers/{peer.pk}/edit/", f"/app/sharing/peers/{peer.pk}/sync/"
    change = _edit_form(peer, name="hijacked", api_root_url="https://attacker.example/")

    _refused_to_all_but_peer_managers(client_for, owner, gets=[edit],
                                      posts=[(edit, change), (sync, {})])
    analyst = make_user(Role.ANALYST, organisation=owner)
    with pytest.raises(PermissionDenied):
        update_peer(actor=analyst, peer_id=peer.pk, name="hijacked",
                    api_root_url="https://attacker.example/", collection_id=COMMUNITY,
                    direction="both", widest_tlp=TLP.CLEAR, active=True)
    with pytest.raises(PermissionDenied):
        request_sync(actor=analyst, peer_id=peer.pk)

    peer.refresh_from_db()
    assert peer.name == "north" and peer.api_root_url == NORTH
    assert _waiting(peer) == []
    assert not AuditEntry.objects.filter(action__startswith="federation.peer.").exists()

    coordinator = client_for(make_user(Role.COORDINATOR))
    assert coordinator.get("/app/sharing/peers/999999/edit/").status_code == 404
    assert coordinator.post("/app/sharing/peers/999999/sync/").status_code == 404
    assert coordinator.get(sync).status_code == 405  # a GET never queues anything


@pytest.mark.django_db
def test_a_report_received_from_a_peer_says_so_on_its_page(client_for: Any, owner: Any) -> None:
    peer = create_peer(actor=OPERATOR, name="peer-south", api_root_url=NORTH,
                       collection_id=COMMUNITY, direction="pull", organisation=owner,
                       region="South coast")
    received = make_report(tlp=TLP.GREEN, owner=owner, title="Received over federation")
    local = make_report(tlp=TLP.GREEN, owner=owner, title="Written here")
    stix_id = f"report--{uuid.uuid4()}"
    StixObject.objects.create(stix_id=stix_id, type="report", body="{}", tlp=TLP.GREEN,
                              owner_organisation=owner, report=received)
    ReceivedFromPeer.objects.create(peer=peer, stix_id=stix_id, version="")
    client = client_for(make_user(Role.ANALYST))

    page = client.get(f"/app/reports/{received.pk}/").content.decode()
    assert "Received from" in page and "federation peer peer-south (South coast)" in page
    assert "Received from" not in client.get(f"/app/reports/{local.pk}/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_an_unexpected_error_during_a_pull_is_recorded_and_audited_then_raised(
        remote: Remote, owner: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from civicshield.sharing.federation import services

    remote.collection().add_objects(_report_bundle(TLP.GREEN, "Arrives during a fault"))
    peer = _peer(remote, owner, name="peer-faulty")

    def broken_import(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_import_page", broken_import)
    with pytest.raises(RuntimeError):
        pull_from_peer(peer.pk, backoff=0)

    peer.refresh_from_db()
    assert peer.last_error == "RuntimeError: disk full" and peer.consecutive_failures == 1
    entry = AuditEntry.objects.get(action="federation.pull")
    assert entry.details["error"] == "RuntimeError: disk full"


@pytest.mark.django_db
def test_a_peer_edited_during_a_pull_keeps_its_reset_cursor(owner: Any) -> None:
    from civicshield.sharing.federation import services
    from civicshield.sharing.federation.services import FederationError, SyncResult

    peer = create_peer(actor=OPERATOR, name="peer-moving", api_root_url=NORTH,
                       collection_id=COMMUNITY, direction="pull", organisation=owner)
    running = Peer.objects.get(pk=peer.pk)  # what a sync in progress holds
    services.update_peer(actor=OPERATOR, peer_id=peer.pk, name=peer.name,
                         api_root_url="https://south.example/taxii2/api/",
                         collection_id=COMMUNITY, direction="pull",
                         widest_tlp=peer.widest_tlp, active=True)

    page = _report_bundle(TLP.GREEN, "From the old address")["objects"]
    with pytest.raises(FederationError):
        services._import_page(running, page, "2025-03-01T10:00:00.000000Z",
                              SyncResult(peer=running.name, direction="pull"))

    peer.refresh_from_db()
    assert peer.pull_cursor == "" and not StixObject.objects.exists()


# --- What a sync leaves out, and why -----------------------------------------------------


def _left_out(result: Any) -> dict[str, str]:
    """The objects a sync left out: STIX id -> reason."""
    return {item.stix_id: item.reason for item in result.skipped_objects}


def _organisation_collection(remote: Remote) -> str:
    """The peer organisation's own collection: where the peer serves what is marked for
    it alone (AMBER, AMBER+STRICT), unlike the community collection (GREEN)."""
    from taxii2client.v21 import ApiRoot

    root = ApiRoot(remote.api_root, user=remote.username, password=remote.token)
    return next(collection.id for collection in root.collections
                if collection.title.startswith("Organisation:"))


@pytest.mark.django_db(transaction=True)
def test_a_pull_lists_each_object_it_left_out_by_id_with_its_reason(
        remote: Remote, owner: Any) -> None:
    from civicshield.sharing.federation.choices import SkipReason
    from civicshield.sharing.models import TaxiiEntry
    from civicshield.sharing.stix.publish import sync_reports

    served = _organisation_collection(remote)
    strict = _report_bundle(TLP.AMBER_STRICT, "Strict at the peer")
    arrives = _report_bundle(TLP.AMBER, "Amber for us from the peer")
    # Ours, as if it had reached the peer before (pushed earlier, or forwarded to it).
    ours = make_report(tlp=TLP.AMBER, owner=owner, title="Ours, served back by the peer")
    sync_reports()
    entries = TaxiiEntry.objects.filter(source_report=ours)
    our_report = entries.get(type="report")
    sent = {"objects": list({entry.stix_id: json.loads(entry.body) for entry in entries}.values())}
    for bundle in (strict, arrives, sent):
        remote.collection(served).add_objects(bundle)
    peer = create_peer(actor=OPERATOR, name="peer-reasons", api_root_url=remote.api_root,
                       collection_id=served, token=remote.token, username=remote.username,
                       direction="pull", organisation=owner, widest_tlp=TLP.AMBER)

    result = pull_from_peer(peer.pk, backoff=0)

    assert result.error == "", result.error
    left_out = _left_out(result)
    assert left_out[our_report.stix_id] == SkipReason.LOOP
    for body in strict["objects"]:
        assert left_out[body["id"]] == SkipReason.NARROWER
    assert not {body["id"] for body in arrives["objects"]} & set(left_out)
    narrower = next(item for item in result.skipped_objects
                    if item.stix_id == strict["objects"][1]["id"])
    assert narrower.detail == "TLP:AMBER+STRICT, narrower than TLP:AMBER"
    # (The peer is shared by this module's tests: judge only this test's objects.)
    mine = {body["id"] for bundle in (strict, arrives, sent) for body in bundle["objects"]}
    assert not set(result.rejected) & mine
    assert Report.objects.filter(title=ours.title).count() == 1
    assert Report.objects.filter(title="Amber for us from the peer").count() == 1
    details = AuditEntry.objects.get(action="federation.pull").details
    assert details["skipped"] == result.skipped
    assert [item["id"] for item in details["skipped_objects"]["loop"]["objects"]] == [
        our_report.stix_id]
    assert {item["id"] for item in details["skipped_objects"]["narrower"]["objects"]} >= {
        body["id"] for body in strict["objects"]}


@pytest.mark.django_db(transaction=True)
def test_our_report_pushed_to_a_peer_and_served_back_is_not_imported_again(
        remote: Remote, owner: Any) -> None:
    from civicshield.sharing.federation.choices import SkipReason

    peer = _peer(remote, owner, name="peer-loop")
    ours = make_report(tlp=TLP.GREEN, owner=owner, title="Ours, sent and served back")
    pushed = push_to_peer(peer.pk, backoff=0)
    assert pushed.error == "", pushed.error
    our_ids = set(pushed.sent_ids)
    assert any(stix_id.startswith("report--") for stix_id in our_ids)

    result = pull_from_peer(peer.pk, backoff=0)

    assert result.error == "", result.error
    left_out = _left_out(result)
    assert {stix_id: left_out.get(stix_id) for stix_id in our_ids} == dict.fromkeys(
        our_ids, SkipReason.LOOP)
    assert Report.objects.filter(title=ours.title).count() == 1
    assert not ReceivedFromPeer.objects.filter(peer=peer, stix_id__in=our_ids).exists()


@pytest.mark.django_db(transaction=True)
def test_the_pull_audit_entry_lists_a_few_objects_per_reason_and_counts_the_rest(
        remote: Remote, owner: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from civicshield.sharing.federation import services

    monkeypatch.setattr(services, "AUDIT_OBJECTS_PER_REASON", 2)
    bundles = [_report_bundle(TLP.AMBER_STRICT, f"Strict {number}") for number in range(3)]
    served = _organisation_collection(remote)
    for bundle in bundles:
        remote.collection(served).add_objects(bundle)
    peer = create_peer(actor=OPERATOR, name="peer-many-refused", api_root_url=remote.api_root,
                       collection_id=served, token=remote.token, username=remote.username,
                       direction="pull", organisation=owner)

    result = pull_from_peer(peer.pk, backoff=0)

    assert result.error == "", result.error
    refused = [item.stix_id for item in result.skipped_objects if item.reason == "narrower"]
    # The result keeps every one; the audit entry two, and says how many more.
    assert {body["id"] for bundle in bundles for body in bundle["objects"]} <= set(refused)
    narrower = AuditEntry.objects.get(action="federation.pull").details["skipped_objects"][
        "narrower"]
    assert narrower["count"] == len(refused) >= 6
    assert [item["id"] for item in narrower["objects"]] == refused[:2]
    assert narrower["more"] == len(refused) - 2


def test_sync_details_keep_the_counts_and_at_most_n_objects_per_reason() -> None:
    from civicshield.sharing.federation.choices import SkipReason
    from civicshield.sharing.federation.services import SyncResult

    result = SyncResult(peer="peer-b", direction="pull", pages=1, objects=4)
    for number in range(5):
        result.skip(f"report--{number}", SkipReason.NARROWER, "TLP:RED, narrower than TLP:GREEN")
    result.skip("report--ours", SkipReason.LOOP, "version 2025-03-01T10:00:00.000000Z")
    result.skip("note--bad", SkipReason.INVALID, "object_refs: dangling reference")

    assert (result.skipped, result.rejected) == (6, ["note--bad"])
    assert result.as_dict(per_reason=2) == {
        "peer": "peer-b", "direction": "pull", "pages": 1, "objects": 4, "skipped": 6,
        "rejected": 1, "error": "",
        "skipped_objects": {
            "narrower": {"count": 5, "more": 3, "objects": [
                {"id": "report--0", "detail": "TLP:RED, narrower than TLP:GREEN"},
                {"id": "report--1", "detail": "TLP:RED, narrower than TLP:GREEN"}]},
            "loop": {"count": 1, "more": 0, "objects": [
                {"id": "report--ours", "detail": "version 2025-03-01T10:00:00.000000Z"}]},
            "invalid": {"count": 1, "more": 0, "objects": [
                {"id": "note--bad", "detail": "object_refs: dangling reference"}]},
        }}
    assert str(result.skipped_objects[-1]) == "note--bad: invalid: object_refs: dangling reference"


@pytest.mark.django_db
def test_objects_our_import_refuses_are_listed_with_the_problem(owner: Any) -> None:
    from civicshield.sharing.federation import services
    from civicshield.sharing.federation.choices import SkipReason
    from civicshield.sharing.federation.services import SyncResult

    peer = create_peer(actor=OPERATOR, name="peer-invalid", api_root_url=NORTH,
                       collection_id=COMMUNITY, direction="pull", organisation=owner)
    good = _report_bundle(TLP.GREEN, "Whole report")["objects"]
    undated = {**_report_bundle(TLP.GREEN, "Modified when?")["objects"][1],
               "object_refs": [good[0]["id"]], "modified": "last tuesday"}
    result = SyncResult(peer=peer.name, direction="pull")

    services._import_page(peer, [*good, undated, "not an object"],
                          "2025-03-01T10:00:00.000000Z", result)

    assert result.objects == 2
    invalid, malformed = result.skipped_objects[-1], result.skipped_objects[0]
    assert (invalid.stix_id, invalid.reason) == (undated["id"], SkipReason.INVALID)
    assert "RFC 3339" in invalid.detail  # the importer's own words
    assert (malformed.stix_id, malformed.reason, malformed.detail) == (
        "", SkipReason.MALFORMED, "object 4 of page 1")
    assert result.rejected == [undated["id"]] and result.skipped == 1


class ServingPeer:
    """Stands in for `PeerClient` (monkeypatched over `services.PeerClient`): serves `pages`
    one after the other as the peer's collection would, noting every request. The first
    `unavailable` requests fail as an outage; `on_request` runs at each request."""

    def __init__(self, pages: list[list[dict[str, Any]]], *, unavailable: int = 0,
                 on_request: Any = None) -> None:
        self.pages, self.unavailable, self.on_request = pages, unavailable, on_request
        self.cursors = [f"2025-03-01T10:00:{number:02d}.000000Z" for number in range(len(pages))]
        self.requests: list[dict[str, Any]] = []

    def __call__(self, _peer: Any) -> ServingPeer:
        return self

    def get_objects(self, *, added_after: str = "", limit: int = 1000) -> Any:
        from civicshield.sharing.federation.client import Page

        self.requests.append({"added_after": added_after, "limit": limit})
        if self.on_request is not None:
            self.on_request()
        if len(self.requests) <= self.unavailable:
            raise PeerUnavailable("HTTP 503 from the peer")
        number = self.cursors.index(added_after) + 1 if added_after else 0
        if number == len(self.pages):
            return Page(envelope={"more": False}, date_added_last="")
        return Page(envelope={"more": number + 1 < len(self.pages),
                              "objects": self.pages[number]},
                    date_added_last=self.cursors[number])


def _indicator_of_pattern(pattern: str) -> dict[str, Any]:
    return {**_indicator("unused.example", TLP.GREEN), "pattern": pattern}


def _two_addresses(number: int) -> str:
    """A pattern of more than one comparison: parsed by the import, within its budget."""
    return (f"[ipv4-addr:value = '198.51.100.{number}/32' OR "
            f"ipv4-addr:value = '203.0.113.{number}/32']")


def test_indicators_past_the_imports_pattern_budget_are_imported_not_passed_over(
        owner: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from civicshield.sharing.federation import services
    from civicshield.sharing.stix import validate

    indicators = [_indicator_of_pattern(_two_addresses(number)) for number in (1, 2, 3)]
    # Room for one such pattern per import: the other two are over the budget.
    monkeypatch.setattr(validate, "MAX_PARSED_PATTERN_CHARACTERS",
                        len(_two_addresses(1)) + 10)
    served = ServingPeer([indicators])
    monkeypatch.setattr(services, "PeerClient", served)
    peer = create_peer(actor=OPERATOR, name="peer-patterns", api_root_url=NORTH,
                       collection_id=COMMUNITY, direction="pull", organisation=owner)

    result = pull_from_peer(peer.pk, backoff=0)

    assert result.error == "" and result.skipped_objects == []
    assert result.objects == 3
    ids = [body["id"] for body in indicators]
    assert StixObject.objects.filter(stix_id__in=ids).count() == 3
    assert ReceivedFromPeer.objects.filter(peer=peer, stix_id__in=ids).count() == 3
    peer.refresh_from_db()
    assert peer.pull_cursor == served.cursors[0]
    assert len(served.requests) == 1  # the page was read once


def test_an_indicator_whose_pattern_alone_is_over_the_budget_is_refused_and_the_rest_kept(
        owner: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from civicshield.sharing.federation import services
    from civicshield.sharing.federation.choices import SkipReason
    from civicshield.sharing.stix import validate

    monkeypatch.setattr(validate, "MAX_PARSED_PATTERN_CHARACTERS",
                        len(_two_addresses(1)) + 10)
    too_long = _indicator_of_pattern(_two_addresses(9).replace(
        "]", " OR ipv4-addr:value = '192.0.2.9/32']"))
    fitting = [_indicator_of_pattern(_two_addresses(number)) for number in (1, 2)]
    served = ServingPeer([[too_long, *fitting]])
    monkeypatch.setattr(services, "PeerClient", served)
    peer = create_peer(actor=OPERATOR, name="peer-long-pattern", api_root_url=NORTH,
                       collection_id=COMMUNITY, direction="pull", organisation=owner)

    result = pull_from_peer(peer.pk, backoff=0)

    assert result.error == "" and result.objects == 2
    assert [(item.stix_id, item.reason) for item in result.skipped_objects] == [
        (too_long["id"], SkipReason.INVALID)]
    assert "smaller batches" in result.skipped_objects[0].detail  # the importer's words
    assert StixObject.objects.filter(
        stix_id__in=[body["id"] for body in fitting]).count() == 2
    peer.refresh_from_db()
    assert peer.pull_cursor == served.cursors[0]


def test_a_pulled_report_whose_objects_come_later_keeps_its_references_and_gains_them(
        owner: Any) -> None:
    # A peer's collection holds what its marking allows: the report's objects may be in
    # another collection or on a later page. The report is kept, and completed on arrival.
    from civicshield.sharing.federation import services
    from civicshield.sharing.federation.services import SyncResult
    from civicshield.sharing.models import UnresolvedReference

    peer = create_peer(actor=OPERATOR, name="peer-split", api_root_url=NORTH,
                       collection_id=COMMUNITY, direction="pull", organisation=owner)
    domain, report_body = _report_bundle(TLP.GREEN, "Its domain comes later")["objects"]
    result = SyncResult(peer=peer.name, direction="pull")

    services._import_page(peer, [report_body], "2025-03-01T10:00:00.000000Z", result)

    assert result.rejected == [] and result.objects == 1
    report = Report.objects.get(title="Its domain comes later")
    assert list(report.observables.all()) == []
    assert UnresolvedReference.objects.filter(stix_id=domain["id"]).count() == 1

    services._import_page(peer, [domain], "2025-03-01T10:00:01.000000Z", result)

    assert [observable.value for observable in report.observables.all()] == [domain["value"]]
    assert not UnresolvedReference.objects.exists()
    assert StixObject.objects.get(stix_id=report_body["id"]).body.count(domain["id"]) == 1


def test_a_report_imported_by_a_person_must_still_resolve_its_references(owner: Any) -> None:
    from civicshield.sharing.stix.import_ import InvalidStix, import_stix

    analyst = make_user(Role.ANALYST, organisation=owner)
    report_body = _report_bundle(TLP.GREEN, "Refers to nothing")["objects"][1]

    with pytest.raises(InvalidStix) as refused:
        import_stix(actor=analyst, document={"objects": [report_body]}, source="api")

    assert "dangling reference" in str(refused.value.problems)
    assert not Report.objects.filter(title="Refers to nothing").exists()


def test_objects_the_peer_refuses_on_push_are_listed_with_its_message() -> None:
    from civicshield.sharing.federation import services
    from civicshield.sharing.federation.choices import SkipReason
    from civicshield.sharing.federation.client import PeerRefused
    from civicshield.sharing.federation.services import SyncResult

    peer = create_peer(actor=OPERATOR, name="peer-b", api_root_url=NORTH,
                       collection_id=COMMUNITY, direction="push")
    objects = _report_bundle(TLP.GREEN, "Half refused")["objects"]
    refused_id = objects[1]["id"]

    class RefusingPeer:
        def __init__(self) -> None:
            self.calls = 0

        def add_objects(self, batch: list[dict[str, Any]]) -> None:
            self.calls += 1
            if any(body["id"] == refused_id for body in batch):
                raise PeerRefused("unprocessable", status=422, body={"details": {"errors": [
                    {"id": refused_id, "message": "object_refs: dangling reference"}]}})

    result = SyncResult(peer="peer-b", direction="push")
    services._send_chunk(peer, RefusingPeer(), objects, result, attempts=1,  # type: ignore[arg-type]
                         backoff=0, sleep=lambda _seconds: None)

    assert result.sent_ids == [objects[0]["id"]]
    assert [(item.stix_id, item.reason, item.detail) for item in result.skipped_objects] == [
        (refused_id, SkipReason.REFUSED, "object_refs: dangling reference")]
    assert result.rejected == [refused_id] and result.skipped == 0



@pytest.mark.django_db(transaction=True)
def test_the_federate_command_lists_each_object_left_out_with_its_reason(
        remote: Remote, owner: Any) -> None:
    from io import StringIO

    from django.core.management import call_command

    served = _organisation_collection(remote)
    strict = _report_bundle(TLP.AMBER_STRICT, "Strict, for the command")
    remote.collection(served).add_objects(strict)
    create_peer(actor=OPERATOR, name="peer-command", api_root_url=remote.api_root,
                collection_id=served, token=remote.token, username=remote.username,
                direction="pull", organisation=owner)
    output = StringIO()

    call_command("federate", "--peer", "peer-command", stdout=output)

    lines = output.getvalue().splitlines()
    for body in strict["objects"]:
        assert (f"  {body['id']}: marked narrower than we exchange with this peer: "
                "TLP:AMBER+STRICT, narrower than TLP:GREEN") in lines


# --- What a pulled report may draw on, and what may leave by push (TLP 2.0) --------------

def _indicator(value: str, tlp: str, stix_id: str | None = None) -> dict[str, Any]:
    return {"type": "indicator", "spec_version": "2.1",
            "id": stix_id or f"indicator--{uuid.uuid4()}",
            "created": "2025-03-01T10:00:00.000Z", "modified": "2025-03-01T10:00:00.000Z",
            "pattern": f"[domain-name:value = '{value}']", "pattern_type": "stix",
            "valid_from": "2025-03-01T10:00:00.000Z", "object_marking_refs": [MARKING[tlp]]}


def _report_referring(refs: list[str], tlp: str, title: str) -> dict[str, Any]:
    return {"type": "report", "spec_version": "2.1", "id": f"report--{uuid.uuid4()}",
            "created": "2025-03-01T10:00:00.000Z", "modified": "2025-03-01T10:00:00.000Z",
            "published": "2025-03-01T10:00:00.000Z", "name": title,
            "report_types": ["threat-report"], "object_refs": refs,
            "object_marking_refs": [MARKING[tlp]]}


def _pull_page(peer: Peer, objects: list[Any]) -> Any:
    from civicshield.sharing.federation import services

    result = services.SyncResult(peer=peer.name, direction="pull")
    services._import_page(peer, objects, "2025-03-01T10:00:00.000000Z", result)
    return result


def _pulled_amber_report(owner: Any, value: str, title: str) -> Report:
    """An AMBER report with one indicator (`value`), pulled from a peer agreed for AMBER."""
    source = create_peer(actor=OPERATOR, name="peer-source", api_root_url=NORTH,
                         collection_id=COMMUNITY, direction="pull", organisation=owner,
                         widest_tlp=TLP.AMBER)
    indicator = _indicator(value, TLP.AMBER)
    _pull_page(source, [indicator, _report_referring([indicator["id"]], TLP.AMBER, title)])
    return Report.objects.get(title=title)


def _values(report: Report) -> list[str]:
    return sorted(observable.value for observable in report.observables.all())


def test_a_pulled_report_never_draws_on_an_object_its_owner_may_not_see(owner: Any) -> None:
    from civicshield.sharing.stix.import_ import import_stix

    other = make_user(Role.ANALYST, organisation=make_organisation(slug="other-body"))
    secret = _indicator("secret-red.example", TLP.RED)
    import_stix(actor=other, document={"objects": [secret]}, source="api")
    peer = create_peer(actor=OPERATOR, name="peer-hidden", api_root_url=NORTH,
                       collection_id=COMMUNITY, direction="pull", organisation=owner)

    _pull_page(peer, [_report_referring([secret["id"]], TLP.GREEN, "Pulled, green")])

    assert _values(Report.objects.get(title="Pulled, green")) == []


def test_only_the_owners_own_imports_complete_a_waiting_report(owner: Any) -> None:
    from civicshield.sharing.stix.import_ import import_stix

    peer = create_peer(actor=OPERATOR, name="peer-waiting", api_root_url=NORTH,
                       collection_id=COMMUNITY, direction="pull", organisation=owner)
    waiting_id = f"indicator--{uuid.uuid4()}"
    _pull_page(peer, [_report_referring([waiting_id], TLP.GREEN, "Waits for its indicator")])
    stranger = make_user(Role.CONTRIBUTOR, organisation=make_organisation(slug="stranger"))

    import_stix(actor=stranger, document={"objects": [
        _indicator("chosen-by-a-stranger.example", TLP.GREEN, waiting_id)]}, source="api")

    assert _values(Report.objects.get(title="Waits for its indicator")) == []


def test_an_object_marked_narrower_than_its_report_never_joins_it(owner: Any) -> None:
    peer = create_peer(actor=OPERATOR, name="peer-narrow", api_root_url=NORTH,
                       collection_id=COMMUNITY, direction="pull", organisation=owner,
                       widest_tlp=TLP.AMBER)
    later = {"type": "domain-name", "spec_version": "2.1",
             "id": f"domain-name--{uuid.uuid4()}", "value": "amber-only.example",
             "object_marking_refs": [MARKING[TLP.AMBER]]}
    same_page = _indicator("amber-indicator.example", TLP.AMBER)
    green = _indicator("green-indicator.example", TLP.GREEN)
    _pull_page(peer, [same_page, green, _report_referring(
        [later["id"], same_page["id"], green["id"]], TLP.GREEN, "Green, mixed")])

    _pull_page(peer, [later])

    report = Report.objects.get(title="Green, mixed")
    assert report.tlp == TLP.GREEN
    assert _values(report) == ["green-indicator.example"]


def test_amber_received_then_readdressed_to_the_peers_group_never_leaves(owner: Any) -> None:
    from civicshield.reports.services import update_report
    from civicshield.sharing.federation.services import pushable
    from civicshield.sharing.stix.publish import sync_reports

    group = make_group(slug="peer-south")
    report = _pulled_amber_report(owner, "from-peer-x.example", "Received amber")
    coordinator = make_user(Role.COORDINATOR, organisation=make_organisation(
        slug="coordination", is_coordinator=True))
    update_report(actor=coordinator, report=report, changes={"audience_groups": [group]})
    sync_reports()
    target = create_peer(actor=OPERATOR, name="peer-south", api_root_url=NORTH,
                         collection_id=COMMUNITY, direction="push", organisation=owner,
                         widest_tlp=TLP.AMBER, amber_group=group, active=False)

    bodies, _last = pushable(target, after=0)

    assert not [body["id"] for body in bodies if "from-peer-x.example" in json.dumps(body)]


def test_merging_refuses_to_move_amber_into_a_report_a_peers_group_receives() -> None:
    from django.core.exceptions import ValidationError

    from civicshield.reports.models import Observable
    from civicshield.reports.services import merge_duplicates
    from civicshield.sharing.federation.services import pushable
    from civicshield.sharing.stix.publish import sync_reports

    coordination = make_organisation(slug="coordination", is_coordinator=True)
    x, z = make_organisation(slug="x-body"), make_organisation(slug="z-body")
    group = make_group(slug="peer-only")  # no local member: read by the peer alone
    primary = make_report(tlp=TLP.AMBER, owner=x, groups=[group], title="Primary")
    duplicate = make_report(tlp=TLP.AMBER, owner=z, organisations=[x], title="Duplicate")
    duplicate.observables.add(Observable.objects.create(type="domain", value="z-only.example"))
    coordinator = make_user(Role.COORDINATOR, organisation=coordination)
    target = create_peer(actor=OPERATOR, name="peer-merge", api_root_url=NORTH,
                         collection_id=COMMUNITY, direction="push", organisation=coordination,
                         widest_tlp=TLP.AMBER, amber_group=group, active=False)

    with pytest.raises(ValidationError) as refused:
        merge_duplicates(actor=coordinator, primary=primary, duplicates=[duplicate])
    assert "shared more narrowly" in str(refused.value)
    sync_reports()
    bodies, _last = pushable(target, after=0)

    assert any(body.get("name") == "Primary" for body in bodies)  # the group's own AMBER goes
    assert not any("z-only.example" in json.dumps(body) for body in bodies)


def test_amber_from_a_misp_event_or_merged_from_a_pulled_report_never_leaves(
        owner: Any) -> None:
    from civicshield.reports.services import merge_duplicates, update_report
    from civicshield.sharing.federation.services import pushable
    from civicshield.sharing.misp.importer import import_events
    from civicshield.sharing.stix.publish import sync_reports

    group = make_group(slug="peer-east")
    target = create_peer(actor=OPERATOR, name="peer-east", api_root_url=NORTH,
                         collection_id=COMMUNITY, direction="push", organisation=owner,
                         widest_tlp=TLP.AMBER, amber_group=group, active=False)
    coordinator = make_user(Role.COORDINATOR, organisation=make_organisation(
        slug="coordination", is_coordinator=True))
    analyst = make_user(Role.ANALYST, organisation=owner)
    # AMBER from a partner's MISP, re-addressed to the peer's group here.
    import_events(actor=analyst, payload={"Event": {
        "uuid": str(uuid.uuid4()), "info": "From a partner's MISP", "date": "2025-03-01",
        "timestamp": "1740823200", "threat_level_id": "2", "analysis": "1",
        "Tag": [{"name": "tlp:amber"}],
        "Attribute": [{"type": "domain", "category": "Network activity",
                       "value": "from-misp.example", "to_ids": True}]}})
    from_misp = Report.objects.get(title="From a partner's MISP")
    update_report(actor=coordinator, report=from_misp, changes={"audience_groups": [group]})
    # AMBER pulled from a peer, merged into a local report the group receives.
    pulled = _pulled_amber_report(owner, "merged-from-peer.example", "Pulled amber")
    update_report(actor=coordinator, report=pulled, changes={"audience_groups": [group]})
    local = make_report(tlp=TLP.AMBER, owner=owner, groups=[group], title="Ours, for the group")
    merge_duplicates(actor=coordinator, primary=local, duplicates=[pulled])
    sync_reports()

    sent = json.dumps(pushable(target, after=0)[0])

    assert "from-misp.example" not in sent and "merged-from-peer.example" not in sent


def test_a_push_stops_before_its_next_chunk_when_the_peers_amber_group_changes(
        owner: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from civicshield.sharing.federation import services

    group = make_group(slug="peer-west")
    peer = create_peer(actor=OPERATOR, name="peer-west", api_root_url=NORTH,
                       collection_id=COMMUNITY, direction="push", organisation=owner,
                       widest_tlp=TLP.AMBER, amber_group=group, active=False)
    Peer.objects.filter(pk=peer.pk).update(active=True)
    for number in range(4):
        make_report(tlp=TLP.AMBER, owner=owner, groups=[group], title=f"Amber {number}")
    sent: list[list[str]] = []

    class Recording:
        def __init__(self, _peer: Any) -> None:
            pass

        def add_objects(self, batch: list[dict[str, Any]]) -> None:
            sent.append([body["id"] for body in batch])
            Peer.objects.filter(pk=peer.pk).update(amber_group=None)  # edited meanwhile

    monkeypatch.setattr(services, "PUSH_CHUNK", 1)
    monkeypatch.setattr(services, "PeerClient", Recording)

    result = services.push_to_peer(peer.pk, backoff=0)

    assert len(sent) == 1 and "changed during the sync" in result.error


def test_an_observable_the_content_shares_joins_its_report_whoever_named_it_first(
        owner: Any) -> None:
    # SCO ids come from their value: another organisation may hold the same id, marked
    # narrower. The report is judged by what its own content says, and reveals nothing of
    # what others hold.
    from civicshield.sharing.stix.import_ import import_stix

    domain = {"type": "domain-name", "spec_version": "2.1",
              "id": f"domain-name--{uuid.uuid4()}", "value": "probe.example",
              "object_marking_refs": [MARKING[TLP.AMBER]]}
    other = make_user(Role.ANALYST, organisation=make_organisation(slug="first-namer"))
    import_stix(actor=other, document={"objects": [domain]}, source="api")
    analyst = make_user(Role.ANALYST, organisation=owner)

    import_stix(actor=analyst, document={"objects": [
        {**domain, "object_marking_refs": [MARKING[TLP.GREEN]]},
        _report_referring([domain["id"]], TLP.GREEN, "Names it green")]}, source="api")

    assert _values(Report.objects.get(title="Names it green")) == ["probe.example"]


def test_an_unmarked_part_on_a_later_page_follows_its_report_as_on_the_same_page(
        owner: Any) -> None:
    peer = create_peer(actor=OPERATOR, name="peer-unmarked", api_root_url=NORTH,
                       collection_id=COMMUNITY, direction="pull", organisation=owner)
    domain = {"type": "domain-name", "spec_version": "2.1",
              "id": f"domain-name--{uuid.uuid4()}", "value": "later-unmarked.example"}
    _pull_page(peer, [_report_referring([domain["id"]], TLP.GREEN, "Green, part later")])

    _pull_page(peer, [domain])

    assert _values(Report.objects.get(title="Green, part later")) == ["later-unmarked.example"]


# --- TLP defined by marking-definition objects, as the import reads it -----------------

def _tlp_definition(**properties: Any) -> dict[str, Any]:
    return {"type": "marking-definition", "spec_version": "2.1",
            "id": f"marking-definition--{uuid.uuid4()}",
            "created": "2025-03-01T10:00:00.000Z", **properties}


def _marked_by(marking: str, title: str) -> list[dict[str, Any]]:
    """A report and its domain, both marked with `marking` (any marking-definition id)."""
    domain, report = _report_bundle(TLP.GREEN, title)["objects"]
    return [{**domain, "object_marking_refs": [marking]},
            {**report, "object_marking_refs": [marking]}]


def test_red_defined_in_the_page_or_held_here_never_crosses_on_a_pull(owner: Any) -> None:
    from civicshield.sharing.federation.choices import SkipReason
    from civicshield.sharing.stix.import_ import import_stix
    from civicshield.sharing.stix.markings import TLP_2_EXTENSION_ID

    red_2_0 = _tlp_definition(name="TLP:RED", extensions={TLP_2_EXTENSION_ID: {
        "extension_type": "property-extension", "tlp_2_0": "red"}})
    red_1_0 = _tlp_definition(definition_type="tlp", definition={"tlp": "red"})
    held_red = _tlp_definition(definition_type="tlp", definition={"tlp": "red"})
    # Held here, by the organisation the pull imports as (what it may see counts).
    import_stix(actor=make_user(Role.ANALYST, organisation=owner),
                document={"objects": [held_red]}, source="api")
    strict_2_0 = _tlp_definition(name="TLP:AMBER+STRICT", extensions={TLP_2_EXTENSION_ID: {
        "extension_type": "property-extension", "tlp_2_0": "amber+strict"}})
    red_reports = [*_marked_by(red_2_0["id"], "Red by a TLP 2.0 definition"),
                   *_marked_by(red_1_0["id"], "Red by a TLP 1.0 definition"),
                   *_marked_by(held_red["id"], "Red by a definition held here"),
                   *_marked_by(strict_2_0["id"], "Strict by a TLP 2.0 definition")]
    peer = create_peer(actor=OPERATOR, name="peer-defines-red", api_root_url=NORTH,
                       collection_id=COMMUNITY, direction="pull", organisation=owner,
                       widest_tlp=TLP.AMBER)

    result = _pull_page(peer, [red_2_0, red_1_0, strict_2_0, *red_reports,
                               *_report_bundle(TLP.GREEN, "Green beside them")["objects"]])

    assert list(Report.objects.values_list("title", flat=True)) == ["Green beside them"]
    left_out = _left_out(result)
    for body in red_reports:
        assert left_out[body["id"]] == SkipReason.NARROWER
    details = {item.stix_id: item.detail for item in result.skipped_objects}
    assert details[red_reports[1]["id"]] == "TLP:RED, narrower than TLP:AMBER"
    for definition, tlp in ((red_2_0, "RED"), (red_1_0, "RED"), (strict_2_0, "AMBER+STRICT")):
        assert details[definition["id"]] == f"defines TLP:{tlp}, never taken from a peer"
        assert not StixObject.objects.filter(stix_id=definition["id"]).exists()


def test_a_peer_agreed_for_amber_strict_still_never_gives_us_amber_strict(owner: Any) -> None:
    from civicshield.sharing.federation.choices import SkipReason

    peer = create_peer(actor=OPERATOR, name="peer-strict", api_root_url=NORTH,
                       collection_id=COMMUNITY, direction="pull", organisation=owner,
                       widest_tlp=TLP.AMBER_STRICT)
    strict = _report_bundle(TLP.AMBER_STRICT, "Strict from a peer")["objects"]

    result = _pull_page(peer, strict)

    assert not Report.objects.filter(title="Strict from a peer").exists()
    assert [(item.stix_id, item.reason, item.detail) for item in result.skipped_objects] == [
        (body["id"], SkipReason.NARROWER, "TLP:AMBER+STRICT, never taken from a peer")
        for body in strict]


def test_an_object_whose_markings_cannot_be_read_is_listed_as_malformed(owner: Any) -> None:
    from civicshield.sharing.federation.choices import SkipReason

    peer = create_peer(actor=OPERATOR, name="peer-garbled", api_root_url=NORTH,
                       collection_id=COMMUNITY, direction="pull", organisation=owner)
    domain, report = _report_bundle(TLP.GREEN, "Garbled markings")["objects"]
    garbled = {**report, "object_marking_refs": MARKING[TLP.RED]}

    result = _pull_page(peer, [domain, garbled])

    assert not Report.objects.filter(title="Garbled markings").exists()
    assert [(item.stix_id, item.reason, item.detail) for item in result.skipped_objects] == [
        (report["id"], SkipReason.MALFORMED,
         "object 2 of page 1: object_marking_refs is not a list of ids")]


# --- Loop prevention by provenance on push ----------------------------------------------

def _pushed_titles_and_values(peer: Peer) -> str:
    from civicshield.sharing.federation.services import pushable
    from civicshield.sharing.stix.publish import sync_reports

    sync_reports()
    return json.dumps(pushable(peer, after=0)[0])


def _source_and_onward_peers(owner: Any) -> tuple[Peer, Peer]:
    """A peer we pull from and push to, and another we only push to."""
    source = create_peer(actor=OPERATOR, name="peer-origin", api_root_url=NORTH,
                         collection_id=COMMUNITY, direction="both", organisation=owner,
                         active=False)
    onward = create_peer(actor=OPERATOR, name="peer-onward", api_root_url=NORTH,
                         collection_id=str(uuid.uuid4()), direction="push",
                         organisation=owner, active=False)
    return source, onward


def test_a_report_from_a_peer_edited_or_triaged_here_is_not_pushed_back_to_it(
        owner: Any) -> None:
    from civicshield.reports.choices import Status
    from civicshield.reports.services import set_status, update_report

    source, other = _source_and_onward_peers(owner)
    triaged, edited = (_report_bundle(TLP.GREEN, title)["objects"]
                       for title in ("Triaged here", "Edited here"))
    _pull_page(source, [*triaged, *edited])
    set_status(actor=OPERATOR, report=Report.objects.get(title="Triaged here"),
               status=Status.TRIAGED)
    update_report(actor=OPERATOR, report=Report.objects.get(title="Edited here"),
                  changes={"description": "Checked with the regional office."})
    make_report(tlp=TLP.GREEN, owner=owner, title="Written here")

    to_source = _pushed_titles_and_values(source)
    to_other = _pushed_titles_and_values(other)

    assert "Written here" in to_source
    for body in (*triaged, *edited):
        assert body.get("name", body.get("value")) not in to_source
        assert body.get("name", body.get("value")) in to_other  # GREEN may go onward


def test_the_push_loop_check_costs_the_same_queries_however_many_reports_came_from_the_peer(
        owner: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from civicshield.reports.choices import Status
    from civicshield.reports.services import set_status
    from civicshield.sharing.federation.services import pushable
    from civicshield.sharing.stix.publish import sync_reports

    source = create_peer(actor=OPERATOR, name="peer-many", api_root_url=NORTH,
                         collection_id=COMMUNITY, direction="both", organisation=owner,
                         active=False)

    def queries_with(received: int) -> int:
        for number in range(received):
            title = f"Received {received}-{number}"
            _pull_page(source, _report_bundle(TLP.GREEN, title)["objects"])
            set_status(actor=OPERATOR, report=Report.objects.get(title=title),
                       status=Status.TRIAGED)
        sync_reports()
        with CaptureQueriesContext(connection) as queries:
            pushable(source, after=0)
        return len(queries)

    assert queries_with(1) == queries_with(4)


def test_an_object_two_reports_share_is_pushed_once_with_the_widest_marking() -> None:
    from civicshield.reports.models import Observable, ReportObservable
    from civicshield.sharing.federation.services import pushable
    from civicshield.sharing.stix.publish import sync_reports

    owner = make_organisation(slug="coordination", is_coordinator=True)
    group = make_group(slug="peer-north")
    domain = Observable.objects.create(type="domain", value="pushed.example")
    for tlp, groups in ((TLP.GREEN, []), (TLP.AMBER, [group])):
        report = make_report(tlp=tlp, owner=owner, groups=groups)
        ReportObservable.objects.create(report=report, observable=domain)
    sync_reports()
    target = create_peer(actor=OPERATOR, name="peer-north", api_root_url=NORTH,
                         collection_id=COMMUNITY, direction="push", organisation=owner,
                         widest_tlp=TLP.AMBER, amber_group=group, active=False)

    bodies, _last = pushable(target, after=0)

    markings = [body["object_marking_refs"] for body in bodies
                if body.get("value") == "pushed.example"]
    assert markings == [["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]]  # GREEN


def test_a_report_holding_a_merged_report_from_a_peer_is_not_pushed_back_to_it(
        owner: Any) -> None:
    from civicshield.reports.services import merge_duplicates

    source, other = _source_and_onward_peers(owner)
    received = _report_bundle(TLP.GREEN, "Received, then merged")["objects"]
    _pull_page(source, received)
    primary = make_report(tlp=TLP.GREEN, owner=owner, title="Written here, merged into")
    merge_duplicates(actor=OPERATOR, primary=primary,
                     duplicates=[Report.objects.get(title="Received, then merged")])

    assert "Written here, merged into" not in _pushed_titles_and_values(source)
    assert "Written here, merged into" in _pushed_titles_and_values(other)


def test_red_defined_by_a_marking_the_importer_may_not_see_still_never_crosses(
        owner: Any) -> None:
    from civicshield.sharing.federation.choices import SkipReason
    from civicshield.sharing.stix.import_ import import_stix

    hidden_red = _tlp_definition(definition_type="tlp", definition={"tlp": "red"})
    import_stix(actor=make_user(Role.ANALYST, organisation=make_organisation(slug="earlier")),
                document={"objects": [hidden_red]}, source="api")
    marked = _marked_by(hidden_red["id"], "Red by a definition someone else holds")
    peer = create_peer(actor=OPERATOR, name="peer-hidden-red", api_root_url=NORTH,
                       collection_id=COMMUNITY, direction="pull", organisation=owner,
                       widest_tlp=TLP.AMBER)

    result = _pull_page(peer, marked)

    assert not Report.objects.filter(title__startswith="Red by").exists()
    # Left out as an unknown marking, as for one held by no one: never "TLP:RED", which
    # would tell what a definition the importer may not see says.
    details = {item.stix_id: item.detail for item in result.skipped_objects}
    assert all(_left_out(result)[body["id"]] == SkipReason.INVALID for body in marked)
    assert not any("RED" in details[body["id"]] for body in marked)


# --- Clearing a peer's credentials, retiring a peer -----------------------------------------


def _received_report(peer: Peer, owner: Any, title: str) -> Report:
    """A report made of an object received from `peer` (its provenance row included)."""
    report = make_report(tlp=TLP.GREEN, owner=owner, title=title)
    stix_id = f"report--{uuid.uuid4()}"
    StixObject.objects.create(stix_id=stix_id, type="report", body="{}", tlp=TLP.GREEN,
                              owner_organisation=owner, report=report)
    ReceivedFromPeer.objects.create(peer=peer, stix_id=stix_id, version="")
    return report


def test_clearing_a_peers_credentials_removes_its_username_and_token_and_audits_no_secret(
        client_for: Any, owner: Any) -> None:
    from civicshield.sharing.federation.client import PeerClient

    peer = create_peer(actor=OPERATOR, name="north", api_root_url=NORTH,
                       collection_id=COMMUNITY, token="stored-token-value",
                       username="north.bot", organisation=owner)
    bare = create_peer(actor=OPERATOR, name="south", api_root_url=NORTH,
                       collection_id=COMMUNITY, organisation=owner)
    client = client_for(make_user(Role.COORDINATOR))
    listing = client.get("/app/sharing/peers/").content.decode()
    assert f'action="/app/sharing/peers/{peer.pk}/clear-credentials/"' in listing
    assert f'action="/app/sharing/peers/{bare.pk}/clear-credentials/"' not in listing

    response = client.post(f"/app/sharing/peers/{peer.pk}/clear-credentials/", follow=True)

    assert response.redirect_chain == [("/app/sharing/peers/", 302)]
    assert "stored credentials of north are removed" in response.content.decode()
    peer.refresh_from_db()
    assert peer.username == "" and peer.token_sealed == "" and not peer.has_credentials
    assert (peer.api_root_url, peer.active) == (NORTH, True)  # nothing else changes
    session = PeerClient(peer).session
    assert session.auth is None and "Authorization" not in session.headers
    [entry] = AuditEntry.objects.filter(action="federation.peer.credentials_clear")
    assert entry.details == {"cleared": ["username", "token"]}
    assert entry.object_id == str(peer.pk) and entry.surface == "ui"
    assert "stored-token-value" not in json.dumps(list(
        AuditEntry.objects.values_list("details", flat=True)))
    assert "north.bot" not in json.dumps(entry.details)
    assert f"/app/sharing/peers/{peer.pk}/clear-credentials/" not in client.get(
        "/app/sharing/peers/").content.decode()

    # Nothing stored: nothing written, nothing audited.
    again = client.post(f"/app/sharing/peers/{peer.pk}/clear-credentials/", follow=True)
    assert "north had no stored credentials" in again.content.decode()
    assert AuditEntry.objects.filter(action="federation.peer.credentials_clear").count() == 1

    # New ones can be entered on the form again.
    client.post(f"/app/sharing/peers/{peer.pk}/edit/", _edit_form(peer, token="new-token"))
    peer.refresh_from_db()
    assert unseal(peer.token_sealed) == "new-token"


def test_retiring_a_peer_keeps_it_listed_as_retired_with_the_provenance_of_what_it_sent(
        client_for: Any, owner: Any) -> None:
    from django.core.exceptions import ValidationError
    from django.db import IntegrityError, transaction
    from django.db.models import ProtectedError

    peer = create_peer(actor=OPERATOR, name="peer-south", api_root_url=NORTH,
                       collection_id=COMMUNITY, token="stored-token-value",
                       username="south.bot", direction="both", widest_tlp=TLP.AMBER,
                       organisation=owner, region="South coast",
                       amber_group=make_group(owner, slug="south-partners"))
    received = _received_report(peer, owner, "Received before retirement")
    client = client_for(make_user(Role.COORDINATOR))
    assert f'href="/app/sharing/peers/{peer.pk}/retire/"' in client.get(
        "/app/sharing/peers/").content.decode()

    confirm = client.get(f"/app/sharing/peers/{peer.pk}/retire/")
    assert confirm.status_code == 200
    assert "the 1 object received from it keeps saying where it came from" in \
        confirm.content.decode()
    peer.refresh_from_db()
    assert peer.retired_at is None  # a GET asks, it does not retire
    response = client.post(f"/app/sharing/peers/{peer.pk}/retire/", follow=True)

    assert response.redirect_chain == [("/app/sharing/peers/", 302)]
    peer.refresh_from_db()
    assert peer.retired and not peer.active
    assert (peer.username, peer.token_sealed, peer.amber_group_id) == ("", "", None)
    assert ReceivedFromPeer.objects.filter(peer=peer).count() == 1  # provenance kept
    report_page = client.get(f"/app/reports/{received.pk}/").content.decode()
    assert "federation peer peer-south (South coast)" in report_page
    [entry] = AuditEntry.objects.filter(action="federation.peer.retire")
    assert entry.object_id == str(peer.pk) and entry.surface == "ui"
    assert entry.details["received_kept"] == 1 and entry.details["credentials_cleared"]
    assert "stored-token-value" not in json.dumps(entry.details)

    # Listed as retired, with none of the actions of a peer in use.
    listing = response.content.decode()
    assert "is retired" in listing and "Retired peers" in listing
    for action in ("edit", "sync", "clear-credentials", "retire"):
        assert f"/app/sharing/peers/{peer.pk}/{action}/" not in listing, action
    detail = client.get(f"/app/sharing/peers/{peer.pk}/").content.decode()
    assert "Retired on" in detail and f"/app/sharing/peers/{peer.pk}/edit/" not in detail

    # A retired peer stays retired: not edited, not synced, not retired twice.
    edit = client.get(f"/app/sharing/peers/{peer.pk}/edit/", follow=True)
    assert edit.redirect_chain == [(f"/app/sharing/peers/{peer.pk}/", 302)]
    refused = client.post(f"/app/sharing/peers/{peer.pk}/edit/", _edit_form(peer), follow=True)
    assert "is retired" in refused.content.decode()
    assert "is retired" in client.post(f"/app/sharing/peers/{peer.pk}/sync/",
                                       follow=True).content.decode()
    assert "already retired" in client.post(f"/app/sharing/peers/{peer.pk}/retire/",
                                            follow=True).content.decode()
    peer.refresh_from_db()
    assert peer.retired and not peer.active
    assert len(_waiting(peer)) == 1  # queued at registration, runs as a no-op; none added
    assert not AuditEntry.objects.filter(action__in=[
        "federation.peer.update", "federation.peer.sync_request"]).exists()
    assert AuditEntry.objects.filter(action="federation.peer.retire").count() == 1

    # Its name stays taken, and the database keeps the rules whoever writes.
    with pytest.raises(ValidationError) as taken:
        create_peer(actor=OPERATOR, name="peer-south", api_root_url=NORTH,
                    collection_id=COMMUNITY, organisation=owner)
    assert "retired peer has this name" in str(taken.value.message_dict["name"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Peer.objects.filter(pk=peer.pk).update(active=True)
    with pytest.raises(ProtectedError):
        peer.delete()


def test_a_retired_peer_is_never_contacted_and_its_scheduled_sync_ends_its_chain(
        owner: Any) -> None:
    from civicshield.sharing.federation import services
    from civicshield.sharing.federation.services import FederationError, retire_peer
    from civicshield.sharing.federation.tasks import ensure_scheduled

    peer = create_peer(actor=OPERATOR, name="leaving", api_root_url=_dead_url(),
                       collection_id=COMMUNITY, direction="both", organisation=owner)
    [pending] = _waiting(peer)

    retire_peer(actor=OPERATOR, peer_id=peer.pk)
    _run_worker()

    pending.refresh_from_db()
    assert pending.status == "SUCCESSFUL" and pending.return_value == []
    assert _waiting(peer) == [] and ensure_scheduled() == 0
    peer.refresh_from_db()
    assert peer.last_error == "" and peer.consecutive_failures == 0  # never contacted
    for sync in (services.pull_from_peer, services.push_to_peer, services.sync_peer):
        with pytest.raises(FederationError):
            sync(peer.pk, backoff=0)
    assert not AuditEntry.objects.filter(
        action__in=["federation.pull", "federation.push"]).exists()


def test_a_pull_running_when_its_peer_is_retired_stops_at_its_next_page(owner: Any) -> None:
    from civicshield.sharing.federation import services
    from civicshield.sharing.federation.services import FederationError, SyncResult

    peer = create_peer(actor=OPERATOR, name="peer-leaving", api_root_url=NORTH,
                       collection_id=COMMUNITY, direction="pull", organisation=owner)
    running = Peer.objects.get(pk=peer.pk)  # what a sync in progress holds
    services.retire_peer(actor=OPERATOR, peer_id=peer.pk)

    page = _report_bundle(TLP.GREEN, "After retirement")["objects"]
    with pytest.raises(FederationError):
        services._import_page(running, page, "2025-03-01T10:00:00.000000Z",
                              SyncResult(peer=running.name, direction="pull"))

    assert not StixObject.objects.exists()
    peer.refresh_from_db()
    assert peer.pull_cursor == ""


@pytest.mark.parametrize("when", ["after a page", "before a retry"])
def test_a_pull_whose_peer_is_retired_meanwhile_sends_it_no_further_request(
        owner: Any, monkeypatch: pytest.MonkeyPatch, when: str) -> None:
    from civicshield.sharing.federation import services

    peer = create_peer(actor=OPERATOR, name="peer-leaving", api_root_url=NORTH,
                       collection_id=COMMUNITY, direction="pull", organisation=owner)
    pages = [_report_bundle(TLP.GREEN, f"Page {number}")["objects"] for number in (1, 2)]

    def retire() -> None:
        if not Peer.objects.get(pk=peer.pk).retired:
            services.retire_peer(actor=OPERATOR, peer_id=peer.pk)

    if when == "after a page":
        served = ServingPeer(pages)
        import_page = services._import_page

        def import_then_retire(*args: Any) -> None:
            import_page(*args)
            retire()

        monkeypatch.setattr(services, "_import_page", import_then_retire)
    else:
        served = ServingPeer(pages, unavailable=1, on_request=retire)
    monkeypatch.setattr(services, "PeerClient", served)

    result = pull_from_peer(peer.pk, backoff=0)

    assert len(served.requests) == 1
    assert "changed during the sync" in result.error
    assert not Report.objects.filter(title="Page 2").exists()


@pytest.mark.parametrize("answer", ["unavailable", "refused"])
def test_a_push_whose_peer_is_retired_meanwhile_neither_retries_nor_resends(
        owner: Any, answer: str) -> None:
    from civicshield.sharing.federation import services
    from civicshield.sharing.federation.client import PeerRefused
    from civicshield.sharing.federation.services import FederationError, SyncResult

    peer = create_peer(actor=OPERATOR, name="peer-leaving", api_root_url=NORTH,
                       collection_id=COMMUNITY, direction="push", organisation=owner)
    objects = _report_bundle(TLP.GREEN, "Offered once")["objects"]
    posts: list[list[str]] = []

    class RetiredWhileAnswering:
        def add_objects(self, batch: list[dict[str, Any]]) -> None:
            posts.append([body["id"] for body in batch])
            if not Peer.objects.get(pk=peer.pk).retired:
                services.retire_peer(actor=OPERATOR, peer_id=peer.pk)
            if answer == "unavailable":
                raise PeerUnavailable("HTTP 503 from the peer")
            # Without the refused object, the rest would be sent again.
            raise PeerRefused("unprocessable", status=422, body={"details": {"errors": [
                {"id": objects[1]["id"], "message": "object_refs: dangling reference"}]}})

    with pytest.raises(FederationError, match="changed during the sync"):
        services._send_chunk(peer, RetiredWhileAnswering(), objects,  # type: ignore[arg-type]
                             SyncResult(peer=peer.name, direction="push"), attempts=3,
                             backoff=0, sleep=lambda _seconds: None)

    assert len(posts) == 1


def test_only_peer_managers_may_clear_a_peers_credentials_or_retire_it(
        client_for: Any, owner: Any) -> None:
    from django.test import Client

    from civicshield.core.errors import PermissionDenied
    from civicshield.sharing.federation.services import clear_peer_credentials, retire_peer

    peer = create_peer(actor=OPERATOR, name="north", api_root_url=NORTH,
                       collection_id=COMMUNITY, token="stored-token-value",
                       username="north.bot", organisation=owner)
    clear = f"/app/sharing/peers/{peer.pk}/clear-credentials/"
    retire = f"/app/sharing/peers/{peer.pk}/retire/"

    _refused_to_all_but_peer_managers(client_for, owner, gets=[retire],
                                      posts=[(retire, {}), (clear, {})])
    analyst = make_user(Role.ANALYST, organisation=owner)
    with pytest.raises(PermissionDenied):
        clear_peer_credentials(actor=analyst, peer_id=peer.pk)
    with pytest.raises(PermissionDenied):
        retire_peer(actor=analyst, peer_id=peer.pk)

    # A coordinator's session without the form's CSRF token is refused too.
    coordinator = client_for(make_user(Role.COORDINATOR))
    forged = Client(enforce_csrf_checks=True)
    forged.cookies = coordinator.cookies
    assert forged.post(clear).status_code == 403
    assert forged.post(retire).status_code == 403

    peer.refresh_from_db()
    assert not peer.retired and peer.active and peer.username == "north.bot"
    assert unseal(peer.token_sealed) == "stored-token-value"
    assert not AuditEntry.objects.filter(action__in=[
        "federation.peer.credentials_clear", "federation.peer.retire"]).exists()

    assert coordinator.post("/app/sharing/peers/999999/clear-credentials/").status_code == 404
    assert coordinator.post("/app/sharing/peers/999999/retire/").status_code == 404
    assert coordinator.get("/app/sharing/peers/999999/retire/").status_code == 404
    assert coordinator.get(clear).status_code == 405  # a GET never clears anything


def test_after_a_report_changes_only_its_new_version_is_pushed_again(owner: Any) -> None:
    from civicshield.reports.models import Observable, ReportObservable
    from civicshield.reports.services import update_report
    from civicshield.sharing.federation.services import pushable
    from civicshield.sharing.stix.publish import sync_reports

    report = make_report(tlp=TLP.GREEN, owner=owner, title="Pushed once")
    ReportObservable.objects.create(
        report=report, observable=Observable.objects.create(type="domain",
                                                            value="pushed-once.example"))
    sync_reports()
    target = create_peer(actor=OPERATOR, name="peer-changes", api_root_url=NORTH,
                         collection_id=COMMUNITY, direction="push", organisation=owner,
                         active=False)
    first, cursor = pushable(target, after=0)
    assert "pushed-once.example" in json.dumps(first)

    update_report(actor=OPERATOR, report=report, changes={"title": "Pushed once, edited"})
    sync_reports()
    again, _cursor = pushable(target, after=cursor)

    assert [(body["type"], body.get("name")) for body in again] == [
        ("report", "Pushed once, edited")]
