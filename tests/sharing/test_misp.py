"""MISP: the feed out and event JSON in, judged by PyMISP.

PyMISP reads every event file we serve (`MISPEvent().load`), recomputes the manifest and
hashes.csv from them (its own `tools.feed.feed_meta_generator`) and builds the events we
import (`MISPEvent.to_json`). PyMISP has no feed client of its own (MISP servers fetch
feeds), so the live-server test fetches with `requests` — PyMISP's own HTTP library — over
loopback, with a token.
"""

from __future__ import annotations

import io
import json
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone
from pymisp import MISPAttribute, MISPEvent
from pymisp.tools.feed import feed_meta_generator

from civicshield.core.authz import OPERATOR
from civicshield.core.choices import Role
from civicshield.core.markings import TLP
from civicshield.core.models import AuditEntry
from civicshield.core.services import issue_token
from civicshield.reports.choices import Source
from civicshield.reports.models import Observable, Report, Victim
from civicshield.reports.services import ReportInput, create_report, update_report
from civicshield.sharing.misp import feed, mapping
from civicshield.sharing.misp.cli import write_feed
from civicshield.sharing.misp.importer import InvalidEvents, import_events
from civicshield.sharing.models import ReceivedMispEvent
from civicshield.vocab import services as vocab_services
from tests.factories import make_organisation, make_user
from tests.vocab.helpers import needs_shared_data, shared

MANIFEST = "/misp/feed/manifest.json"
HASHES = "/misp/feed/hashes.csv"

OBSERVABLES = [
    {"type": "domain", "value": "veridia-vote-check.example"},
    {"type": "url", "value": "https://veridia-vote-check.example/register?utm_source=x"},
    {"type": "ipv4", "value": "203.0.113.7"},
    {"type": "email", "value": "Registrar@veridia-vote-check.example"},
    {"type": "sha256", "value": "a" * 64},
    {"type": "md5", "value": "B" * 32},
    {"type": "phone", "value": "+44 20 7946 0000"},
    {"type": "hashtag", "value": "#VeridiaVotesTwice"},
    {"type": "social_account", "value": "x:fakeballotnews"},
    {"type": "social_account", "value": "telegram:veridia_truth_now"},
    {"type": "message_id", "value": "<0001.phish@mailer.veridia-vote-check.example>"},
]


# --- Arrangement -----------------------------------------------------------------------


@pytest.fixture
def disarm(vocabulary: None) -> None:
    """The built-in vocabularies and the vendored DISARM master (its techniques)."""
    vocab_services.import_file(
        actor=OPERATOR, path=vocab_services.VENDOR_DIR / "disarm/DISARM_FRAMEWORKS_MASTER.xlsx")


def _token(user: Any) -> str:
    return issue_token(user=user, label="misp").secret


def _report(author: Any, *, tlp: str = TLP.GREEN, observables: list[dict[str, str]] | None = None,
            **fields: Any) -> Report:
    data = ReportInput(**{
        "title": "Fake registration-check site", "description": "A site asks voters to "
        "re-register and collects their identity numbers.",
        "observed_start": timezone.now() - timedelta(days=2), "tlp": tlp,
        "observables": OBSERVABLES if observables is None else observables, **fields})
    return create_report(actor=author, data=data)


def _event_of(client: Client, report: Report) -> MISPEvent:
    response = client.get(f"/misp/feed/{mapping.event_uuid(report.reference)}.json")
    assert response.status_code == 200, response.content[:300]
    event = MISPEvent()
    event.load(response.content)
    return event


def _tag_names(event: MISPEvent) -> set[str]:
    return {tag.name for tag in event.tags}


# --- The feed, read by PyMISP ----------------------------------------------------------


def test_pymisp_reads_the_served_feed_and_the_manifest_and_hashes_agree_with_it(
    live_server: Any, transactional_db: Any, vocabulary: None,
) -> None:
    organisation = make_organisation()
    author = make_user(Role.ANALYST, organisation=organisation)
    first = _report(author, phases=["campaign"], information_types=["disinformation_narrative"])
    second = _report(author, tlp=TLP.AMBER, observables=[OBSERVABLES[0], OBSERVABLES[2]],
                     title="Same site, new address")
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {_token(author)}"

    manifest = session.get(f"{live_server.url}{MANIFEST}", timeout=10)
    assert manifest.status_code == 200
    assert manifest.headers["Content-Type"] == "application/json"
    assert set(manifest.json()) == {mapping.event_uuid(first.reference),
                                    mapping.event_uuid(second.reference)}
    expected_hashes: set[str] = set()
    for event_uuid, entry in manifest.json().items():
        response = session.get(f"{live_server.url}/misp/feed/{event_uuid}.json", timeout=10)
        assert response.status_code == 200
        event = MISPEvent()
        event.load(response.text)
        assert event.uuid == event_uuid
        # The manifest entry is exactly what PyMISP derives from the event file.
        derived = json.loads(json.dumps(event.manifest[event_uuid], default=str))
        assert {key: str(value) if key != "Orgc" and key != "Tag" else value
                for key, value in entry.items()} == {
            key: str(value) if key != "Orgc" and key != "Tag" else value
            for key, value in derived.items()}
        expected_hashes |= {f"{digest},{event.uuid}" for digest in event.attributes_hashes("md5")}
    hashes = session.get(f"{live_server.url}{HASHES}", timeout=10)
    assert hashes.status_code == 200
    assert set(hashes.text.splitlines()) == expected_hashes


def test_a_written_feed_matches_what_pymisps_own_feed_generator_makes_of_its_events(
    tmp_path: Path, vocabulary: None,
) -> None:
    author = make_user(Role.ANALYST)
    _report(author)
    _report(author, tlp=TLP.CLEAR, observables=OBSERVABLES[3:6], title="Phishing the registrars")

    assert write_feed(tmp_path / "ours", viewer=author) == 2

    theirs = tmp_path / "theirs"
    theirs.mkdir()
    for path in (tmp_path / "ours").glob("*.json"):
        if path.name != "manifest.json":
            shutil.copy(path, theirs / path.name)
    feed_meta_generator(theirs)
    ours_manifest = json.loads((tmp_path / "ours" / "manifest.json").read_text())
    theirs_manifest = json.loads((theirs / "manifest.json").read_text())
    assert ours_manifest.keys() == theirs_manifest.keys()
    for event_uuid, entry in ours_manifest.items():
        assert entry["Orgc"] == theirs_manifest[event_uuid]["Orgc"]
        assert entry["Tag"] == theirs_manifest[event_uuid]["Tag"]
        assert entry["info"] == theirs_manifest[event_uuid]["info"]
        assert entry["date"] == theirs_manifest[event_uuid]["date"]
        for key in ("analysis", "threat_level_id", "timestamp"):
            assert str(entry[key]) == str(theirs_manifest[event_uuid][key])
    assert sorted((tmp_path / "ours" / "hashes.csv").read_text().splitlines()) == sorted(
        (theirs / "hashes.csv").read_text().splitlines())
    entry = AuditEntry.objects.get(action="misp.feed_export")
    assert entry.actor_label == "operator" and entry.details["events"] == 2
    assert entry.details["as"] == author.username


