"""STIX ids are unique to the installation that produces them (sharing/stix/ids.py): SDOs and
SROs are named in a namespace each installation draws once and keeps in its database; SCOs
stay named alike everywhere (STIX 2.1 §2.9)."""

from __future__ import annotations

import importlib
import json
import pkgutil
import uuid
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.test import Client

from civicshield.core.authz import OPERATOR
from civicshield.core.choices import Role
from civicshield.core.markings import TLP
from civicshield.core.services import issue_token
from civicshield.reports.choices import Consent, VictimKind
from civicshield.reports.models import Observable, Victim
from civicshield.sharing import migrations
from civicshield.sharing.models import InstanceIdentity, PublishedReport, TaxiiEntry
from civicshield.sharing.stix import ids
from civicshield.sharing.stix.export import instance_identity_id
from civicshield.sharing.stix.import_ import import_stix
from civicshield.sharing.stix.services import export_bundle, mark_indicator
from tests.factories import make_organisation, make_user
from tests.report_factories import make_report
from tests.sharing.test_stix import _report_bundle, _rich_report, assert_valid_without_warnings

MIGRATION = importlib.import_module(next(
    module.name for module in pkgutil.iter_modules(migrations.__path__, migrations.__name__ + ".")
    if module.name.endswith("_instanceidentity")))
TAXII_MEDIA = "application/taxii+json;version=2.1"


@pytest.fixture(autouse=True)
def _namespace_read_afresh() -> Iterator[None]:
    # The namespaces these tests store are rolled back with the test: none may stay in memory.
    ids.forget_installation_namespace()
    yield
    ids.forget_installation_namespace()


def _become_installation(namespace: uuid.UUID) -> None:
    """Store `namespace` as this installation's, as its migration would have drawn it."""
    InstanceIdentity.objects.update_or_create(pk=InstanceIdentity.ONLY,
                                              defaults={"stix_namespace": namespace})
    ids.forget_installation_namespace()


def _names() -> dict[str, str]:
    return {"report 1": ids.sdo_id("report", 1), "instance": instance_identity_id(),
            "domain": ids.sco_id("domain-name", {"value": "vote-info.example"}),
            "hashtag": ids.shared_id("x-civicshield-hashtag", "#votetomorrow")}


def test_the_migration_draws_one_random_namespace_for_the_installation() -> None:
    [identity] = InstanceIdentity.objects.all()
    assert identity.stix_namespace.version == 4
    assert identity.stix_namespace != ids.CIVICSHIELD_NAMESPACE
    assert ids.installation_namespace() == identity.stix_namespace
    with pytest.raises(IntegrityError), transaction.atomic():
        InstanceIdentity.objects.create(id=2)


def test_two_installations_give_the_same_record_different_ids_and_an_observable_the_same(
        ) -> None:
    _become_installation(uuid.uuid4())
    first = _names()
    _become_installation(uuid.uuid4())
    second = _names()

    assert first["report 1"] != second["report 1"]
    assert first["instance"] != second["instance"]
    # Neither is the id every installation used to give its report 1.
    assert ids.shared_id("report", 1) not in (first["report 1"], second["report 1"])
    assert first["domain"] == second["domain"] == \
        "domain-name--" + str(uuid.uuid5(ids.STIX_SCO_NAMESPACE, '{"value":"vote-info.example"}'))
    assert first["hashtag"] == second["hashtag"]
    for name in ("report 1", "instance"):
        assert uuid.UUID(first[name].partition("--")[2]).version == 4  # v4-shaped, as before


def test_an_installation_names_a_record_alike_on_every_call_and_after_the_cache_is_cleared(
        django_assert_num_queries: Any) -> None:
    namespace = uuid.uuid4()
    _become_installation(namespace)
    with django_assert_num_queries(1):  # read once, on first use
        first = ids.sdo_id("report", 1)
        assert all(ids.sdo_id("report", 1) == first for _ in range(1000))

    ids.forget_installation_namespace()
    with django_assert_num_queries(1):  # read back from the database
        assert ids.sdo_id("report", 1) == first
    assert ids.installation_namespace() == namespace
    assert first == f"report--{uuid.UUID(bytes=uuid.uuid5(namespace, 'report:1').bytes, version=4)}"


