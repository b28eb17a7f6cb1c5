"""STIX import validation: what a consumer's validator would refuse is refused here, naming
the object, and nothing is written; so what we re-export as received stays valid."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stix2validator import ValidationOptions, validate_instance, validate_string

from civicshield.core.authz import OPERATOR
from civicshield.core.choices import Role
from civicshield.core.markings import STIX_MARKING_DEFINITION_IDS
from civicshield.core.models import AuditEntry
from civicshield.sharing.models import StixObject, StixObjectVersion
from civicshield.sharing.stix import validate as validate_module
from civicshield.sharing.stix.export import EXTENSION_ID
from civicshield.sharing.stix.import_ import import_stix
from civicshield.sharing.stix.services import export_bundle
from civicshield.sharing.stix.validate import (
    MAX_OBJECT_SIZE,
    MAX_STRING_LENGTH,
    SCO_REQUIRED,
    InvalidStix,
    pattern_problem,
    validate,
)
from tests.factories import make_organisation, make_user

OPTIONS = ValidationOptions(version="2.1")
UNKNOWN_EXTENSION_ID = "extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e"
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
    "external references that are not a list": (
        _change(REPORT_ID, external_references="https://press.example/"), REPORT_ID,
        "external_references is not a list"),
    "an external reference that is not an object": (
        _change(REPORT_ID, external_references=["https://press.example/"]), REPORT_ID,
        "external_references[0] is not a JSON object"),
    "an external reference without a source name": (
        _change(REPORT_ID, external_references=[{"url": "https://press.example/"}]), REPORT_ID,
        "external_references[0] needs a source_name"),
    "an external id that is not a string": (
        _change(REPORT_ID, external_references=[{"source_name": "DISARM",
                                                 "external_id": {"code": "T0086"}}]),
        REPORT_ID, "external_references[0].external_id is not a string"),
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
    "a pattern the STIX grammar refuses": (
        _change(INDICATOR_ID, pattern="[domain-name:value = fake-polls.example]"), INDICATOR_ID,
        "pattern is not a valid STIX pattern: Error found at line 1:21. mismatched input "
        "'fake-polls'"),
    "a pattern comparing a hash that is not one": (
        _change(INDICATOR_ID, pattern="[file:hashes.'SHA-256' = 'not-a-hash']"), INDICATOR_ID,
        "pattern is not a valid STIX pattern: 'not-a-hash' is not a valid SHA-256 hash"),
    "a pattern with two WITHIN qualifiers": (
        _change(INDICATOR_ID, pattern="[domain-name:value = 'x.example'] WITHIN 5 SECONDS "
                                      "WITHIN 6 SECONDS"), INDICATOR_ID,
        "pattern is not a valid STIX pattern: Duplicate qualifier type encountered: WITHIN"),
    "a pattern comparing a type that is not a type name": (
        _change(INDICATOR_ID, pattern="[Domain-name:value = 'x.example']"), INDICATOR_ID,
        "pattern compares 'Domain-name', which is not an observable type"),
    "a pattern comparing a property that is not a property name": (
        _change(INDICATOR_ID, pattern="[domain-name:Value = 'x.example']"), INDICATOR_ID,
        "pattern compares the property 'Value' of domain-name, which is not a property name"),
    "a pattern that is no pattern at all": (
        _change(INDICATOR_ID, pattern="domain-name:value = 'x.example'"), INDICATOR_ID,
        "pattern is not a STIX pattern"),
    "an extension without extension_type": (
        _change(REPORT_ID, extensions={UNKNOWN_EXTENSION_ID: {"rank": 5}}), REPORT_ID,
        f"extensions.{UNKNOWN_EXTENSION_ID} needs an extension_type"),
    "an extension keyed by neither a definition nor a predefined name": (
        _change(REPORT_ID, extensions={"x-acme": {"rank": 5}}), REPORT_ID,
        "extensions key 'x-acme' is neither an extension-definition id nor a predefined "
        "extension"),
    "empty extensions": (
        _change(REPORT_ID, extensions={}), REPORT_ID,
        "extensions is not a non-empty JSON object"),
    "an empty extension": (
        _change(REPORT_ID, extensions={UNKNOWN_EXTENSION_ID: {}}), REPORT_ID,
        f"extensions.{UNKNOWN_EXTENSION_ID} is not a non-empty JSON object"),
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


@pytest.mark.parametrize("codes", [7, ["campaign", {"code": "voting"}]])
def test_our_extensions_codes_that_are_not_a_list_of_strings_are_refused(codes: Any) -> None:
    from civicshield.sharing.stix.export import EXTENSION_ID

    document = _bundle()
    _object(document, REPORT_ID)["extensions"] = {EXTENSION_ID: {
        "extension_type": "property-extension", "phases": codes}}
    _assert_refused(document, REPORT_ID,
                    f"extensions.{EXTENSION_ID}.phases is not a list of codes")


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


# --- Indicator patterns (STIX 2.1 §9), judged by the OASIS grammar -----------------------

ACCEPTED_PATTERNS = [
    "[ipv4-addr:value = '198.51.100.1/32' OR ipv4-addr:value = '203.0.113.33/32']",
    "[domain-name:value = 'fake-polls.example'] AND [url:value = 'https://fake-polls.example/']"
    " WITHIN 600 SECONDS",
    "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']",
    "[email-message:from_ref.value MATCHES '.+@fake-polls\\\\.example$']",
    "[x-civicshield-hashtag:value = '#votetomorrow']",
    "([domain-name:value = 'a.example'] FOLLOWEDBY [url:value = 'https://b.example/'])"
    " REPEATS 2 TIMES",
    "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_port = 443]",
    "[domain-name:value = 'it\\'s-a-trap.example']",
]


@pytest.mark.parametrize("pattern", ACCEPTED_PATTERNS)
def test_a_pattern_stix2_validator_accepts_is_imported(pattern: str) -> None:
    document = _bundle()
    _object(document, INDICATOR_ID)["pattern"] = pattern
    assert _validator_errors(document) == []
    import_stix(actor=OPERATOR, document=document, source="file")
    assert StixObject.objects.filter(stix_id=INDICATOR_ID).exists()


def test_a_long_invalid_pattern_is_refused_with_the_library_message_cut_short() -> None:
    document = _bundle()
    _object(document, INDICATOR_ID)["pattern"] = (
        "[domain-name:value = 'fake-polls.example'] " + "x" * 100_000)
    with pytest.raises(InvalidStix) as raised:
        import_stix(actor=OPERATOR, document=document, source="file")
    [problem] = raised.value.problems
    assert problem.object_id == INDICATOR_ID
    assert problem.message.startswith("pattern is not a valid STIX pattern: Error found at "
                                      "line 1:43. extraneous input 'xxx")
    assert len(problem.message) < 400


@pytest.mark.parametrize("depth", [33, 400])
def test_a_pattern_nested_deeper_than_real_ones_is_refused_before_the_parser(
        depth: int, parser_calls: list[str]) -> None:
    document = _bundle()
    _object(document, INDICATOR_ID)["pattern"] = (
        "(" * depth + "[domain-name:value = 'fake-polls.example']" + ")" * depth)
    _assert_refused(document, INDICATOR_ID,
                    "pattern nests more than 32 brackets and parentheses deep")
    assert parser_calls == []


@pytest.mark.parametrize("pattern", [
    "[domain-name:value = 'c2.example'] /* the attacker's C2 */",
    "[domain-name:value = 'c2.example'] // see [1]]",
])
def test_a_pattern_with_comments_stix2_validator_accepts_is_imported(pattern: str) -> None:
    document = _bundle()
    _object(document, INDICATOR_ID)["pattern"] = pattern
    assert _validator_errors(document) == []
    import_stix(actor=OPERATOR, document=document, source="file")
    assert StixObject.objects.filter(stix_id=INDICATOR_ID).exists()


@pytest.fixture
def parser_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The patterns handed to the OASIS parser during the test, which starts and ends with
    no verdict cached."""
    calls: list[str] = []
    parse = validate_module.run_pattern_validator

    def counting(pattern: str, **kwargs: Any) -> list[str]:
        calls.append(pattern)
        return parse(pattern, **kwargs)

    monkeypatch.setattr(validate_module, "run_pattern_validator", counting)
    validate_module._grammar_problem.cache_clear()
    yield calls
    validate_module._grammar_problem.cache_clear()


