"""Federation between two instances on loopback: the remote peer is a second Civic Shield
(`civicshield up` in a subprocess with its own data directory); the local instance is the
test database."""

from __future__ import annotations

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
from civicshield.core.markings import TLP
from civicshield.core.models import AuditEntry
from civicshield.reports.models import Report
from civicshield.sharing.federation.client import PeerUnavailable
from civicshield.sharing.federation.models import Peer, ReceivedFromPeer
from civicshield.sharing.federation.secrets import unseal
from civicshield.sharing.federation.services import create_peer, pull_from_peer, push_to_peer
from civicshield.sharing.models import StixObject
from civicshield.sharing.stix.ids import collection_id
from tests.factories import make_organisation
from tests.report_factories import make_report

CIVICSHIELD = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "civicshield"
MARKING = {
    TLP.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
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
