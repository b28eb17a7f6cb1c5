"""STIX 2.1: export judged by stix2-validator, import of the OASIS examples and invalid
variants, idempotency, consent and the access layer."""

from __future__ import annotations

import copy
import io
import json
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from stix2validator import ValidationOptions, validate_string

from civicshield.core.authz import OPERATOR
from civicshield.core.choices import Role
from civicshield.core.markings import TLP
from civicshield.core.models import AuditEntry
from civicshield.reports.choices import Consent, Source, VictimKind
from civicshield.reports.models import Observable, Report, Victim
from civicshield.sharing.models import StixObject, StixObjectVersion
from civicshield.sharing.stix.export import BundleFilters, bundle, bundle_objects
from civicshield.sharing.stix.import_ import import_stix
from civicshield.sharing.stix.services import export_bundle, mark_indicator
from civicshield.sharing.stix.validate import InvalidStix
from tests.factories import make_organisation, make_user
from tests.report_factories import make_report

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
EXAMPLES = DATA / "stix-examples"
needs_examples = pytest.mark.skipif(not EXAMPLES.is_dir(),
                                    reason=f"the OASIS STIX examples are not at {EXAMPLES}")
OPTIONS = ValidationOptions(version="2.1")


def assert_valid_without_warnings(document: dict[str, Any]) -> None:
    result = validate_string(json.dumps(document), OPTIONS)
    assert result.errors == [], "\n".join(str(e) for e in result.errors)
    assert result.warnings == [], [str(w) for w in result.warnings]
    assert result.is_valid


def _observables(report: Report, *pairs: tuple[str, str]) -> list[Observable]:
    found = [Observable.objects.get_or_create(type=kind, value=value)[0] for kind, value in pairs]
    report.observables.add(*found)
    return found


