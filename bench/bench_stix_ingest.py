"""STIX ingest: objects/s importing 20,000 objects through TAXII POST (chunks of 1,000),
against `stix2.parse(..., allow_custom=True)` of the same objects alone.

Ours is the full import: validate, store every version, map reports to records with
their observables and indicators, publish to the TAXII collections, audit, and call
correlation on commit. The POSTs go through Django's whole request stack in-process
(the test client: no socket), so the figure is the server's, not the network's. Both sides
are warmed up first (one parse; one small POST, as a running server has already served),
so neither pays for imports or caches filled once per process.
"""

from __future__ import annotations

import json
import os
import random
import time
from typing import Any

from bench.stix_corpus import case, corpus

OBJECTS = int(os.environ.get("BENCH_STIX_OBJECTS", "20000"))
CHUNK = 1000
MEDIA_TYPE = "application/taxii+json;version=2.1"


def run() -> None:
    import stix2
    from django.test import Client

    from civicshield.core.choices import Role
    from civicshield.core.services import issue_token
    from civicshield.correlation.models import Campaign, Link
    from civicshield.directory.models import Organisation, User
    from civicshield.sharing.models import StixObject, TaxiiEntry
    from civicshield.sharing.stix import import_ as import_module
    from civicshield.sharing.stix.ids import collection_id

    objects = corpus(OBJECTS)
    chunks = [objects[start:start + CHUNK] for start in range(0, len(objects), CHUNK)]
    bodies = [json.dumps({"objects": chunk}) for chunk in chunks]

    warm_up = case(random.Random(1), number=10**6)
    stix2.parse(warm_up[-1], allow_custom=True)
    started = time.perf_counter()
    for body in objects:
        stix2.parse(body, allow_custom=True)
    baseline = time.perf_counter() - started

    organisation = Organisation.objects.create(slug="bench-ingest", name="Bench ingest",
                                               sector="civil_society", country="Veridia")
    user = User.objects.create(username="bench-ingest", role=Role.ANALYST,
                               organisation=organisation)
    secret = issue_token(user=user, label="bench").secret
    client = Client(headers={"Authorization": f"Bearer {secret}", "Accept": MEDIA_TYPE})
    url = f"/taxii2/api/collections/{collection_id('community')}/objects/"
    response = client.post(url, json.dumps({"objects": warm_up}), content_type=MEDIA_TYPE)
    assert response.status_code == 202, response.content[:500]
    correlating = _timed(import_module, "_correlate")
    started = time.perf_counter()
    for body in bodies:
        response = client.post(url, body, content_type=MEDIA_TYPE)
        assert response.status_code == 202, response.content[:500]
    ours = time.perf_counter() - started
    import_module._correlate = correlating.function  # type: ignore[attr-defined]
    stored = StixObject.objects.count()
    assert stored >= len(objects), stored
    linked = Link.objects.count()
    campaigns = Campaign.objects.count()
    print(f"  {len(objects):,} objects ({len(chunks)} POSTs of {CHUNK}); "
          f"{TaxiiEntry.objects.count():,} collection entries; correlation: {linked:,} links, "
          f"{campaigns} campaigns")
    print(f"  stix2.parse alone    {len(objects) / baseline:10,.0f} objects/s ({baseline:.2f} s)")
    print(f"  TAXII POST import    {len(objects) / ours:10,.0f} objects/s ({ours:.2f} s)")
    print(f"    of which correlation {correlating.seconds:6.2f} s (on commit of each POST)")
    print(f"  ratio (ours / stix2.parse) {baseline / ours:6.2f}x  (target >= 2x)")


class _timed:
    """Wrap `module.name` to add up the seconds spent in it (restore `.function` after)."""

    def __init__(self, module: Any, name: str) -> None:
        self.function = getattr(module, name)
        self.seconds = 0.0

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return self.function(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started

        setattr(module, name, wrapper)
