"""The expert panel: its rules, its cases, and the record of how each case was decided.

Records of the deliberation (threshold versions, conflict declarations, assessments,
briefings received, decisions, "targets informed" steps) are written once and never
changed: `WrittenOnce.save` refuses an update, and `panel.services` offers no path to one.
Every write goes through `panel.services` (one transaction, one audit entry).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicshield.panel.choices import CaseStatus, Confidence, DecisionRule, Finding, Outcome


class RecordIsReadOnly(Exception):
    """Something tried to change a record of the panel's history after it was written."""


class WrittenOnce(models.Model):
    """A record of history: created once, never updated (deletion is PROTECTed elsewhere)."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise RecordIsReadOnly(f"{self._meta.verbose_name} is read-only once written")
        super().save(*args, **kwargs)


class Panel(models.Model):
    """A non-partisan expert panel: who sits on it and how it decides."""

    name = models.CharField(max_length=200)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="panels",
        help_text=_("Accounts with the expert panel member role."),
    )
    quorum = models.PositiveSmallIntegerField(
        default=3, help_text=_("How many members not recused must have assessed a case."),
    )
    decision_rule = models.CharField(
        max_length=20, choices=DecisionRule.choices, default=DecisionRule.CONSENSUS,
    )
    majority_fraction = models.DecimalField(
        max_digits=3, decimal_places=2, default=Decimal("0.50"),
        help_text=_("Majority rule only: the share of assessments one side must exceed "
                    "(0.50 is a simple majority; a tie never exceeds it)."),
    )
    briefing_tolerance = models.DurationField(
        default=timedelta(hours=1),
        help_text=_("A party offered a briefing later than this after the first is flagged."),
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quorum__gte=1), name="panel_quorum_at_least_one"),
            models.CheckConstraint(
                condition=Q(majority_fraction__gte=Decimal("0.50"))
                & Q(majority_fraction__lt=Decimal("1.00")),
                name="panel_majority_fraction_half_to_one",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ThresholdVersion(WrittenOnce):
    """One version of the panel's written threshold, in plain words. Never edited: a change
    is a new version, so a case can always show the words it was judged against."""

    panel = models.ForeignKey(Panel, on_delete=models.PROTECT, related_name="thresholds")
    number = models.PositiveIntegerField()
    text = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    author_label = models.CharField(max_length=150)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["panel", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["panel", "number"], name="one_threshold_number"),
        ]

    def __str__(self) -> str:
        return f"{self.panel} — threshold v{self.number}"


class PanelCase(models.Model):
    """A matter put to the panel by a coordinator, from one or more reports.

    The summary is what the panel reads; the reports behind it are shown to each member
    only as far as the access layer lets that member see them.
    """

    panel = models.ForeignKey(Panel, on_delete=models.PROTECT, related_name="cases")
    title = models.CharField(max_length=200)
    summary = models.TextField(help_text=_("Prepared for the panel: what is known, from whom."))
    reports = models.ManyToManyField("reports.Report", blank=True, related_name="panel_cases")
    campaign = models.ForeignKey(
        "correlation.Campaign", null=True, blank=True, on_delete=models.PROTECT,
        related_name="panel_cases",
        help_text=_("The campaign the case was opened from, if any."),
    )
    affected_organisations = models.ManyToManyField(
        "directory.Organisation", blank=True, related_name="+",
        help_text=_("Known targets and affected parties: members declare ties to them."),
    )
    threshold_version = models.ForeignKey(
        ThresholdVersion, on_delete=models.PROTECT, related_name="cases",
        help_text=_("The words the case is judged against, fixed when it is opened."),
    )
    status = models.CharField(max_length=10, choices=CaseStatus.choices,
                              default=CaseStatus.OPEN, db_index=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    opened_at = models.DateTimeField(default=timezone.now, db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # The draft public notice created through comms after a "public notice" decision.
    notice_slug = models.SlugField(max_length=200, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=CaseStatus.OPEN, decided_at__isnull=True)
                | Q(status=CaseStatus.DECIDED, decided_at__isnull=False),
                name="panel_case_decided_at_when_decided",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == CaseStatus.OPEN


class ConflictDeclaration(WrittenOnce):
    """A member's declaration, made before reading the case. A conflict recuses them."""

    case = models.ForeignKey(PanelCase, on_delete=models.PROTECT, related_name="declarations")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    has_conflict = models.BooleanField()
    description = models.TextField(blank=True)
    declared_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["declared_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "member"], name="one_declaration_per_member"),
            models.CheckConstraint(condition=Q(has_conflict=False) | ~Q(description=""),
                                   name="conflict_is_described"),
        ]

    def __str__(self) -> str:
        return f"{self.member} on {self.case}: {'conflict' if self.has_conflict else 'none'}"


