"""What the collections hold as records and objects change: every version, readable only by
the record's present audience; objects several records share; dates that count nothing
hidden; objects a sender shares that someone else holds already."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
from django.test import Client

from civicshield.core.authz import OPERATOR
from civicshield.core.choices import Role
from civicshield.core.markings import TLP
from civicshield.core.services import issue_token
from civicshield.reports.choices import ObservableType
from civicshield.reports.models import Observable, Report, ReportObservable
from civicshield.sharing.models import StixObjectVersion, TaxiiEntry
from civicshield.sharing.stix.ids import collection_id
from civicshield.sharing.stix.import_ import import_stix
from civicshield.sharing.stix.publish import sync_reports
from tests.factories import make_organisation, make_user
from tests.report_factories import make_report

pytestmark = pytest.mark.django_db

MEDIA = "application/taxii+json;version=2.1"
CLEAR = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
AMBER = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"


def _client(user: Any) -> Client:
    secret = issue_token(user=user, label="taxii").secret
    return Client(headers={"Accept": MEDIA, "Authorization": f"Bearer {secret}"})


def _objects(key: str, stix_id: str = "") -> str:
    url = f"/taxii2/api/collections/{collection_id(key)}/objects/"
    return f"{url}{stix_id}/" if stix_id else url


def _change(report: Any, **fields: Any) -> None:
    time.sleep(0.002)  # a new `modified`
    for name, value in fields.items():
        setattr(report, name, value)
    report.save()
    sync_reports()


def _titles(client: Client, key: str, **query: str) -> list[str]:
    page = client.get(_objects(key), {"match[type]": "report", **query}).json()
    return [body["name"] for body in page.get("objects", [])]


# --- A record's versions are readable as the record now is --------------------------------


def test_narrowing_a_report_to_red_hides_its_earlier_versions_from_the_unnamed() -> None:
    owner, recipient = make_organisation(), make_organisation()
    named, colleague = make_user(organisation=recipient), make_user(organisation=recipient)
    report = make_report(tlp=TLP.AMBER, owner=owner, organisations=[recipient],
                         title="Before")
    sync_reports()
    assert _titles(_client(colleague), f"org:{recipient.pk}") == ["Before"]

    report.audience_organisations.set([])
    report.audience_users.set([named])
    _change(report, tlp=TLP.RED, title="After")

    colleague_client = _client(colleague)
    for version in ("all", "first", "last"):
        assert _titles(colleague_client, f"org:{recipient.pk}",
                       **{"match[version]": version}) == []
    stix_id = TaxiiEntry.objects.filter(source_report=report, type="report").first().stix_id
    assert "versions" not in colleague_client.get(
        _objects(f"org:{recipient.pk}", stix_id) + "versions/").json()
    # The one named sees both versions, marked as the report now is.
    assert sorted(_titles(_client(named), f"org:{recipient.pk}",
                          **{"match[version]": "all"})) == ["After", "Before"]


def test_narrowing_to_amber_strict_hides_earlier_versions_from_sub_organisations() -> None:
    owner, recipient = make_organisation(), make_organisation()
    in_sub_organisation = make_user(organisation=make_organisation(parent=recipient))
    report = make_report(tlp=TLP.AMBER, owner=owner, organisations=[recipient],
                         title="Before")
    sync_reports()
    assert _titles(_client(in_sub_organisation), f"org:{recipient.pk}") == ["Before"]

    _change(report, tlp=TLP.AMBER_STRICT, title="After")

    assert _titles(_client(in_sub_organisation), f"org:{recipient.pk}",
                   **{"match[version]": "all"}) == []


# --- Versions ------------------------------------------------------------------------------


def _indicator(stix_id: str, modified: str, marking: str = GREEN) -> dict[str, Any]:
    return {"type": "indicator", "spec_version": "2.1", "id": stix_id,
            "created": "2024-01-01T00:00:00.000Z", "modified": modified,
            "pattern": "[domain-name:value = 'x.example']", "pattern_type": "stix",
            "valid_from": "2024-01-01T00:00:00Z", "object_marking_refs": [marking]}


def test_every_version_received_is_served_and_the_newest_stays_the_latest() -> None:
    client = _client(make_user(Role.ANALYST, organisation=make_organisation()))
    stix_id = f"indicator--{uuid.uuid4()}"
    march, february, january = ("2024-03-01T00:00:00.000Z", "2024-02-01T00:00:00.000Z",
                                "2024-01-15T00:00:00.000Z")
    status = client.post(_objects("community"), json.dumps({"objects": [
        _indicator(stix_id, march), _indicator(stix_id, february)]}), content_type=MEDIA)
    assert status.json()["success_count"] == 2
    # An older version still, later.
    assert client.post(_objects("community"), json.dumps({"objects": [
        _indicator(stix_id, january)]}), content_type=MEDIA).status_code == 202

    versions = client.get(_objects("community", stix_id) + "versions/").json()["versions"]
    assert sorted(versions) == ["2024-01-15T00:00:00.000000Z", "2024-02-01T00:00:00.000000Z",
                        "2024-03-01T00:00:00.000000Z"]

    def modified(version: str) -> list[str]:
        page = client.get(_objects("community", stix_id), {"match[version]": version}).json()
        return [body["modified"] for body in page["objects"]]

    assert modified("last") == [march]
    assert modified("first") == [january]
    assert sorted(modified("all")) == [january, february, march]


def test_another_organisation_cannot_add_an_older_version_to_an_object_it_does_not_hold(
        ) -> None:
    holder = make_organisation()
    stix_id = f"indicator--{uuid.uuid4()}"
    import_stix(actor=OPERATOR, source="file", organisation=holder,
                document={"objects": [_indicator(stix_id, "2024-03-01T00:00:00.000Z")]})
    forged = _indicator(stix_id, "2024-02-01T00:00:00.000Z")
    forged["description"] = "Rewritten by someone else"
    import_stix(actor=OPERATOR, source="file", organisation=make_organisation(),
                document={"objects": [forged]})

    assert StixObjectVersion.objects.filter(stix_id=stix_id).count() == 1
    assert not TaxiiEntry.objects.filter(stix_id=stix_id, body__contains="Rewritten").exists()


def test_an_sco_is_found_by_the_version_the_collection_gives_it() -> None:
    client = _client(make_user(organisation=make_organisation()))
    import_stix(actor=OPERATOR, source="file", organisation=make_organisation(), document={
        "objects": [{"type": "domain-name", "spec_version": "2.1",
                     "id": f"domain-name--{uuid.uuid4()}", "value": "v.example",
                     "object_marking_refs": [GREEN]}]})
    listed = client.get(f"/taxii2/api/collections/{collection_id('community')}/manifest/"
                        ).json()["objects"][0]

    found = client.get(_objects("community", listed["id"]),
                       {"match[version]": listed["version"]})

    assert found.status_code == 200
    assert [body["value"] for body in found.json()["objects"]] == ["v.example"]


# --- Nothing hidden shows through ----------------------------------------------------------


def test_dates_and_page_tokens_count_no_entries_of_other_collections() -> None:
    client = _client(make_user(organisation=make_organisation()))
    domains = [{"type": "domain-name", "spec_version": "2.1",
                "id": f"domain-name--{uuid.uuid4()}", "value": f"d{number}.example",
                "object_marking_refs": [GREEN if number in (0, 8) else AMBER]}
               for number in range(9)]
    import_stix(actor=OPERATOR, source="file", organisation=make_organisation(),
                document={"objects": domains})

    page = client.get(_objects("community"), {"limit": "1"})
    first = page["X-TAXII-Date-Added-First"]
    token = page.json()["next"]
    second = client.get(_objects("community"), {"limit": "1", "next": token})
    microseconds = [int(stamp[-7:-1]) for stamp in
                    (first, second["X-TAXII-Date-Added-First"])]

    # Consecutive in this collection, whatever was written to others in between.
    assert microseconds[1] - microseconds[0] == 1
    # The token is the date alone: no row number counting every collection's entries.
    assert token.isdigit()
    assert [body["value"] for body in second.json()["objects"]] == ["d8.example"]


@pytest.mark.parametrize("marking", [AMBER, GREEN])
def test_sharing_an_sco_someone_else_holds_publishes_it_like_a_new_one(marking: str) -> None:
    stix_id = f"domain-name--{uuid.uuid4()}"
    import_stix(actor=OPERATOR, source="file", organisation=make_organisation(), document={
        "objects": [{"type": "domain-name", "spec_version": "2.1", "id": stix_id,
                     "value": "tracked.example", "object_marking_refs": [marking]}]})
    sender = make_user(Role.ANALYST, organisation=make_organisation())
    client = _client(sender)

    # Sent "newer", as a probe would: SCOs have no versions, so no refusal says "held".
    sent = {"type": "domain-name", "spec_version": "2.1", "id": stix_id,
            "value": "tracked.example", "modified": "2030-01-01T00:00:00.000Z",
            "object_marking_refs": [AMBER]}
    status = client.post(_objects(f"org:{sender.organisation_id}"),
                         json.dumps({"objects": [sent]}), content_type=MEDIA)

    assert status.status_code == 202 and status.json()["success_count"] == 1
    served = client.get(_objects(f"org:{sender.organisation_id}"),
                        {"match[id]": stix_id}).json()
    assert [body["value"] for body in served["objects"]] == ["tracked.example"]
    # Only the sender's organisation sees the sender's copy.
    stranger = _client(make_user(organisation=make_organisation()))
    assert stranger.get(_objects(f"org:{sender.organisation_id}"),
                        {"match[id]": stix_id}).status_code == 404


@pytest.mark.parametrize("modified", ["2000-01-01T00:00:00.000Z", "2099-01-01T00:00:00.000Z"])
def test_an_import_never_replaces_one_of_our_reports(modified: str) -> None:
    owner = make_organisation()
    report = make_report(tlp=TLP.GREEN, owner=owner, title="Ours")
    sync_reports()
    body = json.loads(TaxiiEntry.objects.get(source_report=report, type="report").body)
    forged = {**body, "name": "Forged", "created": "2000-01-01T00:00:00.000Z",
              "modified": modified, "object_refs": [f"identity--{uuid.uuid4()}"]}
    forged.pop("created_by_ref")
    author = {"type": "identity", "spec_version": "2.1", "id": forged["object_refs"][0],
              "created": "2000-01-01T00:00:00.000Z", "modified": "2000-01-01T00:00:00.000Z",
              "name": "Someone", "object_marking_refs": [GREEN]}
    sender = _client(make_user(Role.ANALYST, organisation=make_organisation()))

    # Skipped, older or newer alike: a refusal for one and not the other would date it.
    answer = sender.post(_objects("community"), json.dumps({"objects": [author, forged]}),
                         content_type=MEDIA)

    assert answer.status_code == 202
    member = _client(make_user(organisation=make_organisation()))
    assert _titles(member, "community", **{"match[version]": "all"}) == ["Ours"]
    assert list(Report.objects.values_list("title", flat=True)) == ["Ours"]


def test_our_own_export_imports_again_after_its_records_changed() -> None:
    from civicshield.core.access import Viewer
    from civicshield.sharing.stix.export import BundleFilters, bundle, bundle_objects

    owner = make_organisation()
    make_report(tlp=TLP.GREEN, owner=owner, title="Ours")
    sync_reports()
    time.sleep(0.002)
    owner.name += " (renamed)"  # a newer version of its identity
    owner.save()
    exported = bundle(bundle_objects(Viewer.for_organisation(owner), BundleFilters()))

    status = import_stix(actor=OPERATOR, source="file", organisation=owner, document=exported)

    assert status.success_count == len(exported["objects"])
    assert list(Report.objects.values_list("title", flat=True)) == ["Ours"]


# --- Objects several records share, each with its own audience -----------------------------


def _domain_of(*reports: Any, value: str = "shared.example") -> None:
    domain = Observable.objects.create(type=ObservableType.DOMAIN, value=value)
    for report in reports:
        ReportObservable.objects.create(report=report, observable=domain)


def _values(client: Client, key: str, stix_type: str, **query: str) -> list[str]:
    page = client.get(_objects(key), {"match[type]": stix_type, **query}).json()
    return [body.get("value") or body.get("name") for body in page.get("objects", [])]


def test_an_observable_of_two_reports_stays_in_both_reports_collections() -> None:
    owner = make_organisation()
    member = _client(make_user(organisation=owner))
    green = make_report(tlp=TLP.GREEN, owner=owner)
    _domain_of(green)
    sync_reports()
    # A second report, narrower, names the same domain later; then both change.
    amber = make_report(tlp=TLP.AMBER, owner=owner)
    ReportObservable.objects.create(report=amber, observable=Observable.objects.get())
    sync_reports()
    _change(green, title="Green, edited")
    _change(amber, title="Amber, edited")

    for key in ("community", f"org:{owner.pk}"):
        assert _values(member, key, "domain-name") == ["shared.example"], key


def test_a_report_that_moves_leaves_the_objects_it_shares_with_others_in_place() -> None:
    owner = make_organisation()
    first = make_report(tlp=TLP.GREEN, owner=owner, title="First")
    second = make_report(tlp=TLP.GREEN, owner=owner, title="Second")
    _domain_of(first, second)
    sync_reports()

    _change(first, tlp=TLP.AMBER, title="First, narrowed")

    member = _client(make_user(organisation=make_organisation()))
    assert _titles(member, "community") == ["Second"]
    assert _values(member, "community", "domain-name") == ["shared.example"]
    assert _values(member, "community", "identity") != []


def test_narrowing_a_report_re_addresses_its_observables_too() -> None:
    owner, recipient = make_organisation(), make_organisation()
    in_sub_organisation = _client(make_user(organisation=make_organisation(parent=recipient)))
    report = make_report(tlp=TLP.AMBER, owner=owner, organisations=[recipient])
    _domain_of(report, value="secret.example")
    sync_reports()
    assert _values(in_sub_organisation, f"org:{recipient.pk}", "domain-name") == [
        "secret.example"]

    _change(report, tlp=TLP.AMBER_STRICT)

    assert _values(in_sub_organisation, f"org:{recipient.pk}", "domain-name",
                   **{"match[version]": "all"}) == []


def test_an_observable_dropped_from_a_report_leaves_its_collections() -> None:
    owner = make_organisation()
    report = make_report(tlp=TLP.GREEN, owner=owner)
    _domain_of(report, value="mistake.example")
    sync_reports()

    ReportObservable.objects.filter(report=report).delete()
    _change(report, title="Without the domain")

    member = _client(make_user(organisation=make_organisation()))
    assert _values(member, "community", "domain-name") == []


def test_a_red_report_does_not_keep_an_observable_from_another_reports_readers() -> None:
    sender, organisation = make_organisation(), make_organisation()
    named, colleague = make_user(organisation=organisation), make_user(organisation=organisation)
    red = make_report(tlp=TLP.RED, owner=sender, users=[named])
    ours = make_report(tlp=TLP.AMBER, owner=organisation, created_by=colleague)
    _domain_of(red)
    sync_reports()
    _domain_of(ours, value="other.example")
    ReportObservable.objects.create(report=ours, observable=Observable.objects.get(
        value="shared.example"))
    _change(ours, title="Ours, naming the same domain")

    assert sorted(_values(_client(colleague), f"org:{organisation.pk}", "domain-name")) == [
        "other.example", "shared.example"]


def test_a_value_served_once_to_whoever_may_see_several_records_naming_it() -> None:
    owner = make_organisation()
    member = _client(make_user(organisation=owner))
    first, second = (make_report(tlp=TLP.GREEN, owner=owner) for _ in range(2))
    _domain_of(first, second)
    sync_reports()

    assert _values(member, "community", "domain-name") == ["shared.example"]
    stix_id = TaxiiEntry.objects.filter(type="domain-name").first().stix_id
    assert member.get(_objects("community", stix_id) + "versions/").json()["versions"] == [
        member.get(f"/taxii2/api/collections/{collection_id('community')}/manifest/",
                   {"match[id]": stix_id}).json()["objects"][0]["version"]]


def test_sending_a_held_value_again_with_a_wider_marking_keeps_it_where_it_was() -> None:
    sender = make_user(Role.ANALYST, organisation=make_organisation())
    client = _client(sender)
    stix_id = f"domain-name--{uuid.uuid4()}"
    domain = {"type": "domain-name", "spec_version": "2.1", "id": stix_id,
              "value": "held.example", "object_marking_refs": [GREEN]}
    assert client.post(_objects("community"), json.dumps({"objects": [domain]}),
                       content_type=MEDIA).status_code == 202

    client.post(_objects("community"), json.dumps({"objects": [
        {**domain, "object_marking_refs": [CLEAR]}]}), content_type=MEDIA)

    member = _client(make_user(organisation=make_organisation()))
    assert _values(member, "community", "domain-name") == ["held.example"]
    assert _values(member, "public", "domain-name") == ["held.example"]


def test_two_people_of_one_organisation_sharing_one_value_each_read_their_own() -> None:
    organisation = make_organisation()
    alice, bob = (make_user(Role.ANALYST, organisation=organisation) for _ in range(2))
    stix_id = f"domain-name--{uuid.uuid4()}"
    red = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
    for user, marking in ((alice, red), (bob, AMBER)):
        _client(user).post(_objects(f"org:{organisation.pk}"), json.dumps({"objects": [
            {"type": "domain-name", "spec_version": "2.1", "id": stix_id,
             "value": "probe.example", "object_marking_refs": [marking]}]}),
            content_type=MEDIA)

    page = _client(bob).get(_objects(f"org:{organisation.pk}"), {"match[id]": stix_id}).json()

    assert [body["object_marking_refs"] for body in page["objects"]] == [[AMBER]]


# --- Media types ---------------------------------------------------------------------------


@pytest.mark.parametrize(("accept", "status"), [
    ("application/taxii+json;version=2.1", 200),
    ('application/taxii+json; version="2.1"', 200),
    ("application/taxii+json", 200),
    ("application/*;q=0.2", 200),
    ("application/taxii+json;version=2.1;q=0", 406),
    ("*/*, application/taxii+json;version=2.1;q=0", 406),
    ("application/taxii+json;version=2.0", 406),
    ("text/html", 406),
])
def test_accept_header_is_negotiated(accept: str, status: int) -> None:
    secret = issue_token(user=make_user(organisation=make_organisation()), label="t").secret
    client = Client(headers={"Accept": accept, "Authorization": f"Bearer {secret}"})

    assert client.get("/taxii2/").status_code == status


# --- Records sharing objects, read over time ----------------------------------------------


def _renamed_between_two_reports(*, second: str) -> tuple[Any, Any]:
    """An owner's AMBER report to a recipient, then the owner renamed (its identity's next
    version) and a second report (`second`, its marking) to the same recipient: two records
    publishing different versions of one identity. (owner, recipient)."""
    owner, recipient = make_organisation(name="Owner"), make_organisation()
    make_report(tlp=TLP.AMBER, owner=owner, organisations=[recipient])
    sync_reports()
    time.sleep(0.002)
    owner.name = "Owner (renamed)"
    owner.save()
    make_report(tlp=second, owner=owner, organisations=[recipient])
    sync_reports()
    return owner, recipient


def _owner_names(client: Client, key: str, **query: str) -> list[str]:
    return [name for name in _values(client, key, "identity", **query)
            if name.startswith("Owner")]


def test_last_is_the_newest_version_a_reader_may_see_never_nothing() -> None:
    _owner, recipient = _renamed_between_two_reports(second=TLP.AMBER_STRICT)
    # The sub-organisation sees the AMBER report only, not the AMBER+STRICT one.
    in_sub_organisation = _client(make_user(organisation=make_organisation(parent=recipient)))

    assert _owner_names(in_sub_organisation, f"org:{recipient.pk}") == ["Owner"]


@pytest.mark.parametrize("limit", ["1", "1000"])
def test_last_serves_one_version_of_an_object_that_two_records_publish_the_newest(
        limit: str) -> None:
    """TAXII 2.1 §3.4.2: `last` (the default) is the latest version of each object, not one
    per record that publishes it; pages stay full while there are more."""
    _owner, recipient = _renamed_between_two_reports(second=TLP.AMBER)
    reader = _client(make_user(organisation=recipient))
    key = f"org:{recipient.pk}"
    identity = TaxiiEntry.objects.filter(collection=collection_id(key), type="identity",
                                         body__contains="Owner").values_list(
        "stix_id", flat=True).first()
    manifest = f"/taxii2/api/collections/{collection_id(key)}/manifest/"

    served, token = [], None
    while True:
        page = reader.get(_objects(key), {"match[type]": "identity", "limit": limit,
                                          **({"next": token} if token else {})}).json()
        assert page.get("objects") or not page["more"], "an empty page with more to come"
        served += page.get("objects", [])
        token = page.get("next")
        if not page["more"]:
            break
    listed = reader.get(manifest, {"match[id]": identity}).json()["objects"]
    one = reader.get(_objects(key, identity)).json()["objects"]

    assert [body["name"] for body in served if body["id"] == identity] == ["Owner (renamed)"]
    assert len(served) == len({body["id"] for body in served})
    assert [body["name"] for body in one] == ["Owner (renamed)"]
    assert len(listed) == 1
    # Every version stays readable by asking for it.
    versions = reader.get(_objects(key, identity) + "versions/").json()["versions"]
    assert len(versions) == 2
    assert _owner_names(reader, key, **{"match[version]": "all"}) == [
        "Owner", "Owner (renamed)"]
    assert _owner_names(reader, key, **{"match[version]": "first"}) == ["Owner"]
    assert sorted(_owner_names(reader, key, **{"match[version]": "first,last"})) == [
        "Owner", "Owner (renamed)"]


def test_a_page_of_last_versions_costs_the_same_queries_however_many_records_share_objects(
        ) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    owner, recipient = make_organisation(name="Owner"), make_organisation()
    reader = _client(make_user(organisation=recipient))
    key = f"org:{recipient.pk}"

    def queries_for_a_page_after(reports: int) -> int:
        domain = Observable.objects.create(type=ObservableType.DOMAIN,
                                           value=f"shared-{reports}.example")
        for number in range(reports):  # each another version of the identity, one domain
            time.sleep(0.002)
            owner.name = f"Owner {reports}.{number}"
            owner.save()
            report = make_report(tlp=TLP.AMBER, owner=owner, organisations=[recipient])
            ReportObservable.objects.create(report=report, observable=domain)
            sync_reports()
        reader.get(_objects(key))  # published, and the token checked, before counting
        with CaptureQueriesContext(connection) as queries:
            page = reader.get(_objects(key), {"limit": "1000"}).json()
        assert len(page["objects"]) == len({body["id"] for body in page["objects"]})
        return len(queries)

    assert queries_for_a_page_after(8) == queries_for_a_page_after(2)


def test_a_small_page_reads_past_dropped_versions_in_doubling_batches_not_one_at_a_time(
        ) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for_a_page_of_one(reports: int) -> int:
        # `reports` records, each publishing a later version of one identity: under `last`
        # every record's latest is read and all but the newest are dropped.
        owner, recipient = make_organisation(name="Owner"), make_organisation()
        for number in range(reports):
            time.sleep(0.002)
            owner.name = f"Owner {number}"
            owner.save()
            make_report(tlp=TLP.AMBER, owner=owner, organisations=[recipient])
            sync_reports()
        reader, key = _client(make_user(organisation=recipient)), f"org:{recipient.pk}"
        reader.get(_objects(key))  # published before counting
        with CaptureQueriesContext(connection) as queries:
            page = reader.get(_objects(key), {"match[type]": "identity", "limit": "1"}).json()
        assert [body["name"] for body in page["objects"]] == [f"Owner {reports - 1}"]
        return len(queries)

    few, many = queries_for_a_page_of_one(2), queries_for_a_page_of_one(48)
    # One batch after another of twice the size: log2(48 / 2) < 5 more batches of three
    # queries, where reading one row at a time cost three queries per record.
    assert many - few <= 15


def _hidden_twin() -> tuple[Any, Client, str]:
    """An AMBER+STRICT report naming twin.example, then an AMBER one, to a recipient; a
    client in the recipient's sub-organisation (which sees the AMBER one only) and the key
    of the recipient's collection."""
    owner, recipient = make_organisation(), make_organisation()
    client = _client(make_user(organisation=make_organisation(parent=recipient)))
    strict = make_report(tlp=TLP.AMBER_STRICT, owner=owner, organisations=[recipient])
    _domain_of(strict, value="twin.example")
    sync_reports()
    make_report(tlp=TLP.AMBER, owner=owner, organisations=[recipient])
    sync_reports()
    return strict, client, f"org:{recipient.pk}"


