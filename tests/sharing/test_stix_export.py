"""STIX export at its edges: values stix2-validator's schema is narrower about than the
specifications, the markings a bundle names, the UI's filters, dates at the ends of the
calendar, received reports edited here and received exercise content."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from civicshield.core.choices import Role
from civicshield.core.markings import TLP
from civicshield.correlation.models import Campaign, Membership
from civicshield.reports.choices import Source
from civicshield.reports.models import Report
from civicshield.reports.observables import normalise
from civicshield.reports.services import ReportInput, create_report, update_report
from civicshield.sharing.models import TaxiiEntry
from civicshield.sharing.stix.export import EXTENSION_ID
from civicshield.sharing.stix.import_ import import_stix
from civicshield.sharing.stix.services import export_bundle
from tests.factories import make_organisation, make_user
from tests.report_factories import make_report
from tests.sharing.test_stix import assert_valid_without_warnings

GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"


def _report_with(analyst: Any, *observables: tuple[str, str]) -> Report:
    return create_report(actor=analyst, data=ReportInput(
        title="Phishing wave", description="Mails sent to polling staff.",
        observed_start=timezone.now(), tlp=TLP.GREEN,
        observables=[{"type": kind, "value": value} for kind, value in observables]))


def _of_type(objects: list[dict[str, Any]], stix_type: str) -> list[dict[str, Any]]:
    return [body for body in objects if body["type"] == stix_type]


@pytest.mark.parametrize("address", ["o'brien@example.org", "josé@example.org"])
def test_an_email_address_the_validators_schema_refuses_is_exported_and_the_bundle_stays_valid(
        address: str) -> None:
    # RFC 5322 allows both; stix2-validator's email-addr pattern allows neither.
    analyst = make_user(Role.ANALYST)
    report = _report_with(analyst, ("email", address), ("email", "press@example.org"))
    observable = report.observables.get(value=address)
    from civicshield.sharing.stix.services import mark_indicator

    mark_indicator(actor=analyst, report=report, observable=observable)

    document = export_bundle(actor=analyst)

    assert_valid_without_warnings(document)
    [carried] = _of_type(document["objects"], "x-civicshield-email-address")
    assert carried["value"] == address
    assert [body["value"] for body in _of_type(document["objects"], "email-addr")] == \
        ["press@example.org"]
    [indicator] = _of_type(document["objects"], "indicator")
    assert indicator["pattern"] == f"[x-civicshield-email-address:value = " \
        f"'{address.replace(chr(39), chr(92) + chr(39))}']"


def test_an_exported_email_address_of_our_extension_is_imported_back_as_an_email() -> None:
    analyst = make_user(Role.ANALYST)
    _report_with(analyst, ("email", "o'brien@example.org"))
    document = export_bundle(actor=analyst)
    report = next(body for body in document["objects"] if body["type"] == "report")
    receiver = make_user(Role.ANALYST, organisation=make_organisation(slug="receiver"))
    report["id"] = f"report--{uuid.uuid4()}"  # another producer's report naming the value

    import_stix(actor=receiver, document=document, source="api")

    received = Report.objects.exclude(pk__in=Report.objects.filter(
        owner_organisation=analyst.organisation)).get()
    assert [(o.type, o.value) for o in received.observables.all()] == \
        [("email", "o'brien@example.org")]


def test_a_url_with_a_literal_percent_sign_is_exported_encoded_and_the_bundle_stays_valid(
        ) -> None:
    analyst = make_user(Role.ANALYST)
    report = _report_with(analyst, ("url", "https://vote-prize.example/win-100%"))
    from civicshield.sharing.stix.services import mark_indicator

    mark_indicator(actor=analyst, report=report, observable=report.observables.get())

    document = export_bundle(actor=analyst)

    assert_valid_without_warnings(document)
    assert [body["value"] for body in _of_type(document["objects"], "url")] == \
        ["https://vote-prize.example/win-100%25"]
    [indicator] = _of_type(document["objects"], "indicator")
    assert indicator["pattern"] == "[url:value = 'https://vote-prize.example/win-100%25']"
    # Stored as intake always gave it: the same value later is the same observable.
    assert report.observables.get().value == normalise(
        "url", "https://vote-prize.example/win-100%")


def test_every_marking_a_bundle_names_is_defined_in_it_even_with_no_clear_record() -> None:
    analyst = make_user(Role.ANALYST)
    make_report(tlp=TLP.AMBER, owner=analyst.organisation, title="Amber only")

    objects = export_bundle(actor=analyst)["objects"]

    named = {ref for body in objects for ref in body.get("object_marking_refs", ())}
    defined = {body["id"] for body in _of_type(objects, "marking-definition")}
    assert named and named <= defined


def _received_report(*, created: str, extension: dict[str, Any] | None = None
                     ) -> dict[str, Any]:
    report: dict[str, Any] = {
        "type": "report", "spec_version": "2.1", "id": f"report--{uuid.uuid4()}",
        "created": created, "modified": created, "published": created, "name": "Received",
        "object_refs": ["identity--b3bca3c2-1f3d-4b54-b44f-dac42c3a8f01"],
        "object_marking_refs": [GREEN]}
    if extension:
        report["extensions"] = {EXTENSION_ID: {"extension_type": "property-extension",
                                               **extension}}
    identity = {"type": "identity", "spec_version": "2.1",
                "id": "identity--b3bca3c2-1f3d-4b54-b44f-dac42c3a8f01", "created": created,
                "modified": created, "name": "Producer", "object_marking_refs": [GREEN]}
    return {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": [identity, report]}


def test_a_received_report_edited_here_is_ours_from_its_creation_even_if_the_producer_ran_ahead(
        ) -> None:
    analyst = make_user(Role.ANALYST)
    ahead = (timezone.now() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    document = _received_report(created=ahead)
    import_stix(actor=analyst, document=document, source="api")
    update_report(actor=analyst, report=Report.objects.get(), changes={"title": "Edited"})

    exported = export_bundle(actor=analyst)

    [report] = _of_type(exported["objects"], "report")
    assert report["id"] != document["objects"][1]["id"]  # ours now, under our id
    assert report["created"] <= report["modified"] and report["created"] != ahead
    assert_valid_without_warnings(exported)


def test_received_exercise_content_stays_an_exercise_never_published_or_exported() -> None:
    analyst = make_user(Role.ANALYST)
    document = _received_report(created="2025-03-01T10:00:00.000Z",
                                extension={"source": "exercise"})

    import_stix(actor=analyst, document=document, source="api")

    assert Report.objects.get().source == Source.EXERCISE
    assert _of_type(export_bundle(actor=analyst)["objects"], "report") == []
    assert not TaxiiEntry.objects.filter(stix_id=document["objects"][1]["id"]).exists()
    # What only the exercise report refers to is part of the exercise: withheld too.
    assert not TaxiiEntry.objects.filter(stix_id=document["objects"][0]["id"]).exists()


@pytest.mark.parametrize("query", [{"since": "0001-01-01T00:00:00+01:00"},
                                   {"until": "9999-12-31T23:59:59-01:00"}])
def test_dates_at_the_ends_of_the_calendar_filter_instead_of_failing(
        api_client_for: Any, query: dict[str, str]) -> None:
    user = make_user(Role.ANALYST)
    make_report(tlp=TLP.GREEN, owner=user.organisation, title="Any time")

    response = api_client_for(user).get("/api/v1/stix/bundle", query)

    assert response.status_code == 200
    assert [body["name"] for body in _of_type(json.loads(response.content)["objects"],
                                              "report")] == ["Any time"]


def test_the_export_page_filters_by_campaign_as_the_api_does(
        client_for: Any, api_client_for: Any) -> None:
    user = make_user(Role.ANALYST)
    inside = make_report(tlp=TLP.GREEN, owner=user.organisation, title="Inside")
    make_report(tlp=TLP.GREEN, owner=user.organisation, title="Outside")
    campaign = Campaign.objects.create(name="Wave")
    Membership.objects.create(campaign=campaign, report=inside)
    page = client_for(user).get("/app/sharing/stix/")
    assert f'<option value="{campaign.pk}">Wave</option>' in page.content.decode()

    def names(response: Any) -> list[str]:
        return sorted(body["name"] for body in _of_type(json.loads(response.content)["objects"],
                                                        "report"))

    query = {"campaign": str(campaign.pk)}
    assert names(api_client_for(user).get("/api/v1/stix/bundle", query)) == ["Inside"]
    assert names(client_for(user).get("/app/sharing/stix/", {"download": "1", **query})) == \
        ["Inside"]


def test_the_export_page_filters_by_type(client_for: Any) -> None:
    user = make_user(Role.ANALYST)
    make_report(tlp=TLP.GREEN, owner=user.organisation, title="Typed")

    page = client_for(user).get("/app/sharing/stix/")
    assert 'name="type" value="report"' in page.content.decode()

    response = client_for(user).get("/app/sharing/stix/", {"download": "1", "type": "report"})

    # The bundle's head (markings, our identities, the extension definition) always comes.
    assert {body["type"] for body in json.loads(response.content)["objects"]} - {
        "marking-definition", "identity", "extension-definition"} == {"report"}


@pytest.mark.parametrize(("query", "named"), [({"since": "2099-02-30"}, "2099-02-30"),
                                              ({"until": "tomorrow"}, "tomorrow"),
                                              ({"campaign": "wave"}, "campaign")])
def test_the_export_page_refuses_a_filter_it_cannot_read_instead_of_exporting_everything(
        client_for: Any, query: dict[str, str], named: str) -> None:
    user = make_user(Role.ANALYST)
    make_report(tlp=TLP.GREEN, owner=user.organisation, title="Old")

    response = client_for(user).get("/app/sharing/stix/", {"download": "1", **query})

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert named in response.content.decode() if named != "campaign" else \
        "Choose a campaign from the list." in response.content.decode()
