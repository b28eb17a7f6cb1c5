"""The plain-language check of a public notice: readable, and specific.

Pure functions over the notice's fields; no database. `check_notice` returns every finding
with the rule that raised it; a notice passes when no finding is a failure (warnings are
advice). The rules (docs/notices.md says the same for editors):

- grade: textstat's Flesch-Kincaid grade of the whole notice, target 8 or lower (fail).
  For French and Spanish, textstat 0.7.3's `set_lang` counts syllables with that
  language's hyphenation dictionary; the formula stays the English one, so the grade is
  an indication there (the result says so).
- long sentences: more than 25 words (fail).
- passive voice, where detectable: a form of "to be" (être, ser) followed, at most one
  adverb apart, by a past participle — a regular ending or a listed irregular one
  (warning: the heuristic also catches adjectives such as "is closed").
- jargon: a glossary term (or a listed technical word) without its plain definition
  nearby (fail); an acronym not explained at first use (fail).
- specificity: what happened, when, who is affected, what to do and how we know must be
  filled and concrete (fail), and vague wording such as "some actors", "certain
  platforms", "various" or "it is believed" is flagged (fail).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from textstat.textstat import textstatistics

GRADE_TARGET = 8.0
LONG_SENTENCE_WORDS = 25
# Languages whose syllables textstat 0.7.3 counts with their own dictionary (set_lang).
GRADE_LANGUAGES = {"en": "en_US", "fr": "fr_FR", "es": "es_ES"}

FAIL = "fail"
WARN = "warn"

# The fields whose content the specificity rule requires, and what "concrete" means.
REQUIRED_FIELDS: dict[str, int] = {  # field → minimum number of words
    "what_happened": 8, "when": 2, "who_affected": 3, "what_to_do": 4, "how_we_know": 8,
}
FIELD_LABELS = {
    "headline": gettext_lazy("Headline"),
    "what_happened": gettext_lazy("What happened"),
    "when": gettext_lazy("When"),
    "who_affected": gettext_lazy("Who is affected"),
    "what_it_means": gettext_lazy("What it means for voters"),
    "what_to_do": gettext_lazy("What you should do"),
    "how_we_know": gettext_lazy("How we know"),
}

VAGUE_WORDING: dict[str, tuple[str, ...]] = {
    "en": (
        "some actors", "certain actors", "certain platforms", "some platforms", "various",
        "it is believed", "it is thought", "it is said", "it is alleged", "reportedly",
        "allegedly", "a number of", "some people", "certain groups", "bad actors",
        "malign actors", "sources say", "unspecified", "et cetera", "etc.",
        "in some cases", "at some point", "recently", "soon",
    ),
    "fr": (
        "certains acteurs", "certaines plateformes", "divers", "diverses", "il semblerait",
        "on pense que", "on estime que", "il est possible que", "certains groupes",
        "acteurs malveillants", "récemment", "prochainement", "etc.",
    ),
    "es": (
        "algunos actores", "ciertos actores", "ciertas plataformas", "algunas plataformas",
        "diversos", "diversas", "varios", "varias", "se cree que", "al parecer",
        "supuestamente", "ciertos grupos", "actores maliciosos", "recientemente",
        "pronto", "etc.",
    ),
}

# Words of the trade that the public should not meet without an explanation.
TECHNICAL_WORDS: dict[str, tuple[str, ...]] = {
    "en": (
        "threat actor", "indicator of compromise", "coordinated inauthentic behaviour",
        "coordinated inauthentic behavior", "typosquatting", "spoofing", "exfiltration",
        "botnet", "malware", "attribution", "amplification network", "sockpuppet",
        "astroturfing", "credential harvesting",
    ),
    "fr": (
        "acteur de la menace", "indicateur de compromission", "typosquattage",
        "usurpation", "exfiltration", "réseau de robots", "logiciel malveillant",
        "attribution", "astroturfing",
    ),
    "es": (
        "actor de amenaza", "indicador de compromiso", "typosquatting", "suplantación",
        "exfiltración", "red de bots", "software malicioso", "atribución", "astroturfing",
    ),
}

# Upper-case words everybody knows; any other acronym needs its words at first use.
KNOWN_ACRONYMS = frozenset({
    "SMS", "TV", "OK", "EU", "UN", "AM", "PM", "ID", "USB", "PIN", "FAQ", "UE", "ONU",
})

# What may follow a term to explain it right there: "X (…)", "X: …", "X — …", "X, which …".
EXPLANATION_MARKERS: dict[str, tuple[str, ...]] = {
    "en": ("(", " (", ": ", " —", " \u2013", " -", ", which", ", that is", ", meaning",
           ", or ", " means", " is a ", " is an ", " are "),
    "fr": ("(", " (", " : ", ": ", " —", " \u2013", " -", ", c'est-à-dire",
           ", c\u2019est-à-dire", ", qui ", ", soit ", " désigne", " est un", " est une",
           " sont "),
    "es": ("(", " (", ": ", " —", " \u2013", " -", ", es decir", ", que ", ", o sea",
           " significa", " es un", " es una", " son "),
}

_BE = {
    "en": r"(?:am|is|are|was|were|be|been|being)",
    "fr": r"(?:est|sont|était|étaient|été|sera|seront|fut|furent|être|soit|soient)",
    "es": r"(?:es|son|fue|fueron|era|eran|sido|será|serán|ser|sea|sean)",
}
_PARTICIPLE_ENDINGS = {
    "en": r"\w+ed",
    "fr": r"\w+(?:é|ée|és|ées|is|ise|ises|it|ite|its|ites|u|ue|us|ues|ert|erte|erts|ertes)",
    "es": r"\w+(?:ado|ada|ados|adas|ido|ida|idos|idas|to|ta|tos|tas|cho|cha|chos|chas)",
}
IRREGULAR_PARTICIPLES_EN = frozenset([
    "arisen", "awoken", "beaten", "become", "begun", "bent", "bet", "bitten", "bled", "blown",
    "broken", "bred", "brought", "built", "burnt", "bought", "caught", "chosen", "come",
    "cost", "crept", "cut", "dealt", "dug", "done", "drawn", "dreamt", "drunk", "driven",
    "eaten", "fallen", "fed", "felt", "fought", "found", "fled", "flown", "forbidden",
    "forgotten", "forgiven", "frozen", "gotten", "given", "gone", "ground", "grown", "hung",
    "had", "heard", "hidden", "hit", "held", "hurt", "kept", "known", "laid", "led", "leant",
    "learnt", "left", "lent", "let", "lain", "lit", "lost", "made", "meant", "met", "mistaken",
    "overtaken", "paid", "proven", "put", "quit", "read", "ridden", "rung", "risen", "run",
    "said", "seen", "sought", "sold", "sent", "set", "sewn", "shaken", "shed", "shone", "shot",
    "shown", "shrunk", "shut", "sung", "sunk", "sat", "slain", "slept", "slid", "spoken",
    "spent", "spilt", "spun", "split", "spread", "stood", "stolen", "stuck", "stung", "struck",
    "sworn", "swept", "swum", "swung", "taken", "taught", "torn", "told", "thought", "thrown",
    "understood", "undone", "upset", "woken", "worn", "woven", "wept", "won", "wound",
    "withdrawn", "written",
])

_WORD = re.compile(r"[^\W_]+(?:['\u2019\-][^\W_]+)*", re.UNICODE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_ACRONYM = re.compile(r"(?<![\w./@-])([A-Z][A-Z0-9&]*[A-Z][A-Z0-9&]*)(?![\w@]|\.[a-z])")
_DATE_OR_TIME = {
    "en": r"\d|\b(?:january|february|march|april|may|june|july|august|september|october|"
          r"november|december|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
          r"today|yesterday|tomorrow)\b",
    "fr": r"\d|\b(?:janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|"
          r"novembre|décembre|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|"
          r"aujourd'hui|aujourd\u2019hui|hier|demain)\b",
    "es": r"\d|\b(?:enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|"
          r"noviembre|diciembre|lunes|martes|miércoles|jueves|viernes|sábado|domingo|"
          r"hoy|ayer|mañana)\b",
}


@dataclass(frozen=True)
class GlossaryEntry:
    """A term the public may not know: the names it goes by, and its plain definition."""

    code: str
    names: tuple[str, ...]
    plain: str


@dataclass(frozen=True)
class Finding:
    rule: str  # grade, long_sentence, passive, jargon, acronym, missing, not_concrete, vague
    severity: str  # FAIL or WARN
    message: str
    field: str = ""
    excerpt: str = ""

    @property
    def is_failure(self) -> bool:
        return self.severity == FAIL

    @property
    def field_label(self) -> str:
        return str(FIELD_LABELS.get(self.field, self.field))


@dataclass
class CheckResult:
    language: str
    grade: float | None
    grade_target: float = GRADE_TARGET
    grade_note: str = ""
    findings: list[Finding] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not any(finding.is_failure for finding in self.findings)

    @property
    def failures(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.is_failure]

    @property
    def warnings(self) -> list[Finding]:
        return [finding for finding in self.findings if not finding.is_failure]

    def summary(self) -> dict[str, object]:
        """A JSON-ready account of the result, as the audit log keeps it."""
        return {
            "language": self.language, "grade": self.grade, "passed": self.passed,
            "failures": [f"{finding.rule}:{finding.field}:{finding.excerpt}"[:200]
                         for finding in self.failures],
        }


@functools.cache
def _statistics(language: str) -> textstatistics:
    # One instance per language: textstat's module-level `set_lang` is global state.
    statistics = textstatistics()
    statistics.set_lang(GRADE_LANGUAGES.get(language, "en_US"))
    return statistics


def reading_grade(text: str, language: str = "en") -> float:
    """Flesch-Kincaid grade of `text`, syllables counted for `language` (textstat 0.7.3)."""
    return float(_statistics(language).flesch_kincaid_grade(text))


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def sentences(text: str) -> list[str]:
    return [part.strip() for part in _SENTENCE_END.split(text) if part and part.strip()]


def _as_prose(fields: Mapping[str, str]) -> str:
    """The notice as one text, each field a sentence at least (a headline has no stop)."""
    parts = []
    for value in fields.values():
        value = (value or "").strip()
        if value:
            parts.append(value if value[-1] in ".!?" else f"{value}.")
    return "\n".join(parts)


def _excerpt(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else f"{text[:limit - 1]}…"


def _check_grade(result: CheckResult, prose: str) -> None:
    if not words(prose):
        return
    if result.language not in GRADE_LANGUAGES:
        result.grade_note = _("The reading grade is computed for English only.")
        return
    result.grade = reading_grade(prose, result.language)
    if result.language != "en":
        result.grade_note = _(
            "Syllables are counted for this language; the Flesch-Kincaid formula itself "
            "was made for English, so take the grade as an indication.")
    if result.grade > GRADE_TARGET:
        result.findings.append(Finding(
            "grade", FAIL,
            _("Reading grade %(grade).1f is above the target of %(target).0f: use shorter "
              "sentences and shorter words.") % {"grade": result.grade, "target": GRADE_TARGET},
        ))


def _check_sentences(result: CheckResult, fields: Mapping[str, str]) -> None:
    # A form of "to be", at most one adverb, then the word to test as a participle.
    be = re.compile(rf"\b{_BE[result.language]}\s+(?:\w+(?:ly|ment)\s+)?(\w+)\b",
                    re.IGNORECASE) if result.language in _BE else None
    for name, value in fields.items():
        for sentence in sentences(value or ""):
            count = len(words(sentence))
            if count > LONG_SENTENCE_WORDS:
                result.findings.append(Finding(
                    "long_sentence", FAIL,
                    _("This sentence has %(count)s words; keep sentences to %(limit)s words "
                      "or fewer.") % {"count": count, "limit": LONG_SENTENCE_WORDS},
                    name, _excerpt(sentence),
                ))
            if be is None:
                continue
            for match in be.finditer(sentence):
                if _is_participle(match.group(1), result.language):
                    result.findings.append(Finding(
                        "passive", WARN,
                        _("Possible passive voice: say who did it (\"%(phrase)s\").")
                        % {"phrase": match.group(0)}, name, _excerpt(sentence),
                    ))
                    break


def _is_participle(word: str, language: str) -> bool:
    lowered = word.lower()
    if language == "en":
        return lowered in IRREGULAR_PARTICIPLES_EN or (
            lowered.endswith("ed") and len(lowered) > 3)
    return re.fullmatch(_PARTICIPLE_ENDINGS[language], lowered) is not None and len(lowered) > 3


def _occurrence(text: str, name: str) -> re.Match[str] | None:
    return re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text, re.IGNORECASE)


def _content_words(text: str) -> set[str]:
    return {word.lower() for word in words(text) if len(word) >= 4}


def _explained_at(text: str, match: re.Match[str], plain: str, language: str) -> bool:
    """Whether the term found at `match` is explained right after it, or its plain
    definition's words are in the same or the next sentence."""
    after = text[match.end():match.end() + 16]
    markers = EXPLANATION_MARKERS.get(language, EXPLANATION_MARKERS["en"])
    if any(after.startswith(marker) for marker in markers):
        return True
    definition_words = _content_words(plain)
    if not definition_words:
        return False
    start = text.rfind("\n", 0, match.start()) + 1
    stop = max(text.find(".", match.end()), match.end())
    following = text.find(".", stop + 1)
    nearby = _content_words(text[start:following if following != -1 else len(text)])
    return len(definition_words & nearby) * 2 >= len(definition_words)


