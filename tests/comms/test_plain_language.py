"""The plain-language check: readable (grade, sentences, passive, jargon) and specific.

Scores are computed here with textstat, never copied from a run."""

from __future__ import annotations

from typing import Any

import pytest
import textstat
from textstat.textstat import textstatistics

from civicshield.comms import plain_language
from civicshield.comms.plain_language import GRADE_TARGET, GlossaryEntry, check_notice
from civicshield.comms.selectors import check_text, glossary_entries
from tests.portal.notices_setup import BAD, GOOD, GOOD_FR

DISARM = GlossaryEntry("disarm", ("DISARM framework", "DISARM"),
                       "A shared list of the tricks used to spread false stories, and of "
                       "ways to push back.")


def _prose(fields: dict[str, str]) -> str:
    return "\n".join(value if value[-1] in ".!?" else f"{value}."
                     for value in fields.values() if value)


def _rules(result: Any) -> set[str]:
    return {finding.rule for finding in result.failures}


def test_a_plain_specific_notice_passes_with_its_textstat_grade() -> None:
    result = check_notice(GOOD, language="en", glossary=[DISARM])

    expected = textstat.flesch_kincaid_grade(_prose(GOOD))
    assert result.grade == pytest.approx(expected)
    assert expected <= GRADE_TARGET
    assert result.passed, result.findings


def test_a_vague_technical_notice_fails_on_every_rule() -> None:
    result = check_notice(BAD, language="en", glossary=[DISARM])

    assert result.grade == pytest.approx(textstat.flesch_kincaid_grade(_prose(BAD)))
    assert result.grade > GRADE_TARGET
    assert not result.passed
    assert {"grade", "long_sentence", "jargon", "acronym", "vague", "missing",
            "not_concrete"} <= _rules(result)
    vague = {finding.excerpt for finding in result.findings if finding.rule == "vague"}
    assert any("some actors" in excerpt for excerpt in vague)
    assert any("certain platforms" in excerpt for excerpt in vague)
    messages = " ".join(finding.message for finding in result.findings)
    assert '"CIB"' in messages and '"DISARM"' in messages and '"botnet"' in messages
    missing = [finding.field for finding in result.findings if finding.rule == "missing"]
    assert missing == ["who_affected"]


def test_a_sentence_over_25_words_is_long_and_one_of_25_is_not() -> None:
    twenty_five = " ".join(["Voters"] + ["vote"] * 24) + "."
    twenty_six = " ".join(["Voters"] + ["vote"] * 25) + "."

    assert "long_sentence" not in _rules(check_notice({**GOOD, "what_it_means": twenty_five}))
    assert "long_sentence" in _rules(check_notice({**GOOD, "what_it_means": twenty_six}))


@pytest.mark.parametrize("sentence", [
    "The message was sent to every voter in Portvale.",  # irregular participle
    "The accounts were quickly removed by the platform.",  # adverb between
    "The leaflets are printed in another country.",
])
def test_passive_voice_is_flagged_as_a_warning(sentence: str) -> None:
    result = check_notice({**GOOD, "what_happened": sentence + " " + GOOD["what_happened"]})

    passive = [finding for finding in result.findings if finding.rule == "passive"]
    assert passive and all(not finding.is_failure for finding in passive)


def test_active_voice_is_not_flagged() -> None:
    result = check_notice({**GOOD, "what_happened": "The platform removed the accounts. "
                           + GOOD["what_happened"]})

    assert not [finding for finding in result.findings if finding.rule == "passive"]


def test_an_acronym_spelled_out_at_first_use_is_explained() -> None:
    explained = {**GOOD, "how_we_know": GOOD["how_we_know"] + " They saw coordinated "
                 "inauthentic behaviour (CIB): fake accounts that act together. Later CIB "
                 "posts used the same link."}
    bare = {**GOOD, "how_we_know": GOOD["how_we_know"] + " They saw CIB posts."}

    assert "acronym" not in _rules(check_notice(explained))
    assert "acronym" in _rules(check_notice(bare))


def test_a_glossary_term_needs_its_plain_definition_nearby() -> None:
    bare = {**GOOD, "how_we_know": GOOD["how_we_know"] + " We matched it to the DISARM "
            "framework."}
    defined = {**GOOD, "how_we_know": GOOD["how_we_know"] + " We matched it to the DISARM "
               "framework (a shared list of the tricks used to spread false stories)."}
    nearby = {**GOOD, "how_we_know": GOOD["how_we_know"] + " We used DISARM. It is a shared "
              "list of tricks used to spread false stories, and of ways to push back."}

    assert "jargon" in _rules(check_notice(bare, glossary=[DISARM]))
    assert "jargon" not in _rules(check_notice(defined, glossary=[DISARM]))
    assert "jargon" not in _rules(check_notice(nearby, glossary=[DISARM]))


def test_when_must_give_a_date_or_time() -> None:
    result = check_notice({**GOOD, "when": "At the start of the campaign."})

    assert any(finding.rule == "not_concrete" and finding.field == "when"
               for finding in result.findings)


@pytest.mark.parametrize(("language", "locale", "fields"), [
    ("fr", "fr_FR", GOOD_FR),
])
def test_french_grade_counts_syllables_with_textstat_set_lang(language: str, locale: str,
                                                               fields: dict[str, str]) -> None:
    statistics = textstatistics()
    statistics.set_lang(locale)

    result = check_notice(fields, language=language)

    assert result.grade == pytest.approx(statistics.flesch_kincaid_grade(_prose(fields)))
    assert result.grade_note  # says the formula was made for English
    assert result.passed, result.findings


def test_french_vague_wording_and_spanish_missing_fields_are_flagged() -> None:
    french = check_notice({**GOOD_FR, "what_happened": "Certains acteurs ont utilisé "
                           "certaines plateformes pour tromper les électeurs de Portvale."},
                          language="fr")
    spanish = check_notice({"headline": "Una web falsa", "what_happened": "Se cree que "
                            "algunos actores usan varias webs."}, language="es")

    assert "vague" in _rules(french)
    assert {"vague", "missing"} <= _rules(spanish)
    assert spanish.grade is not None


def test_the_glossary_comes_from_the_shared_vocabulary(vocabulary: None) -> None:
    from civicshield.core.authz import OPERATOR

    entries = {entry.code: entry for entry in glossary_entries(OPERATOR, "en")}

    assert "TLP" in entries["tlp"].names and "Traffic Light Protocol" in entries["tlp"].names
    assert "victim" not in entries  # an everyday word, not jargon
    result = check_text(OPERATOR, {**GOOD, "how_we_know": GOOD["how_we_know"]
                                   + " It is marked TLP:CLEAR."}, "en")
    assert "jargon" in _rules(result)


def test_the_check_is_the_same_for_the_same_words() -> None:
    assert check_notice(BAD).summary() == check_notice(BAD).summary()
    assert plain_language.LONG_SENTENCE_WORDS == 25