def _rich_report(owner: Any, tlp: str = TLP.GREEN, **fields: Any) -> Report:
    report = make_report(tlp=tlp, owner=owner, **fields)
    _observables(report, ("domain", "vote-info.example"), ("url", "https://vote-info.example/x"),
                 ("ipv4", "203.0.113.7"), ("ipv6", "2001:db8::1"),
                 ("email", "press@vote-info.example"), ("md5", "d41d8cd98f00b204e9800998ecf8427e"),
                 ("sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
                 ("phone", "+15555550100"), ("social_account", "x:fakepolls"),
                 ("hashtag", "#votetomorrow"), ("message_id", "<abc123@mail.example>"),
                 ("ad_id", "facebook:1234567890"))
    return report


def test_export_of_every_observable_type_is_valid_stix_without_warnings() -> None:
    coordinator = make_organisation(is_coordinator=True)
    owner = make_organisation()
    report = _rich_report(owner)
    victim = Victim.objects.create(kind=VictimKind.CANDIDATE, name="A. Candidate",
                                   consent=Consent.PARTNERS)
    report.victims.add(victim)
    domain = Observable.objects.get(type="domain")
    mark_indicator(actor=make_user(Role.COORDINATOR, organisation=coordinator), report=report,
                   observable=domain)
    result = export_bundle(actor=OPERATOR)
    assert_valid_without_warnings(result)
    types = {body["type"] for body in result["objects"]}
    assert {"report", "indicator", "domain-name", "url", "ipv4-addr", "ipv6-addr", "email-addr",
            "file", "user-account", "x-civicshield-phone-number",
            "x-civicshield-hashtag", "x-civicshield-ad-id", "x-civicshield-message-id",
            "identity", "marking-definition",
            "extension-definition"} <= types
    indicator = next(b for b in result["objects"] if b["type"] == "indicator")
    assert indicator["pattern"] == "[domain-name:value = 'vote-info.example']"
    assert AuditEntry.objects.filter(action="stix.export").count() == 1


def test_re_export_is_identical() -> None:
    make_organisation(is_coordinator=True)
    _rich_report(make_organisation())
    first = export_bundle(actor=OPERATOR)
    second = export_bundle(actor=OPERATOR)
    assert first == second


def test_a_victim_identity_whose_consent_narrows_is_exported_as_a_new_version() -> None:
    import time

    from django.utils import timezone

    from civicshield.core.access import Viewer
    from civicshield.reports.services import ReportInput, create_report
    from civicshield.sharing.stix.export import BundleFilters, bundle_objects

    analyst = make_user(Role.ANALYST)
    member = Viewer.for_organisation(make_organisation())

    def report(title: str, consent: str) -> dict[str, Any]:
        create_report(actor=analyst, data=ReportInput(
            title=title, description="A forged statement.", observed_start=timezone.now(),
            tlp=TLP.CLEAR, victims=[{"kind": "official", "name": "Returning Officer Quill",
                                     "consent": consent}]))
        return next(body for body in bundle_objects(member, BundleFilters())
                    if body.get("name") == "Returning Officer Quill")

    before = report("A forged statement", "public")
    time.sleep(0.002)
    after = report("The statement again", "partners")

    assert after["object_marking_refs"] != before["object_marking_refs"]
    assert after["modified"] > before["modified"]  # consumers replace the wider copy


def test_private_victim_is_never_exported_to_partners() -> None:
    owner = make_organisation()
    report = make_report(tlp=TLP.GREEN, owner=owner)
    report.victims.add(Victim.objects.create(kind=VictimKind.CANDIDATE, name="Secret Person",
                                             consent=Consent.PRIVATE))
    partner = make_user(Role.ANALYST)
    text = json.dumps(bundle(bundle_objects(partner, BundleFilters())))
    assert "Secret Person" not in text
    assert "victim" not in text


def test_exercise_reports_and_hidden_reports_are_not_exported() -> None:
    make_organisation(is_coordinator=True)
    make_report(tlp=TLP.CLEAR, title="Drill", source=Source.EXERCISE)
    make_report(tlp=TLP.AMBER, title="Not for you")
    outsider = make_user(Role.ANALYST)
    names = {b.get("name") for b in bundle_objects(outsider, BundleFilters())}
    assert "Drill" not in names and "Not for you" not in names
    names = {b.get("name") for b in export_bundle(actor=OPERATOR)["objects"]}
    assert "Drill" not in names and "Not for you" in names


def test_bundle_api_filters_by_type_and_time(api_client_for: Any) -> None:
    owner = make_organisation()
    user = make_user(Role.ANALYST, organisation=owner)
    old = _rich_report(owner, title="Old")
    Report.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=30))
    make_report(tlp=TLP.GREEN, owner=owner, title="New")
    client = api_client_for(user)
    since = (timezone.now() - timedelta(days=1)).isoformat()
    response = client.get("/api/v1/stix/bundle", {"since": since, "type": "report"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/stix+json")
    body = response.json()
    assert [b["name"] for b in body["objects"] if b["type"] == "report"] == ["New"]
    assert_valid_without_warnings(body)


# --- Import -----------------------------------------------------------------------------


def _example(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / name).read_text())


VALID_BUNDLES = ["indicator-for-c2-ip-address.json", "indicator-to-campaign-relationship.json",
                 "indicators-for-C2-with-COA.json", "infrastructure.json",
                 "malicious-email-indicator-with-attachment.json"]


@needs_examples
@pytest.mark.parametrize("name", VALID_BUNDLES)
def test_every_oasis_example_bundle_imports_and_re_exports_unchanged(name: str) -> None:
    make_organisation(is_coordinator=True)
    document = _example(name)
    status = import_stix(actor=OPERATOR, document=document, source="file")
    assert status.total_count == len(document["objects"])
    exported = {b["id"]: b for b in export_bundle(actor=OPERATOR)["objects"]}
    for body in document["objects"]:
        assert exported[body["id"]] == body
    again = import_stix(actor=OPERATOR, document=document, source="file")
    assert again.total_count == status.total_count
    assert StixObjectVersion.objects.count() == len({(b["id"], b.get("modified", b.get(
        "created", ""))) for b in document["objects"]})


@needs_examples
def test_the_object_marking_example_is_refused_for_its_unknown_markings() -> None:
    make_organisation(is_coordinator=True)
    with pytest.raises(InvalidStix) as raised:
        import_stix(actor=OPERATOR, document=_example("interop-objectmarking-test.json"),
                    source="file")
    messages = [(p.object_id, p.message) for p in raised.value.problems]
    assert ("campaign--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061",
            "unknown marking marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ec") in messages


def _break(document: dict[str, Any], how: str) -> tuple[dict[str, Any], str, str]:
    broken = copy.deepcopy(document)
    target = next(b for b in broken["objects"] if "created" in b)
    object_id = target["id"]
    if how == "missing-required":
        del target["created"]
        expected = "required property created is missing"
    elif how == "malformed-id":
        object_id = target["id"] = f"{target['type']}--not-a-uuid"
        expected = f"id is missing or not {target['type']}--<UUID>"
    elif how == "malformed-timestamp":
        target["modified"] = "2014-05-08 09:00:00"
        expected = "modified is not an RFC 3339 UTC timestamp"
    elif how == "dangling-reference":
        target["created_by_ref"] = "identity--11111111-2222-4333-8444-555555555555"
        expected = "does not resolve"
    else:
        target["object_marking_refs"] = ["marking-definition--11111111-2222-4333-8444-55555555"
                                         "5555"]
        expected = "unknown marking"
    return broken, object_id, expected


@needs_examples
@pytest.mark.parametrize("name", VALID_BUNDLES)
@pytest.mark.parametrize("how", ["missing-required", "malformed-id", "malformed-timestamp",
                                 "dangling-reference", "unknown-marking"])
def test_invalid_variants_are_refused_with_the_object_id_and_nothing_is_written(
        name: str, how: str) -> None:
    make_organisation(is_coordinator=True)
    broken, object_id, expected = _break(_example(name), how)
    with pytest.raises(InvalidStix) as raised:
        import_stix(actor=OPERATOR, document=broken, source="file")
    assert any(p.object_id == object_id and expected in p.message
               for p in raised.value.problems), raised.value.problems
    assert StixObject.objects.count() == 0 and StixObjectVersion.objects.count() == 0
    assert not AuditEntry.objects.filter(action="stix.import").exists()


@needs_examples
def test_api_import_of_an_invalid_bundle_is_a_400_listing_each_error(api_client_for: Any
                                                                      ) -> None:
    user = make_user(Role.ANALYST)
    broken, object_id, _ = _break(_example("indicators-for-C2-with-COA.json"), "malformed-id")
    response = api_client_for(user).post("/api/v1/stix/bundle", json.dumps(broken),
                                         content_type="application/json")
    assert response.status_code == 400
    assert object_id in response.json()["errors"]
    assert StixObject.objects.count() == 0


def _report_bundle(modified: str, title: str) -> dict[str, Any]:
    return {"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": [
        {"type": "domain-name", "spec_version": "2.1",
         "id": "domain-name--3c10e93f-798e-5a26-a0c1-08156efab7f5", "value": "Fake-Polls.example"},
        {"type": "report", "spec_version": "2.1",
         "id": "report--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3",
         "created": "2024-03-01T10:00:00.000Z", "modified": modified, "name": title,
         "published": "2024-03-01T10:00:00.000Z",
         "object_refs": ["domain-name--3c10e93f-798e-5a26-a0c1-08156efab7f5"],
         "object_marking_refs": ["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"]},
    ]}


def test_import_is_idempotent_by_id_and_modified_and_keeps_versions(api_client_for: Any
                                                                    ) -> None:
    owner = make_organisation()
    user = make_user(Role.ANALYST, organisation=owner)
    client = api_client_for(user)
    first = client.post("/api/v1/stix/bundle", json.dumps(_report_bundle(
        "2024-03-01T10:00:00.000Z", "First")), content_type="application/json")
    assert first.status_code == 201, first.content
    report = Report.objects.get()
    assert (report.title, report.tlp, report.owner_organisation) == ("First", TLP.GREEN, owner)
    assert list(report.observables.values_list("value", flat=True)) == ["fake-polls.example"]
    newer = _report_bundle("2024-03-02T10:00:00.000Z", "Second")
    assert client.post("/api/v1/stix/bundle", json.dumps(newer),
                       content_type="application/json").status_code == 201
    older = _report_bundle("2024-02-01T10:00:00.000Z", "Older")
    older["objects"][1]["created"] = "2024-02-01T10:00:00.000Z"
    assert client.post("/api/v1/stix/bundle", json.dumps(older),
                       content_type="application/json").status_code == 201
    same = client.post("/api/v1/stix/bundle", json.dumps(newer), content_type="application/json")
    assert same.status_code == 201
    assert Report.objects.get().title == "Second"
    assert Report.objects.count() == 1
    assert StixObjectVersion.objects.filter(
        stix_id="report--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3").count() == 3
    assert AuditEntry.objects.filter(action="stix.import").count() == 4


REPORT_ID = "report--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3"
TLP1_AMBER = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"
TLP1_GREEN = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"
TLP2_CLEAR = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"


@pytest.mark.parametrize(("held_marking", "seen_by_other"), [(TLP1_GREEN, True),
                                                             (TLP1_AMBER, False)])
def test_another_organisation_cannot_send_a_newer_version_of_an_object_it_does_not_hold(
        api_client_for: Any, held_marking: str, seen_by_other: bool) -> None:
    owner_user = make_user(Role.ANALYST, organisation=make_organisation())
    first = _report_bundle("2024-03-01T10:00:00.000Z", "Held by its owner")
    first["objects"][1]["object_marking_refs"] = [held_marking]
    assert api_client_for(owner_user).post("/api/v1/stix/bundle", json.dumps(first),
                                           content_type="application/json").status_code == 201
    before = (Report.objects.get().title, Report.objects.get().tlp)

    # Someone else re-marks it CLEAR in a "newer version".
    takeover = _report_bundle("2024-03-09T10:00:00.000Z", "Rewritten by another")
    takeover["objects"][1]["object_marking_refs"] = [TLP2_CLEAR]
    other = api_client_for(make_user(Role.ANALYST, organisation=make_organisation()))
    response = other.post("/api/v1/stix/bundle", json.dumps(takeover),
                          content_type="application/json")

    if seen_by_other:
        # It knows whose the report is: refused, naming the id.
        assert response.status_code == 400
        assert REPORT_ID in response.json()["errors"]
    else:
        # It may not see the report: answered as for an equal version, never "someone
        # holds this id".
        assert response.status_code == 201, response.content
        assert "another organisation" not in response.content.decode()
    assert (Report.objects.get().title, Report.objects.get().tlp) == before
    assert Report.objects.count() == 1
    assert StixObjectVersion.objects.filter(stix_id=REPORT_ID).count() == 1
    # Its owner may.
    assert api_client_for(owner_user).post("/api/v1/stix/bundle", json.dumps(takeover),
                                           content_type="application/json").status_code == 201
    assert Report.objects.get().tlp == TLP.CLEAR


def test_a_failing_correlation_does_not_fail_an_import_that_is_stored(
        api_client_for: Any, monkeypatch: pytest.MonkeyPatch,
        django_capture_on_commit_callbacks: Any) -> None:
    from civicshield.correlation import services as correlation

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("correlation down")

    monkeypatch.setattr(correlation, "correlate_reports", broken)
    client = api_client_for(make_user(Role.ANALYST, organisation=make_organisation()))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post("/api/v1/stix/bundle", json.dumps(_report_bundle(
            "2024-03-01T10:00:00.000Z", "Stored anyway")), content_type="application/json")

    assert response.status_code == 201 and len(callbacks) == 1
    assert Report.objects.get().title == "Stored anyway"


def test_command_line_export_and_import(tmp_path: Path) -> None:
    make_organisation(is_coordinator=True)
    _rich_report(make_organisation())
    target = tmp_path / "out.json"
    call_command("export", "--format", "stix", "-o", str(target))
    document = json.loads(target.read_text())
    assert_valid_without_warnings(document)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"type": "bundle", "id": "bundle--x", "objects": []}))
    from django.core.management.base import CommandError
    with pytest.raises(CommandError) as raised:
        call_command("import", str(bad))
    assert raised.value.returncode == 2
    call_command("import", str(target))


