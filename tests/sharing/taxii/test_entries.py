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
from civicshield.reports.models import Observable, ReportObservable
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


# --- Objects several records share ---------------------------------------------------------


def test_an_observable_of_two_reports_stays_in_both_reports_collections() -> None:
    owner = make_organisation()
    member = make_user(organisation=owner)
    domain = Observable.objects.create(type=ObservableType.DOMAIN, value="shared.example")
    green = make_report(tlp=TLP.GREEN, owner=owner)
    ReportObservable.objects.create(report=green, observable=domain)
    sync_reports()
    # A second report, narrower, names the same domain later; then both change.
    amber = make_report(tlp=TLP.AMBER, owner=owner)
    ReportObservable.objects.create(report=amber, observable=domain)
    sync_reports()
    _change(green, title="Green, edited")
    _change(amber, title="Amber, edited")

    client = _client(member)
    for key in ("community", f"org:{owner.pk}"):
        page = client.get(_objects(key), {"match[type]": "domain-name"}).json()
        assert [body["value"] for body in page.get("objects", [])] == ["shared.example"], key


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


def test_an_import_cannot_replace_one_of_our_reports() -> None:
    owner = make_organisation()
    report = make_report(tlp=TLP.GREEN, owner=owner, title="Ours")
    sync_reports()
    body = json.loads(TaxiiEntry.objects.get(source_report=report, type="report").body)
    forged = {**body, "name": "Forged", "modified": "2099-01-01T00:00:00.000Z"}

    from civicshield.sharing.stix.validate import InvalidStix

    with pytest.raises(InvalidStix) as refused:
        import_stix(actor=OPERATOR, source="file", organisation=make_organisation(),
                    document={"objects": [forged]})

    assert [problem.object_id for problem in refused.value.problems] == [body["id"]]
    member = _client(make_user(organisation=make_organisation()))
    assert _titles(member, "community") == ["Ours"]


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
