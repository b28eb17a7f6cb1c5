"""Campaigns in STIX: seen only through the reports the reader may see."""

from __future__ import annotations

from civicshield.core.choices import Role
from civicshield.core.markings import TLP
from civicshield.correlation.services import correlate_reports
from civicshield.reports.models import Observable
from civicshield.sharing.stix.export import BundleFilters, bundle, bundle_objects
from tests.factories import make_organisation, make_user
from tests.report_factories import make_report
from tests.sharing.test_stix import assert_valid_without_warnings


def _campaign_of_three(hidden_tlp: str = TLP.AMBER_STRICT) -> list:
    shared = Observable.objects.create(type="domain", value="vote-info-veridia.com")
    reports = [make_report(tlp=TLP.GREEN, title="Seen one"),
               make_report(tlp=TLP.AMBER, title="Seen two"),
               make_report(tlp=hidden_tlp, title="Hidden one")]
    for report in reports:
        report.observables.add(shared)
    correlate_reports(report_ids=[r.pk for r in reports])
    return reports


def test_a_campaign_is_exported_with_relationships_to_the_visible_members_only() -> None:
    _seen_green, seen_amber, _hidden = _campaign_of_three()
    reader = make_user(Role.ANALYST)
    seen_amber.audience_organisations.add(reader.organisation)
    objects = bundle_objects(reader, BundleFilters())
    campaigns = [b for b in objects if b["type"] == "campaign"]
    assert len(campaigns) == 1
    relationships = [b for b in objects if b["type"] == "relationship"
                     and b["target_ref"] == campaigns[0]["id"]]
    assert len(relationships) == 2
    referenced = {b["source_ref"] for b in relationships}
    report_ids = {b["id"] for b in objects if b["type"] == "report"}
    assert referenced <= report_ids
    assert "Hidden one" not in {b.get("name") for b in objects}
    # Marked as narrowly as its narrowest visible member (AMBER), never wider.
    assert campaigns[0]["object_marking_refs"] == [
        "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"]
    assert_valid_without_warnings(bundle(objects))


def test_no_campaign_when_the_reader_sees_a_single_member() -> None:
    _campaign_of_three()
    outsider = make_user(Role.ANALYST, organisation=make_organisation())
    objects = bundle_objects(outsider, BundleFilters())
    assert not [b for b in objects if b["type"] in ("campaign", "relationship")]
