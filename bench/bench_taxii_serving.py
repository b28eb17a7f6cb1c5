"""TAXII serving: objects/s paging through 20,000 objects with taxii2-client (1,000 a
page), against the OASIS reference server medallion (memory backend) serving the same
objects in the same run. Both servers run in-process on a loopback port.

medallion copies and re-filters the whole collection on every page, so a page costs more
the larger the collection: about 36 s a page at 4,000 objects here, and beyond 15 minutes a
page at 20,000. To keep `make bench` short it serves the first BENCH_MEDALLION_OBJECTS
(default 4,000) of the same objects and is timed over BENCH_MEDALLION_PAGES pages (default
2); a smaller collection only flatters medallion, so the ratio printed is a lower bound.
Set BENCH_MEDALLION_OBJECTS=20000 for the like-for-like figure (slow).
"""

from __future__ import annotations

import io
import json
import logging
import os
import threading
import time
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

from bench.stix_corpus import corpus

OBJECTS = int(os.environ.get("BENCH_STIX_OBJECTS", "20000"))
MEDALLION_PAGES = int(os.environ.get("BENCH_MEDALLION_PAGES", "2"))
MEDALLION_OBJECTS = int(os.environ.get("BENCH_MEDALLION_OBJECTS", "4000"))
PAGE = 1000


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


def _serve(app: Any) -> tuple[Any, str]:
    server = make_server("127.0.0.1", 0, app, handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def _page_through(collection: Any, pages: int | None = None) -> tuple[int, float]:
    from taxii2client.v21 import as_pages

    count, started = 0, time.perf_counter()
    for number, envelope in enumerate(as_pages(collection.get_objects, per_request=PAGE)):
        count += len(envelope.get("objects", []))
        if pages is not None and number + 1 >= pages:
            break
    return count, time.perf_counter() - started


def _medallion(objects: list[dict[str, Any]]) -> tuple[Any, str, str]:
    from medallion import application_instance, register_blueprints, set_config

    logging.getLogger("medallion").setLevel(logging.ERROR)
    collection = "91a7b528-80eb-42ed-a74d-c6fbd5a26116"
    added = "2026-01-01T00:00:00.000000Z"
    stored = []
    for body in objects:
        body = dict(body)
        if "modified" not in body and "created" not in body:
            body["_date_added"] = added
        stored.append(body)
    data = {
        "/discovery": {"title": "medallion", "api_roots": [], "default": ""},
        "api1": {
            "information": {"title": "api1", "versions": ["application/taxii+json;version=2.1"],
                            "max_content_length": 100_000_000},
            "status": [],
            "collections": [{
                "id": collection, "title": "bench", "can_read": True, "can_write": True,
                "media_types": ["application/stix+json;version=2.1"], "objects": stored,
                "manifest": [{"id": body["id"], "date_added": added,
                              "version": body.get("modified", body.get("created", added)),
                              "media_type": "application/stix+json;version=2.1"}
                             for body in stored],
            }],
        },
    }
    set_config(application_instance, "users", {"users": {"bench": "bench"}})
    set_config(application_instance, "taxii", {"taxii": {"max_page_size": PAGE}})
    set_config(application_instance, "backend", {"backend": {
        "module": "medallion.backends.memory_backend", "module_class": "MemoryBackend",
        "filename": io.StringIO(json.dumps(data))}})
    register_blueprints(application_instance)
    server, url = _serve(application_instance)
    return server, f"{url}/api1/collections/{collection}/", collection


def run() -> None:
    from django.core.wsgi import get_wsgi_application
    from taxii2client.v21 import Collection

    from civicshield.core.authz import OPERATOR
    from civicshield.core.choices import Role
    from civicshield.core.services import issue_token
    from civicshield.directory.models import Organisation, User
    from civicshield.sharing.stix.ids import collection_id
    from civicshield.sharing.stix.import_ import Destination, import_stix

    objects = corpus(OBJECTS, seed=7)
    organisation = Organisation.objects.create(slug="bench-serving", name="Bench serving",
                                               sector="civil_society", country="Veridia")
    user = User.objects.create(username="bench-serving", role=Role.ANALYST,
                               organisation=organisation)
    # Everything into one collection (community), as medallion holds it in one.
    green = [{**body, "object_marking_refs": [
        "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]} for body in objects]
    for start in range(0, len(green), 5000):
        import_stix(actor=OPERATOR, document={"objects": green[start:start + 5000]},
                    source="file", organisation=organisation,
                    destination=Destination(default_tlp="green"))
    secret = issue_token(user=user, label="bench").secret

    server, url = _serve(get_wsgi_application())
    ours = Collection(f"{url}/taxii2/api/collections/{collection_id('community')}/",
                      user=user.username, password=secret)
    served, seconds = _page_through(ours)
    server.shutdown()
    assert served >= len(objects), served

    medallion_server, medallion_url, _ = _medallion(green[:MEDALLION_OBJECTS])
    theirs = Collection(medallion_url, user="bench", password="bench")  # noqa: S106
    medallion_served, medallion_seconds = _page_through(theirs, MEDALLION_PAGES)
    medallion_server.shutdown()
    ours_rate, their_rate = served / seconds, medallion_served / medallion_seconds
    print(f"  Civic Shield  {served:,} objects in {seconds:.2f} s: {ours_rate:10,.0f} objects/s")
    print(f"  medallion     {medallion_served:,} objects ({MEDALLION_PAGES} pages of the same "
          f"{min(MEDALLION_OBJECTS, len(green)):,}) in {medallion_seconds:.2f} s: "
          f"{their_rate:10,.0f} objects/s")
    print(f"  ratio {ours_rate / their_rate:8.1f}x  (target >= 50x)")
