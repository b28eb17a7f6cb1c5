"""What correlation stores: postings and fingerprints per report, the links strong enough to
keep, campaigns with the analysts' decisions, and in-app alerts.

Never all pairs (docs/correlation.md): observable postings are `reports.ReportObservable`
itself (one row per mention); narrative and technique postings below are a fixed number
of rows per report; links are bounded per correlated report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from civicshield.correlation.choices import AlertKind, CampaignStatus, LinkKind, MembershipState
from civicshield.reports.choices import ObservableType

if TYPE_CHECKING:
    from civicshield.directory.models import User


class NarrativeFingerprint(models.Model):
    """The MinHash signature of a report's narrative, kept so that a new report is compared
    with its candidates without re-reading or re-hashing their texts."""

    report = models.OneToOneField("reports.Report", on_delete=models.CASCADE, primary_key=True,
                                  related_name="+")
    signature = models.BinaryField()  # minhash_permutations unsigned 32-bit integers
    characters = models.PositiveIntegerField()  # of normalised text: short texts never link
    digest = models.CharField(max_length=64)  # of the normalised text: unchanged → no work

    def __str__(self) -> str:
        return f"narrative of {self.report_id}"


class NarrativeBand(models.Model):
    """One LSH band of a report's signature: reports sharing a band are narrative candidates."""

    key = models.BigIntegerField()
    report = models.ForeignKey("reports.Report", on_delete=models.CASCADE, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["key", "report"])]

    def __str__(self) -> str:
        return f"{self.key} in {self.report_id}"


class TechniquePosting(models.Model):
    """(technique, victim) and (technique, phase) of a report, hashed to one key, with the
    time observed: the technique rule is one indexed range scan per key."""

    key = models.BigIntegerField()
    observed_at = models.DateTimeField()
    report = models.ForeignKey("reports.Report", on_delete=models.CASCADE, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["key", "observed_at"])]

    def __str__(self) -> str:
        return f"{self.key} in {self.report_id}"


class TooCommonObservable(models.Model):
    """An observable mentioned by more reports than the over-correlation limit: it links
    nothing, and pages say so ("not correlated: too common")."""

    observable = models.OneToOneField("reports.Observable", on_delete=models.CASCADE,
                                      primary_key=True, related_name="+")
    report_count = models.PositiveIntegerField()
    recorded_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.observable_id} in {self.report_count} reports"


class AllowListEntry(models.Model):
    """A value this instance knows to be benign (its own web site, a partner's mail server):
    never correlated, like the values on the MISP warning lists."""

    type = models.CharField(max_length=20, choices=ObservableType.choices, blank=True,
                            help_text=_("Leave empty to match the value whatever its type."))
    value = models.CharField(max_length=2048)
    reason = models.CharField(max_length=300)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["type", "value"]
        constraints = [models.UniqueConstraint(fields=["type", "value"],
                                               name="allow_list_value_once")]
        verbose_name = _("allow-list entry")
        verbose_name_plural = _("allow list")

    def __str__(self) -> str:
        return f"{self.type or '*'}: {self.value}"


class Link(models.Model):
    """Two reports linked by one rule, with the evidence to explain it in one sentence.

    `source` is always the lower report id, so a pair and kind are stored once.
    """

    source = models.ForeignKey("reports.Report", on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey("reports.Report", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=LinkKind.choices)
    strength = models.FloatField()
    # The evidence: observable ids (and how many reports mention each), a similarity, or a
    # technique with the shared victim or phase. `reasons.explain` turns it into a sentence.
    details = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="link_once"),
            models.CheckConstraint(condition=Q(source__lt=F("target")),
                                   name="link_source_below_target"),
            models.CheckConstraint(condition=Q(strength__gte=0) & Q(strength__lte=1),
                                   name="link_strength_0_to_1"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id}-{self.target_id} {self.kind} {self.strength:.2f}"


class Campaign(models.Model):
    """Reports that add up: a connected component of strong links, with analysts' decisions.

    `decided` is set by any analyst action: a decided campaign is never merged into another
    or dissolved by recomputation, only grown.
    """

    name = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=12, choices=CampaignStatus.choices,
                              default=CampaignStatus.CANDIDATE, db_index=True)
    decided = models.BooleanField(default=False)
    # Over every member, visible or not: drives the alerts. Pages recompute it over the
    # members the viewer may see.
    score = models.FloatField(default=0)
    threshold_crossed = models.BooleanField(default=False)
    known_phases = models.JSONField(default=list)
    known_victims = models.JSONField(default=list)
    first_seen = models.DateTimeField(null=True, blank=True)
    last_seen = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-last_seen", "-id"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.name or str(_("Campaign %(number)s") % {"number": self.pk})


class Membership(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="memberships")
    report = models.ForeignKey("reports.Report", on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=10, choices=MembershipState.choices,
                             default=MembershipState.AUTO)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "report"], name="membership_once"),
            # A report belongs to one campaign at most; it may be excluded from several.
            models.UniqueConstraint(fields=["report"], condition=~Q(state="excluded"),
                                    name="report_in_one_campaign"),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} in {self.campaign_id} ({self.state})"


class Alert(models.Model):
    kind = models.CharField(max_length=12, choices=AlertKind.choices)
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="alerts")
    message = models.TextField()
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    recipients: models.ManyToManyField[User, AlertReceipt] = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="AlertReceipt", related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.message[:60]}"


class AlertReceipt(models.Model):
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="receipts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["alert", "user"], name="receipt_once")]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return f"{self.alert_id} for {self.user_id}"
