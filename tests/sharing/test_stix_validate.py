"""STIX import validation: what a consumer's validator would refuse is refused here, naming
the object, and nothing is written; so what we re-export as received stays valid."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from stix2validator import ValidationOptions, validate_string

from civicshield.core.authz import OPERATOR
from civicshield.core.choices import Role
from civicshield.core.markings import STIX_MARKING_DEFINITION_IDS
from civicshield.core.models import AuditEntry
from civicshield.sharing.models import StixObject, StixObjectVersion
from civicshield.sharing.stix.import_ import import_stix
from civicshield.sharing.stix.services import export_bundle
from civicshield.sharing.stix.validate import InvalidStix
from tests.factories import make_organisation, make_user

OPTIONS = ValidationOptions(version="2.1")
GREEN = STIX_MARKING_DEFINITION_IDS["green"]
RED = STIX_MARKING_DEFINITION_IDS["red"]
WHEN = "2025-03-01T00:00:00.000Z"
IDENTITY_ID = "identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
REPORT_ID = "report--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3"
INDICATOR_ID = "indicator--5a1d3f27-5c0e-4b47-9f0c-0c2b7a1e8d11"


@pytest.fixture(autouse=True)
def _coordinator() -> None:
    make_organisation(is_coordinator=True)


def _bundle() -> dict[str, Any]:
    return {"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
            "objects": [
                {"type": "identity", "spec_version": "2.1", "id": IDENTITY_ID, "created": WHEN,
                 "modified": WHEN, "name": "Source", "identity_class": "organization",
                 "object_marking_refs": [GREEN]},
                {"type": "indicator", "spec_version": "2.1", "id": INDICATOR_ID,
                 "created": WHEN, "modified": WHEN, "name": "Fake polling site",
                 "description": "Lists polling stations that do not exist.",
                 "pattern_type": "stix",
                 "pattern": "[domain-name:value = 'fake-polls.example']", "valid_from": WHEN,
                 "object_marking_refs": [GREEN]},
                {"type": "report", "spec_version": "2.1", "id": REPORT_ID, "created": WHEN,
                 "modified": WHEN, "name": "Fake polling stations", "published": WHEN,
                 "created_by_ref": IDENTITY_ID, "object_refs": [IDENTITY_ID, INDICATOR_ID],
                 "object_marking_refs": [GREEN]},
            ]}


def _object(document: dict[str, Any], object_id: str) -> dict[str, Any]:
    return next(body for body in document["objects"] if body["id"] == object_id)


def _change(object_id: str, **properties: Any) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        _object(document, object_id).update(properties)

    return change


def _assert_refused(document: dict[str, Any], object_id: str, expected: str) -> None:
    with pytest.raises(InvalidStix) as raised:
        import_stix(actor=OPERATOR, document=document, source="file")
    assert any(p.object_id == object_id and expected in p.message
               for p in raised.value.problems), [p.as_dict() for p in raised.value.problems]
    assert not StixObject.objects.exists() and not StixObjectVersion.objects.exists()
    assert not AuditEntry.objects.filter(action="stix.import").exists()


def _validator_errors(document: dict[str, Any]) -> list[str]:
    return [str(error) for error in validate_string(json.dumps(document), OPTIONS).errors]


# STIX 2.1 §3.2 says MUST; stix2-validator 3.3 does not check the referenced type.
AGAINST_THE_SPECIFICATION = {
    "a marking that is not a marking definition": (
        _change(REPORT_ID, object_marking_refs=[IDENTITY_ID]), REPORT_ID,
        f"object_marking_refs '{IDENTITY_ID}' is not an identifier of type marking-definition"),
    "an author that is not an identity": (
        _change(REPORT_ID, created_by_ref=INDICATOR_ID), REPORT_ID,
        f"created_by_ref '{INDICATOR_ID}' is not an identifier of type identity"),
}
REFUSED_BY_THE_VALIDATOR = {
    "object_marking_refs that is not a list": (
        _change(REPORT_ID, object_marking_refs=GREEN), REPORT_ID,
        "object_marking_refs is not a list"),
    "a granular marking that is not a marking definition": (
        _change(REPORT_ID, granular_markings=[{"marking_ref": IDENTITY_ID,
                                               "selectors": ["name"]}]), REPORT_ID,
        "granular_markings.marking_ref"),
    "a granular marking without selectors": (
        _change(REPORT_ID, granular_markings=[{"marking_ref": RED}]), REPORT_ID,
        "granular_markings[0] needs selectors"),
    "a granular marking with empty selectors": (
        _change(REPORT_ID, granular_markings=[{"marking_ref": RED, "selectors": []}]),
        REPORT_ID, "granular_markings[0] needs selectors"),
    "confidence above 100": (
        _change(REPORT_ID, confidence=500), REPORT_ID, "confidence 500 is not an integer"),
    "confidence that is not an integer": (
        _change(REPORT_ID, confidence="high"), REPORT_ID, "confidence 'high' is not an integer"),
    "an indicator valid until before it is valid from": (
        _change(INDICATOR_ID, valid_until="2024-01-01T00:00:00.000Z"), INDICATOR_ID,
        "valid_until is not later than valid_from"),
    "an indicator valid until the moment it is valid from": (
        _change(INDICATOR_ID, valid_until=WHEN), INDICATOR_ID,
        "valid_until is not later than valid_from"),
    "a name that is not a string": (
        _change(IDENTITY_ID, name=["not", "a", "string"]), IDENTITY_ID, "name is not a string"),
    "a description that is not a string": (
        _change(REPORT_ID, description={"text": "x"}), REPORT_ID,
        "description is not a string"),
    "labels that are not a list": (
        _change(REPORT_ID, labels="phase:campaign"), REPORT_ID,
        "labels is not a list of strings"),
    "labels that are not strings": (
        _change(REPORT_ID, labels=["phase:campaign", 7]), REPORT_ID,
        "labels is not a list of strings"),
}


@pytest.mark.parametrize("case", REFUSED_BY_THE_VALIDATOR)
def test_content_stix2_validator_refuses_is_refused_naming_the_object(case: str) -> None:
    change, object_id, expected = REFUSED_BY_THE_VALIDATOR[case]
    document = _bundle()
    change(document)
    assert _validator_errors(document), "the independent validator accepts this variant"
    _assert_refused(document, object_id, expected)


@pytest.mark.parametrize("case", AGAINST_THE_SPECIFICATION)
def test_a_reference_to_an_object_of_the_wrong_type_is_refused_naming_the_object(
        case: str) -> None:
    change, object_id, expected = AGAINST_THE_SPECIFICATION[case]
    document = _bundle()
    change(document)
    _assert_refused(document, object_id, expected)


def test_the_unchanged_content_is_valid_and_imports() -> None:
    document = _bundle()
    result = validate_string(json.dumps(document), OPTIONS)
    assert result.errors == [] and result.warnings == []
    import_stix(actor=OPERATOR, document=document, source="file")
    assert StixObject.objects.count() == len(document["objects"])


def test_granular_markings_with_selectors_import_and_re_export_as_valid_stix() -> None:
    document = _bundle()
    _object(document, REPORT_ID).update(
        confidence=85, labels=["phase:campaign"], description="Polling stations moved.",
        granular_markings=[{"marking_ref": GREEN, "selectors": ["description"]}])
    import_stix(actor=OPERATOR, document=document, source="file")
    exported = export_bundle(actor=OPERATOR)
    assert _object(exported, REPORT_ID) == _object(document, REPORT_ID)
    assert _validator_errors(exported) == []


@pytest.mark.parametrize("number", ["1e400", "-1e400", "NaN", "Infinity", "-Infinity"])
def test_a_number_json_cannot_carry_is_refused_through_the_api(
        api_client_for: Any, number: str) -> None:
    object_id = "x-acme-widget--11111111-1111-4111-8111-111111111111"
    widget = {"type": "x-acme-widget", "spec_version": "2.1", "id": object_id,
              "created": WHEN, "modified": WHEN, "x_readings": {"peak": [1, "NUMBER"]},
              "object_marking_refs": [GREEN]}
    # The number is put in as written: json.dumps would not write 1e400 or NaN.
    text = json.dumps({"objects": [widget]}).replace('"NUMBER"', number)
    response = api_client_for(make_user(Role.ANALYST)).post(
        "/api/v1/stix/bundle", text, content_type="application/json")
    assert response.status_code == 400, response.content[:500]
    assert "x_readings" in json.dumps(response.json()["errors"][object_id])
    assert not StixObject.objects.exists()


def test_finite_numbers_anywhere_in_an_object_are_kept() -> None:
    document = _bundle()
    _object(document, REPORT_ID)["x_scores"] = {"reach": [1.5, 2, {"share": 0.25}]}
    import_stix(actor=OPERATOR, document=document, source="file")
    assert _object(export_bundle(actor=OPERATOR), REPORT_ID)["x_scores"] == {
        "reach": [1.5, 2, {"share": 0.25}]}


def test_two_different_objects_with_the_same_id_and_modified_are_refused() -> None:
    document = _bundle()
    other = copy.deepcopy(_object(document, REPORT_ID))
    other["name"] = "Another story under the same version"
    document["objects"].append(other)
    _assert_refused(document, REPORT_ID, "two different objects with the same id and modified")


def test_the_same_version_written_with_other_precision_counts_as_the_same_version() -> None:
    document = _bundle()
    other = copy.deepcopy(_object(document, REPORT_ID))
    other.update(name="Another story", modified="2025-03-01T00:00:00Z")
    document["objects"].append(other)
    _assert_refused(document, REPORT_ID, "two different objects with the same id and modified")


def test_identical_copies_of_an_object_and_two_of_its_versions_are_accepted() -> None:
    document = _bundle()
    document["objects"].append(copy.deepcopy(_object(document, REPORT_ID)))
    newer = copy.deepcopy(_object(document, REPORT_ID))
    newer.update(name="Fake polling stations, updated", modified="2025-03-02T00:00:00.000Z")
    document["objects"].append(newer)
    import_stix(actor=OPERATOR, document=document, source="file")
    assert StixObjectVersion.objects.filter(stix_id=REPORT_ID).count() == 2
    assert _object(export_bundle(actor=OPERATOR), REPORT_ID)["name"] == newer["name"]
