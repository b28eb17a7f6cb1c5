"""Every enumeration of the directory, one source for models, forms, API and docs."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sector(models.TextChoices):
    ELECTION_MANAGEMENT_BODY = "election_management_body", _("Election management body")
    GOVERNMENT_AGENCY = "government_agency", _("Government agency")
    SECURITY_AGENCY = "security_agency", _("Security or intelligence agency")
    LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement")
    POLITICAL_PARTY = "political_party", _("Political party")
    CANDIDATE_CAMPAIGN = "candidate_campaign", _("Candidate campaign")
    CIVIL_SOCIETY = "civil_society", _("Civil society")
    FACT_CHECKER_MEDIA = "fact_checker_media", _("Fact-checker or media")
    TECHNOLOGY_PLATFORM = "technology_platform", _("Technology platform")
    CYBERSECURITY_COMPANY = "cybersecurity_company", _("Cybersecurity company")
    ACADEMIA = "academia", _("Academia")
    INTERNATIONAL_ORGANISATION = "international_organisation", _("International organisation")


# Sectors whose organisations sit on the political spectrum.
POLITICAL_SECTORS = (Sector.POLITICAL_PARTY, Sector.CANDIDATE_CAMPAIGN)


class PoliticalLeaning(models.TextChoices):
    LEFT = "left", _("Left")
    CENTRE_LEFT = "centre_left", _("Centre-left")
    CENTRE = "centre", _("Centre")
    CENTRE_RIGHT = "centre_right", _("Centre-right")
    RIGHT = "right", _("Right")
    OTHER = "other", _("Other")


class Availability(models.TextChoices):
    ROUND_THE_CLOCK = "24_7", _("24/7")
    BUSINESS_HOURS = "business_hours", _("Business hours")


class EscalationLevel(models.IntegerChoices):
    ANALYST = 1, _("1 — analyst")
    MANAGER = 2, _("2 — manager")
    SENIOR_OFFICIAL = 3, _("3 — senior official")