def _share_the_twin(strict: Any) -> None:
    """A later AMBER report, to the same recipient, names the same domain."""
    later = make_report(tlp=TLP.AMBER, owner=strict.owner_organisation,
                        organisations=list(strict.audience_organisations.all()))
    ReportObservable.objects.create(report=later, observable=Observable.objects.get())
    sync_reports()


def test_a_client_reading_since_its_last_sync_gets_an_object_another_record_now_shares(
        ) -> None:
    strict, client, key = _hidden_twin()
    mark = client.get(_objects(key))["X-TAXII-Date-Added-Last"]
    time.sleep(0.002)
    _share_the_twin(strict)
    _change(strict, tlp=TLP.AMBER)  # widened: its earlier entry becomes visible, undated

    assert "twin.example" in _values(client, key, "domain-name", added_after=mark)


@pytest.mark.parametrize("limit", [1, 2, 3])
def test_paging_serves_each_shared_object_once_and_fills_its_pages(limit: int) -> None:
    owner = make_organisation()
    member = _client(make_user(organisation=make_organisation()))
    reports = [make_report(tlp=TLP.GREEN, owner=owner) for _ in range(6)]
    _domain_of(*reports, value="a.example")
    _domain_of(*reports[3:], value="b.example")
    sync_reports()
    everything = [body["id"] for body in
                  member.get(_objects("community"), {"limit": "1000"}).json()["objects"]]

    seen, token = [], None
    while True:
        page = member.get(_objects("community"),
                          {"limit": str(limit), **({"next": token} if token else {})}).json()
        # Only the last page may be empty: the rows left after a full page were all
        # entries of objects served already.
        assert page.get("objects") or not page["more"], "an empty page with more to come"
        seen += [body["id"] for body in page.get("objects", [])]
        token = page.get("next")
        if not page["more"]:
            break

    assert len(everything) == len(set(everything))
    assert seen == everything


