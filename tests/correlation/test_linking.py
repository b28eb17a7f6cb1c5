"""Links by each rule, with the sentence that explains them; values that never link."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from civicshield.core.authz import OPERATOR
from civicshield.correlation import reasons
from civicshield.correlation.linking import observable_strength
from civicshield.correlation.models import Link, TooCommonObservable
from civicshield.correlation.selectors import related_to
from civicshield.correlation.services import add_to_allow_list, correlate_reports
from tests.correlation.conftest import COPYPASTA, NOW, add_report, phase, technique, victim
from tests.factories import make_user


def _links(first: Any, second: Any) -> dict[str, Link]:
    source, target = sorted((first.pk, second.pk))
    return {link.kind: link for link in Link.objects.filter(source_id=source, target_id=target)}


def _explained(link: Link) -> str:
    return reasons.explain(link.kind, link.details)


def test_two_reports_mentioning_one_domain_are_linked_with_the_domain_as_reason() -> None:
    first = add_report(observables=[("domain", "vote-info-veridia.com")])
    second = add_report(observables=[("domain", "vote-info-veridia.com")])
    link = _links(first, second)["observable"]
    assert _explained(link) == "both mention vote-info-veridia[.]com"
    assert link.strength == observable_strength("domain", 2, 50)


def test_several_shared_values_strengthen_the_link_and_are_counted_in_the_reason() -> None:
    shared = [("domain", "vote-info-veridia.com"), ("ipv4", "203.0.113.45")]
    single = add_report(observables=shared[:1])
    first = add_report(observables=shared)
    second = add_report(observables=shared)
    both = _links(first, second)["observable"]
    one = _links(single, second)["observable"]
    assert both.strength > one.strength
    assert _explained(both).endswith("and 1 other value")


def test_near_identical_narratives_are_linked_with_their_similarity() -> None:
    first = add_report(description=COPYPASTA)
    second = add_report(description=COPYPASTA.upper().replace("4455", "4456") + " !!")
    link = _links(first, second)["narrative"]
    assert link.details["similarity"] >= 0.7
    assert _explained(link) == f"narratives {link.details['similarity']:.2f} similar"


def test_different_narratives_and_short_texts_are_not_linked() -> None:
    add_report(description=COPYPASTA)
    other = add_report(description="Posters in four Northern towns give a registration "
                                   "deadline two weeks earlier than the real one, and the "
                                   "town halls have been asked to correct them.")
    short = add_report(description="Phishing.")
    short_too = add_report(description="Phishing.")
    assert not Link.objects.filter(kind="narrative").exists()
    assert other and short and short_too


def test_same_technique_against_the_same_victim_within_the_window_is_a_weaker_link() -> None:
    target = victim()
    t0049 = technique()
    first = add_report(techniques=[t0049], victims=[target], observed=NOW - timedelta(days=5))
    second = add_report(techniques=[t0049], victims=[target], observed=NOW - timedelta(days=1))
    link = _links(first, second)["technique"]
    assert _explained(link) == "both use T0049.003 against the same victim within 14 days"
    assert link.strength < observable_strength("domain", 2, 50)


def test_same_technique_in_the_same_phase_links_but_not_outside_the_window(
        vocabulary: None) -> None:
    t0049, voting = technique(), phase()
    first = add_report(techniques=[t0049], phases=[voting], observed=NOW - timedelta(days=3))
    second = add_report(techniques=[t0049], phases=[voting], observed=NOW - timedelta(days=1))
    late = add_report(techniques=[t0049], phases=[voting], observed=NOW - timedelta(days=40))
    link = _links(first, second)["technique"]
    assert "in the phase" in _explained(link)
    assert not _links(first, late)
    assert not _links(second, late)


def test_a_value_on_a_warning_list_links_nothing_and_says_so() -> None:
    first = add_report(observables=[("domain", "bit.ly")])  # url-shortener warning list
    second = add_report(observables=[("domain", "bit.ly"), ("ipv4", "8.8.8.8")])
    add_report(observables=[("ipv4", "8.8.8.8")])  # public DNS resolver
    assert not Link.objects.exists()
    notes = {item.value: item.note for item in related_to(member_of(first), second.pk)
             .not_correlated}
    assert "warning list" in notes["bit[.]ly"]
    assert "warning list" in notes["8[.]8[.]8[.]8"]


def member_of(report: Any) -> Any:
    """A user of the report's own organisation (who sees it whatever its marking)."""
    return make_user(organisation=report.owner_organisation)


