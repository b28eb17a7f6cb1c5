"""The MISP feed over HTTP: /misp/feed/manifest.json, /<uuid>.json and /hashes.csv.

Token holders only: `Authorization: Bearer <token>`, `Token <token>`, or the bare token
as MISP sends an instance's key (`Authorization: <key>`). A browser session alone is
never enough — a feed is fetched by a machine, and a cookie would let any page the user
visits pull it. Each client sees what the access layer lets it see; every read is audited.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from civicshield.core import audit
from civicshield.core.choices import Surface
from civicshield.core.errors import NotFound
from civicshield.core.services import user_for_token
from civicshield.sharing.misp import feed, services

_SCHEMES = ("bearer", "token")


def _token(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "").strip()
    scheme, _, rest = header.partition(" ")
    if scheme.lower() in _SCHEMES:
        return rest.strip()
    return header if " " not in header else ""


def _client(request: HttpRequest) -> Any | None:
    token = _token(request)
    return user_for_token(token) if token else None


def _unauthorised() -> HttpResponse:
    response = JsonResponse(
        {"detail": "authentication required: send an API token in the Authorization header",
         "errors": {}}, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="civicshield-misp"'
    return response


def _not_found() -> HttpResponse:
    return JsonResponse({"detail": "event not found", "errors": {}}, status=404)


def _json(payload: Any) -> HttpResponse:
    # Compact and key-sorted: the same feed gives the same bytes.
    return HttpResponse(json.dumps(payload, sort_keys=True, separators=(",", ":")),
                        content_type="application/json")


@csrf_exempt
@require_safe
@never_cache
def manifest(request: HttpRequest) -> HttpResponse:
    client = _client(request)
    if client is None:
        return _unauthorised()
    with audit.surface(Surface.API):
        events = list(feed.feed_events(client))
        services.record_feed_read(actor=client, part="manifest", events=events)
    return _json(feed.manifest(events))


@csrf_exempt
@require_safe
@never_cache
def hashes(request: HttpRequest) -> HttpResponse:
    client = _client(request)
    if client is None:
        return _unauthorised()
    with audit.surface(Surface.API):
        events = list(feed.feed_events(client))
        services.record_feed_read(actor=client, part="hashes", events=events)
    return HttpResponse(feed.hashes_csv(events), content_type="text/csv; charset=utf-8")


@csrf_exempt
@require_safe
@never_cache
def event(request: HttpRequest, event_uuid: str) -> HttpResponse:
    client = _client(request)
    if client is None:
        return _unauthorised()
    with audit.surface(Surface.API):
        try:
            item = feed.event_for(client, str(event_uuid))
        except NotFound:
            return _not_found()
        if request.method == "GET":  # a HEAD serves nothing: nothing to note
            services.record_event_read(actor=client, event=item)
    return _json(item.event)