@needs_shared_data
def test_event_carries_tlp_disarm_galaxy_tags_our_vocabulary_and_typed_attributes(
    disarm: None, api_client_for: Any,
) -> None:
    author = make_user(Role.ANALYST)
    report = _report(author, tlp=TLP.AMBER_STRICT, techniques=["T0049", "T0015.001", "T0097"],
                     phases=["campaign"], information_types=["impersonation"],
                     confidence="high", severity=5, outcome="attempted")

    event = _event_of(api_client_for(author), report)

    galaxy = json.loads(shared("misp-galaxy/clusters/disarm-techniques.json").read_text())
    flood = next(value["value"] for value in galaxy["values"]
                 if value["meta"]["external_id"] == "T0049")
    galaxy_names = {value["meta"]["external_id"]: value["value"] for value in galaxy["values"]}
    assert "T0015.001" not in galaxy_names
    assert galaxy_names["T0097"] == "Create Personas"  # "Present Persona" in the master
    assert _tag_names(event) >= {
        "tlp:amber+strict",
        f'misp-galaxy:{galaxy["type"]}="{flood}"',
        'civicshield:technique="T0015.001"',  # newer than the galaxy: our own tag
        'civicshield:technique="T0097"',  # the galaxy's T0097 is another technique
        'civicshield:electoral-phase="campaign"',
        'civicshield:information-type="impersonation"',
        'estimative-language:confidence-in-analytic-judgment="high"',
    }
    assert event.threat_level_id == 1 and event.analysis == 0
    assert event.info == report.title and event.date == report.observed_start.date()
    assert event.event_reports[0].content == report.description
    by_type = {(attribute.type, attribute.value) for attribute in event.attributes}
    assert by_type == {
        ("domain", "veridia-vote-check.example"),
        ("url", "https://veridia-vote-check.example/register"),
        ("ip-dst", "203.0.113.7"),
        ("email", "registrar@veridia-vote-check.example"),
        ("sha256", "a" * 64), ("md5", "b" * 32),
        ("phone-number", "+442079460000"),
        ("text", "#veridiavotestwice"),
        ("twitter-id", "fakeballotnews"),
        ("text", "telegram:veridia_truth_now"),
        ("email-message-id", "<0001.phish@mailer.veridia-vote-check.example>"),
    }
    assert not any(attribute.to_ids for attribute in event.attributes)
    hashtag = next(a for a in event.attributes if a.value == "#veridiavotestwice")
    assert [tag.name for tag in hashtag.tags] == ['civicshield:observable-type="hashtag"']


def test_only_observables_an_analyst_marked_as_indicators_are_to_ids(
    api_client_for: Any, vocabulary: None,
) -> None:
    from civicshield.sharing.stix.services import mark_indicator

    author = make_user(Role.ANALYST)
    report = _report(author, observables=OBSERVABLES[:3])
    domain = report.observables.get(type="domain")
    mark_indicator(actor=author, report=report, observable=domain)

    event = _event_of(api_client_for(author), report)

    assert {a.value for a in event.attributes if a.to_ids} == {domain.value}


def test_civicshield_export_writes_the_coordinators_feed(
    tmp_path: Path, vocabulary: None,
) -> None:
    coordinator = make_organisation(is_coordinator=True)
    author = make_user(Role.ANALYST)
    visible = _report(author, tlp=TLP.AMBER)
    _report(author, tlp=TLP.RED, audience_users=[author])

    call_command("export", "--format", "misp-feed", "-o", str(tmp_path / "feed"),
                 stderr=(stderr := io.StringIO()))

    manifest = json.loads((tmp_path / "feed" / "manifest.json").read_text())
    assert list(manifest) == [mapping.event_uuid(visible.reference)]
    assert "1 events" in stderr.getvalue()
    entry = AuditEntry.objects.get(action="misp.feed_export")
    assert entry.surface == "cli" and entry.details["as"] == "coordinating organisation"
    assert coordinator.is_coordinator


def test_event_uuids_are_stable_across_exports(tmp_path: Path, vocabulary: None) -> None:
    author = make_user(Role.ANALYST)
    _report(author)
    write_feed(tmp_path / "one", viewer=author)
    write_feed(tmp_path / "two", viewer=author)
    assert sorted(p.read_text() for p in (tmp_path / "one").iterdir()) == sorted(
        p.read_text() for p in (tmp_path / "two").iterdir())


def test_rewriting_the_feed_removes_the_event_file_of_a_report_narrowed_since(
        tmp_path: Path, vocabulary: None) -> None:
    from civicshield.reports.services import update_report

    author = make_user(Role.ANALYST)
    reader = make_user(Role.ANALYST, organisation=make_organisation(slug="reader"))
    narrowed, stays = _report(author), _report(author, title="Still green")
    write_feed(tmp_path, viewer=reader)
    narrowed_file = tmp_path / f"{mapping.event_uuid(narrowed.reference)}.json"
    assert narrowed_file.exists()
    unrelated = {"index.html": "<p>feed</p>", "README.json": "{}",
                 "0000.json": "{}", "ABCDEF01-2345-6789-ABCD-EF0123456789.json.bak": "{}"}
    for name, text in unrelated.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "old").mkdir()

    update_report(actor=author, report=narrowed, changes={"tlp": TLP.AMBER_STRICT})
    write_feed(tmp_path, viewer=reader)

    assert not narrowed_file.exists()
    assert (tmp_path / f"{mapping.event_uuid(stays.reference)}.json").exists()
    assert json.loads((tmp_path / "manifest.json").read_text()).keys() == {
        mapping.event_uuid(stays.reference)}
    for name, text in unrelated.items():
        assert (tmp_path / name).read_text() == text
    assert (tmp_path / "old").is_dir()


# --- Who sees what ---------------------------------------------------------------------


