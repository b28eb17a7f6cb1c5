"""The built-in vocabularies: plain, readable, translated, and loaded by `load-vocab`."""

from __future__ import annotations

import json

import pytest
import textstat
from django.core.management import call_command

from civicshield.core.models import AuditEntry
from civicshield.vocab import services
from civicshield.vocab.choices import (
    TLP_MARKING_DEFINITION_IDS,
    ElectoralPhase,
    Language,
    Tlp,
    tlp_from_name,
)
from civicshield.vocab.models import Term, TermTranslation

SHIPPED = {path.stem: json.loads(path.read_text()) for path in services.builtin_files()}
PLAIN = [
    (name, term["code"], term["plain"]["en"])
    for name, document in SHIPPED.items() for term in document["terms"]
]


@pytest.mark.parametrize(("vocabulary", "code", "plain"), PLAIN,
                         ids=[f"{name}:{code}" for name, code, _ in PLAIN])
def test_every_shipped_plain_definition_is_short_and_readable(vocabulary: str, code: str,
                                                              plain: str) -> None:
    assert len(plain.split()) <= 30
    assert textstat.flesch_kincaid_grade(plain) <= 9


@pytest.mark.parametrize("vocabulary", ["phases", "information-types", "tlp"])
def test_phases_information_types_and_tlp_ship_in_english_french_and_spanish(
        vocabulary: str) -> None:
    for term in SHIPPED[vocabulary]["terms"]:
        for language in Language.values:
            assert term["plain"].get(language), (term["code"], language)
            assert term["name"].get(language), (term["code"], language)


def test_phase_codes_are_the_electoral_phase_choices() -> None:
    assert [term["code"] for term in SHIPPED["phases"]["terms"]] == list(ElectoralPhase.values)


def test_information_types_say_whether_they_are_cyber_information_or_physical() -> None:
    for term in SHIPPED["information-types"]["terms"]:
        assert term["matter"] and term["example"], term["code"]


def test_tlp_ships_the_oasis_tlp_2_marking_definition_ids() -> None:
    ids = {term["code"]: term["extra"]["marking_definition_id"] for term in SHIPPED["tlp"]["terms"]}
    assert ids == TLP_MARKING_DEFINITION_IDS
    assert ids["clear"] == "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"


def test_tlp_1_names_map_to_tlp_2() -> None:
    assert tlp_from_name("TLP:WHITE") == Tlp.CLEAR
    assert tlp_from_name("amber+strict") == Tlp.AMBER_STRICT
    assert tlp_from_name("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9") == Tlp.CLEAR
    assert tlp_from_name("purple") is None


def test_load_vocab_loads_everything_once_and_then_changes_nothing() -> None:
    call_command("load_vocab")
    assert Term.objects.filter(vocabulary__slug="phases").count() == len(ElectoralPhase.values)
    assert TermTranslation.objects.filter(term__vocabulary__slug="tlp", language="fr").count() == 5
    white = Term.objects.get(vocabulary__slug="misp-tlp", code="tlp:white")
    assert white.deprecated and white.replaced_by.code == "tlp:clear"
    assert Term.objects.filter(vocabulary__slug="disarm", code="T0086").exists()
    assert Term.objects.filter(vocabulary__slug="attack", code="T1566").exists()
    entries = AuditEntry.objects.count()
    call_command("load_vocab")
    assert AuditEntry.objects.count() == entries