def test_command_line_import_refuses_a_30_mb_description_naming_the_object_and_property(
        tmp_path: Path) -> None:
    from django.core.management.base import CommandError

    from civicshield.sharing.stix.validate import MAX_STRING_LENGTH

    make_organisation(is_coordinator=True)
    bundle = _report_bundle("2024-03-01T10:00:00.000Z", "Padded")
    bundle["objects"][1]["description"] = "A" * 30_000_000
    source = tmp_path / "padded.json"
    source.write_text(json.dumps(bundle))
    errors = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import", str(source), stderr=errors)
    assert raised.value.returncode == 2
    assert f"{REPORT_ID}: description is 30,000,000 characters long, more than the " \
           f"{MAX_STRING_LENGTH:,} a string may have" in errors.getvalue()
    assert not StixObject.objects.exists() and not Report.objects.exists()


def test_workspace_page_downloads_the_bundle(client_for: Any) -> None:
    owner = make_organisation()
    user = make_user(Role.ANALYST, organisation=owner)
    make_report(tlp=TLP.GREEN, owner=owner, title="Seen")
    client = client_for(user)
    assert client.get("/app/sharing/stix/").status_code == 200
    response = client.get("/app/sharing/stix/", {"download": "1"})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert_valid_without_warnings(json.loads(response.content))


