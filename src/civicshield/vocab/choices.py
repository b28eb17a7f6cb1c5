"""Enumerations of the shared vocabulary: one source for models, forms, the API and the docs."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class VocabularySource(models.TextChoices):
    """Where a vocabulary's releases come from; each has its own importer."""

    BUILT_IN = "built-in", _("Built into Civic Shield")
    DISARM = "disarm", _("DISARM frameworks")
    ATTACK = "attack", _("MITRE ATT&CK")
    MISP_TAXONOMY = "misp-taxonomy", _("MISP taxonomy")
    MISP_GALAXY = "misp-galaxy", _("MISP galaxy")


class TermKind(models.TextChoices):
    PHASE = "phase", _("Electoral-cycle phase")
    INFORMATION_TYPE = "information-type", _("Information type")
    MARKING = "marking", _("Marking")
    GLOSSARY = "glossary", _("Glossary entry")
    FRAMEWORK_PHASE = "framework-phase", _("Framework phase")
    TACTIC = "tactic", _("Tactic")
    TECHNIQUE = "technique", _("Technique")
    SUBTECHNIQUE = "sub-technique", _("Sub-technique")
    COUNTER = "counter", _("Counter")
    MITIGATION = "mitigation", _("Mitigation")
    PREDICATE = "predicate", _("Tag predicate")
    TAG = "tag", _("Tag")
    THREAT = "threat", _("Threat")


class Matter(models.TextChoices):
    """Whether an information type is a cyber, an information or a physical matter."""

    CYBER = "cyber", _("Cyber")
    INFORMATION = "information", _("Information")
    PHYSICAL = "physical", _("Physical")
    OTHER = "other", _("Policy or law")


class Change(models.TextChoices):
    ADDED = "added", _("Added")
    CHANGED = "changed", _("Changed")
    DEPRECATED = "deprecated", _("Deprecated")
    RESTORED = "restored", _("Restored")


class Language(models.TextChoices):
    """Languages the plain definitions are shipped in (settings.LANGUAGES)."""

    EN = "en", "English"
    FR = "fr", "Français"
    ES = "es", "Español"


class ElectoralPhase(models.TextChoices):
    """The electoral cycle. The codes are the `phases` vocabulary's codes (a test checks)."""

    LEGAL_FRAMEWORK = "legal_framework", _("Legal framework and boundaries")
    PLANNING = "planning_budgeting", _("Planning and budgeting")
    TRAINING = "training_voter_education", _("Training and voter education")
    VOTER_REGISTRATION = "voter_registration", _("Voter registration")
    CANDIDATE_REGISTRATION = "party_candidate_registration", _("Party and candidate registration")
    CAMPAIGN = "campaign", _("Campaign")
    VOTING = "voting_operations", _("Voting operations and election day")
    RESULTS = "counting_results", _("Counting, tabulation and results")
    POST_ELECTION = "post_election", _("Post-election: disputes, certification, review")


class Tlp(models.TextChoices):
    """TLP 2.0 (FIRST). The values are the MISP `tlp` taxonomy's values."""

    CLEAR = "clear", "TLP:CLEAR"
    GREEN = "green", "TLP:GREEN"
    AMBER = "amber", "TLP:AMBER"
    AMBER_STRICT = "amber+strict", "TLP:AMBER+STRICT"
    RED = "red", "TLP:RED"


# OASIS TLP 2.0 marking-definition ids (DESIGN.md, "Markings and audiences").
TLP_MARKING_DEFINITION_IDS: dict[str, str] = {
    Tlp.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    Tlp.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    Tlp.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    Tlp.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    Tlp.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}

# TLP 1.0 names and the STIX 2.1 TLP 1.0 marking definitions (as the stix2 library ships them)
# map to their TLP 2.0 successors on import: WHITE became CLEAR, the others kept their names.
TLP1_TO_TLP2: dict[str, str] = {
    "white": Tlp.CLEAR,
    "green": Tlp.GREEN,
    "amber": Tlp.AMBER,
    "red": Tlp.RED,
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": Tlp.CLEAR,
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": Tlp.GREEN,
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": Tlp.AMBER,
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": Tlp.RED,
}


def tlp_from_name(value: str) -> str | None:
    """The TLP 2.0 value for a TLP 1.0 or 2.0 name ('TLP:WHITE', 'amber+strict') or STIX id."""
    key = value.strip().lower().removeprefix("tlp:")
    if key in Tlp.values:
        return key
    if key in TLP1_TO_TLP2:
        return TLP1_TO_TLP2[key]
    for tlp, marking_id in TLP_MARKING_DEFINITION_IDS.items():
        if marking_id == key:
            return tlp
    return None