def test_the_patterns_we_export_are_judged_without_the_parser(parser_calls: list[str]) -> None:
    for pattern in ("[domain-name:value = 'fake-polls.example']",
                    "[url:value = 'https://fake-polls.example/vote?at=1']",
                    "[file:hashes.'SHA-256' = "
                    "'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']",
                    "[user-account:user_id = 'x:fakepolls']",
                    "[email-message:message_id = '<abc123@mail.example>']"):
        assert pattern_problem(pattern) is None, pattern
    assert parser_calls == []


def test_each_distinct_pattern_is_parsed_once(parser_calls: list[str]) -> None:
    pattern = ACCEPTED_PATTERNS[0]
    indicators = [{**_object(_bundle(), INDICATOR_ID), "pattern": pattern,
                   "id": f"indicator--5a1d3f27-5c0e-4b47-9f0c-0c2b7a1e8d{number:02d}"}
                  for number in range(20)]
    assert validate(indicators, known=lambda ids: set()) == []
    assert parser_calls == [pattern]


def test_an_import_parses_complex_patterns_up_to_its_budget_and_refuses_the_rest(
        monkeypatch: pytest.MonkeyPatch, parser_calls: list[str]) -> None:
    pattern = ACCEPTED_PATTERNS[0]
    monkeypatch.setattr(validate_module, "MAX_PARSED_PATTERN_CHARACTERS", 2 * len(pattern))
    indicators = [{**_object(_bundle(), INDICATOR_ID), "pattern": pattern,
                   "id": f"indicator--5a1d3f27-5c0e-4b47-9f0c-0c2b7a1e8d{number:02d}"}
                  for number in range(3)]
    simple = {**indicators[0], "pattern": "[domain-name:value = 'fake-polls.example']",
              "id": "indicator--5a1d3f27-5c0e-4b47-9f0c-0c2b7a1e8d99"}

    problems = _problems([*indicators, simple])

    assert [object_id for object_id, _ in problems] == [indicators[2]["id"]]
    assert "send them in smaller batches" in problems[0][1]
    assert parser_calls == [pattern]


