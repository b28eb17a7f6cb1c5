"""Reads of public notices and articles.

Public reads go through the access layer with an anonymous viewer: a notice is public
when it is TLP:CLEAR *and* published (corrected and retracted notices stay readable).
Workspace reads of drafts go through the same layer with the signed-in viewer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet

from civicshield.comms.choices import ArticleKind, NoticeStatus
from civicshield.comms.models import Article, Notice, NoticeText, NoticeVersion
from civicshield.comms.models.notices import NOTICE_TEXT_FIELDS
from civicshield.comms.plain_language import (
    FIELD_LABELS,
    CheckResult,
    GlossaryEntry,
    check_notice,
)
from civicshield.core import access, authz
from civicshield.core.access import Viewer
from civicshield.core.errors import NotFound
from civicshield.vocab import selectors as vocab_selectors
from civicshield.vocab.choices import Language

PUBLIC_STATUSES = (NoticeStatus.PUBLISHED, NoticeStatus.CORRECTED, NoticeStatus.RETRACTED)
# Glossary entries that are everyday words: not jargon in a notice.
EVERYDAY_GLOSSARY_CODES = frozenset({
    "victim", "technique", "tactic", "counter", "information_type", "electoral_cycle",
    "deprecated_term",
})


def _language(lang: str) -> str:
    return lang if lang in Language.values else Language.EN


def _with_texts(queryset: QuerySet[Notice]) -> QuerySet[Notice]:
    return queryset.select_related("current_version").prefetch_related(
        Prefetch("current_version__texts", queryset=NoticeText.objects.all()),
    )


def public_notices() -> QuerySet[Notice]:
    """Published notices (corrected and retracted ones too), newest first, for anyone."""
    queryset = Notice.objects.filter(status__in=PUBLIC_STATUSES)
    return _with_texts(access.visible_to(Viewer.anonymous(), queryset)).order_by(
        "-published_at", "-id")


def public_notice(slug: str) -> Notice:
    """One public notice by slug, or NotFound (drafts and unknown slugs alike)."""
    return access.get_visible(Viewer.anonymous(), _with_texts(
        Notice.objects.filter(status__in=PUBLIC_STATUSES)), slug=slug)


def notices_for_workspace(viewer: Any) -> QuerySet[Notice]:
    """Every notice the viewer may see, drafts included, for those who draft notices."""
    authz.require(viewer, "notice:draft")
    return _with_texts(access.visible_to(viewer, Notice.objects.all())).order_by(
        "-created_at", "-id")


def notice_for_workspace(viewer: Any, slug: str) -> Notice:
    authz.require(viewer, "notice:draft")
    return access.get_visible(viewer, _with_texts(Notice.objects.all()), slug=slug)


def versions_of(notice: Notice) -> list[NoticeVersion]:
    """The notice's versions, oldest first, each with its texts."""
    return list(notice.versions.prefetch_related("texts").order_by("number"))


def text_in(version: NoticeVersion | None, lang: str) -> NoticeText | None:
    """The version's text in `lang`, or the original when there is no translation."""
    if version is None:
        return None
    texts = list(version.texts.all())
    for text in texts:
        if text.language == lang:
            return text
    candidates = [text for text in texts if not text.is_translation] or texts
    return candidates[0] if candidates else None


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: str
    after: str

    @property
    def label(self) -> str:
        return str(FIELD_LABELS[self.field])


def changes_between(before: NoticeText | None, after: NoticeText | None) -> list[FieldChange]:
    """The fields whose words differ between two versions' texts in one language."""
    if before is None or after is None:
        return []
    return [FieldChange(name, getattr(before, name), getattr(after, name))
            for name in NOTICE_TEXT_FIELDS if getattr(before, name) != getattr(after, name)]


def _names(name: str, synonyms: list[str]) -> tuple[str, ...]:
    """A term's names: "Traffic Light Protocol (TLP)" → the full name, "TLP" too."""
    found: list[str] = []
    bare = re.sub(r"\s*\([^)]*\)", "", name).strip()
    found += [bare] if bare else []
    found += re.findall(r"\(([^)]+)\)", name)
    found += [word for word in bare.split() if len(word) >= 3 and word.isupper()]
    found += [synonym for synonym in synonyms if len(synonym) >= 3 and "(" not in synonym]
    return tuple(dict.fromkeys(found))


def glossary_entries(viewer: Any, lang: str) -> list[GlossaryEntry]:
    """The glossary terms a notice must explain, with their names in `lang` (and English)."""
    terms = vocab_selectors.terms_visible_to(viewer, vocabularies=["glossary"],
                                             lang=_language(lang))
    entries = []
    for term in terms:
        if term.code in EVERYDAY_GLOSSARY_CODES:
            continue
        local = vocab_selectors.localised(term)
        names = _names(local.name, list(term.synonyms or []))
        if local.name != term.name:
            names += _names(term.name, [])
        entries.append(GlossaryEntry(term.code, tuple(dict.fromkeys(names)), local.plain))
    return entries


def check_text(viewer: Any, fields: dict[str, str], lang: str) -> CheckResult:
    """The plain-language check of a notice's words in one language."""
    return check_notice(fields, language=_language(lang),
                        glossary=glossary_entries(viewer, lang))


def check_version(viewer: Any, version: NoticeVersion | None) -> dict[str, CheckResult]:
    """The check of each language of a version, keyed by language."""
    if version is None:
        return {}
    return {text.language: check_text(viewer, text.fields(), text.language)
            for text in version.texts.all()}


def public_articles(kind: str, lang: str) -> QuerySet[Article]:
    """Published articles of a kind in `lang` (methods or toolkit), in their set order."""
    return Article.objects.filter(kind=kind, language=_language(lang),
                                  current_version__isnull=False).select_related(
        "current_version").order_by("position", "slug")


def articles_for_workspace(viewer: Any) -> QuerySet[Article]:
    if not (authz.can(viewer, "method:edit") or authz.can(viewer, "toolkit:edit")):
        authz.require(viewer, "method:edit")
    return Article.objects.select_related("current_version").order_by(
        "kind", "slug", "language")


def article_for_workspace(viewer: Any, article_id: int) -> Article:
    article = articles_for_workspace(viewer).filter(pk=article_id).first()
    if article is None:
        raise NotFound("article")
    return article


def toolkit_and_method_articles() -> QuerySet[Article]:
    """Articles a notice may link to (any language)."""
    return Article.objects.filter(kind__in=ArticleKind.values,
                                  current_version__isnull=False).select_related(
        "current_version").order_by("kind", "language", "position", "slug")
