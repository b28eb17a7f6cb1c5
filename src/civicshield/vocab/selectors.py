"""Reads of the shared vocabulary. Every signed-in member may read it (`vocab:view`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from civicshield.core import authz
from civicshield.core.errors import NotFound
from civicshield.vocab.choices import Language, TermKind
from civicshield.vocab.models import ChangeLogEntry, Release, Term, TermTranslation, Vocabulary

READ_ACTION = "vocab:view"
# The curated vocabularies that make up the plain-language glossary.
GLOSSARY_VOCABULARIES = ("glossary", "phases", "information-types", "tlp")


def _language(lang: str) -> str:
    return lang if lang in Language.values else Language.EN


def vocabularies_visible_to(viewer: Any) -> QuerySet[Vocabulary]:
    authz.require(viewer, READ_ACTION)
    return Vocabulary.objects.select_related("current_release").order_by("name")


def vocabulary_for(viewer: Any, slug: str) -> Vocabulary:
    """The vocabulary with this slug, or NotFound."""
    authz.require(viewer, READ_ACTION)
    vocabulary = Vocabulary.objects.select_related("current_release").filter(slug=slug).first()
    if vocabulary is None:
        raise NotFound("vocabulary")
    return vocabulary


def terms_visible_to(
    viewer: Any, *, vocabularies: Iterable[str], kinds: Iterable[str] = (),
    include_deprecated: bool = False, q: str = "", lang: str = Language.EN,
) -> QuerySet[Term]:
    """Terms of the named vocabularies, in source order, each with `in_language` holding its
    translation into `lang` (empty for English or when none exists: show the English)."""
    authz.require(viewer, READ_ACTION)
    queryset = Term.objects.filter(vocabulary__slug__in=list(vocabularies)).select_related(
        "release", "replaced_by", "vocabulary"
    )
    kinds = list(kinds)
    if kinds:
        queryset = queryset.filter(kind__in=kinds)
    if not include_deprecated:
        queryset = queryset.filter(deprecated=False)
    if q:
        queryset = queryset.filter(
            Q(code__icontains=q) | Q(name__icontains=q) | Q(plain__icontains=q)
            | Q(synonyms__icontains=q) | Q(translations__name__icontains=q)
            | Q(translations__plain__icontains=q)
        ).distinct()
    return queryset.prefetch_related(
        Prefetch("translations", queryset=TermTranslation.objects.filter(
            language=_language(lang)), to_attr="in_language")
    ).order_by("vocabulary__slug", "position", "code")


def term_for(viewer: Any, vocabulary: str, code: str, *, lang: str = Language.EN) -> Term:
    """One term, deprecated or not (old records must still resolve), or NotFound."""
    term = terms_visible_to(
        viewer, vocabularies=[vocabulary], include_deprecated=True, lang=lang
    ).filter(code=code).first()
    if term is None:
        raise NotFound("term")
    return term


@dataclass
class Localised:
    name: str
    plain: str
    language: str


def localised(term: Term) -> Localised:
    """The term's name and plain definition in the language it was fetched in."""
    translation = next(iter(getattr(term, "in_language", []) or []), None)
    if translation is not None:
        return Localised(translation.name, translation.plain, translation.language)
    return Localised(term.name, term.plain, Language.EN)


def glossary_visible_to(viewer: Any, *, q: str = "", lang: str = Language.EN) -> QuerySet[Term]:
    """The plain-language glossary: the curated vocabularies, current terms only."""
    return terms_visible_to(viewer, vocabularies=GLOSSARY_VOCABULARIES, q=q, lang=lang)


def releases_of(viewer: Any, vocabulary: Vocabulary) -> list[Release]:
    """The vocabulary's releases, newest first, each with its change log in `log`."""
    authz.require(viewer, READ_ACTION)
    return list(
        Release.objects.filter(vocabulary=vocabulary).prefetch_related(
            Prefetch("changes", queryset=ChangeLogEntry.objects.select_related("term").order_by(
                "change", "term__code"), to_attr="log")
        ).order_by("-imported_at", "-id")
    )


def technique_kinds() -> tuple[str, str]:
    return (TermKind.TECHNIQUE, TermKind.SUBTECHNIQUE)


def election_threats_for_phase(viewer: Any, phase: str) -> list[Term]:
    """Threats of the election-technology catalogue that concern an electoral phase."""
    threats = terms_visible_to(viewer, vocabularies=["election-threats"])
    return [term for term in threats if phase in term.extra.get("phases", [])]
