"""Vocabulary API (stable contract, issue 3): every list is {"items": [...], "count": N},
with `limit`/`offset`, `?lang=en|fr|es` and `?include_deprecated=1`."""

from collections.abc import Iterable
from datetime import datetime
from typing import Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from civicshield.vocab import selectors
from civicshield.vocab.choices import TermKind
from civicshield.vocab.models import Term

router = Router(tags=["vocab"])

Lang = Literal["en", "fr", "es"]


class TermOut(Schema):
    code: str
    name: str
    plain: str
    deprecated: bool
    replaced_by: str | None
    version: str
    kind: str
    vocabulary: str
    lang: str

    @staticmethod
    def resolve_name(obj: Term) -> str:
        return selectors.localised(obj).name

    @staticmethod
    def resolve_plain(obj: Term) -> str:
        return selectors.localised(obj).plain

    @staticmethod
    def resolve_lang(obj: Term) -> str:
        return selectors.localised(obj).language

    @staticmethod
    def resolve_replaced_by(obj: Term) -> str | None:
        return obj.replaced_by.code if obj.replaced_by else None

    @staticmethod
    def resolve_version(obj: Term) -> str:
        return obj.release.label

    @staticmethod
    def resolve_vocabulary(obj: Term) -> str:
        return obj.vocabulary.slug


class TermDetailOut(TermOut):
    technical: str
    example: str
    synonyms: list[str]
    matter: str
    parent: str | None
    extra: dict

    @staticmethod
    def resolve_parent(obj: Term) -> str | None:
        return obj.parent.code if obj.parent else None


class GlossaryItemOut(Schema):
    term: str
    code: str
    vocabulary: str
    plain: str
    technical: str
    lang: str

    @staticmethod
    def resolve_term(obj: Term) -> str:
        return selectors.localised(obj).name

    @staticmethod
    def resolve_plain(obj: Term) -> str:
        return selectors.localised(obj).plain

    @staticmethod
    def resolve_lang(obj: Term) -> str:
        return selectors.localised(obj).language

    @staticmethod
    def resolve_vocabulary(obj: Term) -> str:
        return obj.vocabulary.slug


class VocabularyOut(Schema):
    slug: str
    name: str
    description: str
    source: str
    attribution: str
    version: str | None

    @staticmethod
    def resolve_version(obj: object) -> str | None:
        release = getattr(obj, "current_release", None)
        return release.label if release else None


class ChangeOut(Schema):
    code: str
    change: str
    summary: str


class ReleaseOut(Schema):
    label: str
    file_name: str
    imported_at: datetime
    added: int
    changed: int
    deprecated: int
    changes: list[ChangeOut]


def _terms(request: HttpRequest, vocabularies: Iterable[str], kinds: Iterable[str],
           lang: str, include_deprecated: bool, q: str = "") -> QuerySet[Term]:
    return selectors.terms_visible_to(
        request.user, vocabularies=vocabularies, kinds=kinds, lang=lang,
        include_deprecated=include_deprecated, q=q,
    )


@router.get("/vocab/phases", response=list[TermOut])
@paginate(LimitOffsetPagination)
def phases(request: HttpRequest, lang: Lang = "en", include_deprecated: bool = False) -> QuerySet:
    return _terms(request, ["phases"], [], lang, include_deprecated)


@router.get("/vocab/information-types", response=list[TermOut])
@paginate(LimitOffsetPagination)
def information_types(request: HttpRequest, lang: Lang = "en",
                      include_deprecated: bool = False) -> QuerySet:
    return _terms(request, ["information-types"], [], lang, include_deprecated)


@router.get("/vocab/tlp", response=list[TermOut])
@paginate(LimitOffsetPagination)
def tlp(request: HttpRequest, lang: Lang = "en", include_deprecated: bool = False) -> QuerySet:
    return _terms(request, ["tlp"], [], lang, include_deprecated)


@router.get("/vocab/disarm/techniques", response=list[TermOut])
@paginate(LimitOffsetPagination)
def disarm_techniques(request: HttpRequest, lang: Lang = "en",
                      include_deprecated: bool = False, q: str = "") -> QuerySet:
    return _terms(request, ["disarm"], selectors.technique_kinds(), lang, include_deprecated, q)


@router.get("/vocab/disarm/tactics", response=list[TermOut])
@paginate(LimitOffsetPagination)
def disarm_tactics(request: HttpRequest, lang: Lang = "en",
                   include_deprecated: bool = False) -> QuerySet:
    return _terms(request, ["disarm"], [TermKind.TACTIC], lang, include_deprecated)


@router.get("/vocab/disarm/counters", response=list[TermOut])
@paginate(LimitOffsetPagination)
def disarm_counters(request: HttpRequest, lang: Lang = "en",
                    include_deprecated: bool = False, q: str = "") -> QuerySet:
    return _terms(request, ["disarm"], [TermKind.COUNTER], lang, include_deprecated, q)


@router.get("/vocab/attack/techniques", response=list[TermOut])
@paginate(LimitOffsetPagination)
def attack_techniques(request: HttpRequest, lang: Lang = "en",
                      include_deprecated: bool = False, q: str = "") -> QuerySet:
    return _terms(request, ["attack"], selectors.technique_kinds(), lang, include_deprecated, q)


@router.get("/vocab/attack/tactics", response=list[TermOut])
@paginate(LimitOffsetPagination)
def attack_tactics(request: HttpRequest, lang: Lang = "en",
                   include_deprecated: bool = False) -> QuerySet:
    return _terms(request, ["attack"], [TermKind.TACTIC], lang, include_deprecated)


@router.get("/vocab/glossary", response=list[GlossaryItemOut])
@paginate(LimitOffsetPagination)
def glossary(request: HttpRequest, lang: Lang = "en", q: str = "") -> QuerySet:
    return selectors.glossary_visible_to(request.user, q=q, lang=lang)


@router.get("/vocab/vocabularies", response=list[VocabularyOut])
@paginate(LimitOffsetPagination)
def vocabularies(request: HttpRequest) -> QuerySet:
    return selectors.vocabularies_visible_to(request.user)


@router.get("/vocab/{slug}/terms", response=list[TermOut])
@paginate(LimitOffsetPagination)
def vocabulary_terms(request: HttpRequest, slug: str, lang: Lang = "en",
                     include_deprecated: bool = False, q: str = "") -> QuerySet:
    selectors.vocabulary_for(request.user, slug)
    return _terms(request, [slug], [], lang, include_deprecated, q)


@router.get("/vocab/{slug}/terms/{code}", response=TermDetailOut)
def vocabulary_term(request: HttpRequest, slug: str, code: str, lang: Lang = "en") -> Term:
    return selectors.term_for(request.user, slug, code, lang=lang)


@router.get("/vocab/{slug}/releases", response=list[ReleaseOut])
def vocabulary_releases(request: HttpRequest, slug: str) -> list[dict]:
    vocabulary = selectors.vocabulary_for(request.user, slug)
    return [
        {"label": release.label, "file_name": release.file_name,
         "imported_at": release.imported_at, "added": release.added,
         "changed": release.changed, "deprecated": release.deprecated,
         "changes": [{"code": entry.term.code, "change": entry.change,
                      "summary": entry.summary}
                     # `log`: set by Prefetch(to_attr=...) in selectors.releases_of.
                     for entry in release.log]}  # type: ignore[attr-defined]
        for release in selectors.releases_of(request.user, vocabulary)
    ]
