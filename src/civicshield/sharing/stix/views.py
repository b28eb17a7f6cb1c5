"""The workspace page to download a STIX 2.1 bundle of what you may see."""

from __future__ import annotations

import json
from datetime import date, datetime, time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from civicshield.core.errors import NotFound
from civicshield.sharing.stix import services
from civicshield.sharing.stix.export import BundleFilters

# The types a bundle of ours holds, offered as the form's type filter.
EXPORTED_TYPES = ("report", "indicator", "attack-pattern", "identity", "campaign",
                  "relationship", "domain-name", "url", "ipv4-addr", "ipv6-addr", "email-addr",
                  "file", "user-account")


def _filters(request: HttpRequest) -> tuple[BundleFilters, dict[str, str]]:
    """The form's filters, and what is wrong with them (field → message)."""
    errors: dict[str, str] = {}
    days: dict[str, datetime | None] = {}
    for name in ("since", "until"):
        value = request.GET.get(name, "").strip()
        try:
            days[name] = timezone.make_aware(datetime.combine(
                date.fromisoformat(value), time.min)) if value else None
        except ValueError:
            days[name] = None
            errors[name] = _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": value}
    campaign = request.GET.get("campaign", "").strip()
    if campaign and not campaign.isdigit():
        errors["campaign"] = _("Choose a campaign from the list.")
    return BundleFilters(
        since=days["since"], until=days["until"], campaign=campaign or None,
        phases=[p for p in request.GET.getlist("phase") if p],
        types=[t for t in request.GET.getlist("type") if t]), errors


@login_required
@require_GET
def stix_export(request: HttpRequest) -> HttpResponse:
    """The form; with `download`, the bundle as a file (written to the audit log)."""
    from civicshield.correlation.selectors import campaigns_visible_to

    filters, errors = _filters(request)
    if "download" not in request.GET or errors:
        return render(request, "sharing/stix_export.html", {
            "section": "stix", "errors": errors, "chosen": request.GET,
            "chosen_types": request.GET.getlist("type"), "types": EXPORTED_TYPES,
            "campaigns": campaigns_visible_to(request.user)[:200],
        }, status=400 if errors else 200)
    result = services.export_bundle(actor=request.user, filters=filters)
    response = HttpResponse(json.dumps(result, ensure_ascii=False, indent=2),
                            content_type="application/stix+json;version=2.1")
    response["Content-Disposition"] = 'attachment; filename="civicshield-stix-bundle.json"'
    return response


@login_required
@require_POST
def mark_indicator(request: HttpRequest, report_id: int, observable_id: int) -> HttpResponse:
    """Flag one of a report's observables as an indicator (exported with a STIX pattern)."""
    from civicshield.reports.selectors import report_for

    try:
        report = report_for(request.user, report_id, audit_read=False)
        observable = next((o for o in report.observables.all() if o.pk == observable_id), None)
        if observable is None:
            raise NotFound("observable")
        services.mark_indicator(actor=request.user, report=report, observable=observable)
    except NotFound:
        raise Http404 from None
    messages.success(request, _("Marked as an indicator: %(value)s") % {
        "value": observable.value})
    return redirect("reports:detail", report_id=report.pk)
