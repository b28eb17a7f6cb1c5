"""Who-to-contact over a large directory, against listing the same contacts.

The ranking reads every active contact once; this shows what that costs next to
a plain listing of the same rows, as the directory grows.
"""

from __future__ import annotations

from django.db import transaction

from bench.timing import median_seconds
from civicshield.core.choices import Role
from civicshield.directory.models import Contact, Organisation, User
from civicshield.directory.selectors import contacts_visible_to, who_to_contact

TOPICS = ["phishing", "disinformation_narrative", "voter_registration_systems", "malware",
          "impersonation"]
PHASES = ["campaign", "voter_registration", "voting_operations", "counting_results"]
REGIONS = ["", "North", "South", "East", "West"]


def _populate(total: int) -> User:
    with transaction.atomic():
        organisations = Organisation.objects.bulk_create(
            Organisation(slug=f"bench-{total}-{n}", name=f"Bench {n}", sector="civil_society",
                         country="Veridia", region=REGIONS[n % len(REGIONS)])
            for n in range(total // 10)
        )
        Contact.objects.bulk_create(
            Contact(organisation=organisations[n % len(organisations)], name=f"Contact {n}",
                    topics=[TOPICS[n % len(TOPICS)], TOPICS[(n * 7) % len(TOPICS)]],
                    phases=[PHASES[n % len(PHASES)]] if n % 3 else [],
                    escalation_level=1 + n % 3, availability="24_7" if n % 4 == 0 else
                    "business_hours")
            for n in range(total)
        )
        return User.objects.create(username=f"bench-{total}", role=Role.VIEWER,
                                   organisation=organisations[0])



def run() -> None:
    for total in (500, 5_000):
        Contact.objects.all().delete()
        viewer = _populate(total)
        baseline = median_seconds(lambda viewer=viewer: list(contacts_visible_to(viewer)))
        ranked = median_seconds(lambda viewer=viewer: who_to_contact(
            viewer, topic="phishing", phase="campaign", region="North"))
        print(f"  {total:>6} contacts: listing {baseline * 1000:7.1f} ms, who-to-contact "
              f"{ranked * 1000:7.1f} ms, ratio {ranked / baseline:4.2f}")