@pytest.mark.parametrize("creator", [True, False])
def test_a_report_narrowed_to_red_leaves_every_collection_it_was_in(creator: bool) -> None:
    owner = make_organisation()
    author = make_user(Role.ANALYST, organisation=owner) if creator else None
    report = make_report(tlp=TLP.GREEN, owner=owner, created_by=author, title="Was green")
    _domain_of(report, value="red-later.example")
    sync_reports()
    member = _client(make_user(organisation=make_organisation()))

    # Without a creator, RED names no organisation's collection: it is in none.
    _change(report, tlp=TLP.RED, title="Now red")

    assert member.get(_objects("community"), {"match[version]": "all"}).json() == {
        "more": False}


def test_reading_a_senders_amber_copy_is_audited() -> None:
    from civicshield.core.models import AuditEntry

    stix_id = f"domain-name--{uuid.uuid4()}"
    import_stix(actor=OPERATOR, source="file", organisation=make_organisation(), document={
        "objects": [{"type": "domain-name", "spec_version": "2.1", "id": stix_id,
                     "value": "copied.example", "object_marking_refs": [GREEN]}]})
    sender = make_user(Role.ANALYST, organisation=make_organisation())
    key = f"org:{sender.organisation_id}"
    _client(sender).post(_objects(key), json.dumps({"objects": [
        {"type": "domain-name", "spec_version": "2.1", "id": stix_id,
         "value": "copied.example", "object_marking_refs": [AMBER]}]}), content_type=MEDIA)
    colleague = make_user(organisation=sender.organisation)

    assert _client(colleague).get(_objects(key, stix_id)).status_code == 200

    read = AuditEntry.objects.filter(action__endswith=".read").get()
    assert read.details["stix_id"] == stix_id and read.details["tlp"] == TLP.AMBER