def test_amber_strict_report_of_another_organisation_is_absent_and_its_event_is_not_found(
    api_client_for: Any, vocabulary: None,
) -> None:
    parent = make_organisation()
    child = make_organisation(parent=parent)
    owner = make_user(Role.ANALYST)
    strict = _report(owner, tlp=TLP.AMBER_STRICT, audience_organisations=[parent])
    shared_widely = _report(owner, tlp=TLP.GREEN)
    sub_organisation = api_client_for(make_user(Role.ANALYST, organisation=child))
    recipient = api_client_for(make_user(Role.ANALYST, organisation=parent))

    manifest = sub_organisation.get(MANIFEST).json()
    assert mapping.event_uuid(strict.reference) not in manifest
    assert mapping.event_uuid(shared_widely.reference) in manifest
    hidden = sub_organisation.get(f"/misp/feed/{mapping.event_uuid(strict.reference)}.json")
    missing = sub_organisation.get(f"/misp/feed/{mapping.event_uuid('CS-NOSUCH')}.json")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    assert mapping.event_uuid(strict.reference) not in sub_organisation.get(HASHES).content.decode()
    assert mapping.event_uuid(strict.reference) in recipient.get(MANIFEST).json()
    assert recipient.get(f"/misp/feed/{mapping.event_uuid(strict.reference)}.json"
                         ).status_code == 200


def test_consent_redacted_victims_never_leave_but_consenting_ones_do(
    api_client_for: Any, vocabulary: None,
) -> None:
    recipient_organisation = make_organisation()
    owner = make_user(Role.ANALYST)
    report = _report(owner, tlp=TLP.AMBER, audience_organisations=[recipient_organisation],
                     victims=[
                         {"kind": "candidate", "name": "Ana Privata", "region": "North",
                          "consent": "private"},
                         {"kind": "official", "name": "Ben Publico", "consent": "public"},
                     ])
    recipient = api_client_for(make_user(Role.ANALYST, organisation=recipient_organisation))

    seen_by_recipient = _event_of(recipient, report)
    values = {attribute.value for attribute in seen_by_recipient.attributes}
    assert "Ben Publico" in values
    assert "Ana Privata" not in values
    assert "Ana Privata" not in recipient.get(
        f"/misp/feed/{mapping.event_uuid(report.reference)}.json").content.decode()
    import hashlib

    private_hash = hashlib.md5(b"Ana Privata", usedforsecurity=False).hexdigest()
    assert private_hash not in recipient.get(HASHES).content.decode()
    # The organisation that described the victim knows who they are.
    assert "Ana Privata" in {a.value for a in _event_of(api_client_for(owner), report).attributes}


def _victim_tags(event: MISPEvent, name: str) -> set[str]:
    attributes = [attribute for attribute in event.attributes if attribute.value == name]
    assert len(attributes) == 1, f"{name} is not in the event"
    return {tag.name for tag in attributes[0].tags}


def test_a_victim_consenting_to_partners_only_is_marked_green_in_a_clear_event(
    api_client_for: Any, vocabulary: None,
) -> None:
    owner = make_user(Role.ANALYST)
    report = _report(owner, tlp=TLP.CLEAR, victims=[
        {"kind": "candidate", "name": "Carla Partnersonly", "consent": "partners"},
        {"kind": "official", "name": "Ben Publico", "consent": "public"}])

    event = _event_of(api_client_for(make_user(Role.ANALYST)), report)

    assert "tlp:clear" in _tag_names(event)
    # Capped as the STIX identity is: a MISP publishing CLEAR events sees the tag.
    assert _victim_tags(event, "Carla Partnersonly") == {"tlp:green"}
    assert _victim_tags(event, "Ben Publico") == set()


def test_a_private_victim_in_the_coordinators_feed_is_marked_amber_strict(
    tmp_path: Path, vocabulary: None,
) -> None:
    make_organisation(is_coordinator=True)
    owner = make_user(Role.ANALYST)
    report = _report(owner, tlp=TLP.GREEN, victims=[
        {"kind": "candidate", "name": "Pia Private", "region": "North", "consent": "private"}])

    call_command("export", "--format", "misp-feed", "-o", str(tmp_path), stderr=io.StringIO())

    event = MISPEvent()
    event.load_file(str(tmp_path / f"{mapping.event_uuid(report.reference)}.json"))
    assert "tlp:green" in _tag_names(event)
    assert _victim_tags(event, "Pia Private") == {"tlp:amber+strict"}


def test_a_feed_with_a_capped_victim_imports_as_a_report_no_wider_than_the_victims_consent(
    api_client_for: Any, vocabulary: None,
) -> None:
    owner = make_user(Role.ANALYST)
    report = _report(owner, tlp=TLP.CLEAR, victims=[
        {"kind": "candidate", "name": "Carla Partnersonly", "consent": "partners"}])
    event = _event_of(api_client_for(owner), report)

    imported = import_events(actor=make_user(Role.ANALYST), payload=event.to_json())

    assert imported.imported[0].report.tlp == TLP.GREEN


def test_two_victims_of_the_same_name_are_two_attributes_with_their_own_uuids(
    api_client_for: Any, vocabulary: None,
) -> None:
    owner = make_user(Role.ANALYST)
    report = _report(owner, observables=[], victims=[
        {"kind": "voters", "name": "Diaspora voters", "region": "North", "consent": "public"},
        {"kind": "voters", "name": "Diaspora voters", "region": "South", "consent": "public"}])

    event = _event_of(api_client_for(owner), report)

    victims = [attribute for attribute in event.attributes if attribute.value == "Diaspora voters"]
    assert sorted(attribute.comment for attribute in victims) == [
        "Group of voters, North", "Group of voters, South"]
    assert len({attribute.uuid for attribute in victims}) == 2


def test_a_confirmed_campaign_is_an_event_only_for_viewers_who_see_all_its_members(
    api_client_for: Any, vocabulary: None,
) -> None:
    correlation = pytest.importorskip("civicshield.correlation.models")
    partner = make_organisation()
    author = make_user(Role.ANALYST)
    open_report = _report(author, tlp=TLP.GREEN, observables=OBSERVABLES[:2])
    narrow = _report(author, tlp=TLP.AMBER, audience_organisations=[partner],
                     observables=OBSERVABLES[2:3])
    campaign = correlation.Campaign.objects.create(name="Registration-site wave",
                                                   status="confirmed")
    for report in (open_report, narrow):
        correlation.Membership.objects.create(campaign=campaign, report=report)
    campaign_event = f"/misp/feed/{mapping.campaign_uuid(campaign.pk)}.json"

    insider = api_client_for(make_user(Role.ANALYST, organisation=partner))
    event = MISPEvent()
    event.load(insider.get(campaign_event).content)
    assert event.info == "Campaign: Registration-site wave"
    assert "tlp:amber" in _tag_names(event)  # the narrowest marking of its members
    assert {a.value for a in event.attributes} == {
        "veridia-vote-check.example", "https://veridia-vote-check.example/register",
        "203.0.113.7"}
    assert mapping.campaign_uuid(campaign.pk) in insider.get(MANIFEST).json()

    outsider = api_client_for(make_user(Role.ANALYST))  # sees the GREEN member only
    assert mapping.campaign_uuid(campaign.pk) not in outsider.get(MANIFEST).json()
    assert outsider.get(campaign_event).status_code == 404


