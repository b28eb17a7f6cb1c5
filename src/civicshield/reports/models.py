"""Reports of what a stakeholder saw, the observables in them, and the victims."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicshield.core.models import Shareable
from civicshield.reports.choices import (
    Confidence,
    Consent,
    ObservableType,
    Outcome,
    Source,
    Status,
    VictimKind,
)


class Observable(models.Model):
    """A normalised value (a URL, a domain, a hash...), stored once, linked to every report
    that mentions it. The value is canonical (see reports.observables), so equal things
    compare equal."""

    type = models.CharField(max_length=20, choices=ObservableType.choices)
    value = models.CharField(max_length=2048)
    first_seen = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["type", "value"]
        constraints = [
            models.UniqueConstraint(fields=["type", "value"], name="observable_unique_value")
        ]
        indexes = [models.Index(fields=["value"])]

    def __str__(self) -> str:
        return f"{self.type}: {self.value}"


class Victim(models.Model):
    """Who was targeted: an organisation of the directory, or a described person or group.

    `consent` governs disclosure of the identity on every surface (see reports.redaction).
    """

    kind = models.CharField(max_length=20, choices=VictimKind.choices)
    organisation = models.OneToOneField(
        "directory.Organisation", null=True, blank=True, on_delete=models.PROTECT,
        related_name="victim_record",
    )
    name = models.CharField(max_length=200, blank=True)
    region = models.CharField(max_length=100, blank=True)
    consent = models.CharField(max_length=10, choices=Consent.choices, default=Consent.PRIVATE)
    recorded_by = models.ForeignKey(
        "directory.Organisation", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", help_text=_("The organisation that described this victim; it knows "
                                      "who they are."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # When a report last narrowed `consent`: the victim's exported identity is then another
    # version of it (STIX `modified`), so consumers replace the wider copy they hold.
    consent_narrowed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind=VictimKind.ORGANISATION) & Q(organisation__isnull=False))
                | (~Q(kind=VictimKind.ORGANISATION) & Q(organisation__isnull=True) & ~Q(name="")),
                name="victim_is_an_organisation_or_named",
            ),
        ]

    def __str__(self) -> str:
        return self.organisation.name if self.organisation is not None else self.name


class Report(Shareable):
    reference = models.CharField(max_length=20, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField()
    observed_start = models.DateTimeField()
    observed_end = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.PARTNER)
    phases = models.ManyToManyField("vocab.Term", blank=True, related_name="+")
    information_types = models.ManyToManyField("vocab.Term", blank=True, related_name="+")
    techniques = models.ManyToManyField("vocab.Term", blank=True, related_name="+")
    outcome = models.CharField(max_length=12, choices=Outcome.choices, default=Outcome.UNKNOWN)
    severity = models.PositiveSmallIntegerField(default=3)
    confidence = models.CharField(max_length=8, choices=Confidence.choices,
                                  default=Confidence.MEDIUM)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW,
                              db_index=True)
    closed_reason = models.CharField(max_length=300, blank=True)
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="duplicates")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="assigned_reports")
    victims = models.ManyToManyField(Victim, blank=True, related_name="reports")
    observables: models.ManyToManyField[Observable, ReportObservable] = models.ManyToManyField(
        Observable, through="ReportObservable", blank=True, related_name="reports")
    tip_contact = models.CharField(
        max_length=200, blank=True, help_text=_("How a member of the public who sent a tip "
                                                "agreed to be reached."),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(severity__gte=1) & Q(severity__lte=5),
                                   name="report_severity_1_to_5"),
            models.CheckConstraint(
                condition=Q(observed_end__isnull=True) | Q(observed_end__gte=models.F(
                    "observed_start")),
                name="report_observed_end_after_start",
            ),
            models.CheckConstraint(condition=~Q(status=Status.CLOSED) | ~Q(closed_reason=""),
                                   name="report_closed_with_reason"),
        ]
        indexes = [models.Index(fields=["tlp", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class ReportObservable(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE)
    observable = models.ForeignKey(Observable, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "observable"],
                                    name="report_observable_once"),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} mentions {self.observable_id}"


class Comment(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                               related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Comment on {self.report_id} by {self.author_id}"


class Attachment(models.Model):
    """A screenshot or document, stored on disk outside the database, served only through
    the access layer (never from a public media URL)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="attachments/%Y/%m/")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class SupportStep(models.Model):
    """Something done to help a victim: a call, advice, a takedown request, a referral."""

    victim = models.ForeignKey(Victim, on_delete=models.CASCADE, related_name="support_steps")
    taken_on = models.DateField()
    description = models.TextField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    organisation = models.ForeignKey("directory.Organisation", null=True,
                                     on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-taken_on", "-id"]

    def __str__(self) -> str:
        return f"{self.taken_on}: {self.description[:60]}"