def test_a_client_paging_while_a_report_is_widened_gets_what_it_may_now_see() -> None:
    strict, client, key = _hidden_twin()
    _share_the_twin(strict)

    first = client.get(_objects(key), {"limit": "1"}).json()
    seen = [body.get("value") or body["type"] for body in first["objects"]]
    _change(strict, tlp=TLP.AMBER)  # widened between the client's pages
    token = first["next"]
    while token:
        page = client.get(_objects(key), {"limit": "1", "next": token}).json()
        seen += [body.get("value") or body["type"] for body in page.get("objects", [])]
        token = page.get("next")

    assert "twin.example" in seen and "identity" in seen


# --- What a change leaves as it was ------------------------------------------------------


def _dated(report: Any) -> dict[tuple[str, str, str], Any]:
    return {(entry.collection, entry.stix_id, entry.version): entry.date_added
            for entry in TaxiiEntry.objects.filter(source_report=report)}


def test_editing_a_report_adds_its_new_version_and_leaves_the_rest_dated_as_they_were(
        ) -> None:
    owner = make_organisation()
    client = _client(make_user(organisation=make_organisation()))
    report = make_report(tlp=TLP.GREEN, owner=owner, title="First draft")
    _domain_of(report, value="unchanged.example")
    sync_reports()
    _change(report, title="Second draft")
    before = _dated(report)
    mark = client.get(_objects("community"))["X-TAXII-Date-Added-Last"]
    time.sleep(0.002)

    _change(report, title="Third draft")

    after = _dated(report)
    assert {key: after[key] for key in before} == before  # nothing held was dated again
    assert len(after) == len(before) + 1
    since = client.get(_objects("community"), {"added_after": mark}).json()["objects"]
    assert [(body["type"], body["name"]) for body in since] == [("report", "Third draft")]
    assert _titles(client, "community", **{"match[version]": "all"}) == [
        "First draft", "Second draft", "Third draft"]
    assert _titles(client, "community") == ["Third draft"]  # the latest only, by default