def test_exercise_reports_are_never_in_the_feed(api_client_for: Any, vocabulary: None) -> None:
    author = make_user(Role.ANALYST)
    exercise = _report(author, source=Source.EXERCISE)
    client = api_client_for(author)
    assert mapping.event_uuid(exercise.reference) not in client.get(MANIFEST).json()
    assert client.get(f"/misp/feed/{mapping.event_uuid(exercise.reference)}.json"
                      ).status_code == 404


@pytest.mark.parametrize("path", [MANIFEST, HASHES, "/misp/feed/{event}.json"])
def test_the_feed_needs_a_token_and_a_session_cookie_alone_is_refused(
    path: str, client_for: Any, vocabulary: None,
) -> None:
    author = make_user(Role.ANALYST)
    report = _report(author, tlp=TLP.CLEAR)
    url = path.format(event=mapping.event_uuid(report.reference))

    anonymous = Client().get(url)
    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"].startswith("Bearer")
    assert client_for(author).get(url).status_code == 401
    assert Client(headers={"Authorization": "Bearer cs_not-a-token"}).get(url).status_code == 401
    secret = _token(author)
    for header in (f"Bearer {secret}", f"Token {secret}", secret):
        assert Client(headers={"Authorization": header}).get(url).status_code == 200, header


def test_every_feed_read_is_audited(api_client_for: Any, vocabulary: None) -> None:
    author = make_user(Role.ANALYST)
    report = _report(author, tlp=TLP.AMBER)
    client = api_client_for(author)
    client.get(MANIFEST)
    client.get(HASHES)
    client.get(f"/misp/feed/{mapping.event_uuid(report.reference)}.json")
    entries = AuditEntry.objects.filter(actor=author).order_by("id")
    assert [e.action for e in entries if e.action.startswith(("misp.", "report."))] == [
        "report.create", "misp.feed_manifest", "misp.feed_hashes", "report.export"]
    export = entries.get(action="report.export")
    assert export.object_id == str(report.pk)
    assert export.details == {"format": "misp", "event": mapping.event_uuid(report.reference),
                              "tlp": TLP.AMBER}
    assert entries.get(action="misp.feed_manifest").surface == "api"


def test_a_partners_fetch_of_an_amber_event_is_in_the_owners_list_of_readers(
    api_client_for: Any, vocabulary: None,
) -> None:
    partner = make_organisation()
    owner = make_user(Role.ANALYST)
    amber = _report(owner, tlp=TLP.AMBER, audience_organisations=[partner])
    green = _report(owner, tlp=TLP.GREEN)
    reader = make_user(Role.ANALYST, organisation=partner)
    for report in (amber, green):
        _event_of(api_client_for(reader), report)

    reads = api_client_for(owner).get(f"/api/v1/reports/{amber.pk}/reads").json()

    assert [(entry["who"], entry["action"]) for entry in reads] == [
        (reader.username, "report.export")]
    # As on the report's own page, only AMBER, AMBER+STRICT and RED reads are noted.
    assert api_client_for(owner).get(f"/api/v1/reports/{green.pk}/reads").json() == []


