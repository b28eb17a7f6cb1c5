"""Civic Shield's own vocabularies (vocab/data/builtin/*.json): curated, with translations.

Format: {"civicshield_vocabulary": slug, "name", "description", "release", "kind",
"terms": [{"code", "name": {lang: text}, "plain": {lang: text}, "technical", "example",
"synonyms", "matter", "extra"}]}. English is required; other languages are translations.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from civicshield.vocab.choices import Language, Matter, TermKind, VocabularySource
from civicshield.vocab.importers.base import ParsedRelease, ParsedTerm, check_unique, invalid


def parse(path: Path, document: dict[str, Any], digest: str, label: str = "") -> ParsedRelease:
    slug = str(document["civicshield_vocabulary"])
    kind = str(document.get("kind", ""))
    if kind not in TermKind.values:
        raise invalid(path.name, f"unknown kind '{kind}'")
    terms: list[ParsedTerm] = []
    for position, raw in enumerate(document.get("terms") or []):
        code = str(raw.get("code", "")) if isinstance(raw, dict) else ""
        if not code:
            raise invalid(path.name, "a term has no code", f"#{position + 1}")
        names, plains = raw.get("name") or {}, raw.get("plain") or {}
        if not names.get("en") or not plains.get("en"):
            raise invalid(path.name, "needs an English name and plain definition", code)
        matter = str(raw.get("matter", ""))
        if matter and matter not in Matter.values:
            raise invalid(path.name, f"unknown matter '{matter}'", code)
        translations = {
            language: {"name": names.get(language) or names["en"], "plain": plains[language]}
            for language in Language.values if language != "en" and plains.get(language)
        }
        terms.append(ParsedTerm(
            code=code, name=names["en"], kind=kind, scope="built-in", plain=plains["en"],
            technical=str(raw.get("technical", "")), example=str(raw.get("example", "")),
            synonyms=list(raw.get("synonyms") or []), matter=matter,
            deprecated=bool(raw.get("deprecated")),
            replaced_by_code=str(raw.get("replaced_by", "")),
            translations=translations, extra=dict(raw.get("extra") or {}), position=position,
        ))
    check_unique(path.name, (term.code for term in terms))
    return ParsedRelease(
        vocabulary=slug, vocabulary_name=str(document.get("name", slug)),
        description=str(document.get("description", "")), source=VocabularySource.BUILT_IN,
        attribution=str(document.get("attribution", "Civic Shield")),
        label=label or str(document.get("release", digest[:10])), file_name=path.name,
        digest=digest, terms=terms, scopes={"built-in"},
    )
