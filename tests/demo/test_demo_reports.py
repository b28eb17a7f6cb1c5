"""The demo's reports: about forty, across phases, types and markings, with attempted
breaches, victims of every consent, and one domain that ties partners' reports together."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from django.db.models import Count
from django.utils import timezone

from civicshield.core.access import visible_to
from civicshield.core.authz import OPERATOR
from civicshield.core.markings import TLP
from civicshield.demo import directory as demo_directory
from civicshield.demo import reports as demo_reports
from civicshield.directory.models import Organisation, User
from civicshield.reports.choices import Consent, Outcome, Source
from civicshield.reports.models import Report, Victim
from civicshield.sharing.models import SharingAgreement, SharingGroup
from civicshield.sharing.selectors import sharing_matrix
from civicshield.vocab import services as vocab_services
from civicshield.vocab.models import Term
from civicshield.vocab.selectors import terms_visible_to
from civicshield.vocab.services import load_builtin_vocabularies


@pytest.fixture
def demo(settings: Any) -> None:
    # The demo creates a few dozen accounts; Argon2 is deliberately slow and not under test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    load_builtin_vocabularies(actor=OPERATOR, include_sources=False)
    demo_directory.load(actor=OPERATOR)
    demo_reports.load(actor=OPERATOR)


@pytest.mark.usefixtures("demo")
def test_about_forty_reports_cover_every_phase_marking_and_many_types() -> None:
    reports = Report.objects.all()
    assert 38 <= reports.count() <= 45
    phases = set(Term.objects.filter(vocabulary__slug="phases").values_list("code", flat=True))
    covered = set(reports.values_list("phases__code", flat=True)) - {None}
    assert covered == phases
    assert set(reports.values_list("tlp", flat=True)) == set(TLP.values)
    types = set(reports.values_list("information_types__code", flat=True)) - {None}
    assert len(types) >= 14
    # Observed over the last sixty days, none in the future.
    now = timezone.now()
    assert all(now - timedelta(days=60) <= r.observed_start <= now for r in reports)
    spread = {(now - r.observed_start).days // 10 for r in reports.filter(source="partner")}
    assert spread == {0, 1, 2, 3, 4, 5}


@pytest.mark.usefixtures("demo")
def test_attempted_breaches_are_reported_alongside_successful_ones() -> None:
    attempted = Report.objects.filter(outcome=Outcome.ATTEMPTED)
    assert attempted.count() >= 8
    attempted_types = set(attempted.values_list("information_types__code", flat=True))
    assert {"phishing", "account_compromise"} <= attempted_types
    assert Report.objects.filter(outcome=Outcome.SUCCESSFUL).count() >= 8


@pytest.mark.usefixtures("demo")
def test_victims_carry_every_consent() -> None:
    consents = set(Victim.objects.filter(reports__isnull=False).values_list("consent",
                                                                           flat=True))
    assert consents == set(Consent.values)
    candidates = Victim.objects.filter(kind="candidate", region="North")
    assert candidates.exists()
    assert {candidate.consent for candidate in candidates} == {Consent.PRIVATE}
    assert Victim.objects.get(organisation__slug="green-path").consent == Consent.PUBLIC
    assert Victim.objects.filter(kind="official", consent=Consent.PARTNERS).exists()


@pytest.mark.usefixtures("demo")
def test_one_domain_ties_together_reports_of_many_organisations_and_sectors() -> None:
    mentioning = Report.objects.filter(observables__type="domain",
                                       observables__value=demo_reports.SHARED_DOMAIN)
    assert mentioning.count() >= 6
    owner_ids = set(mentioning.values_list("owner_organisation", flat=True))
    assert len(owner_ids) >= 4
    sectors = set(Organisation.objects.filter(pk__in=owner_ids).values_list("sector",
                                                                            flat=True))
    assert len(sectors) >= 3
    # Defanged in the text, as analysts write it; refanged in the observable.
    assert all("vote-info-veridia[.]com" in r.description for r in mentioning)


@pytest.mark.usefixtures("demo")
def test_every_report_is_written_by_a_member_of_the_reporting_organisation() -> None:
    partner_reports = Report.objects.filter(source=Source.PARTNER).select_related("created_by")
    for report in partner_reports:
        assert report.created_by is not None, report.title
        assert report.created_by.organisation_id == report.owner_organisation_id, report.title
    assert User.objects.filter(username="reporter-chirp", role="analyst").exists()


@pytest.mark.usefixtures("demo")
def test_public_tips_go_to_the_coordinator_only() -> None:
    tips = Report.objects.filter(source=Source.PUBLIC_TIP)
    assert 2 <= tips.count() <= 3
    coordinator = Organisation.objects.get(is_coordinator=True)
    for tip in tips:
        assert tip.tlp == TLP.AMBER_STRICT
        assert list(tip.audience_organisations.all()) == [coordinator]
    duty = User.objects.get(username="coordinator")
    other = User.objects.get(username="analyst")
    assert set(visible_to(duty, tips)) == set(tips)
    assert not visible_to(other, tips).exists()


@pytest.mark.usefixtures("demo")
def test_groups_and_agreements_leave_visible_holes_in_the_matrix() -> None:
    assert 2 <= SharingGroup.objects.count() <= 3
    assert 3 <= SharingAgreement.objects.count() <= 4
    working_group = SharingGroup.objects.get(slug="election-security")
    assert set(working_group.organisations.values_list("slug", flat=True)) == {
        "eicc", "cec", "vcsa", "police-cyber", "bastion"}
    types = list(terms_visible_to(OPERATOR, vocabularies=["information-types"]))
    matrix = sharing_matrix(OPERATOR, types)
    holes = {term.code for term in matrix.holes}
    assert "covert_foreign_funding" in holes
    assert "phishing" not in holes and "coordinated_inauthentic_behaviour" not in holes


@pytest.mark.usefixtures("demo")
def test_markings_are_enforced_on_the_demo_reports() -> None:
    red = Report.objects.filter(tlp=TLP.RED).annotate(named=Count("audience_users"))
    assert red.exists() and all(report.named for report in red)
    assert not Report.objects.filter(tlp__in=[TLP.CLEAR, TLP.GREEN]).annotate(
        named=Count("audience_organisations") + Count("audience_groups")).filter(
        named__gt=0).exists()
    commission_analyst = User.objects.get(username="analyst")
    seen = Counter(visible_to(commission_analyst, Report.objects.all()).values_list(
        "tlp", flat=True))
    assert seen[TLP.RED] == 0 and seen[TLP.AMBER] > 0 and seen[TLP.CLEAR] > 0
    assert visible_to(None, Report.objects.all()).count() == Report.objects.filter(
        tlp=TLP.CLEAR).count()


def test_loading_twice_changes_nothing(demo: None) -> None:
    before = Report.objects.count()
    demo_reports.load(actor=OPERATOR)
    assert Report.objects.count() == before


def test_techniques_are_attached_when_disarm_and_attack_are_loaded(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    load_builtin_vocabularies(actor=OPERATOR, include_sources=False)
    for source in ("disarm/DISARM_FRAMEWORKS_MASTER.xlsx", "misp-galaxy/mitre-attack-pattern.json"):
        vocab_services.import_file(actor=OPERATOR, path=vocab_services.VENDOR_DIR / source)
    demo_directory.load(actor=OPERATOR)
    demo_reports.load(actor=OPERATOR)
    wanted = {code for report in demo_reports.REPORTS for code in report.techniques}
    attached = set(Report.objects.values_list("techniques__code", flat=True)) - {None}
    assert attached == wanted
    assert {"T1566.002", "T1110.004", "T0049.003"} <= attached
