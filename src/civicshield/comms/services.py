"""Writes of public notices and public articles: one transaction, one audit entry each.

The life of a notice: `create_notice_draft` → (`update_notice_draft`)* → `approve_notice`
(recording the panel's decision; a notice failing the plain-language check needs a
justification) → `publish_notice` (TLP:CLEAR, on the portal, the feed and as STIX) →
`correct_notice` (a new version, the change shown) or `retract_notice` (the original
kept, with a retraction note).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from civicshield.comms.choices import ArticleKind, NoticeStatus
from civicshield.comms.models import Article, ArticleVersion, Notice, NoticeText, NoticeVersion
from civicshield.comms.models.notices import NOTICE_TEXT_FIELDS
from civicshield.comms.selectors import check_version
from civicshield.core import audit, authz
from civicshield.core.access import Viewer
from civicshield.core.errors import Conflict, ValidationError
from civicshield.core.markings import TLP
from civicshield.directory.selectors import coordinating_organisation
from civicshield.vocab.choices import Language

Texts = Mapping[str, Mapping[str, str]]  # language → field → words

MAX_LENGTHS = {"headline": 200}
EDITABLE_STATUSES = (NoticeStatus.DRAFT, NoticeStatus.APPROVED)
PUBLIC_STATUSES = (NoticeStatus.PUBLISHED, NoticeStatus.CORRECTED)


def _clean_texts(texts: Texts, original_language: str) -> dict[str, dict[str, str]]:
    """Validate the words of every language; raise one ValidationError naming every field."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, dict[str, str]] = {}
    if original_language not in Language.values:
        errors["original_language"] = [_("Choose English, French or Spanish.")]
    for language, fields in texts.items():
        if language not in Language.values:
            errors[f"{language}"] = [_("Choose English, French or Spanish.")]
            continue
        values = {name: (fields.get(name) or "").strip() for name in NOTICE_TEXT_FIELDS}
        if not any(values.values()):
            continue  # an empty translation is no translation
        for name in ("headline", "what_happened"):
            if not values[name]:
                errors[f"{language}.{name}"] = [_("This field is required.")]
        for name, limit in MAX_LENGTHS.items():
            if len(values[name]) > limit:
                errors[f"{language}.{name}"] = [
                    _("Keep it under %(count)s characters.") % {"count": limit}]
        cleaned[language] = values
    if original_language in Language.values and original_language not in cleaned:
        errors.setdefault(f"{original_language}.headline", [
            _("Write the notice in its original language first.")])
    if errors:
        raise ValidationError(errors)
    return cleaned


def _named_without_consent(actor: Any, texts: Mapping[str, Mapping[str, str]]) -> list[str]:
    """Victims named in the words who have not agreed to be named publicly.

    Only a victim whose consent lets the public identify them (reports.redaction) may be
    named; the others are looked for among the victims the actor may see.
    """
    from civicshield.reports.redaction import may_identify
    from civicshield.reports.selectors import victims_in_reports_visible_to

    words = " ".join(value for fields in texts.values() for value in fields.values()).lower()
    public = Viewer.anonymous()
    named = []
    for victim in victims_in_reports_visible_to(actor):
        name = str(victim).strip()
        if len(name) >= 4 and name.lower() in words and not may_identify(public, victim):
            named.append(name)
    return named


def _check_consent(actor: Any, texts: Mapping[str, Mapping[str, str]]) -> None:
    named = _named_without_consent(actor, texts)
    if named:
        raise ValidationError({"who_affected": [
            _("%(names)s has not agreed to be named in public. Describe them instead, for "
              "example \"a candidate in the North region\".") % {"names": ", ".join(named)}]})


def _write_texts(version: NoticeVersion, texts: Mapping[str, Mapping[str, str]],
                 original_language: str) -> None:
    NoticeText.objects.bulk_create([
        NoticeText(version=version, language=language,
                   is_translation=language != original_language, **fields)
        for language, fields in texts.items()
    ])