class Assessment(WrittenOnce):
    """One member's independent assessment of a case against its threshold version."""

    case = models.ForeignKey(PanelCase, on_delete=models.PROTECT, related_name="assessments")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    meets_threshold = models.BooleanField()
    confidence = models.CharField(max_length=10, choices=Confidence.choices)
    rationale = models.TextField()
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["submitted_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "member"], name="one_assessment_per_member"),
        ]

    def __str__(self) -> str:
        return f"{self.member} on {self.case}: {'meets' if self.meets_threshold else 'does not'}"


class Briefing(WrittenOnce):
    """A briefing the panel received about a case: who briefed it, when, and what was said."""

    case = models.ForeignKey(PanelCase, on_delete=models.PROTECT, related_name="briefings")
    briefed_by = models.CharField(max_length=200, help_text=_("The person who briefed."))
    organisation = models.ForeignKey(
        "directory.Organisation", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    briefed_at = models.DateTimeField()
    content = models.TextField(help_text=_("What the panel was told."))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["briefed_at", "id"]

    def __str__(self) -> str:
        return f"{self.briefed_by} briefed the panel on {self.case}"


class Decision(WrittenOnce):
    """The panel's decision on a case, with the tally it rests on. Read-only once written."""

    case = models.OneToOneField(PanelCase, on_delete=models.PROTECT, related_name="decision")
    outcome = models.CharField(max_length=30, choices=Outcome.choices)
    finding = models.CharField(max_length=20, choices=Finding.choices)
    decision_rule = models.CharField(max_length=20, choices=DecisionRule.choices)
    majority_fraction = models.DecimalField(max_digits=3, decimal_places=2)
    quorum = models.PositiveSmallIntegerField()
    threshold_version = models.ForeignKey(ThresholdVersion, on_delete=models.PROTECT,
                                          related_name="+")
    members_not_recused = models.PositiveSmallIntegerField()
    votes_meeting = models.PositiveSmallIntegerField()
    votes_not_meeting = models.PositiveSmallIntegerField()
    recusals = models.JSONField(default=list, help_text=_("[{member, description}]"))
    not_assessed = models.JSONField(default=list, help_text=_("Members not recused who had "
                                                              "not assessed."))
    rationale = models.TextField()
    consulted = models.TextField(help_text=_("Who was consulted before deciding."))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_by_label = models.CharField(max_length=150)
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(outcome=Outcome.PUBLIC_NOTICE) | Q(finding=Finding.MET),
                name="no_agreement_no_announcement",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case}: {self.get_outcome_display()}"

    @property
    def assessed(self) -> int:
        return self.votes_meeting + self.votes_not_meeting


class TargetsInformed(WrittenOnce):
    """The step "known targets informed", recorded before anything is published."""

    case = models.ForeignKey(PanelCase, on_delete=models.PROTECT,
                             related_name="targets_informed")
    informed_at = models.DateTimeField()
    who_was_informed = models.TextField()
    how = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["informed_at", "id"]
        verbose_name_plural = _("targets informed")

    def __str__(self) -> str:
        return f"Targets informed on {self.case}"


class PartyBriefingRound(WrittenOnce):
    """One briefing offered to the registered political parties about a case."""

    case = models.ForeignKey(PanelCase, on_delete=models.PROTECT, related_name="briefing_rounds")
    subject = models.TextField()
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    started_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["started_at", "id"]

    def __str__(self) -> str:
        return f"Party briefing on {self.case}"


class PartyBriefing(models.Model):
    """The offer of a round's briefing to one party, with delivery and acknowledgement."""

    briefing_round = models.ForeignKey(PartyBriefingRound, on_delete=models.PROTECT,
                              related_name="offers")
    party = models.ForeignKey("directory.Organisation", on_delete=models.PROTECT,
                              related_name="+")
    offered_at = models.DateTimeField()
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    delivered_at = models.DateTimeField(null=True, blank=True)
    delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.CharField(max_length=200, blank=True,
                                       help_text=_("Who at the party acknowledged it."))

    class Meta:
        ordering = ["offered_at", "party__name"]
        constraints = [
            models.UniqueConstraint(fields=["briefing_round", "party"], name="one_offer_per_party"),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True) | Q(delivered_at__isnull=False),
                name="acknowledged_only_once_delivered",
            ),
        ]

    def __str__(self) -> str:
        return f"Briefing offered to {self.party}"
