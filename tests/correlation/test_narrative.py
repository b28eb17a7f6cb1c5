"""Narrative fingerprints computed in batches, and the links a copied narrative makes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from civicshield.correlation import narrative
from civicshield.correlation.models import Link
from civicshield.correlation.services import correlate_reports
from tests.correlation.conftest import COPYPASTA, add_report

TEXTS = [
    COPYPASTA,
    COPYPASTA.upper().replace(" ", "  "),
    "Élection : l'urne de la commune est truquée ! Voir hxxp://vote-info[.]example",
    "Short.",
    "",
    "Vote by text message: send your ID number to 4455 before Sunday. " * 5,
]


def test_fingerprints_in_a_batch_equal_those_computed_one_by_one() -> None:
    one_by_one = [narrative.fingerprint(text, shingle_size=5, permutations=64)
                  for text in TEXTS]
    batch = narrative.fingerprints(TEXTS, shingle_size=5, permutations=64)

    for single, batched in zip(one_by_one, batch, strict=True):
        assert np.array_equal(single.signature, batched.signature)
        assert (single.characters, single.digest) == (batched.characters, batched.digest)
    assert narrative.similarity(batch[0].signature, batch[1].signature) == 1.0
    assert narrative.similarity(batch[0].signature, batch[2].signature) < 0.3


@pytest.mark.django_db
def test_a_copied_narrative_links_to_its_most_recent_copies_up_to_the_limit(
        settings: Any) -> None:
    settings.CIVICSHIELD_CORRELATION = {"max_links_per_report": 3}
    copies = [add_report(title="Vote by SMS", description=COPYPASTA, correlate=False)
              for _ in range(6)]
    correlate_reports(report_ids=[report.pk for report in copies[:-1]])  # the last: not yet
    newest = add_report(title="Vote by SMS", description=COPYPASTA)

    linked = {link.source_id for link in Link.objects.filter(target=newest)}
    assert linked == {report.pk for report in copies[2:5]}
    assert Link.objects.filter(kind="narrative", source__in=copies, target=newest).count() == 3


@pytest.mark.django_db
def test_a_looser_copy_sharing_an_observable_keeps_both_reasons_and_ranks_first(
        settings: Any) -> None:
    settings.CIVICSHIELD_CORRELATION = {"max_links_per_report": 2}
    # The newest copy is about 0.95 similar to the others, 0.92 to the oldest: only the
    # domain the oldest also shares makes it the strongest link of all.
    oldest = add_report(title="Vote by SMS", observables=[("domain", "vote-sms-veridia.com")],
                        description=COPYPASTA.replace("before election day", "by tonight"),
                        correlate=False)
    others = [add_report(title="Vote by SMS", description=COPYPASTA.replace("4455", "4466"),
                         correlate=False) for _ in range(4)]
    correlate_reports(report_ids=[oldest.pk, *(report.pk for report in others)])
    newest = add_report(title="Vote by SMS", description=COPYPASTA,
                        observables=[("domain", "vote-sms-veridia.com")])

    kinds = {link.kind for link in Link.objects.filter(source=oldest, target=newest)}
    assert kinds == {"narrative", "observable"}
    linked = set(Link.objects.filter(target=newest).values_list("source_id", flat=True))
    assert linked == {oldest.pk, others[-1].pk}
