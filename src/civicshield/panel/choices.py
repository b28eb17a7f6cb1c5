"""Every enumeration of the expert panel, one source for models, forms, API and docs."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DecisionRule(models.TextChoices):
    CONSENSUS = "consensus", _("Consensus of every member not recused")
    MAJORITY = "majority", _("Majority of the members who assessed")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DECIDED = "decided", _("Decided")


class Confidence(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class Finding(models.TextChoices):
    """What the tally of assessments says under the decision rule."""

    MET = "met", _("The threshold is met")
    NOT_MET = "not_met", _("The threshold is not met")
    NO_AGREEMENT = "no_agreement", _("No agreement (consensus broken)")
    NO_MAJORITY = "no_majority", _("No majority (a tie, or short of the required share)")


# A finding without agreement that the threshold is met forbids an announcement.
ANNOUNCEABLE_FINDINGS = (Finding.MET,)


class Outcome(models.TextChoices):
    NO_PUBLIC_ACTION = "no_public_action", _("No public action")
    BRIEF_AFFECTED_PARTIES = "brief_affected_parties", _("Brief the affected parties only")
    PUBLIC_NOTICE = "public_notice", _("Public notice")
