"""Every enumeration of reports, observables and victims."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    PARTNER = "partner", _("Partner")
    PUBLIC_TIP = "public_tip", _("Public tip")
    AUTOMATED_FEED = "automated_feed", _("Automated feed")
    EXERCISE = "exercise", _("Exercise")


class Outcome(models.TextChoices):
    ATTEMPTED = "attempted", _("Attempted")
    SUCCESSFUL = "successful", _("Successful")
    UNKNOWN = "unknown", _("Unknown")


class Confidence(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class Status(models.TextChoices):
    NEW = "new", _("New")
    TRIAGED = "triaged", _("Triaged")
    IN_ASSESSMENT = "in_assessment", _("In assessment")
    CLOSED = "closed", _("Closed")


class ObservableType(models.TextChoices):
    URL = "url", _("URL")
    DOMAIN = "domain", _("Domain")
    IPV4 = "ipv4", _("IPv4 address")
    IPV6 = "ipv6", _("IPv6 address")
    EMAIL = "email", _("E-mail address")
    MD5 = "md5", _("MD5 hash")
    SHA1 = "sha1", _("SHA-1 hash")
    SHA256 = "sha256", _("SHA-256 hash")
    PHONE = "phone", _("Phone number")
    SOCIAL_ACCOUNT = "social_account", _("Social-media account")
    HASHTAG = "hashtag", _("Hashtag")
    MESSAGE_ID = "message_id", _("Message identifier")
    AD_ID = "ad_id", _("Ad identifier")


class VictimKind(models.TextChoices):
    ORGANISATION = "organisation", _("Organisation")
    CANDIDATE = "candidate", _("Candidate")
    OFFICIAL = "official", _("Official")
    VOTERS = "voters", _("Group of voters")
    OTHER = "other", _("Other")


class Consent(models.TextChoices):
    """What the victim agreed may be disclosed of their identity."""

    PRIVATE = "private", _("Keep private")
    PARTNERS = "partners", _("Share with partners")
    PUBLIC = "public", _("Make public")