def _check_jargon(result: CheckResult, prose: str,
                  glossary: Sequence[GlossaryEntry]) -> set[str]:
    """Flag unexplained glossary terms and technical words; return the names checked."""
    checked: set[str] = set()
    entries = list(glossary) + [
        GlossaryEntry(code=word, names=(word,), plain="")
        for word in TECHNICAL_WORDS.get(result.language, ())
    ]
    for entry in entries:
        for name in sorted(entry.names, key=len, reverse=True):
            match = _occurrence(prose, name)
            if match is None:
                continue
            checked.add(name.upper())
            if not _explained_at(prose, match, entry.plain, result.language):
                result.findings.append(Finding(
                    "jargon", FAIL,
                    _("\"%(term)s\" is a specialist word: explain it in plain words where it "
                      "first appears.") % {"term": match.group(0)},
                    excerpt=_excerpt(prose[max(0, match.start() - 40):match.end() + 40]),
                ))
            break
    return checked


def _check_acronyms(result: CheckResult, prose: str, already: Iterable[str]) -> None:
    seen: set[str] = set(already)
    for match in _ACRONYM.finditer(prose):
        acronym = match.group(1)
        if acronym in seen or acronym in KNOWN_ACRONYMS or len(acronym) < 2:
            continue
        seen.add(acronym)
        before = prose[:match.start()].rstrip()
        after = prose[match.end():].lstrip()
        # "Full words (ACR)" or "ACR (full words)" at first use.
        spelled_before = before.endswith("(") and len(words(before[-80:])) >= 2
        spelled_after = after.startswith("(") and len(words(after[:80].split(")")[0])) >= 2
        if not (spelled_before or spelled_after):
            result.findings.append(Finding(
                "acronym", FAIL,
                _("Explain \"%(acronym)s\" at first use: write it out, then the short form "
                  "in brackets.") % {"acronym": acronym},
                excerpt=_excerpt(prose[max(0, match.start() - 40):match.end() + 40]),
            ))