def test_bundle_filtered_by_campaign_holds_only_its_reports(api_client_for: Any) -> None:
    from civicshield.correlation.models import Campaign, Membership

    owner = make_organisation()
    user = make_user(Role.ANALYST, organisation=owner)
    inside = make_report(tlp=TLP.GREEN, owner=owner, title="Inside")
    make_report(tlp=TLP.GREEN, owner=owner, title="Outside")
    campaign = Campaign.objects.create(name="Wave")
    Membership.objects.create(campaign=campaign, report=inside)
    response = api_client_for(user).get("/api/v1/stix/bundle", {"campaign": str(campaign.pk)})
    assert response.status_code == 200
    names = [b["name"] for b in response.json()["objects"] if b["type"] == "report"]
    assert names == ["Inside"]


def test_a_received_report_is_exported_as_received_until_it_is_changed_here() -> None:
    # Re-exporting our mapping of it would publish a newer version of another producer's
    # object under its id.
    from civicshield.reports.services import update_report

    owner = make_organisation()
    analyst = make_user(Role.ANALYST, organisation=owner)
    received = _report_bundle("2024-03-01T10:00:00.000Z", "As the producer wrote it")
    import_stix(actor=analyst, document=received, source="api")

    def exported() -> dict[str, Any]:
        [report] = [body for body in export_bundle(actor=analyst)["objects"]
                    if body["type"] == "report"]
        return report

    assert exported() == received["objects"][1]
    update_report(actor=analyst, report=Report.objects.get(), changes={"title": "Edited here"})
    edited = exported()
    # A report of ours now, under our id: only the producer versions its own object.
    assert edited["name"] == "Edited here" and edited["id"] != received["objects"][1]["id"]


