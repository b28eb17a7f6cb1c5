"""STIX import at its edges: markings written in older or looser forms, the command line's
answer to odd bundles and its progress bar."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from civicshield.core import access
from civicshield.core.choices import Role
from civicshield.sharing.models import StixObject, TaxiiEntry
from civicshield.sharing.stix.import_ import Destination, import_stix
from civicshield.sharing.stix.services import export_bundle
from tests.factories import make_organisation, make_user
from tests.report_factories import make_group
from tests.sharing.test_stix import assert_valid_without_warnings

TLP_2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP_1_GREEN = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"


def _bundle(*objects: dict[str, Any]) -> dict[str, Any]:
    return {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": list(objects)}


def _campaign(name: str, markings: list[str]) -> dict[str, Any]:
    return {"type": "campaign", "spec_version": "2.1", "id": f"campaign--{uuid.uuid4()}",
            "created": "2024-03-01T10:00:00.000Z", "modified": "2024-03-01T10:00:00.000Z",
            "name": name, "object_marking_refs": markings}


@pytest.mark.parametrize("written", ["RED", "Red"])
def test_a_tlp_2_marking_definition_whose_name_is_not_in_lower_case_still_marks_red(
        written: str) -> None:
    organisation = make_organisation()
    importer = make_user(Role.ANALYST, organisation=organisation)
    colleague = make_user(Role.ANALYST, organisation=organisation)
    marking_id = f"marking-definition--{uuid.uuid4()}"
    marking = {"type": "marking-definition", "spec_version": "2.1", "id": marking_id,
               "created": "2024-01-01T00:00:00.000Z", "name": "TLP:RED",
               "extensions": {TLP_2_EXTENSION: {"extension_type": "property-extension",
                                                "tlp_2_0": written}}}
    campaign = _campaign("Names a source", [marking_id])

    import_stix(actor=importer, document=_bundle(marking, campaign), source="api")

    held = StixObject.objects.get(stix_id=campaign["id"])
    assert held.tlp == "red"
    assert not access.visible_to(colleague, StixObject.objects.filter(pk=held.pk)).exists()


def test_an_object_received_with_a_tlp_1_marking_is_exported_with_its_definition() -> None:
    importer = make_user(Role.ANALYST, organisation=make_organisation())
    definition = {"type": "marking-definition", "spec_version": "2.1", "id": TLP_1_GREEN,
                  "created": "2017-01-20T00:00:00.000Z", "definition_type": "tlp",
                  "name": "TLP:GREEN", "definition": {"tlp": "green"}}
    campaign = _campaign("Leaflets", [TLP_1_GREEN])
    import_stix(actor=importer, document=_bundle(definition, campaign), source="api")

    document = export_bundle(actor=importer)

    assert campaign["id"] in {body["id"] for body in document["objects"]}
    [exported] = [body for body in document["objects"] if body["id"] == TLP_1_GREEN]
    assert exported == definition
    named = {ref for body in document["objects"] for ref in body.get("object_marking_refs", ())}
    assert named <= {body["id"] for body in document["objects"]
                     if body["type"] == "marking-definition"}
    assert_valid_without_warnings(document)


@pytest.mark.parametrize("objects", [None, 5, {"a": 1}])
def test_the_command_line_names_objects_that_are_not_a_list_and_exits_2(
        tmp_path: Path, objects: Any) -> None:
    make_organisation(is_coordinator=True)
    source = tmp_path / "odd.json"
    source.write_text(json.dumps({"type": "bundle", "id": f"bundle--{uuid.uuid4()}",
                                  "objects": objects}))
    errors = io.StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("import", str(source), stderr=errors)

    assert raised.value.returncode == 2
    assert "objects is not a list" in errors.getvalue()
    assert not StixObject.objects.exists()


def test_the_command_lines_progress_bar_counts_the_steps_done_never_ahead_of_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from civicshield.sharing.management.commands import import_stix as command

    shown: list[tuple[str | None, int | None]] = []
    totals: list[int | None] = []

    @contextmanager
    def recording_bar(_description: str, *, total: int | None = None) -> Iterator[Any]:
        totals.append(total)

        def advance(step: str | None = None, completed: int | None = None,
                    total: int | None = None) -> None:
            shown.append((step, completed))

        yield advance

    monkeypatch.setattr(command, "progress_bar", recording_bar)
    make_organisation(is_coordinator=True)
    source = tmp_path / "campaigns.json"
    source.write_text(json.dumps(_bundle(*(_campaign(f"Wave {n}", []) for n in range(3)))))

    call_command("import", str(source), stdout=io.StringIO(), stderr=io.StringIO())

    assert totals == [5]
    assert shown == [(f"Importing STIX: {step}", number) for number, step in enumerate(
        ("validated", "versions", "objects", "reports", "published"), start=1)]


GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
AMBER = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
RED = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"


def _versions_of(stix_id: str) -> Any:
    def version(modified: str, marking: str, name: str) -> dict[str, Any]:
        return {"type": "campaign", "spec_version": "2.1", "id": stix_id,
                "created": "2024-03-01T10:00:00.000Z", "modified": modified, "name": name,
                "object_marking_refs": [marking]}

    return version


def _colleagues_and_a_campaign() -> tuple[Any, Any, str, Any]:
    """Two analysts of one organisation, a campaign id and its version maker."""
    organisation = make_organisation()
    first, second = (make_user(Role.ANALYST, organisation=organisation) for _ in range(2))
    stix_id = f"campaign--{uuid.uuid4()}"
    return first, second, stix_id, _versions_of(stix_id)


def _names_served_to(reader: Any, stix_id: str) -> list[str]:
    return sorted(json.loads(body)["name"] for body in access.visible_to(
        reader, TaxiiEntry.objects.filter(stix_id=stix_id)).values_list("body", flat=True))


@pytest.mark.parametrize("together", [True, False], ids=["one-bundle", "older-later"])
def test_an_older_version_marked_narrower_than_the_current_is_kept_but_never_served_wider(
        together: bool) -> None:
    importer = make_user(Role.ANALYST, organisation=make_organisation())
    stix_id = f"campaign--{uuid.uuid4()}"
    version = _versions_of(stix_id)
    current = version("2024-03-05T10:00:00.000Z", GREEN, "Sanitised")
    older = version("2024-03-01T10:00:00.000Z", RED, "Run by a named source")
    batches = [[current, older]] if together else [[current], [older]]

    for batch in batches:
        import_stix(actor=importer, document=_bundle(*batch), source="api")

    from civicshield.sharing.models import StixObjectVersion

    assert StixObjectVersion.objects.filter(stix_id=stix_id).count() == 2
    outsider = make_user(Role.ANALYST, organisation=make_organisation())
    assert _names_served_to(outsider, stix_id) == ["Sanitised"]


def test_an_object_with_a_granular_red_marking_is_red_as_a_whole() -> None:
    organisation = make_organisation()
    importer = make_user(Role.ANALYST, organisation=organisation)
    colleague = make_user(Role.ANALYST, organisation=organisation)
    identity = {"type": "identity", "spec_version": "2.1", "id": f"identity--{uuid.uuid4()}",
                "created": "2024-03-01T10:00:00.000Z", "modified": "2024-03-01T10:00:00.000Z",
                "name": "A source", "identity_class": "individual",
                "description": "Name and phone number of the whistle-blower",
                "object_marking_refs": [GREEN],
                "granular_markings": [{"marking_ref": RED, "selectors": ["description"]}]}

    import_stix(actor=importer, document=_bundle(identity), source="api")

    held = StixObject.objects.filter(stix_id=identity["id"])
    assert held.get().tlp == "red"
    assert not access.visible_to(colleague, held).exists()
    assert access.visible_to(importer, held).exists()


def test_a_colleagues_newer_version_marked_red_is_refused_and_changes_nothing() -> None:
    first, second, stix_id, version = _colleagues_and_a_campaign()
    import_stix(actor=first, document=_bundle(
        version("2024-03-01T10:00:00.000Z", GREEN, "v1")), source="api")

    from civicshield.sharing.stix.validate import InvalidStix

    with pytest.raises(InvalidStix) as raised:
        import_stix(actor=second, document=_bundle(
            version("2024-03-02T10:00:00.000Z", RED, "v2 names a source")), source="api")

    assert [problem.object_id for problem in raised.value.problems] == [stix_id]
    assert "only the person holding a RED object" in raised.value.problems[0].message
    held = StixObject.objects.get(stix_id=stix_id)
    assert (held.tlp, json.loads(held.body)["name"]) == ("green", "v1")


def test_a_colleagues_newer_version_of_a_red_object_they_may_not_see_is_skipped_unseen(
        ) -> None:
    from civicshield.reports.models import Report

    organisation = make_organisation()
    first, second = (make_user(Role.ANALYST, organisation=organisation) for _ in range(2))
    secret, public = _domain("informant-home.example", RED), _domain("fake-polls.example", GREEN)
    import_stix(actor=first, document=_bundle(secret, _report(
        "2024-03-01T10:00:00.000Z", "v1", [secret["id"]], RED)), source="api")

    status = import_stix(actor=second, document=_bundle(public, _report(
        "2024-03-02T10:00:00.000Z", "v2", [public["id"]], RED)), source="api")

    assert status.success_count == 2  # as for an equal version: nothing tells it exists
    report = Report.objects.get()
    assert report.title == "v1" and access.visible_to(first, Report.objects.all()).exists()
    assert not access.visible_to(second, Report.objects.all()).exists()
    assert list(report.observables.values_list("value", flat=True)) == \
        ["informant-home.example"]


def test_a_red_object_its_holder_narrows_or_widens_goes_where_its_new_marking_says() -> None:
    holder, colleague, stix_id, version = _colleagues_and_a_campaign()
    import_stix(actor=holder, document=_bundle(
        version("2024-03-01T10:00:00.000Z", GREEN, "v1")), source="api")

    import_stix(actor=holder, document=_bundle(
        version("2024-03-02T10:00:00.000Z", RED, "v2 names a source")), source="api")
    held = StixObject.objects.filter(stix_id=stix_id)
    assert held.get().tlp == "red" and not access.visible_to(colleague, held).exists()

    import_stix(actor=holder, document=_bundle(
        version("2024-03-03T10:00:00.000Z", GREEN, "v3 sanitised")), source="api")
    assert held.get().tlp == "green" and access.visible_to(colleague, held).exists()
    # The RED version in between is never served to the colleague.
    served = _names_served_to(colleague, stix_id)
    assert "v3 sanitised" in served and "v2 names a source" not in served


def test_an_older_version_a_colleague_sends_marked_red_is_kept_but_served_to_no_one_else(
        ) -> None:
    holder, colleague, stix_id, version = _colleagues_and_a_campaign()
    import_stix(actor=holder, document=_bundle(
        version("2024-03-05T10:00:00.000Z", AMBER, "Current")), source="api")

    import_stix(actor=colleague, document=_bundle(
        version("2024-03-01T10:00:00.000Z", RED, "Draft for the colleague")), source="api")

    assert _names_served_to(holder, stix_id) == ["Current"]


REPORT_ID = "report--6a1f1e2c-3b0e-4a55-9c2d-1f6b2c9d7e01"


def _domain(value: str, marking: str) -> dict[str, Any]:
    from civicshield.sharing.stix.ids import sco_id

    return {"type": "domain-name", "spec_version": "2.1",
            "id": sco_id("domain-name", {"value": value}), "value": value,
            "object_marking_refs": [marking]}


def _report(modified: str, name: str, refs: list[str], marking: str) -> dict[str, Any]:
    return {"type": "report", "spec_version": "2.1", "id": REPORT_ID,
            "created": "2024-03-01T10:00:00.000Z", "modified": modified, "name": name,
            "published": "2024-03-01T10:00:00.000Z", "object_refs": refs,
            "object_marking_refs": [marking]}


def test_a_report_its_producer_widens_keeps_only_what_its_new_version_brings() -> None:
    from civicshield.reports.models import Report

    importer = make_user(Role.ANALYST, organisation=make_organisation())
    secret, public = _domain("secret-c2.example", AMBER), _domain("fake-polls.example", GREEN)
    import_stix(actor=importer, document=_bundle(secret, public, _report(
        "2024-03-01T10:00:00.000Z", "v1", [secret["id"], public["id"]], AMBER)), source="api")
    assert sorted(Report.objects.get().observables.values_list("value", flat=True)) == \
        ["fake-polls.example", "secret-c2.example"]

    import_stix(actor=importer, document=_bundle(public, _report(
        "2024-03-05T10:00:00.000Z", "v2 sanitised", [public["id"]], GREEN)), source="api")

    widened = Report.objects.get()
    assert widened.tlp == "green"
    assert list(widened.observables.values_list("value", flat=True)) == ["fake-polls.example"]


def test_newer_and_older_versions_in_one_bundle_make_the_report_of_the_newer() -> None:
    from civicshield.reports.models import Report

    importer = make_user(Role.ANALYST, organisation=make_organisation())
    public = _domain("fake-polls.example", GREEN)
    newer = _report("2024-03-05T10:00:00.000Z", "Newer", [public["id"]], GREEN)
    older = _report("2024-03-01T10:00:00.000Z", "Older", [public["id"]], GREEN)

    import_stix(actor=importer, document=_bundle(public, newer, older), source="api")

    assert Report.objects.get().title == "Newer"
    assert json.loads(StixObject.objects.get(stix_id=REPORT_ID).body)["name"] == "Newer"


@pytest.mark.parametrize("where", ["name", "description", "x_note"])
def test_a_nul_character_in_a_string_is_refused_naming_the_object_and_property(
        where: str) -> None:
    from civicshield.sharing.stix.validate import InvalidStix

    importer = make_user(Role.ANALYST, organisation=make_organisation())
    public = _domain("fake-polls.example", GREEN)
    body = {**_report("2024-03-01T10:00:00.000Z", "Leaflets", [public["id"]], GREEN),
            where: "before\u0000after"}

    with pytest.raises(InvalidStix) as raised:
        import_stix(actor=importer, document=_bundle(public, body), source="api")

    [problem] = raised.value.problems
    assert problem.object_id == REPORT_ID and where in problem.message
    assert "NUL" in problem.message
    assert not StixObject.objects.exists()


def _exercise(report: dict[str, Any]) -> dict[str, Any]:
    from civicshield.sharing.stix.export import EXTENSION_ID

    return {**report, "extensions": {EXTENSION_ID: {
        "extension_type": "property-extension", "source": "exercise"}}}


def _published(*stix_ids: str) -> bool:
    return TaxiiEntry.objects.filter(stix_id__in=stix_ids).exists()


def test_what_only_an_exercise_report_refers_to_is_exercise_data_too() -> None:
    importer = make_user(Role.ANALYST, organisation=make_organisation())
    made_up, real = _domain("inject-c2.example", GREEN), _domain("fake-polls.example", GREEN)
    exercise = _exercise(_report("2024-03-01T10:00:00.000Z", "Exercise inject 3",
                                 [made_up["id"], real["id"]], GREEN))
    other = {**_report("2024-03-01T10:00:00.000Z", "Real report", [real["id"]], GREEN),
             "id": f"report--{uuid.uuid4()}"}

    import_stix(actor=importer, document=_bundle(made_up, real, exercise, other), source="api")

    assert not _published(REPORT_ID, made_up["id"])
    assert _published(other["id"], real["id"])  # a real report refers to it as well


def test_an_older_version_of_an_exercise_report_is_not_served_either() -> None:
    importer = make_user(Role.ANALYST, organisation=make_organisation())
    public = _domain("fake-polls.example", GREEN)
    import_stix(actor=importer, document=_bundle(public, _exercise(_report(
        "2024-03-05T10:00:00.000Z", "Exercise", [public["id"]], GREEN))), source="api")

    import_stix(actor=importer, document=_bundle(public, _report(
        "2024-03-01T10:00:00.000Z", "Draft", [public["id"]], GREEN)), source="api")

    assert not _published(REPORT_ID)


def test_a_widening_version_keeps_the_indicator_flags_of_what_it_still_brings() -> None:
    from civicshield.reports.models import Report
    from civicshield.sharing.models import ObservableIndicator
    from civicshield.sharing.stix.services import mark_indicator

    organisation = make_organisation()
    analyst = make_user(Role.ANALYST, organisation=organisation)
    contributor = make_user(Role.CONTRIBUTOR, organisation=organisation)
    kept, dropped = _domain("fake-polls.example", GREEN), _domain("secret-c2.example", AMBER)
    import_stix(actor=analyst, document=_bundle(kept, dropped, _report(
        "2024-03-01T10:00:00.000Z", "v1", [kept["id"], dropped["id"]], AMBER)), source="api")
    report = Report.objects.get()
    for observable in report.observables.all():
        mark_indicator(actor=analyst, report=report, observable=observable)

    import_stix(actor=contributor, document=_bundle(kept, _report(
        "2024-03-05T10:00:00.000Z", "v2", [kept["id"]], GREEN)), source="api")

    assert list(ObservableIndicator.objects.filter(report=report).values_list(
        "observable__value", flat=True)) == ["fake-polls.example"]


def test_a_nul_character_in_a_property_name_is_named_without_writing_it() -> None:
    from civicshield.sharing.stix.validate import InvalidStix

    importer = make_user(Role.ANALYST, organisation=make_organisation())
    public = _domain("fake-polls.example", GREEN)
    body = {**_report("2024-03-01T10:00:00.000Z", "Leaflets", [public["id"]], GREEN),
            "x_n\u0000ote": "before\u0000after"}

    with pytest.raises(InvalidStix) as raised:
        import_stix(actor=importer, document=_bundle(public, body), source="api")

    [problem] = raised.value.problems
    assert "\x00" not in problem.message and "x_n\\u0000ote" in problem.message


AMBER_STRICT = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"


def _analyst_with_a_group_and_a_campaign() -> tuple[Any, Any, str, Any]:
    organisation = make_organisation()
    analyst = make_user(Role.ANALYST, organisation=organisation)
    stix_id = f"campaign--{uuid.uuid4()}"
    return (analyst, make_group(organisation, make_organisation()), stix_id,
            _versions_of(stix_id))


def test_amber_strict_for_a_group_narrowed_to_amber_for_the_owner_alone_is_accepted() -> None:
    """AMBER addressed to no one but the owner is read by fewer than AMBER+STRICT to a
    group of the owner: a narrowing, which the rule allows."""
    analyst, group, stix_id, version = _analyst_with_a_group_and_a_campaign()
    import_stix(actor=analyst, document=_bundle(
        version("2024-03-01T10:00:00.000Z", AMBER_STRICT, "v1")), source="taxii",
        destination=Destination(group_id=group.pk))

    import_stix(actor=analyst, document=_bundle(
        version("2024-03-02T10:00:00.000Z", AMBER, "v2 for us alone")), source="api")

    assert StixObject.objects.get(stix_id=stix_id).tlp == "amber"


def test_amber_for_the_owner_alone_widened_to_amber_strict_for_a_group_is_accepted() -> None:
    analyst, group, stix_id, version = _analyst_with_a_group_and_a_campaign()
    import_stix(actor=analyst, document=_bundle(
        version("2024-03-01T10:00:00.000Z", AMBER, "v1 for us alone")), source="api")

    import_stix(actor=analyst, document=_bundle(
        version("2024-03-02T10:00:00.000Z", AMBER_STRICT, "v2 for the group")),
        source="taxii", destination=Destination(group_id=group.pk))

    assert StixObject.objects.get(stix_id=stix_id).tlp == "amber+strict"


def test_a_value_an_exercise_used_first_is_published_when_a_real_report_brings_it() -> None:
    """A real domain used in an inject stays withheld for ever: later real reports that
    bring it (an SCO, held already) publish nothing of it, so their readers and peers get
    reports whose observable is missing from the collections."""
    importer = make_user(Role.ANALYST, organisation=make_organisation())
    domain = _domain("fake-polls.example", GREEN)
    import_stix(actor=importer, document=_bundle(domain, _exercise(_report(
        "2024-03-01T10:00:00.000Z", "Exercise inject", [domain["id"]], GREEN))), source="api")
    assert not _published(domain["id"])  # exercise data: withheld (as designed)

    real = {**_report("2024-03-02T10:00:00.000Z", "Real report", [domain["id"]], GREEN),
            "id": f"report--{uuid.uuid4()}"}
    import_stix(actor=importer, document=_bundle(domain, real), source="api")

    assert _published(real["id"])
    assert _published(domain["id"])


def test_a_producers_identity_first_seen_in_an_exercise_is_published_with_its_real_reports(
        ) -> None:
    importer = make_user(Role.ANALYST, organisation=make_organisation())
    identity = {"type": "identity", "spec_version": "2.1", "id": f"identity--{uuid.uuid4()}",
                "created": "2024-03-01T10:00:00.000Z", "modified": "2024-03-01T10:00:00.000Z",
                "name": "Electoral commission", "identity_class": "organization",
                "object_marking_refs": [GREEN]}
    import_stix(actor=importer, document=_bundle(identity, _exercise(_report(
        "2024-03-01T10:00:00.000Z", "Exercise inject", [identity["id"]], GREEN))),
        source="api")

    real = {**_report("2024-03-02T10:00:00.000Z", "Real report", [identity["id"]], GREEN),
            "id": f"report--{uuid.uuid4()}", "created_by_ref": identity["id"]}
    import_stix(actor=importer, document=_bundle(identity, real), source="api")

    assert _published(real["id"])
    assert _published(identity["id"])


def test_an_exercise_report_does_not_publish_a_value_someone_else_holds() -> None:
    """The SCO is held by another organisation (AMBER): the exercise inject's GREEN copy
    is published to the community collection, though only the exercise refers to it."""
    holder = make_user(Role.ANALYST, organisation=make_organisation())
    domain = _domain("inject-c2.example", AMBER)
    import_stix(actor=holder, document=_bundle(domain), source="api")

    player = make_user(Role.ANALYST, organisation=make_organisation())
    green_copy = {**domain, "object_marking_refs": [GREEN]}
    import_stix(actor=player, document=_bundle(green_copy, _exercise(_report(
        "2024-03-01T10:00:00.000Z", "Exercise inject", [domain["id"]], GREEN))),
        source="api")

    assert not _published(REPORT_ID)
    assert not TaxiiEntry.objects.filter(stix_id=domain["id"], tlp="green").exists()


def _indicator_of(value: str, marking: str) -> dict[str, Any]:
    return {"type": "indicator", "spec_version": "2.1", "id": f"indicator--{uuid.uuid4()}",
            "created": "2024-03-01T10:00:00.000Z", "modified": "2024-03-01T10:00:00.000Z",
            "pattern": f"[domain-name:value = '{value}']", "pattern_type": "stix",
            "valid_from": "2024-03-01T10:00:00.000Z", "object_marking_refs": [marking]}


def test_a_widened_report_keeps_no_flag_its_new_version_does_not_send_but_an_analysts() -> None:
    from civicshield.reports.models import Report
    from civicshield.sharing.models import ObservableIndicator
    from civicshield.sharing.stix.services import mark_indicator

    analyst = make_user(Role.ANALYST, organisation=make_organisation())
    domain, other = _domain("fake-polls.example", GREEN), _domain("vote-info.example", GREEN)
    amber_verdict = _indicator_of("fake-polls.example", AMBER)
    import_stix(actor=analyst, document=_bundle(domain, other, amber_verdict, _report(
        "2024-03-01T10:00:00.000Z", "v1", [domain["id"], other["id"], amber_verdict["id"]],
        AMBER)), source="api")
    report = Report.objects.get()
    assert list(ObservableIndicator.objects.filter(report=report).values_list(
        "observable__value", flat=True)) == ["fake-polls.example"]
    mark_indicator(actor=analyst, report=report,
                   observable=report.observables.get(value="vote-info.example"))

    import_stix(actor=analyst, document=_bundle(domain, other, _report(
        "2024-03-05T10:00:00.000Z", "v2", [domain["id"], other["id"]], GREEN)), source="api")

    assert list(ObservableIndicator.objects.filter(report=report).values_list(
        "observable__value", flat=True)) == ["vote-info.example"]


def test_another_organisations_real_report_never_publishes_what_an_exercise_withheld(
        ) -> None:
    player = make_user(Role.ANALYST, organisation=make_organisation())
    indicator = _indicator_of("inject-c2.example", AMBER)
    import_stix(actor=player, document=_bundle(indicator, _exercise(_report(
        "2024-03-01T10:00:00.000Z", "Exercise inject", [indicator["id"]], AMBER))),
        source="api")
    other = make_user(Role.ANALYST, organisation=make_organisation())
    real = {**_report("2024-03-02T10:00:00.000Z", "A real report", [indicator["id"]], AMBER),
            "id": f"report--{uuid.uuid4()}"}

    import_stix(actor=other, document=_bundle(indicator, real), source="api")

    assert _published(real["id"]) and not _published(indicator["id"])


def test_a_flag_an_analyst_confirms_after_an_import_set_it_stays_when_the_report_widens(
        ) -> None:
    from civicshield.reports.models import Report
    from civicshield.sharing.models import ObservableIndicator
    from civicshield.sharing.stix.services import mark_indicator

    analyst = make_user(Role.ANALYST, organisation=make_organisation())
    domain, verdict = _domain("fake-polls.example", GREEN), _indicator_of(
        "fake-polls.example", AMBER)
    import_stix(actor=analyst, document=_bundle(domain, verdict, _report(
        "2024-03-01T10:00:00.000Z", "v1", [domain["id"], verdict["id"]], AMBER)), source="api")
    report = Report.objects.get()
    mark_indicator(actor=analyst, report=report, observable=report.observables.get())

    import_stix(actor=analyst, document=_bundle(domain, _report(
        "2024-03-05T10:00:00.000Z", "v2", [domain["id"]], GREEN)), source="api")

    assert ObservableIndicator.objects.filter(report=report, imported=False).count() == 1