def _check_specificity(result: CheckResult, fields: Mapping[str, str]) -> None:
    if not (fields.get("headline") or "").strip():
        result.findings.append(Finding("missing", FAIL, _("Give the notice a headline."),
                                       "headline"))
    for name, minimum in REQUIRED_FIELDS.items():
        value = (fields.get(name) or "").strip()
        if not value:
            result.findings.append(Finding(
                "missing", FAIL, _("Say %(what)s: this part is required.")
                % {"what": str(FIELD_LABELS[name]).lower()}, name))
            continue
        if len(words(value)) < minimum:
            result.findings.append(Finding(
                "not_concrete", FAIL,
                _("Too short to be specific: give at least %(count)s words.")
                % {"count": minimum}, name, _excerpt(value)))
        if name == "when" and not re.search(
                _DATE_OR_TIME.get(result.language, _DATE_OR_TIME["en"]), value, re.IGNORECASE):
            result.findings.append(Finding(
                "not_concrete", FAIL, _("Give a date or a time."), name, _excerpt(value)))
    for name, value in fields.items():
        for phrase in VAGUE_WORDING.get(result.language, ()):
            match = _occurrence(value or "", phrase.rstrip("."))
            if match is not None:
                result.findings.append(Finding(
                    "vague", FAIL,
                    _("\"%(phrase)s\" is vague: say exactly who, which, or how you know.")
                    % {"phrase": match.group(0)}, name,
                    _excerpt((value or "")[max(0, match.start() - 40):match.end() + 40])))


def check_notice(fields: Mapping[str, str], *, language: str = "en",
                 glossary: Sequence[GlossaryEntry] = ()) -> CheckResult:
    """Run every rule over a notice's fields (NOTICE_TEXT_FIELDS) written in `language`.

    `glossary` lists the terms to treat as jargon (see `comms.selectors.glossary_entries`).
    The result is the same for the same input: nothing here reads the clock or the database.
    """
    result = CheckResult(language=language, grade=None)
    prose = _as_prose(fields)
    _check_grade(result, prose)
    _check_sentences(result, fields)
    checked = _check_jargon(result, prose, glossary)
    _check_acronyms(result, prose, checked)
    _check_specificity(result, fields)
    return result