def _articles(articles: Iterable[Article | int]) -> list[Article]:
    ids = [article.pk if isinstance(article, Article) else int(article) for article in articles]
    found = list(Article.objects.filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise ValidationError({"articles": [_("Choose existing methods or toolkit articles.")]})
    return found


def _unique_slug(slug: str, headline: str) -> str:
    base = slugify(slug or headline)[:100] or "notice"
    if slug:
        if Notice.objects.filter(slug=base).exists():
            raise Conflict("slug", _("A notice with this address already exists."))
        return base
    candidate, number = base, 2
    while Notice.objects.filter(slug=candidate).exists():
        candidate, number = f"{base}-{number}", number + 1
    return candidate


def create_notice_draft(
    *, actor: Any, headline: str, what_happened: str, when: str = "", who_affected: str = "",
    what_it_means: str = "", what_to_do: str = "", how_we_know: str = "",
    language: str = Language.EN, translations: Texts | None = None, slug: str = "",
    decision_reference: str = "", articles: Iterable[Article | int] = (),
) -> Notice:
    """Start a notice in `language`, with optional `translations` ({"fr": {field: words}}).

    The draft is TLP:AMBER+STRICT for the coordinating organisation until published.
    `decision_reference` names the panel's case or decision, when there is one (the panel
    app calls this after a "public notice" decision). Raises ValidationError (fields named
    "<language>.<field>"), Conflict on a taken slug, PermissionDenied without
    `notice:draft`.
    """
    authz.require(actor, "notice:draft")
    original = {"headline": headline, "what_happened": what_happened, "when": when,
                "who_affected": who_affected, "what_it_means": what_it_means,
                "what_to_do": what_to_do, "how_we_know": how_we_know}
    texts = _clean_texts({**(translations or {}), language: original}, language)
    _check_consent(actor, texts)
    linked = _articles(articles)
    owner = coordinating_organisation() or getattr(actor, "organisation", None)
    if owner is None:
        raise ValidationError({"owner_organisation": [
            _("No coordinating organisation is set up to publish notices.")]})
    with transaction.atomic():
        notice = Notice.objects.create(
            slug=_unique_slug(slug, texts[language]["headline"]), tlp=TLP.AMBER_STRICT,
            owner_organisation=owner,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            original_language=language, decision_reference=decision_reference.strip()[:200],
        )
        version = NoticeVersion.objects.create(
            notice=notice, number=1,
            created_by=notice.created_by)
        _write_texts(version, texts, language)
        notice.current_version = version
        notice.save(update_fields=["current_version"])
        notice.articles.set(linked)
        audit.record(actor=actor, action="notice.draft", target=notice, details={
            "languages": sorted(texts), "decision_reference": notice.decision_reference})
    return notice


def update_notice_draft(
    *, actor: Any, notice: Notice, texts: Texts, original_language: str | None = None,
    decision_reference: str | None = None, articles: Iterable[Article | int] | None = None,
) -> Notice:
    """Replace a draft's words. Editing an approved notice sends it back to draft: the
    approval covered the words it saw."""
    authz.require(actor, "notice:draft", notice)
    if notice.status not in EDITABLE_STATUSES:
        raise ValidationError({"status": [_("A published notice changes by correction only.")]})
    language = original_language or notice.original_language
    cleaned = _clean_texts(texts, language)
    _check_consent(actor, cleaned)
    linked = _articles(articles) if articles is not None else None
    with transaction.atomic():
        version = notice.current_version
        assert version is not None
        version.texts.all().delete()
        _write_texts(version, cleaned, language)
        was = notice.status
        notice.original_language = language
        if decision_reference is not None:
            notice.decision_reference = decision_reference.strip()[:200]
        notice.status = NoticeStatus.DRAFT
        notice.approved_by, notice.approved_at = None, None
        notice.approval_check_passed, notice.approval_justification = None, ""
        notice.save()
        if linked is not None:
            notice.articles.set(linked)
        audit.record(actor=actor, action="notice.update", target=notice, details={
            "languages": sorted(cleaned), "was": was})
    return notice


def approve_notice(*, actor: Any, notice: Notice, decision_reference: str = "",
                   justification: str = "") -> Notice:
    """Record the approval that follows the panel's decision.

    Runs the plain-language check on every language; when any fails, a `justification`
    is required, and the audit entry records it with the failures.
    """
    authz.require(actor, "notice:approve", notice)
    if notice.status != NoticeStatus.DRAFT:
        raise ValidationError({"status": [_("Only a draft can be approved.")]})
    results = check_version(actor, notice.current_version)
    passed = all(result.passed for result in results.values())
    justification = justification.strip()
    if not passed and not justification:
        raise ValidationError({"justification": [
            _("The notice fails the plain-language check: say why it should be approved "
              "as it is, or fix it first.")]})
    with transaction.atomic():
        notice.status = NoticeStatus.APPROVED
        notice.approved_by = actor if getattr(actor, "is_authenticated", False) else None
        notice.approved_at = timezone.now()
        notice.approval_check_passed = passed
        notice.approval_justification = "" if passed else justification
        if decision_reference.strip():
            notice.decision_reference = decision_reference.strip()[:200]
        notice.save()
        version = notice.current_version
        assert version is not None
        version.check_passed = passed
        version.save(update_fields=["check_passed"])
        audit.record(actor=actor, action="notice.approve", target=notice, details={
            "check_passed": passed, "justification": notice.approval_justification,
            "decision_reference": notice.decision_reference,
            "check": {language: result.summary() for language, result in results.items()},
        })
    return notice


def publish_notice(*, actor: Any, notice: Notice, now: datetime | None = None) -> Notice:
    """Publish an approved notice: TLP:CLEAR, on the portal, in the feed, as STIX."""
    authz.require(actor, "notice:publish", notice)
    if notice.status != NoticeStatus.APPROVED:
        raise ValidationError({"status": [_("Only an approved notice can be published.")]})
    moment = now or timezone.now()
    with transaction.atomic():
        notice.status = NoticeStatus.PUBLISHED
        notice.tlp = TLP.CLEAR
        notice.published_at = moment
        notice.save()
        version = notice.current_version
        assert version is not None
        version.published_at = moment
        version.save(update_fields=["published_at"])
        audit.record(actor=actor, action="notice.publish", target=notice, details={
            "version": version.number, "tlp": TLP.CLEAR})
    return notice


def correct_notice(*, actor: Any, notice: Notice, texts: Texts, change_summary: str,
                   justification: str = "", now: datetime | None = None) -> NoticeVersion:
    """Publish a corrected version at once. The earlier versions stay readable, and the
    portal shows what changed. Languages left out of `texts` are not carried over: a
    translation of the old words would repeat what is being corrected."""
    authz.require(actor, "notice:correct", notice)
    if notice.status not in PUBLIC_STATUSES:
        raise ValidationError({"status": [_("Only a published notice can be corrected.")]})
    cleaned = _clean_texts(texts, notice.original_language)
    if not change_summary.strip():
        raise ValidationError({"change_summary": [_("Say what changed and why.")]})
    _check_consent(actor, cleaned)
    moment = now or timezone.now()
    with transaction.atomic():
        number = (notice.versions.aggregate(last=Max("number"))["last"] or 0) + 1
        version = NoticeVersion.objects.create(
            notice=notice, number=number, change_summary=change_summary.strip(),
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            published_at=moment)
        _write_texts(version, cleaned, notice.original_language)
        results = check_version(actor, version)
        passed = all(result.passed for result in results.values())
        if not passed and not justification.strip():
            raise ValidationError({"justification": [
                _("The correction fails the plain-language check: say why it should be "
                  "published as it is, or fix it first.")]})
        version.check_passed = passed
        version.save(update_fields=["check_passed"])
        notice.current_version = version
        notice.status = NoticeStatus.CORRECTED
        notice.save()
        audit.record(actor=actor, action="notice.correct", target=notice, details={
            "version": number, "change_summary": version.change_summary,
            "check_passed": passed, "justification": "" if passed else justification.strip(),
        })
    return version


def retract_notice(*, actor: Any, notice: Notice, note: str,
                   now: datetime | None = None) -> Notice:
    """Retract a published notice: it stays readable, under a visible retraction note."""
    authz.require(actor, "notice:retract", notice)
    if notice.status not in PUBLIC_STATUSES:
        raise ValidationError({"status": [_("Only a published notice can be retracted.")]})
    if not note.strip():
        raise ValidationError({"note": [_("Say why the notice is retracted.")]})
    with transaction.atomic():
        notice.status = NoticeStatus.RETRACTED
        notice.retracted_at = now or timezone.now()
        notice.retraction_note = note.strip()
        notice.save()
        audit.record(actor=actor, action="notice.retract", target=notice,
                     details={"note": notice.retraction_note})
    return notice


def save_article(*, actor: Any, kind: str, slug: str, language: str, title: str, body: str,
                 summary: str = "", change_note: str = "",
                 position: int | None = None) -> Article:
    """Create a methods or toolkit article, or add a new version of it. Earlier versions
    are kept. Needs `method:edit` or `toolkit:edit`."""
    if kind not in ArticleKind.values:
        raise ValidationError({"kind": [_("Choose methods or toolkit.")]})
    authz.require(actor, "method:edit" if kind == ArticleKind.METHOD else "toolkit:edit")
    errors: dict[str, list[str]] = {}
    slug = slugify(slug or title)[:80]
    if not slug:
        errors["slug"] = [_("This field is required.")]
    if language not in Language.values:
        errors["language"] = [_("Choose English, French or Spanish.")]
    if not title.strip():
        errors["title"] = [_("This field is required.")]
    if not body.strip():
        errors["body"] = [_("This field is required.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        article, created = Article.objects.get_or_create(
            kind=kind, slug=slug, language=language,
            defaults={"position": position or 0})
        if position is not None and article.position != position:
            article.position = position
        number = (article.versions.aggregate(last=Max("number"))["last"] or 0) + 1
        version = ArticleVersion.objects.create(
            article=article, number=number, title=title.strip()[:200],
            summary=summary.strip()[:300], body=body.strip(),
            change_note=change_note.strip()[:300] or ("" if created else _("Updated")),
            created_by=actor if getattr(actor, "is_authenticated", False) else None)
        article.current_version = version
        article.save()
        audit.record(actor=actor, action="article.save", target=article, details={
            "kind": kind, "language": language, "version": number})
    return article
