"""Report services: the guards that keep content within its marking."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from civicshield.core.authz import OPERATOR
from civicshield.core.choices import Role
from civicshield.core.markings import TLP
from civicshield.reports import selectors, services
from civicshield.reports.models import Observable, Victim
from civicshield.reports.redaction import view_of
from tests.factories import make_organisation, make_user
from tests.report_factories import make_report


def test_merging_a_narrowly_shared_duplicate_into_a_wider_report_is_refused() -> None:
    coordinator = make_user(Role.COORDINATOR, organisation=make_organisation(is_coordinator=True))
    secret = make_report(tlp=TLP.AMBER_STRICT, organisations=[make_organisation()])
    secret.observables.add(Observable.objects.create(type="domain", value="hidden.example"))
    public = make_report(tlp=TLP.GREEN)
    with pytest.raises(ValidationError) as error:
        services.merge_duplicates(actor=coordinator, primary=public, duplicates=[secret])
    assert secret.reference in str(error.value)
    assert not public.observables.exists()


def test_merging_the_other_way_round_carries_observables_and_closes_the_duplicate() -> None:
    coordinator = make_user(Role.COORDINATOR, organisation=make_organisation(is_coordinator=True))
    secret = make_report(tlp=TLP.AMBER_STRICT, organisations=[make_organisation()])
    public = make_report(tlp=TLP.GREEN)
    public.observables.add(Observable.objects.create(type="domain", value="shared.example"))
    services.merge_duplicates(actor=coordinator, primary=secret, duplicates=[public])
    public.refresh_from_db()
    assert public.duplicate_of == secret and public.status == "closed"
    assert secret.observables.filter(value="shared.example").exists()


def test_a_report_cannot_be_assigned_to_someone_who_may_not_see_it() -> None:
    owner = make_organisation()
    analyst = make_user(Role.ANALYST, organisation=owner)
    report = make_report(tlp=TLP.AMBER_STRICT, owner=owner)
    outsider = make_user(Role.ANALYST)
    with pytest.raises(ValidationError) as error:
        services.assign_reports(actor=analyst, reports=[report], assignee=outsider)
    assert report.reference in str(error.value)
    colleague = make_user(Role.ANALYST, organisation=owner)
    assert services.assign_reports(actor=analyst, reports=[report], assignee=colleague) == 1


@pytest.mark.usefixtures("vocabulary")
def test_the_organisation_that_described_a_private_victim_still_sees_who_it_is() -> None:
    from django.utils import timezone

    reporter = make_user(Role.ANALYST)
    report = services.create_report(actor=reporter, data=services.ReportInput(
        title="Threats against a candidate", description="Messages threatening a candidate.",
        observed_start=timezone.now(), tlp=TLP.GREEN,
        victims=[{"name": "Ilse Marin", "kind": "candidate", "region": "North",
                  "consent": "private"}]))
    victim = report.victims.get()
    assert view_of(reporter, victim).label == "Ilse Marin"
    assert view_of(make_user(Role.ANALYST), victim).label == "a candidate in the North region"


@pytest.mark.usefixtures("vocabulary")
def test_naming_the_same_person_from_another_organisation_does_not_link_the_reports() -> None:
    from django.utils import timezone

    def report_by(user: Any) -> Any:
        return services.create_report(actor=user, data=services.ReportInput(
            title="Threats", description="Threats against a candidate.",
            observed_start=timezone.now(), tlp=TLP.GREEN,
            victims=[{"name": "Ilse Marin", "kind": "candidate", "region": "North"}]))

    first, second = report_by(make_user(Role.ANALYST)), report_by(make_user(Role.ANALYST))
    assert first.victims.get() != second.victims.get()
    assert Victim.objects.count() == 2


def _report_for(organisation: Any, victim_name: str) -> Any:
    """A report the command line files for `organisation` (an import: no user acts)."""
    from django.utils import timezone

    return services.create_report(actor=OPERATOR, organisation=organisation,
                                  data=services.ReportInput(
        title="Smear site", description="A site smears a candidate.",
        observed_start=timezone.now(), tlp=TLP.GREEN,
        victims=[{"name": victim_name, "kind": "candidate", "region": "North"}]))


@pytest.mark.usefixtures("vocabulary")
def test_the_organisation_a_command_line_report_is_for_sees_who_its_victims_are() -> None:
    cec = make_organisation()
    report = _report_for(cec, "Dana Target")
    services.update_report(actor=OPERATOR, report=report, changes={
        "victims": [{"name": "Eli Target", "kind": "official", "consent": "private"}]})

    analyst = make_user(Role.ANALYST, organisation=cec)
    assert sorted(view_of(analyst, victim).label for victim in report.victims.all()) == [
        "Dana Target", "Eli Target"]
    assert view_of(make_user(Role.ANALYST), report.victims.get(name="Dana Target")).label == \
        "a candidate in the North region"


@pytest.mark.usefixtures("vocabulary")
def test_command_line_reports_of_two_organisations_do_not_share_a_described_victim() -> None:
    first = _report_for(make_organisation(), "Dana Target")
    second = _report_for(make_organisation(), "Dana Target")

    assert first.victims.get() != second.victims.get()
    assert Victim.objects.count() == 2


def test_filtering_by_a_victim_the_viewer_may_not_identify_matches_nothing() -> None:
    victim = Victim.objects.create(kind="candidate", name="Ilse Marin", region="North")
    report = make_report(tlp=TLP.GREEN)
    report.victims.add(victim)
    partner = make_user(Role.ANALYST)
    assert not selectors.reports_visible_to(partner, victim=victim.pk).exists()
    coordinator = make_user(Role.ANALYST, organisation=make_organisation(is_coordinator=True))
    assert list(selectors.reports_visible_to(coordinator, victim=victim.pk)) == [report]


def _exported_report(actor: Any, report: Any) -> dict[str, Any]:
    from civicshield.sharing.stix.services import export_bundle

    [exported] = [body for body in export_bundle(actor=actor)["objects"]
                  if body["type"] == "report" and body["name"] == report.title]
    return exported


def _last_changed_long_ago(report: Any) -> None:
    from datetime import UTC, datetime

    from civicshield.reports.models import Report

    Report.objects.filter(pk=report.pk).update(updated_at=datetime(2024, 1, 1, tzinfo=UTC))
    report.refresh_from_db()


def test_merging_a_duplicate_exports_the_primary_as_a_new_version() -> None:
    owner = make_organisation()
    coordinator = make_user(Role.COORDINATOR, organisation=make_organisation(is_coordinator=True))
    analyst = make_user(Role.ANALYST, organisation=owner)
    primary, duplicate = make_report(tlp=TLP.GREEN, owner=owner), make_report(tlp=TLP.GREEN,
                                                                              owner=owner)
    duplicate.observables.add(Observable.objects.create(type="domain", value="dup.example"))
    _last_changed_long_ago(primary)
    before = _exported_report(analyst, primary)

    services.merge_duplicates(actor=coordinator, primary=primary, duplicates=[duplicate])

    after = _exported_report(analyst, primary)
    assert after["id"] == before["id"]
    assert len(after["object_refs"]) > len(before["object_refs"])
    # Consumers keep one copy per id and modified: the same modified would hide the change.
    assert after["modified"] > before["modified"]


def test_adding_observables_exports_the_report_as_a_new_version() -> None:
    owner = make_organisation()
    analyst = make_user(Role.ANALYST, organisation=owner)
    report = make_report(tlp=TLP.GREEN, owner=owner, created_by=analyst)
    _last_changed_long_ago(report)
    before = _exported_report(analyst, report)

    services.add_observables(actor=analyst, report=report,
                             observables=[{"type": "domain", "value": "added.example"}])

    after = _exported_report(analyst, report)
    assert after["id"] == before["id"]
    assert len(after["object_refs"]) > len(before["object_refs"])
    assert after["modified"] > before["modified"]


@pytest.mark.parametrize("order", [("partners", "public"), ("public", "partners")])
def test_a_victim_named_twice_in_one_report_is_one_victim_with_the_narrowest_consent(
        order: tuple[str, str]) -> None:
    from django.utils import timezone

    reporter = make_user(Role.ANALYST)
    officer = {"kind": "official", "name": "Returning Officer Quill"}
    services.create_report(actor=reporter, data=services.ReportInput(
        title="A forged statement", description="d", observed_start=timezone.now(),
        tlp=TLP.GREEN, victims=[{**officer, "consent": "public"}]))
    second = services.create_report(actor=reporter, data=services.ReportInput(
        title="The statement again", description="d", observed_start=timezone.now(),
        tlp=TLP.GREEN))

    services.update_report(actor=reporter, report=second, changes={
        "victims": [{**officer, "consent": consent} for consent in order]})

    assert list(Victim.objects.values_list("consent", flat=True)) == ["partners"]
    assert list(second.victims.values_list("name", flat=True)) == ["Returning Officer Quill"]


@pytest.mark.parametrize(("field", "value"), [
    ("title", "Leaflets\x00"), ("description", "Said\x00what"),
    ("victims", [{"kind": "candidate", "name": "Pia\x00", "region": "North"}]),
    ("observables", [{"type": "domain", "value": "a\x00.example"}]),
])
def test_a_nul_character_is_refused_naming_the_field_on_creation_and_change(
        field: str, value: Any) -> None:
    from django.utils import timezone

    from civicshield.reports.models import Report

    reporter = make_user(Role.ANALYST)
    given = {"title": "Leaflets", "description": "Leaflets with the wrong date.",
             "observed_start": timezone.now(), field: value}
    with pytest.raises(ValidationError) as error:
        services.create_report(actor=reporter, data=services.ReportInput(**given))
    assert field in error.value.message_dict
    assert not Report.objects.exists()

    report = make_report(tlp=TLP.GREEN, owner=reporter.organisation, title="Unchanged")
    with pytest.raises(ValidationError) as error:
        services.update_report(actor=reporter, report=report, changes={field: value})
    assert field in error.value.message_dict
    report.refresh_from_db()
    assert report.title == "Unchanged"