def test_a_received_object_under_the_id_of_one_of_our_records_never_replaces_it() -> None:
    from civicshield.sharing.models import TaxiiEntry
    from civicshield.sharing.stix.publish import sync_reports

    member = make_user(Role.ANALYST, organisation=make_organisation())
    report = make_report(tlp=TLP.GREEN, owner=member.organisation, title="Ours")
    sync_reports()
    ours = TaxiiEntry.objects.get(source_report=report, type="report").stix_id
    # Held from before imports refused such ids.
    StixObject.objects.create(
        stix_id=ours, type="report", modified="2099-01-01T00:00:00.000000Z",
        owner_organisation=make_organisation(), tlp=TLP.GREEN,
        body=json.dumps({"type": "report", "id": ours, "name": "Forged",
                         "spec_version": "2.1", "created": "2099-01-01T00:00:00.000Z",
                         "modified": "2099-01-01T00:00:00.000Z", "published":
                         "2099-01-01T00:00:00.000Z", "object_refs": [ours]}))

    names = [body.get("name") for body in bundle_objects(member, BundleFilters())
             if body["id"] == ours]

    assert names == ["Ours"]


def test_a_report_referring_to_a_held_object_stored_with_malformed_references_imports() -> None:
    """Objects stored before the validator checked the shape of external references are
    read defensively: a report referring to one imports rather than failing."""
    importer = make_user(Role.ANALYST)
    pattern_id = f"attack-pattern--{uuid.uuid4()}"
    StixObject.objects.create(
        stix_id=pattern_id, type="attack-pattern", modified="2025-03-01T10:00:00.000000Z",
        tlp=TLP.GREEN, owner_organisation=importer.organisation, body=json.dumps({
            "type": "attack-pattern", "spec_version": "2.1", "id": pattern_id,
            "created": "2025-03-01T10:00:00.000Z", "modified": "2025-03-01T10:00:00.000Z",
            "name": "Stored long ago", "external_references": [
                "not an object", {"source_name": "DISARM", "external_id": {"code": 1}}]}))
    report = {"type": "report", "spec_version": "2.1", "id": f"report--{uuid.uuid4()}",
              "created": "2025-03-01T10:00:00.000Z", "modified": "2025-03-01T10:00:00.000Z",
              "published": "2025-03-01T10:00:00.000Z", "name": "Refers to an old object",
              "report_types": ["threat-report"], "object_refs": [pattern_id],
              "object_marking_refs": ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]}

    import_stix(actor=importer, document={"objects": [report]}, source="file")

    assert Report.objects.filter(title="Refers to an old object").exists()