def test_widening_a_report_never_shows_its_new_readers_the_versions_marked_narrower(
        ) -> None:
    owner, recipient = make_organisation(), make_organisation()
    in_sub_organisation = _client(make_user(organisation=make_organisation(parent=recipient)))
    report = make_report(tlp=TLP.AMBER_STRICT, owner=owner, organisations=[recipient],
                         title="Names the witness")
    sync_reports()
    _change(report, title="Still names the witness")

    _change(report, tlp=TLP.AMBER, title="Sanitised for sub-organisations")

    for version in ("all", "first"):
        assert _titles(in_sub_organisation, f"org:{recipient.pk}",
                       **{"match[version]": version}) == ["Sanitised for sub-organisations"]
    stix_id = TaxiiEntry.objects.filter(source_report=report, type="report").first().stix_id
    versions = in_sub_organisation.get(
        _objects(f"org:{recipient.pk}", stix_id) + "versions/").json()["versions"]
    assert len(versions) == 1


def test_a_record_published_again_with_another_body_under_one_version_serves_the_new_body(
        ) -> None:
    from civicshield.sharing.stix.publish import Audience, Entry, write_entries

    client = _client(make_user(organisation=make_organisation()))
    stix_id = f"x-example-note--{uuid.uuid4()}"
    audience = Audience(tlp=TLP.GREEN, owner_id=make_organisation().pk)

    def publish(text: str) -> None:
        body = {"type": "x-example-note", "id": stix_id, "spec_version": "2.1", "text": text,
                "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z"}
        write_entries([Entry(key="community", audience=audience, stix_id=stix_id,
                             stix_type="x-example-note", version="2026-01-01T00:00:00.000000Z",
                             body=json.dumps(body), source_key="note:1")])

    publish("as first written")
    publish("as corrected")

    served = client.get(_objects("community", stix_id)).json()["objects"]
    assert [body["text"] for body in served] == ["as corrected"]


