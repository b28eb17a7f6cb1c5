"""Arrange public notices for the comms and portal tests: a coordinating organisation, a
coordinator, and notices written in plain, specific words (or not)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from civicshield.comms import services
from civicshield.comms.models import Notice
from civicshield.core.choices import Role
from civicshield.directory.choices import Sector
from tests import factories

GOOD = {
    "headline": "Fake website tells voters they can vote by text message",
    "what_happened": (
        "A fake website, vote-info-veridia.com, copies the look of the Electoral Commission's "
        "voter page. It says that you can vote by text message. This is false."),
    "when": "We first saw the site on Monday 4 May 2026 at 07:40.",
    "who_affected": "Voters in every region, most of all in Portvale.",
    "what_it_means": "You cannot vote by text message. You vote in person or by post.",
    "what_to_do": "Do not send your details to the site. Check your polling station with the "
                  "Electoral Commission.",
    "how_we_know": "Two social media companies found 212 fake accounts that shared the link. "
                   "The Electoral Commission checked the claim.",
}

GOOD_FR = {
    "headline": "Un faux site dit aux électeurs qu'ils peuvent voter par SMS",
    "what_happened": (
        "Un faux site, vote-info-veridia.com, copie la page de la Commission électorale. Il "
        "dit que l'on peut voter par SMS. C'est faux."),
    "when": "Nous avons vu le site le lundi 4 mai 2026 à 07:40.",
    "who_affected": "Les électeurs de toutes les régions, surtout à Portvale.",
    "what_it_means": "On ne peut pas voter par SMS. Vous votez en personne ou par courrier.",
    "what_to_do": "N'envoyez pas vos données au site. Vérifiez votre bureau de vote auprès de "
                  "la Commission électorale.",
    "how_we_know": "Deux réseaux sociaux ont trouvé 212 faux comptes qui partageaient le lien. "
                   "La Commission électorale a vérifié cette affirmation.",
}

BAD = {
    "headline": "Inauthentic amplification of electoral narratives observed",
    "what_happened": (
        "It is believed that some actors leveraged certain platforms to conduct CIB "
        "operations involving various DISARM techniques, and the narratives were amplified "
        "by a botnet across multiple jurisdictions over an extended period of considerable "
        "duration."),
    "when": "Recently.",
    "who_affected": "",
    "what_it_means": "Voters should remain cognisant of disinformation.",
    "what_to_do": "Be careful.",
    "how_we_know": "Analysis.",
}


def coordination_centre() -> Any:
    return factories.make_organisation(
        slug="eicc", name="Election Integrity Coordination Centre", is_coordinator=True,
        sector=Sector.ELECTION_MANAGEMENT_BODY)


def coordinator(organisation: Any = None) -> Any:
    return factories.make_user(Role.COORDINATOR, organisation=organisation
                               or coordination_centre())


def draft(actor: Any, fields: dict[str, str] | None = None, **kwargs: Any) -> Notice:
    return services.create_notice_draft(actor=actor, **{**(fields or GOOD), **kwargs})


def published(actor: Any, fields: dict[str, str] | None = None, *,
              at: datetime | None = None, **kwargs: Any) -> Notice:
    notice = draft(actor, fields, **kwargs)
    services.approve_notice(actor=actor, notice=notice, justification="Test: approve as is.")
    return services.publish_notice(actor=actor, notice=notice,
                                   now=at or timezone.now() - timedelta(hours=1))
