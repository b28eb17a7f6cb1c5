"""An analyst marks an observable as an indicator from the report page."""

from __future__ import annotations

from typing import Any

from civicshield.core.choices import Role
from civicshield.core.markings import TLP
from civicshield.core.models import AuditEntry
from civicshield.reports.models import Observable
from civicshield.sharing.models import ObservableIndicator
from tests.factories import make_organisation, make_user
from tests.report_factories import make_report


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
