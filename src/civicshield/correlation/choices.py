"""Every enumeration of correlation: link kinds, campaign statuses, memberships, alerts."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LinkKind(models.TextChoices):
    OBSERVABLE = "observable", _("Shared observable")
    NARRATIVE = "narrative", _("Shared narrative")
    TECHNIQUE = "technique", _("Shared technique and target")


class CampaignStatus(models.TextChoices):
    CANDIDATE = "candidate", _("Candidate")
    CONFIRMED = "confirmed", _("Confirmed")
    DISMISSED = "dismissed", _("Dismissed")


class MembershipState(models.TextChoices):
    AUTO = "auto", _("Found by correlation")
    PINNED = "pinned", _("Pinned by an analyst")
    EXCLUDED = "excluded", _("Excluded by an analyst")


class AlertKind(models.TextChoices):
    THRESHOLD = "threshold", _("Score crossed the threshold")
    NEW_PHASE = "new_phase", _("Campaign spans a new phase")
    NEW_VICTIM = "new_victim", _("Campaign concerns a new victim")
    BROKER = "broker", _("Linked reports shared with different audiences")