def test_a_nested_pattern_costs_more_of_the_budget_than_a_flat_one_as_long() -> None:
    flat = "[domain-name:value = 'a.example'] OR [domain-name:value = 'b.example']"
    nested = "(" * 16 + "[domain-name:value = 'a.example']" + ")" * 16
    assert validate_module.pattern_cost(flat) == len(flat)
    assert validate_module.pattern_cost(nested) == 3 * len(nested)  # 17 levels deep


def _string_literal(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


_PATTERN_TYPES = st.sampled_from([*sorted(SCO_REQUIRED), "x-civicshield-hashtag",
                                  "Domain-name", "true", "ab", "x_acme", "ab-"])
_PATTERN_PROPERTIES = st.sampled_from([
    "value", "name", "id", "x_acme", "true", "Value", "ab", "_private",
    "hashes.'SHA-256'", "hashes.'MD5'", "hashes.MD5", "hashes.'SHA-1'", "hashes.'SHA-512'",
    "hashes.'X-HASH'", "resolves_to_refs[*].value"])
_PATTERN_SPACES = st.sampled_from(["", " ", "  ", "\t", "\n", "\r\n", "\u00a0"])
_PATTERN_LITERALS = st.one_of(
    st.text(max_size=12).map(_string_literal),
    st.text(max_size=12).map(lambda text: f"'{text}'"),  # not escaped: may break the quoting
    st.sampled_from([31, 32, 40, 64, 65, 128]).flatmap(lambda length: st.text(
        alphabet="0123456789abcdefABCDEF", min_size=length, max_size=length)).map(_string_literal),
    st.sampled_from(["'x.example", "x", "t'2025-01-01T00:00:00Z'"]),
)


@settings(max_examples=400, deadline=None)
@given(before=_PATTERN_SPACES, stix_type=_PATTERN_TYPES, name=_PATTERN_PROPERTIES,
       around=_PATTERN_SPACES, operator=st.sampled_from(["=", "!=", "LIKE"]),
       literal=_PATTERN_LITERALS, after=_PATTERN_SPACES,
       rest=st.sampled_from(["", " WITHIN 5 SECONDS", " AND [url:value = 'https://x.example/']"]))
def test_a_pattern_is_refused_exactly_when_stix2_validator_refuses_it(
        before: str, stix_type: str, name: str, around: str, operator: str, literal: str,
        after: str, rest: str) -> None:
    # Covers both ways in: the regular expression for the common form, and the library.
    pattern = f"[{before}{stix_type}:{name}{around}{operator}{around}{literal}{after}]{rest}"
    judged = validate_instance({**_object(_bundle(), INDICATOR_ID), "pattern": pattern}, OPTIONS)
    problem = pattern_problem(pattern)
    assert (problem is None) == judged.is_valid, (pattern, problem,
                                                  [str(error) for error in judged.errors])


# --- Size limits ---------------------------------------------------------------------------

def _problems(objects: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(problem.object_id, problem.message)
            for problem in validate(objects, known=lambda ids: set())]


def test_an_object_nested_deeper_than_the_limit_is_refused_naming_where() -> None:
    document = _bundle()
    nested: dict[str, Any] = {"leaf": "x"}
    for _ in range(validate_module.MAX_DEPTH + 5):
        nested = {"deeper": nested}
    _object(document, REPORT_ID)["x_acme_tree"] = nested
    _assert_refused(document, REPORT_ID, "x_acme_tree.deeper.deeper")
    _assert_refused(document, REPORT_ID,
                    f"is nested more than {validate_module.MAX_DEPTH} levels deep")


def test_json_nested_past_what_python_reads_is_a_bad_request_not_a_crash(
        api_client_for: Any) -> None:
    from civicshield.core.choices import Role
    from civicshield.sharing.stix.ids import collection_id

    client = api_client_for(make_user(Role.ANALYST))
    body = '{"objects": [' + "[" * 100_000 + "]" * 100_000 + "]}"
    media = "application/taxii+json;version=2.1"
    for response in (
            client.post("/api/v1/stix/bundle", body, content_type="application/json"),
            client.post(f"/taxii2/api/collections/{collection_id('community')}/objects/",
                        body, content_type=media, headers={"Accept": media})):
        assert response.status_code == 400, response.content[:200]


def test_the_size_of_an_object_counts_its_numbers_and_escapes_too() -> None:
    document = _bundle()
    # Small as the validator counts (one character a number), large as JSON.
    _object(document, REPORT_ID)["x_acme_scores"] = [10 ** 4000] * 1400
    _assert_refused(document, REPORT_ID, "more than the 5,242,880 one object may have")


def test_finding_long_strings_in_a_deep_large_object_takes_little_memory() -> None:
    import tracemalloc

    nested: Any = ["v" * 10] * 90_000
    for number in range(20):
        nested = {f"{number:03d}" + "k" * 97: nested}
    tracemalloc.start()
    assert list(validate_module._long_strings({"x_acme": nested})) == []
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 20 * 1024 * 1024, f"{peak:,} bytes"


def test_an_empty_custom_reference_is_taken_as_absent() -> None:
    document = _bundle()
    _object(document, REPORT_ID)["x_mitre_data_source_ref"] = ""
    import_stix(actor=OPERATOR, document=document, source="file")
    assert StixObject.objects.filter(stix_id=REPORT_ID).exists()


def test_a_string_longer_than_the_limit_is_refused_naming_its_path() -> None:
    document = _bundle()
    _object(document, REPORT_ID)["external_references"] = [
        {"source_name": "press", "url": "https://press.example/"},
        {"source_name": "observers", "description": "x" * (MAX_STRING_LENGTH + 1)}]
    _assert_refused(document, REPORT_ID,
                    f"external_references[1].description is {MAX_STRING_LENGTH + 1:,} "
                    f"characters long, more than the {MAX_STRING_LENGTH:,} a string may have")


def test_a_property_name_longer_than_the_limit_is_refused_naming_where_it_is() -> None:
    document = _bundle()
    _object(document, REPORT_ID)["x_acme_scores"] = {"k" * (MAX_STRING_LENGTH + 1): 1}
    assert (REPORT_ID, f"a property name in x_acme_scores is {MAX_STRING_LENGTH + 1:,} "
                       f"characters long, more than the {MAX_STRING_LENGTH:,} a string may "
                       f"have") in _problems(document["objects"])


def test_a_string_as_long_as_the_limit_is_stored() -> None:
    document = _bundle()
    _object(document, REPORT_ID)["description"] = "é" * MAX_STRING_LENGTH
    import_stix(actor=OPERATOR, document=document, source="file")
    assert _object(export_bundle(actor=OPERATOR), REPORT_ID)["description"] == \
        "é" * MAX_STRING_LENGTH


def test_an_object_larger_than_the_limit_is_refused_naming_its_largest_property() -> None:
    document = _bundle()
    # Every string is within its limit; together they are not.
    chunks = ["y" * MAX_STRING_LENGTH] * 5 + ["z" * 1000]
    _object(document, REPORT_ID).update(description="Polling stations moved.",
                                        x_acme_chunks=chunks)
    size = len(json.dumps(_object(document, REPORT_ID), separators=(",", ":")))
    assert size > MAX_OBJECT_SIZE
    [(object_id, message)] = _problems(document["objects"])
    assert object_id == REPORT_ID
    assert message.startswith("the object is at least ")
    assert message.endswith(f"characters of JSON, more than the {MAX_OBJECT_SIZE:,} one object "
                            f"may have (its largest property is x_acme_chunks)")


def _json_containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.lists(children, max_size=5) | st.dictionaries(st.text(), children, max_size=5)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(), _json_containers, max_leaves=30)