def test_the_manifest_costs_the_same_queries_for_two_reports_as_for_eight(
    api_client_for: Any, vocabulary: None,
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    author = make_user(Role.ANALYST)
    client = api_client_for(author)
    client.get(MANIFEST)  # the token's first use is noted once
    counts = []
    for total in (2, 8):
        while Report.objects.count() < total:
            _report(author)
        with CaptureQueriesContext(connection) as queries:
            assert len(client.get(MANIFEST).json()) == total
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- Import ----------------------------------------------------------------------------


def _pymisp_event() -> MISPEvent:
    event = MISPEvent()
    event.info = "Inauthentic network amplifies a fake polling-station change"
    event.set_date((timezone.now() - timedelta(days=3)).date())
    event.threat_level_id = 1
    event.analysis = 1
    event.add_tag("tlp:white")
    event.add_tag('misp-galaxy:disarm-techniques="Flood Information Space"')
    event.add_tag('admiralty-scale:source-reliability="b"')
    event.add_tag("partner-internal-label")
    # The galaxy's T0097 is "Create Personas"; ours is "Present Persona": not a match.
    event.add_tag('misp-galaxy:disarm-techniques="Create Personas"')
    event.add_attribute("domain", "polling-moved.example")
    event.add_attribute("ip-src", "198.51.100.23")
    event.add_attribute("url", "http://polling-moved.example/station/12")
    event.add_attribute("sha1", "c" * 40)
    event.add_attribute("AS", "AS64500")  # no observable type for autonomous systems
    hashtag = event.add_attribute("text", "#StationMoved")
    assert isinstance(hashtag, MISPAttribute)
    return event


@needs_shared_data
def test_a_pymisp_built_event_becomes_a_report_with_observables_tlp_and_techniques(
    disarm: None, api_client_for: Any,
) -> None:
    vocab_services.import_file(
        actor=OPERATOR, path=vocab_services.VENDOR_DIR / "misp-taxonomies/admiralty-scale.json")
    analyst = make_user(Role.ANALYST)
    event = _pymisp_event()

    response = api_client_for(analyst).post("/api/v1/misp/events", event.to_json(),
                                            content_type="application/json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert [item["event"] for item in body["imported"]] == [event.uuid]
    assert body["skipped_attributes"] == [{
        "event": event.uuid, "attribute": event.attributes[4].uuid, "type": "AS",
        "reason": "MISP type “AS” has no observable type here (docs/misp.md)"}]
    report = Report.objects.get(pk=body["imported"][0]["report_id"])
    assert report.tlp == TLP.CLEAR  # tlp:white is TLP 1.0 for CLEAR
    assert report.owner_organisation == analyst.organisation
    assert report.title == event.info and report.source == Source.AUTOMATED_FEED
    assert report.severity == 4 and report.status == "triaged"
    assert [term.code for term in report.techniques.all()] == ["T0049"]
    assert {(o.type, o.value) for o in report.observables.all()} == {
        ("domain", "polling-moved.example"), ("ipv4", "198.51.100.23"),
        ("url", "http://polling-moved.example/station/12"), ("sha1", "c" * 40),
        ("hashtag", "#stationmoved"),
    }
    assert 'admiralty-scale:source-reliability="b"' in report.description
    assert "partner-internal-label" in body["imported"][0]["labels"]
    assert 'misp-galaxy:disarm-techniques="Create Personas"' in body["imported"][0]["labels"]
    assert AuditEntry.objects.filter(action="report.create", object_id=str(report.pk)).count() == 1
    assert AuditEntry.objects.filter(action="misp.import").count() == 1


def test_the_narrowest_tlp_of_event_and_attributes_wins_and_red_goes_to_the_importer(
    api_client_for: Any, vocabulary: None,
) -> None:
    analyst = make_user(Role.ANALYST)
    event = MISPEvent()
    event.info = "Leaked candidate list"
    event.add_tag("tlp:green")
    attribute = event.add_attribute("domain", "leak-drop.example")
    attribute.add_tag("tlp:red")

    response = api_client_for(analyst).post("/api/v1/misp/events", event.to_json(),
                                            content_type="application/json")

    assert response.status_code == 201, response.content
    report = Report.objects.get()
    assert report.tlp == TLP.RED
    assert list(report.audience_users.all()) == [analyst]


def test_round_trip_export_then_import_on_a_clean_database_gives_the_same_observables(
    tmp_path: Path, vocabulary: None,
) -> None:
    owner_organisation = make_organisation(slug="observers")
    author = make_user(Role.ANALYST, organisation=owner_organisation)
    first = _report(author, tlp=TLP.AMBER, phases=["voter_registration"],
                    information_types=["phishing"], severity=2, confidence="low",
                    title="Registrars phished")
    second = _report(author, tlp=TLP.CLEAR, observables=OBSERVABLES[6:], title="Hashtag push")

    def summary(report: Report) -> tuple[Any, ...]:
        return (report.tlp, {(o.type, o.value) for o in report.observables.all()},
                report.severity, report.confidence, report.description.split("\n\n")[0],
                sorted(t.code for t in report.phases.all()),
                sorted(t.code for t in report.information_types.all()))

    before = {report.title: summary(report) for report in (first, second)}
    write_feed(tmp_path, viewer=author)
    Report.objects.all().delete()
    Observable.objects.all().delete()
    Victim.objects.all().delete()

    events = [json.loads(path.read_text()) for path in sorted(tmp_path.glob("*.json"))
              if path.name != "manifest.json"]
    result = import_events(actor=OPERATOR, payload=json.dumps(events),
                           organisation=owner_organisation)

    assert len(result.imported) == 2 and not result.skipped_attributes
    assert {item.report.title: summary(item.report) for item in result.imported} == before


def test_round_trip_keeps_every_observable_type(tmp_path: Path, vocabulary: None) -> None:
    organisation = make_organisation()
    author = make_user(Role.ANALYST, organisation=organisation)
    report = _report(author)
    expected = {(o.type, o.value) for o in report.observables.all()}
    event = feed.build_event(author, feed.reports_in_feed(author).get(pk=report.pk))
    Report.objects.all().delete()
    Observable.objects.all().delete()

    result = import_events(actor=OPERATOR, payload=event, organisation=organisation)

    imported = result.imported[0].report
    assert {(o.type, o.value) for o in imported.observables.all()} == expected
    assert len(expected) == len(OBSERVABLES)


# --- Bad input: named, and nothing written ---------------------------------------------


def _state() -> tuple[int, int, int]:
    return Report.objects.count(), Observable.objects.count(), AuditEntry.objects.count()


def test_bad_json_is_a_400_and_writes_nothing(api_client_for: Any, vocabulary: None) -> None:
    client = api_client_for(make_user(Role.ANALYST))
    before = _state()
    response = client.post("/api/v1/misp/events", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("__all__: not JSON")
    response = client.post("/api/v1/misp/events", "[1, 2]", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"]["events[0]"] == ["event #0: is not a JSON object"]
    assert _state() == before


def test_one_bad_attribute_in_a_list_names_event_and_attribute_and_nothing_is_written(
    api_client_for: Any, vocabulary: None,
) -> None:
    client = api_client_for(make_user(Role.ANALYST))
    good, bad = MISPEvent(), MISPEvent()
    good.info, bad.info = "Good event", "Bad event"
    good.add_attribute("domain", "fine-domain.example")
    bad.add_attribute("domain", "also-fine.example")
    broken = bad.add_attribute("ip-dst", "999.1.1.1")
    payload = json.dumps({"response": [json.loads(good.to_json()), json.loads(bad.to_json())]})
    before = _state()

    response = client.post("/api/v1/misp/events", payload, content_type="application/json")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == ["events[1].Attribute[1].value"]
    message = errors["events[1].Attribute[1].value"][0]
    assert bad.uuid in message and broken.uuid in message and "999.1.1.1" in message
    assert _state() == before


def test_a_malformed_event_is_named(api_client_for: Any, vocabulary: None) -> None:
    payload = [{"Event": {"uuid": "11111111-2222-4333-8444-555555555555", "info": "",
                          "threat_level_id": "9", "date": "yesterday",
                          "Attribute": [{"type": "domain"}]}}]
    response = api_client_for(make_user(Role.ANALYST)).post(
        "/api/v1/misp/events", json.dumps(payload), content_type="application/json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"events[0].info", "events[0].threat_level_id", "events[0].date",
                           "events[0].Attribute[0].value"}
    assert all(m.startswith("event 11111111-2222-4333-8444-555555555555: ")
               for messages in errors.values() for m in messages)
    assert not Report.objects.exists()


@pytest.mark.parametrize(("body", "named"), [
    ('{"info": "x", "threat_level_id": Infinity}', "events[0].threat_level_id"),
    ('{"info": "x", "threat_level_id": true}', "events[0].threat_level_id"),
    ('{"info": "x", "Tag": 5}', "events[0].Tag"),
    ('{"info": "x", "Tag": [{"Tag": "tlp:red"}]}', "events[0].Tag[0]"),
    ('{"info": "x", "EventTag": [{"Tag": "tlp:red"}]}', "events[0].EventTag[0]"),
    ('{"info": "x", "EventReport": 1}', "events[0].EventReport"),
    ('{"info": "x", "EventReport": ["text"]}', "events[0].EventReport[0]"),
    ('{"info": "x", "Galaxy": 1}', "events[0].Galaxy"),
    ('{"info": "x", "Galaxy": [{"GalaxyCluster": 1}]}', "events[0].Galaxy[0].GalaxyCluster"),
    ('{"info": "x", "Attribute": [{"type": "domain", "value": "a.example", "Tag": 5}]}',
     "events[0].Attribute[0].Tag"),
    ('{"info": "Robocalls\\u0000", "Tag": [{"name": "tlp:amber"}]}', "events[0].info"),
    ('{"info": "x", "Tag": [{"name": "tlp:amber"}, {"name": "label\\u0000"}]}',
     "events[0].Tag[1].name"),
    ('{"info": "x", "Attribute": [{"type": "target-org", "value": "Party\\u0000HQ"}]}',
     "events[0].Attribute[0].value"),
    ('{"info": "x", "threat_level_id": ' + "1" * 5000 + "}", "__all__"),
], ids=["infinite threat level", "boolean threat level", "Tag not a list", "Tag of a string",
        "EventTag of a string", "EventReport not a list", "EventReport of a string",
        "Galaxy not a list", "GalaxyCluster not a list", "attribute Tag not a list",
        "NUL in info", "NUL in a tag", "NUL in a target", "integer longer than Python reads"])
def test_a_malformed_event_answers_400_naming_the_field(
    vocabulary: None, body: str, named: str,
) -> None:
    secret = _token(make_user(Role.ANALYST))
    client = Client(headers={"Authorization": f"Bearer {secret}"},
                    raise_request_exception=False)
    before = _state()

    response = client.post("/api/v1/misp/events", body, content_type="application/json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [named]
    assert _state() == before


def test_an_event_dated_today_east_of_utc_is_imported_as_observed_now(
    monkeypatch: pytest.MonkeyPatch, vocabulary: None,
) -> None:
    # 20:00 UTC on 1 March is 09:00 on 2 March in Auckland, where the event was created.
    now = datetime(2025, 3, 1, 20, 0, tzinfo=UTC)
    monkeypatch.setattr(timezone, "now", lambda: now)
    analyst = make_user(Role.ANALYST)
    event = {"info": "Created this morning in Auckland", "date": "2025-03-02",
             "Tag": [{"name": "tlp:green"}]}

    report = import_events(actor=analyst, payload=[event]).imported[0].report

    assert report.observed_start == now
    with pytest.raises(InvalidEvents) as refused:  # no calendar is two days ahead
        import_events(actor=analyst, payload=[{**event, "date": "2025-03-03"}])
    assert list(refused.value.errors) == ["events[0].date"]


def test_import_needs_a_token(vocabulary: None) -> None:
    response = Client().post("/api/v1/misp/events", "{}", content_type="application/json")
    assert response.status_code == 401


def _write(tmp_path: Path, payload: Any) -> str:
    path = tmp_path / "events.json"
    path.write_text(json.dumps(payload))
    return str(path)


def test_the_organisation_a_command_line_import_is_for_identifies_the_targets_it_names(
    tmp_path: Path, api_client_for: Any, vocabulary: None,
) -> None:
    cec = make_organisation(slug="cec")
    event = MISPEvent()
    event.info = "Candidate targeted by a smear site"
    event.add_tag("tlp:amber")
    event.add_attribute("target-user", "Dana Target")

    call_command("import_misp", _write(tmp_path, json.loads(event.to_json())),
                 "--organisation", "cec", stdout=io.StringIO(), stderr=io.StringIO())

    report = Report.objects.get()
    assert report.victims.get().recorded_by == cec
    analyst = api_client_for(make_user(Role.ANALYST, organisation=cec))
    assert "Dana Target" in {attribute.value for attribute in _event_of(analyst, report).attributes}


def test_import_misp_command_is_all_or_nothing_and_exits_2(
    tmp_path: Path, vocabulary: None,
) -> None:
    make_organisation(slug="cec")
    good, bad = MISPEvent(), MISPEvent()
    good.info, bad.info = "Good event", "Bad event"
    good.add_attribute("url", "https://fine.example/a")
    bad.add_attribute("email-src", "not-an-address")
    path = _write(tmp_path, [json.loads(good.to_json()), json.loads(bad.to_json())])
    before = _state()

    with pytest.raises(CommandError) as failure:
        call_command("import_misp", path, "--organisation", "cec",
                     stderr=(stderr := io.StringIO()))
    assert failure.value.returncode == 2
    assert bad.uuid in stderr.getvalue() and "events[1].Attribute[0].value" in stderr.getvalue()
    assert _state() == before

    call_command("import_misp", path, "--organisation", "cec", "--skip-invalid",
                 stdout=(stdout := io.StringIO()), stderr=(stderr := io.StringIO()))
    assert Report.objects.count() == 1
    assert f"Skipped event {bad.uuid} (events[1])" in stderr.getvalue()
    assert "1 reports, 0 unchanged, 1 events skipped" in stdout.getvalue()
    entry = AuditEntry.objects.get(action="misp.import")
    assert entry.surface == "cli" and entry.details["skipped_events"] == [bad.uuid]


# --- Re-importing an event: one report per organisation and event uuid -----------------

DAY_ONE = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def _versioned_event(*, uuid: str | None = None, at: datetime | None = DAY_ONE,
                     info: str = "Robocalls give the wrong polling day",
                     domains: tuple[str, ...] = ("wrong-day.example",),
                     phases: tuple[str, ...] = ("campaign",), tlp: str = "tlp:amber"
                     ) -> MISPEvent:
    """An event as MISP serves it, with its `timestamp` (its version)."""
    event = MISPEvent(force_timestamps=True)
    if uuid:
        event.uuid = uuid
    event.info = info
    event.set_date(date(2025, 2, 27))
    event.threat_level_id = 2
    if at is not None:
        event.timestamp = at
    event.add_tag(tlp)
    for phase in phases:
        event.add_tag(mapping.own_tag(mapping.PHASE_PREDICATE, phase))
    for domain in domains:
        event.add_attribute("domain", domain)
    return event


def _post(client: Client, event: MISPEvent) -> Any:
    response = client.post("/api/v1/misp/events", event.to_json(),
                           content_type="application/json")
    assert response.status_code in (201, 400), response.content
    return response


def _last_import() -> AuditEntry:
    return AuditEntry.objects.filter(action="misp.import").order_by("-id").first()


@pytest.mark.parametrize("at", [DAY_ONE, None], ids=["with timestamp", "without timestamp"])
def test_importing_the_same_event_twice_leaves_one_report(
        api_client_for: Any, vocabulary: None, at: datetime | None) -> None:
    analyst = make_user(Role.ANALYST)
    client = api_client_for(analyst)
    event = _versioned_event(at=at)
    first = _post(client, event).json()["imported"][0]
    writes_before = AuditEntry.objects.exclude(action="misp.import").count()

    again = _post(client, event).json()

    assert again["imported"] == [] and again["skipped_events"] == []
    assert again["unchanged"] == [{"event": event.uuid, "report_id": first["report_id"]}]
    report = Report.objects.get()
    assert report.pk == first["report_id"] and report.observables.count() == 1
    assert AuditEntry.objects.exclude(action="misp.import").count() == writes_before
    assert _last_import().details["unchanged"] == [event.uuid]
    result = import_events(actor=analyst, payload=event.to_json())
    assert [(item.event, item.report) for item in result.unchanged] == [(event.uuid, report)]


def test_the_same_event_twice_in_one_payload_makes_one_report(vocabulary: None) -> None:
    analyst = make_user(Role.ANALYST)
    event = json.loads(_versioned_event().to_json())

    result = import_events(actor=analyst, payload=[event, event])

    assert len(result.imported) == 1 and [item.event for item in result.unchanged] == [
        event["uuid"]]
    assert Report.objects.count() == 1


def test_a_newer_timestamp_updates_the_report_and_an_older_one_is_ignored(
        api_client_for: Any, vocabulary: None) -> None:
    analyst = make_user(Role.ANALYST)
    client = api_client_for(analyst)
    first = _versioned_event()
    report_id = _post(client, first).json()["imported"][0]["report_id"]
    newer = _versioned_event(uuid=first.uuid, at=DAY_ONE + timedelta(hours=2),
                             info="Robocalls give the wrong polling day and station",
                             domains=("wrong-day.example", "wrong-station.example"),
                             phases=("voting_operations",))

    response = _post(client, newer).json()

    assert [(item["event"], item["report_id"]) for item in response["imported"]] == [
        (first.uuid, report_id)]
    report = Report.objects.get()
    assert report.title == "Robocalls give the wrong polling day and station"
    assert {o.value for o in report.observables.all()} == {"wrong-day.example",
                                                          "wrong-station.example"}
    # Vocabulary is added to, as a STIX update does; nothing is taken away.
    assert sorted(term.code for term in report.phases.all()) == ["campaign", "voting_operations"]
    assert AuditEntry.objects.filter(action="report.update",
                                     object_id=str(report.pk)).count() == 1
    assert _last_import().details["updated"] == [report.reference]
    result = import_events(actor=analyst, payload=newer.to_json())
    assert not result.imported and len(result.unchanged) == 1

    older = _versioned_event(uuid=first.uuid, at=DAY_ONE - timedelta(days=1),
                             info="An older draft", domains=("older.example",))
    assert _post(client, older).json()["imported"] == []
    report.refresh_from_db()
    assert report.title == "Robocalls give the wrong polling day and station"
    assert not report.observables.filter(value="older.example").exists()


def test_a_newer_event_that_narrows_its_marking_narrows_the_report(
        vocabulary: None) -> None:
    analyst = make_user(Role.ANALYST)
    event = _versioned_event(tlp="tlp:green")
    report = import_events(actor=analyst, payload=event.to_json()).imported[0].report

    narrowed = _versioned_event(uuid=event.uuid, at=DAY_ONE + timedelta(days=1),
                                tlp="tlp:red")
    result = import_events(actor=analyst, payload=narrowed.to_json())

    assert result.imported[0].updated and result.imported[0].report.pk == report.pk
    report.refresh_from_db()
    assert report.tlp == TLP.RED and list(report.audience_users.all()) == [analyst]


@pytest.mark.parametrize("narrowed", [TLP.AMBER_STRICT, TLP.RED])
def test_a_newer_event_with_an_unchanged_tlp_tag_keeps_the_marking_an_analyst_narrowed(
        vocabulary: None, narrowed: str) -> None:
    analyst = make_user(Role.ANALYST)
    event = _versioned_event(tlp="tlp:green")
    report = import_events(actor=analyst, payload=event.to_json()).imported[0].report
    update_report(actor=analyst, report=report, changes={
        "tlp": narrowed, "audience_users": [analyst] if narrowed == TLP.RED else []})

    typo_fixed = _versioned_event(uuid=event.uuid, at=DAY_ONE + timedelta(hours=1),
                                  info="Robocalls give the wrong polling day (typo fixed)",
                                  tlp="tlp:green")
    result = import_events(actor=analyst, payload=typo_fixed.to_json())

    assert result.imported[0].updated and result.imported[0].marking_kept is None
    report.refresh_from_db()
    assert report.title == typo_fixed.info
    assert report.tlp == narrowed


def test_a_newer_event_that_widens_its_marking_leaves_the_report_narrower_and_says_so(
        api_client_for: Any, vocabulary: None) -> None:
    analyst = make_user(Role.ANALYST)
    client = api_client_for(analyst)
    event = _versioned_event(tlp="tlp:amber")
    report_id = _post(client, event).json()["imported"][0]["report_id"]

    widened = _versioned_event(uuid=event.uuid, at=DAY_ONE + timedelta(days=1),
                               tlp="tlp:clear", info="Now public")
    imported = _post(client, widened).json()["imported"]

    assert [(item["report_id"], item["tlp"], item["marking_kept"]) for item in imported] == [
        (report_id, TLP.AMBER, TLP.CLEAR)]
    report = Report.objects.get()
    assert report.title == "Now public" and report.tlp == TLP.AMBER
    assert _last_import().details["marking_kept"] == [report.reference]
    # Narrowed again later: the change narrows the report.
    narrowed = _versioned_event(uuid=event.uuid, at=DAY_ONE + timedelta(days=2),
                                tlp="tlp:amber+strict")
    assert _post(client, narrowed).json()["imported"][0]["marking_kept"] is None
    report.refresh_from_db()
    assert report.tlp == TLP.AMBER_STRICT


@pytest.mark.django_db(transaction=True)
def test_events_received_before_the_imported_marking_was_kept_take_their_reports(
        vocabulary: None) -> None:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    analyst = make_user(Role.ANALYST)
    report = _report(analyst, tlp=TLP.AMBER_STRICT)
    executor = MigrationExecutor(connection)
    before = [("sharing", "0012_peer_errors_without_credentials")]
    try:
        executor.migrate(before)
        others = [node for node in executor.loader.graph.leaf_nodes() if node[0] != "sharing"]
        apps = executor.loader.project_state([*others, *before]).apps
        apps.get_model("sharing", "ReceivedMispEvent").objects.create(
            organisation_id=report.owner_organisation_id, report_id=report.pk,
            event_uuid="11111111-2222-4333-8444-555555555555")
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())

    assert ReceivedMispEvent.objects.get().tlp == TLP.AMBER_STRICT


def test_another_organisation_importing_the_same_event_gets_its_own_report(
        api_client_for: Any, vocabulary: None) -> None:
    first_analyst, other_analyst = make_user(Role.ANALYST), make_user(Role.ANALYST)
    event = _versioned_event(tlp="tlp:amber+strict")
    theirs = _post(api_client_for(first_analyst), event).json()["imported"][0]
    newer = _versioned_event(uuid=event.uuid, at=DAY_ONE + timedelta(days=1),
                             info="Rewritten by the second organisation")

    ours = _post(api_client_for(other_analyst), newer).json()["imported"][0]

    assert ours["report_id"] != theirs["report_id"] and ours["reference"] != theirs["reference"]
    assert Report.objects.get(pk=ours["report_id"]).owner_organisation == \
        other_analyst.organisation
    untouched = Report.objects.get(pk=theirs["report_id"])
    assert untouched.title == event.info and untouched.tlp == TLP.AMBER_STRICT
    assert theirs["reference"] not in json.dumps(_last_import().details)


def test_a_red_report_of_a_colleague_is_neither_revealed_nor_overwritten(
        api_client_for: Any, vocabulary: None) -> None:
    author = make_user(Role.ANALYST)
    colleague = make_user(Role.ANALYST, organisation=author.organisation)
    event = _versioned_event(tlp="tlp:red")
    report = import_events(actor=author, payload=event.to_json()).imported[0].report

    same = import_events(actor=colleague, payload=event.to_json())
    assert [(item.event, item.report) for item in same.unchanged] == [(event.uuid, None)]

    newer = _versioned_event(uuid=event.uuid, at=DAY_ONE + timedelta(days=1), tlp="tlp:red",
                             info="Overwritten?")
    response = _post(api_client_for(colleague), newer)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["events[0].uuid"]
    assert report.reference not in response.content.decode()
    report.refresh_from_db()
    assert report.title == event.info


def test_a_contributor_cannot_apply_a_newer_version_of_an_imported_event(
        vocabulary: None) -> None:
    analyst = make_user(Role.ANALYST)
    contributor = make_user(Role.CONTRIBUTOR, organisation=analyst.organisation)
    event = _versioned_event()
    import_events(actor=analyst, payload=event.to_json())
    newer = _versioned_event(uuid=event.uuid, at=DAY_ONE + timedelta(days=1), info="Changed")

    with pytest.raises(InvalidEvents) as refused:
        import_events(actor=contributor, payload=newer.to_json())

    assert list(refused.value.errors) == ["events[0].uuid"]
    assert Report.objects.get().title == event.info


def test_a_bad_uuid_or_timestamp_is_named(vocabulary: None) -> None:
    payload = [{"uuid": "not-a-uuid", "info": "Bad version", "timestamp": "yesterday"}]

    with pytest.raises(InvalidEvents) as refused:
        import_events(actor=make_user(Role.ANALYST), payload=payload)

    assert set(refused.value.errors) == {"events[0].uuid", "events[0].timestamp"}
    assert not Report.objects.exists()


@pytest.mark.parametrize("value", [12345, ["11111111-2222-4333-8444-555555555555"]],
                         ids=["number", "list"])
def test_a_uuid_that_is_not_a_string_is_named(vocabulary: None, value: Any) -> None:
    with pytest.raises(InvalidEvents) as refused:
        import_events(actor=make_user(Role.ANALYST),
                      payload=[{"uuid": value, "info": "Numeric uuid", "timestamp": "1"}])

    assert list(refused.value.errors) == ["events[0].uuid"]
    assert not Report.objects.exists()


def test_the_command_line_reimports_an_event_as_unchanged(
        tmp_path: Path, vocabulary: None) -> None:
    make_organisation(slug="cec")
    path = _write(tmp_path, json.loads(_versioned_event().to_json()))

    outputs = [io.StringIO(), io.StringIO()]
    for output in outputs:
        call_command("import_misp", path, "--organisation", "cec",
                     stdout=output, stderr=io.StringIO())

    assert Report.objects.count() == 1
    assert "0 reports, 1 unchanged" in outputs[1].getvalue()
    assert _last_import().surface == "cli" and len(_last_import().details["unchanged"]) == 1


def test_the_command_line_says_when_a_newer_event_would_have_widened_its_report(
        tmp_path: Path, vocabulary: None) -> None:
    make_organisation(slug="cec")
    event = _versioned_event(tlp="tlp:amber")
    widened = _versioned_event(uuid=event.uuid, at=DAY_ONE + timedelta(days=1),
                               tlp="tlp:clear")
    output = io.StringIO()

    for version, stdout in ((event, io.StringIO()), (widened, output)):
        call_command("import_misp", _write(tmp_path, json.loads(version.to_json())),
                     "--organisation", "cec", stdout=stdout, stderr=io.StringIO())

    assert "(TLP:AMBER) updated" in output.getvalue()
    assert "the event is now marked TLP:CLEAR: the report keeps its narrower marking" in \
        output.getvalue()


def test_attributes_the_source_flags_to_ids_become_indicators_of_the_report(
        api_client_for: Any, vocabulary: None) -> None:
    from civicshield.sharing.stix.export import BundleFilters, bundle_objects

    analyst = make_user(Role.ANALYST)
    event = json.loads(_versioned_event(domains=("flagged.example", "context.example"))
                       .to_json())
    for attribute in event["Attribute"]:
        attribute["to_ids"] = attribute["value"] == "flagged.example"

    report = import_events(actor=analyst, payload=[event]).imported[0].report

    patterns = [body["pattern"] for body in bundle_objects(analyst, BundleFilters())
                if body["type"] == "indicator"]
    assert patterns == ["[domain-name:value = 'flagged.example']"]
    exported = {a.value: a.to_ids for a in _event_of(api_client_for(analyst), report).attributes}
    assert exported == {"flagged.example": True, "context.example": False}


def test_a_head_request_for_an_event_file_is_not_noted_as_a_read(vocabulary: None) -> None:
    partner = make_organisation()
    owner = make_user(Role.ANALYST)
    amber = _report(owner, tlp=TLP.AMBER, audience_organisations=[partner])
    secret = _token(make_user(Role.ANALYST, organisation=partner))
    reader = Client(headers={"Authorization": f"Bearer {secret}"})
    url = f"/misp/feed/{mapping.event_uuid(amber.reference)}.json"

    response = reader.head(url)

    assert response.status_code == 200 and response.content == b""
    assert not AuditEntry.objects.filter(action="report.export").exists()
    reader.get(url)
    assert AuditEntry.objects.filter(action="report.export").count() == 1


def test_a_green_event_serving_a_private_victims_identity_is_noted_as_a_read(
        vocabulary: None) -> None:
    coordinator = make_user(Role.ANALYST, organisation=make_organisation(is_coordinator=True))
    report = _report(make_user(Role.ANALYST), tlp=TLP.GREEN, victims=[
        {"kind": "candidate", "name": "Pia Private", "region": "North", "consent": "private"}])
    reader = Client(headers={"Authorization": f"Bearer {_token(coordinator)}"})

    response = reader.get(f"/misp/feed/{mapping.event_uuid(report.reference)}.json")

    assert "Pia Private" in response.content.decode()
    [read] = AuditEntry.objects.filter(action="report.export", actor=coordinator)
    assert read.details["tlp"] == TLP.AMBER_STRICT
