"""STIX 2.1 bundles over the REST API: GET a bundle of what you may see, POST one to import.

Errors follow the API's contract: {"detail": "...", "errors": {"<object id>": [...]}}.
"""

from __future__ import annotations

import json
from datetime import datetime

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema

from civicshield.sharing.stix.export import BundleFilters
from civicshield.sharing.stix.import_ import import_stix
from civicshield.sharing.stix.services import export_bundle
from civicshield.sharing.stix.validate import InvalidStix

router = Router(tags=["stix"])
STIX_MEDIA_TYPE = "application/stix+json;version=2.1"


class BundleQuery(Schema):
    since: datetime | None = None
    until: datetime | None = None
    campaign: str | None = None
    phase: list[str] = []
    type: list[str] = []


def _errors(detail: str, errors: dict[str, list[str]], status: int) -> HttpResponse:
    return HttpResponse(json.dumps({"detail": detail, "errors": errors}), status=status,
                        content_type="application/json")


@router.get("/stix/bundle", summary="A STIX 2.1 bundle of what you may see")
def get_bundle(request: HttpRequest, filters: Query[BundleQuery]) -> HttpResponse:
    result = export_bundle(actor=request.user, filters=BundleFilters(
        since=filters.since, until=filters.until, campaign=filters.campaign,
        phases=filters.phase, types=filters.type))
    return HttpResponse(json.dumps(result, ensure_ascii=False), content_type=STIX_MEDIA_TYPE)


@router.post("/stix/bundle", summary="Import a STIX 2.1 bundle")
def post_bundle(request: HttpRequest) -> HttpResponse:
    try:
        document = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return _errors("body: not JSON", {"body": ["Send a STIX 2.1 bundle as JSON."]}, 400)
    except RecursionError:
        return _errors("body: nested too deep", {"body": [
            "The bundle nests deeper than JSON is read here."]}, 400)
    try:
        status = import_stix(actor=request.user, document=document, source="api")
    except InvalidStix as invalid:
        errors: dict[str, list[str]] = {}
        for problem in invalid.problems:
            errors.setdefault(problem.object_id or "bundle", []).append(problem.message)
        first = invalid.problems[0]
        return _errors(f"{first.object_id or 'bundle'}: {first.message}", errors, 400)
    return HttpResponse(json.dumps({
        "id": str(status.status_id), "status": status.status,
        "total_count": status.total_count, "success_count": status.success_count,
        "failure_count": status.failure_count, "pending_count": status.pending_count,
    }), status=201, content_type="application/json")