def test_a_value_on_the_instance_allow_list_stops_linking(
        django_capture_on_commit_callbacks: Any) -> None:
    first = add_report(observables=[("domain", "veridia-partner.example")])
    second = add_report(observables=[("domain", "veridia-partner.example")])
    assert _links(first, second)
    with django_capture_on_commit_callbacks(execute=True):
        add_to_allow_list(actor=OPERATOR, type="domain", value="VERIDIA-partner.example",
                          reason="Our partner's mail relay")
    assert not _links(first, second)
    viewer = make_user(organisation=second.owner_organisation)
    notes = [item.note for item in related_to(viewer, second.pk).not_correlated]
    assert notes == ["not correlated: on this instance's allow list"]


def test_a_value_in_more_reports_than_the_cut_off_is_too_common_and_links_nothing(
        correlation_settings: Any) -> None:
    limit = 5
    reports = [add_report(observables=[("hashtag", "#elections")]) for _ in range(limit)]
    assert Link.objects.count() > 0  # up to the limit, the value links
    newcomer = add_report(observables=[("hashtag", "#elections")])
    assert TooCommonObservable.objects.filter(observable__value="#elections").exists()
    assert not Link.objects.filter(source_id=newcomer.pk).exists()
    assert not Link.objects.filter(target_id=newcomer.pk).exists()
    viewer = make_user(organisation=newcomer.owner_organisation)
    assert [o.note for o in related_to(viewer, newcomer.pk).not_correlated] == [
        "not correlated: too common"]
    assert len(reports) == limit


def test_links_stored_per_report_are_bounded_so_a_popular_value_never_costs_all_pairs(
        settings: Any) -> None:
    settings.CIVICSHIELD_CORRELATION = {"over_correlation_limit": 100,
                                        "max_links_per_report": 3}
    reports = [add_report(observables=[("domain", "popular-veridia.example")], correlate=False)
               for _ in range(30)]
    correlate_reports(report_ids=[r.pk for r in reports])
    pairs = 30 * 29 // 2
    assert Link.objects.count() <= 30 * 3 < pairs
    for report in reports:
        assert Link.objects.filter(source_id=report.pk).count() + Link.objects.filter(
            target_id=report.pk).count() >= 1


def test_correlating_again_changes_nothing() -> None:
    first = add_report(observables=[("domain", "vote-info-veridia.com")], description=COPYPASTA)
    second = add_report(observables=[("domain", "vote-info-veridia.com")],
                        description=COPYPASTA)
    before = sorted(Link.objects.values_list("source_id", "target_id", "kind", "strength"))
    correlate_reports(report_ids=[first.pk, second.pk])
    after = sorted(Link.objects.values_list("source_id", "target_id", "kind", "strength"))
    assert before == after


def test_creating_a_report_through_the_service_correlates_it_after_commit(
        vocabulary: None, django_capture_on_commit_callbacks: Any) -> None:
    from civicshield.reports.services import ReportInput, create_report

    author = make_user()
    existing = add_report(observables=[("domain", "vote-info-veridia.com")])
    with django_capture_on_commit_callbacks(execute=True):
        created = create_report(actor=author, data=ReportInput(
            title="A fake site", description="It copies the commission's page.",
            observed_start=NOW - timedelta(hours=2), tlp="green",
            observables=[{"type": "domain", "value": "vote-info-veridia[.]com"}]))
    assert _links(existing, created)
