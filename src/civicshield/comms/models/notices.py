"""Public notices: what the public is told, in plain and specific words.

A `Notice` is the stable thing the public links to (its slug). What it says lives in
numbered `NoticeVersion`s — a correction adds a version, it never rewrites one — and each
version holds one `NoticeText` per language (the original, and translations marked as
such). A notice is a shared record (TLP): a draft is AMBER+STRICT for the coordinating
organisation; publication makes it TLP:CLEAR, so the portal reads it through the access
layer like any other public record.

`Article` and `ArticleVersion` hold the public methods ("How we identify interference")
and the citizen toolkit: one article per kind, slug and language, versioned.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicshield.comms.choices import ArticleKind, NoticeStatus
from civicshield.core.models import Shareable
from civicshield.vocab.choices import Language

__all__ = ["Article", "ArticleVersion", "Notice", "NoticeText", "NoticeVersion"]

# The fields of a notice's text, in the order the public reads them.
NOTICE_TEXT_FIELDS = (
    "headline", "what_happened", "when", "who_affected", "what_it_means", "what_to_do",
    "how_we_know",
)


class Article(models.Model):
    """A public article of one kind (methods or toolkit) in one language, versioned."""

    kind = models.CharField(max_length=10, choices=ArticleKind.choices)
    slug = models.SlugField(max_length=80)
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.EN)
    position = models.PositiveSmallIntegerField(default=0)
    current_version = models.ForeignKey(
        "comms.ArticleVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "language", "position", "slug"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "slug", "language"],
                                    name="article_unique_per_kind_slug_language"),
        ]

    def __str__(self) -> str:
        title = self.current_version.title if self.current_version is not None else self.slug
        return f"{self.get_kind_display()} [{self.language}] {title}"


class ArticleVersion(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=300, blank=True)
    body = models.TextField(help_text=_("Plain text; a blank line starts a new paragraph."))
    change_note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["article", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"],
                                    name="article_version_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.number})"


class Notice(Shareable):
    """A public notice. Its words are in `versions`; `current_version` is what is shown."""

    slug = models.SlugField(max_length=120, unique=True)
    status = models.CharField(max_length=10, choices=NoticeStatus.choices,
                              default=NoticeStatus.DRAFT, db_index=True)
    original_language = models.CharField(max_length=2, choices=Language.choices,
                                         default=Language.EN)
    current_version = models.ForeignKey(
        "comms.NoticeVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    # The panel's decision behind the notice; free text until the panel app has records.
    decision_reference = models.CharField(max_length=200, blank=True)
    articles = models.ManyToManyField(
        Article, blank=True, related_name="notices",
        help_text=_("Methods and citizen-toolkit articles the notice links to."),
    )
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    approval_check_passed = models.BooleanField(null=True, blank=True)
    approval_justification = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    retracted_at = models.DateTimeField(null=True, blank=True)
    retraction_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-published_at", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=NoticeStatus.RETRACTED) | ~Q(retraction_note=""),
                name="notice_retracted_with_note",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[NoticeStatus.DRAFT, NoticeStatus.APPROVED])
                | Q(published_at__isnull=False),
                name="notice_public_has_publication_date",
            ),
        ]

    def __str__(self) -> str:
        return self.slug

    @property
    def is_public(self) -> bool:
        return self.status in (NoticeStatus.PUBLISHED, NoticeStatus.CORRECTED,
                               NoticeStatus.RETRACTED)


class NoticeVersion(models.Model):
    """One version of a notice's words. Version 1 is the original; each correction adds one."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    change_summary = models.TextField(
        blank=True, help_text=_("For a correction: what changed and why, in plain words."),
    )
    check_passed = models.BooleanField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["notice", "number"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "number"],
                                    name="notice_version_unique_number"),
            models.CheckConstraint(condition=Q(number=1) | ~Q(change_summary=""),
                                   name="notice_correction_says_what_changed"),
        ]

    def __str__(self) -> str:
        return f"{self.notice.slug} v{self.number}"


class NoticeText(models.Model):
    """A version's words in one language; `is_translation` marks anything but the original."""

    version = models.ForeignKey(NoticeVersion, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(max_length=2, choices=Language.choices)
    is_translation = models.BooleanField(default=False)
    headline = models.CharField(max_length=200)
    what_happened = models.TextField()
    when = models.TextField(blank=True)
    who_affected = models.TextField(blank=True)
    what_it_means = models.TextField(blank=True)
    what_to_do = models.TextField(blank=True)
    how_we_know = models.TextField(blank=True)

    class Meta:
        ordering = ["version", "is_translation", "language"]
        constraints = [
            models.UniqueConstraint(fields=["version", "language"],
                                    name="notice_text_one_per_language"),
        ]

    def __str__(self) -> str:
        return f"[{self.language}] {self.headline}"

    def fields(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in NOTICE_TEXT_FIELDS}