@given(st.dictionaries(st.text(), _JSON, max_size=6))
def test_the_size_counted_is_never_more_than_the_json_an_object_takes(
        body: dict[str, Any]) -> None:
    # So no object whose JSON is within the limit is refused for its size.
    written = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    assert validate_module._json_size(body)[0] <= len(written)


# --- Extensions (STIX 2.1 §7.3) --------------------------------------------------------------

WIDGET_ID = "x-acme-widget--7e0b6b1e-7c3c-4a57-8a8a-2f9f0e4c5d21"


def _widget(extension_id: str = UNKNOWN_EXTENSION_ID, **properties: Any) -> dict[str, Any]:
    return {"type": "x-acme-widget", "spec_version": "2.1", "id": WIDGET_ID, "created": WHEN,
            "modified": WHEN, "name": "Widget", "object_marking_refs": [GREEN],
            "extensions": {extension_id: {"extension_type": "new-sdo"}}, **properties}


def _widget_definition() -> dict[str, Any]:
    return {"type": "extension-definition", "spec_version": "2.1", "id": UNKNOWN_EXTENSION_ID,
            "created": WHEN, "modified": WHEN, "created_by_ref": IDENTITY_ID,
            "name": "Acme widgets", "schema": "https://acme.example/widget.json",
            "version": "1.0.0", "extension_types": ["new-sdo"], "object_marking_refs": [GREEN]}


