"""STIX ingest: objects/s importing 20,000 objects through TAXII POST (chunks of 1,000),
against `stix2.parse(..., allow_custom=True)` of the same objects alone.

Ours is the full import: validate, store every version, map reports to records with
their observables and indicators, publish to the TAXII collections, audit, and call
correlation on commit. The POSTs go through Django's whole request stack in-process
(the test client: no socket), so the figure is the server's, not the network's. Both sides
are warmed up first (one parse; one small POST, as a running server has already served),
so neither pays for imports or caches filled once per process.

It also prints a floor: what only reading each POST's JSON and writing the three rows every
received object needs (its current row, its version, its collection entry) costs through
this schema, by `executemany` and nothing else, under fresh ids. No import can be faster
than that floor; the distance between the two is what validation, mapping, publication
bookkeeping and correlation cost. Added to the validation's own time, the floor gives the
ceiling: the best ratio any import that validates and stores could reach if mapping,
publication and correlation cost nothing.
"""

from __future__ import annotations

import json
import os
import random
import time
import uuid
from datetime import timedelta
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
    # Where the import's time goes, by stage (the rest: reading the request, storing each
    # object's rows, the audit entry and the commit).
    stages = {label: _timed(import_module, name) for label, name in (
        ("validation", "check"), ("reading what is held", "_holdings"),
        ("reports from report objects", "_store_reports"),
        ("publication to the collections", "publish_entries"),
        ("correlation (on commit)", "_correlate"))}
    started = time.perf_counter()
    for body in bodies:
        response = client.post(url, body, content_type=MEDIA_TYPE)
        assert response.status_code == 202, response.content[:500]
    ours = time.perf_counter() - started
    for name, stage in zip(("check", "_holdings", "_store_reports", "publish_entries",
                            "_correlate"), stages.values(), strict=True):
        setattr(import_module, name, stage.function)
    stored = StixObject.objects.count()
    assert stored >= len(objects), stored
    linked = Link.objects.count()
    campaigns = Campaign.objects.count()
    print(f"  {len(objects):,} objects ({len(chunks)} POSTs of {CHUNK}); "
          f"{TaxiiEntry.objects.count():,} collection entries; correlation: {linked:,} links, "
          f"{campaigns} campaigns")
    print(f"  stix2.parse alone    {len(objects) / baseline:10,.0f} objects/s ({baseline:.2f} s)")
    print(f"  TAXII POST import    {len(objects) / ours:10,.0f} objects/s ({ours:.2f} s)")
    for label, stage in stages.items():
        print(f"    {label:32} {stage.seconds:5.2f} s")
    print(f"    {'the rest':32} {ours - sum(s.seconds for s in stages.values()):5.2f} s")
    floor = _storage_floor(bodies, organisation)
    print(f"  storage floor        {len(objects) / floor:10,.0f} objects/s ({floor:.2f} s): "
          f"JSON in, 3 rows per object out, nothing else = "
          f"{baseline / floor:.2f}x stix2.parse")
    # The best any import that validates could do: validation and the floor, with mapping,
    # publication and correlation free.
    ceiling = floor + stages["validation"].seconds
    print(f"  ceiling              {len(objects) / ceiling:10,.0f} objects/s ({ceiling:.2f} s): "
          f"validation + storage floor = {baseline / ceiling:.2f}x stix2.parse")
    print(f"  ratio (ours / stix2.parse) {baseline / ours:6.2f}x  (target >= 2x)")


def _storage_floor(bodies: list[str], organisation: Any) -> float:
    """Seconds to parse each POST body and write, per object, the rows every import needs
    (object, version, collection entry), by executemany in one transaction per body."""
    from django.db import transaction
    from django.utils import timezone

    from civicshield.core import rows
    from civicshield.sharing.models import StixImport, StixObject, StixObjectVersion, TaxiiEntry

    # Fresh ids, drawn before the clock starts: the floor must not collide with the import.
    renamed = [{body_id: f"{body_id.split('--')[0]}--{uuid.uuid4()}"
                for body_id in (item["id"] for item in json.loads(body)["objects"])}
               for body in bodies]
    now = rows.db_datetime(timezone.now())
    started = time.perf_counter()
    for body, new_ids in zip(bodies, renamed, strict=True):
        objects = json.loads(body)["objects"]
        texts = [json.dumps(item, separators=(",", ":"), ensure_ascii=False)
                 for item in objects]
        with transaction.atomic():
            status = StixImport.objects.create(status_id=uuid.uuid4(), source="bench")
            rows.insert(StixObjectVersion, ("stix_id", "modified", "body", "received_in_id",
                                            "received_at"),
                        [(new_ids[item["id"]], item.get("modified", ""), text, status.pk, now)
                         for item, text in zip(objects, texts, strict=True)])
            rows.insert(StixObject, ("stix_id", "type", "modified", "body", "received_in_id",
                                     "tlp", "owner_organisation_id", "disclose_recipients",
                                     "created_at", "updated_at"),
                        [(new_ids[item["id"]], item["type"], item.get("modified", ""), text,
                          status.pk, "green", organisation.pk, False, now, now)
                         for item, text in zip(objects, texts, strict=True)])
            start = timezone.now()
            rows.insert(TaxiiEntry, ("collection", "stix_id", "type", "spec_version", "version",
                                     "date_added", "is_latest", "body", "tlp",
                                     "owner_organisation_id", "source_key",
                                     "disclose_recipients", "created_at", "updated_at"),
                        [("floor", new_ids[item["id"]], item["type"], "2.1",
                          item.get("modified", ""),
                          rows.db_datetime(start + timedelta(microseconds=position)), True,
                          text, "green", organisation.pk, "floor", False, now, now)
                         for position, (item, text) in enumerate(zip(objects, texts,
                                                                     strict=True))])
    return time.perf_counter() - started


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
