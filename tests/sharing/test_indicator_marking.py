"""An analyst marks an observable as an indicator from the report page."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from civicshield.core.choices import Role
from civicshield.core.markings import TLP
from civicshield.core.models import AuditEntry
from civicshield.reports.models import Observable, Report
from civicshield.sharing.models import ObservableIndicator
from tests.factories import make_organisation, make_user
from tests.report_factories import make_report

GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"


def test_the_owner_marks_an_indicator_and_an_outsider_cannot(client_for: Any) -> None:
    owner = make_organisation()
    report = make_report(tlp=TLP.GREEN, owner=owner)
    domain = Observable.objects.create(type="domain", value="vote-info-veridia.com")
    report.observables.add(domain)
    analyst = client_for(make_user(Role.ANALYST, organisation=owner))
    page = analyst.get(f"/app/reports/{report.pk}/").content.decode()
    assert "Mark as indicator" in page
    url = f"/app/sharing/stix/indicator/{report.pk}/{domain.pk}/"
    assert analyst.post(url).status_code == 302
    assert ObservableIndicator.objects.filter(report=report, observable=domain).exists()
    assert AuditEntry.objects.filter(action="report.indicator").count() == 1
    assert ">indicator<" in analyst.get(f"/app/reports/{report.pk}/").content.decode()

    hidden = make_report(tlp=TLP.AMBER_STRICT, owner=owner)
    hidden.observables.add(domain)
    outsider = client_for(make_user(Role.ANALYST))
    assert outsider.post(f"/app/sharing/stix/indicator/{hidden.pk}/{domain.pk}/"
                         ).status_code == 404
    assert not ObservableIndicator.objects.filter(report=hidden).exists()


# --- Indicators a source flags, on import -----------------------------------------------

def _flagged_values(report: Any) -> set[str]:
    return {flag.observable.value for flag in ObservableIndicator.objects.filter(
        report=report).select_related("observable")}


def _misp_event(*attributes: tuple[str, str]) -> dict[str, Any]:
    return {"Event": {"uuid": str(uuid.uuid4()), "info": "Robocalls", "date": "2025-02-27",
                      "threat_level_id": "2", "timestamp": "1740650000",
                      "Tag": [{"name": "tlp:green"}],
                      "Attribute": [{"type": kind, "value": value, "to_ids": True,
                                     "uuid": str(uuid.uuid4())} for kind, value in attributes]}}


@pytest.mark.parametrize(("role", "flagged"), [(Role.ANALYST, True),
                                                (Role.CONTRIBUTOR, False)])
def test_a_source_flags_indicators_only_through_someone_who_may_mark_them(
        role: str, flagged: bool) -> None:
    from civicshield.sharing.misp.importer import import_events
    from civicshield.sharing.stix.import_ import import_stix

    importer = make_user(role, organisation=make_organisation())
    from_misp = import_events(actor=importer, payload=[_misp_event(
        ("domain", "misp-flagged.example"))]).imported[0].report
    domain = {"type": "domain-name", "spec_version": "2.1", "value": "stix-flagged.example",
              "id": "domain-name--" + str(uuid.uuid5(uuid.NAMESPACE_URL, "stix-flagged"))}
    indicator = {"type": "indicator", "spec_version": "2.1", "id": f"indicator--{uuid.uuid4()}",
                 "created": "2025-03-01T10:00:00.000Z", "modified": "2025-03-01T10:00:00.000Z",
                 "pattern": "[domain-name:value = 'stix-flagged.example']",
                 "pattern_type": "stix", "valid_from": "2025-03-01T10:00:00Z",
                 "object_marking_refs": [GREEN]}
    report = {"type": "report", "spec_version": "2.1", "id": f"report--{uuid.uuid4()}",
              "created": "2025-03-01T10:00:00.000Z", "modified": "2025-03-01T10:00:00.000Z",
              "published": "2025-03-01T10:00:00.000Z", "name": "Flagged by its source",
              "report_types": ["threat-report"], "object_refs": [domain["id"], indicator["id"]],
              "object_marking_refs": [GREEN]}
    import_stix(actor=importer, source="file",
                document={"objects": [domain, indicator, report]})
    from_stix = Report.objects.get(title="Flagged by its source")

    assert _flagged_values(from_misp) == ({"misp-flagged.example"} if flagged else set())
    assert _flagged_values(from_stix) == ({"stix-flagged.example"} if flagged else set())


def test_a_flagged_composite_attribute_makes_only_its_identifying_part_an_indicator() -> None:
    from civicshield.sharing.misp.importer import import_events

    analyst = make_user(Role.ANALYST, organisation=make_organisation())
    report = import_events(actor=analyst, payload=[_misp_event(
        ("domain|ip", "shared-host.example|203.0.113.9"), ("ip-dst|port", "203.0.113.7|8443"),
        ("filename|sha256", "leaflet.pdf|" + "a" * 64))]).imported[0].report

    assert {o.value for o in report.observables.all()} == {
        "shared-host.example", "203.0.113.9", "203.0.113.7", "a" * 64}
    assert _flagged_values(report) == {"shared-host.example", "a" * 64}