def test_a_victim_whose_consent_narrows_leaves_the_collections_of_every_report_naming_them(
        ) -> None:
    from django.utils import timezone

    from civicshield.reports.services import ReportInput, create_report

    analyst = make_user(Role.ANALYST)
    reader = _client(make_user(organisation=make_organisation()))

    def report(title: str, tlp: str, consent: str) -> None:
        create_report(actor=analyst, data=ReportInput(
            title=title, description="A forged statement.", observed_start=timezone.now(),
            tlp=tlp, victims=[{"kind": "official", "name": "Returning Officer Quill",
                               "consent": consent}]))
        sync_reports()

    report("Forged statement", TLP.CLEAR, "public")
    assert "Returning Officer Quill" in _values(reader, "public", "identity")

    time.sleep(0.002)
    report("The statement again", TLP.GREEN, "private")  # the victim now asks for privacy

    assert "Returning Officer Quill" not in _values(reader, "public", "identity",
                                                    **{"match[version]": "all"})
    assert "Returning Officer Quill" not in reader.get(_objects("public"),
                                                       {"match[version]": "all"}).content.decode()


@pytest.mark.parametrize(("before", "after", "key"), [
    (TLP.GREEN, TLP.CLEAR, "public"), (TLP.AMBER, TLP.GREEN, "community")])
def test_a_report_cleared_for_a_wider_collection_takes_none_of_its_earlier_versions_there(
        before: str, after: str, key: str) -> None:
    owner = make_organisation()
    report = make_report(tlp=before, owner=owner, title="Internal: names the witness")
    sync_reports()

    _change(report, tlp=after, title="Cleared")

    reader = _client(make_user(organisation=None if key == "public" else make_organisation()))
    assert _titles(reader, key, **{"match[version]": "all"}) == ["Cleared"]


def test_versions_arriving_together_are_dated_oldest_first() -> None:
    holder = make_user(Role.ANALYST)
    stix_id = f"indicator--{uuid.uuid4()}"
    import_stix(actor=holder, source="file", document={"objects": [
        _indicator(stix_id, "2024-03-01T00:00:00.000Z"),
        _indicator(stix_id, "2024-02-01T00:00:00.000Z")]})

    client = _client(make_user(organisation=make_organisation()))
    page = client.get(_objects("community"), {"match[id]": stix_id,
                                              "match[version]": "all"}).json()
    assert [body["modified"] for body in page["objects"]] == [
        "2024-02-01T00:00:00.000Z", "2024-03-01T00:00:00.000Z"]