def test_a_bundle_named_in_the_installations_namespace_is_valid_stix_without_warnings() -> None:
    _become_installation(uuid.uuid4())
    coordinator = make_organisation(is_coordinator=True)
    report = _rich_report(make_organisation())
    report.victims.add(Victim.objects.create(kind=VictimKind.CANDIDATE, name="A. Candidate",
                                             consent=Consent.PARTNERS))
    mark_indicator(actor=make_user(Role.COORDINATOR, organisation=coordinator), report=report,
                   observable=Observable.objects.get(type="domain"))
    make_report(tlp=TLP.CLEAR, owner=coordinator, title="Authored by the installation")

    bundle = export_bundle(actor=OPERATOR)

    assert_valid_without_warnings(bundle)
    by_id = {body["id"]: body for body in bundle["objects"]}
    assert len(by_id) == len(bundle["objects"])
    assert by_id[ids.sdo_id("report", report.pk)]["type"] == "report"
    ours = by_id[instance_identity_id()]
    assert ours["identity_class"] == "system"
    assert ours["id"] != ids.shared_id("identity", "instance")
    clear = next(body for body in bundle["objects"] if body.get("name") ==
                 "Authored by the installation")
    assert clear["created_by_ref"] == ours["id"]
    # The extension is every installation's: its author is too, and is in the bundle.
    extension = next(body for body in bundle["objects"]
                     if body["type"] == "extension-definition")
    assert extension["created_by_ref"] == ids.shared_id("identity", "instance")
    assert extension["created_by_ref"] in by_id


def _community_objects(reader: Any) -> list[dict[str, Any]]:
    secret = issue_token(user=reader, label="taxii").secret
    client = Client(headers={"Accept": TAXII_MEDIA, "Authorization": f"Bearer {secret}"})
    response = client.get(f"/taxii2/api/collections/{ids.collection_id('community')}/objects/",
                          {"match[version]": "all", "limit": "1000"})
    assert response.status_code == 200, response.content
    return json.loads(response.content).get("objects", [])


def test_after_the_migration_a_read_republishes_our_reports_under_the_new_ids_only() -> None:
    # Before: every installation named its records in the shared namespace.
    _become_installation(ids.CIVICSHIELD_NAMESPACE)
    owner = make_organisation()
    reader = make_user(Role.ANALYST, organisation=owner)
    ours = make_report(tlp=TLP.GREEN, owner=owner, title="Ours")
    received = _report_bundle("2024-03-01T10:00:00.000Z", "Received")
    import_stix(actor=reader, document=received, source="api")
    before = {body["id"] for body in _community_objects(reader)}
    old_id = ids.sdo_id("report", ours.pk)
    assert old_id in before

    # The migration: a namespace of the installation's own, and the published state cleared.
    _become_installation(uuid.uuid4())
    MIGRATION.republish_our_reports(apps, SimpleNamespace(connection=connection))
    assert not TaxiiEntry.objects.filter(source_report__isnull=False).exists()
    assert not PublishedReport.objects.exists()

    after = _community_objects(reader)
    served = {body["id"] for body in after}
    assert ids.sdo_id("report", ours.pk) in served and old_id not in served
    # The received report is still served as received: its producer's id and version only,
    # not a newer version of our making.
    received_report = received["objects"][1]
    assert [body for body in after if body["id"] == received_report["id"]] == [received_report]
    assert TaxiiEntry.objects.filter(source_report__isnull=False).exists()
    assert PublishedReport.objects.count() == 2


def test_two_installations_name_their_misp_events_and_notices_apart() -> None:
    # Report references, campaign ids and notice slugs repeat across installations; what
    # they name must not, or a partner's MISP would merge two installations' events.
    from civicshield.comms.stix import _id as notice_id
    from civicshield.sharing.misp import mapping

    def names() -> tuple[str, ...]:
        return (mapping.event_uuid("CS-0001"), mapping.campaign_uuid(1),
                mapping.organisation_uuid("election-board"),
                mapping.correlation_organisation()["uuid"], notice_id("report", "moved-station"))

    _become_installation(uuid.uuid4())
    first = names()
    assert names() == first  # stable within an installation
    _become_installation(uuid.uuid4())

    assert not set(first) & set(names())
