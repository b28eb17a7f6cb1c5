"""The workspace page to download a STIX 2.1 bundle of what you may see."""

from __future__ import annotations

import json
from datetime import datetime, time

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from civicshield.sharing.stix.export import BundleFilters
from civicshield.sharing.stix.services import export_bundle


def _day(value: str) -> datetime | None:
    try:
        return timezone.make_aware(datetime.combine(datetime.fromisoformat(value).date(),
                                                    time.min)) if value else None
    except ValueError:
        return None


@login_required
@require_GET
def stix_export(request: HttpRequest) -> HttpResponse:
    """The form; with `download`, the bundle as a file (written to the audit log)."""
    if "download" not in request.GET:
        return render(request, "sharing/stix_export.html", {"section": "stix"})
    result = export_bundle(actor=request.user, filters=BundleFilters(
        since=_day(request.GET.get("since", "")), until=_day(request.GET.get("until", "")),
        phases=[p for p in request.GET.getlist("phase") if p],
        types=[t for t in request.GET.getlist("type") if t]))
    response = HttpResponse(json.dumps(result, ensure_ascii=False, indent=2),
                            content_type="application/stix+json;version=2.1")
    response["Content-Disposition"] = 'attachment; filename="civicshield-stix-bundle.json"'
    return response
