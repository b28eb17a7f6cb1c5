"""Versioned vocabularies: a vocabulary has releases; a term keeps its code for ever.

A term that a later release drops is never deleted — it is kept, marked deprecated, with
`replaced_by` where the source names a successor — so anything tagged with it still resolves.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from civicshield.vocab.choices import Change, Language, Matter, TermKind, VocabularySource


class Vocabulary(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    source = models.CharField(max_length=20, choices=VocabularySource.choices)
    attribution = models.TextField(blank=True, help_text=_("Source, copyright and licence."))
    current_release = models.ForeignKey(
        "Release", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("vocabularies")

    def __str__(self) -> str:
        return self.name


class Release(models.Model):
    """One imported release of a vocabulary, with what it added, changed and deprecated."""

    vocabulary = models.ForeignKey(Vocabulary, on_delete=models.CASCADE, related_name="releases")
    label = models.CharField(max_length=80)
    file_name = models.CharField(max_length=255, blank=True)
    digest = models.CharField(max_length=64, help_text=_("SHA-256 of the imported file."))
    imported_at = models.DateTimeField(auto_now_add=True)
    added = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    deprecated = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["vocabulary", "-imported_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["vocabulary", "label"], name="vocab_release_unique_label"
            )
        ]

    def __str__(self) -> str:
        return f"{self.vocabulary.slug} {self.label}"


class Term(models.Model):
    vocabulary = models.ForeignKey(Vocabulary, on_delete=models.CASCADE, related_name="terms")
    code = models.CharField(max_length=120)
    # Some MISP taxonomy values are whole sentences: no arbitrary cut-off.
    name = models.TextField()
    kind = models.CharField(max_length=20, choices=TermKind.choices)
    # Which part of a vocabulary a source file covers (e.g. DISARM "red" and "blue"):
    # a file only deprecates the terms of the scopes it covers.
    scope = models.CharField(max_length=60, blank=True)
    plain = models.TextField(help_text=_("Plain-language definition, in English."))
    technical = models.TextField(blank=True)
    example = models.TextField(blank=True)
    synonyms = models.JSONField(default=list, blank=True)
    matter = models.CharField(max_length=12, choices=Matter.choices, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    deprecated = models.BooleanField(default=False)
    replaced_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replaces"
    )
    release = models.ForeignKey(
        Release, on_delete=models.PROTECT, related_name="terms",
        help_text=_("The release that last added, changed or deprecated this term."),
    )
    position = models.PositiveIntegerField(default=0)
    extra = models.JSONField(default=dict, blank=True)
    fingerprint = models.CharField(max_length=64)

    class Meta:
        ordering = ["vocabulary", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["vocabulary", "code"], name="vocab_term_unique_code")
        ]
        indexes = [models.Index(fields=["vocabulary", "kind", "deprecated"])]

    def __str__(self) -> str:
        return f"{self.code} {self.name}" if self.code != self.name else self.name


class TermTranslation(models.Model):
    """A term's name and plain definition in one language (English lives on the term)."""

    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(max_length=5, choices=Language.choices)
    name = models.TextField()
    plain = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["term", "language"], name="vocab_translation_unique")
        ]

    def __str__(self) -> str:
        return f"{self.term.code} [{self.language}]"


class ChangeLogEntry(models.Model):
    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="changes")
    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="changes")
    change = models.CharField(max_length=12, choices=Change.choices)
    summary = models.TextField(blank=True)

    class Meta:
        ordering = ["release", "change", "term__code"]
        verbose_name_plural = _("change log entries")

    def __str__(self) -> str:
        return f"{self.release}: {self.change} {self.term.code}"