def test_a_new_object_type_whose_extension_definition_is_nowhere_is_refused() -> None:
    # stix2-validator judges one object at a time and cannot see that the definition is
    # missing; its type means nothing without it (§7.3), as a reference to nothing does.
    document = _bundle()
    document["objects"].append(_widget())
    assert _validator_errors(document) == []
    _assert_refused(document, WIDGET_ID,
                    f"extensions: {UNKNOWN_EXTENSION_ID}, the extension definition of this "
                    f"object's type, is neither in the content nor held here (dangling "
                    f"reference)")


def test_a_new_object_type_imports_with_its_definition_in_the_content_or_held_here() -> None:
    document = _bundle()
    document["objects"] += [_widget_definition(), _widget()]
    assert _validator_errors(document) == []
    import_stix(actor=OPERATOR, document=document, source="file")
    newer = _widget(name="Widget, renamed", modified="2025-03-02T00:00:00.000Z")
    import_stix(actor=OPERATOR, document={"objects": [newer]}, source="file")
    assert _object(export_bundle(actor=OPERATOR), WIDGET_ID) == newer


def test_our_own_new_sco_types_need_no_definition_in_the_content() -> None:
    hashtag = {"type": "x-civicshield-hashtag", "spec_version": "2.1",
               "id": "x-civicshield-hashtag--0b7f1c51-2f0e-4d7e-9d8e-7a4b2f0c6e11",
               "value": "#votetomorrow", "object_marking_refs": [GREEN],
               "extensions": {EXTENSION_ID: {"extension_type": "new-sco"}}}
    import_stix(actor=OPERATOR, document={"objects": [hashtag]}, source="file")
    assert StixObject.objects.filter(stix_id=hashtag["id"]).exists()


def test_a_property_extension_whose_definition_is_unknown_is_kept_and_re_exported() -> None:
    # Consumers may ignore extensions they do not know (§7.3): it is stored as received.
    document = _bundle()
    _object(document, REPORT_ID)["extensions"] = {
        UNKNOWN_EXTENSION_ID: {"extension_type": "property-extension", "rank": 5}}
    assert _validator_errors(document) == []
    import_stix(actor=OPERATOR, document=document, source="file")
    assert _object(export_bundle(actor=OPERATOR), REPORT_ID) == _object(document, REPORT_ID)


def test_a_federation_pull_accepts_a_type_whose_definition_is_not_here_yet() -> None:
    # As any other reference in a pull (Destination.references_may_dangle): the definition
    # may be in another of the peer's collections.
    assert validate([_widget()], known=lambda ids: set(), references_may_dangle=True) == []
