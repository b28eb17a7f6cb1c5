"""Campaign pages, the graph data, the related-reports fragment and the alert inbox.

Thin: selectors read through the access layer, services write, `authz.can` decides which
buttons to show. A campaign the viewer may not see is the same 404 as a missing one.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from civicshield.core import authz
from civicshield.core.errors import NotFound
from civicshield.correlation import selectors, services
from civicshield.correlation.choices import CampaignStatus, LinkKind
from civicshield.correlation.conf import correlation_settings
from civicshield.correlation.models import Campaign
from civicshield.reports import selectors as report_selectors

CAMPAIGNS_PER_PAGE = 25
TIMELINE_WIDTH = 760  # SVG user units; the page scales the drawing


def _campaign_or_404(request: HttpRequest, campaign_id: int) -> Campaign:
    try:
        return selectors.campaign_for(request.user, campaign_id)
    except NotFound:
        raise Http404(_("No such campaign.")) from None


@login_required
@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in CampaignStatus.values else ""
    campaigns = selectors.campaigns_visible_to(request.user, status=status)
    page = Paginator(campaigns, CAMPAIGNS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "correlation/campaign_list.html", {
        "page": page, "summaries": selectors.summaries(request.user, list(page.object_list)),
        "status": status, "statuses": CampaignStatus.choices,
    })


@login_required
@require_GET
def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign_or_404(request, campaign_id)
    detail = selectors.campaign_detail(request.user, campaign)
    can_manage = authz.can(request.user, "campaign:manage")
    # Merge candidates: only offered to those who may merge.
    others = [c for c in selectors.campaigns_visible_to(request.user)[:100]
              if c.pk != campaign.pk] if can_manage else []
    points = [{"report": p.report, "x": round(20 + p.x * (TIMELINE_WIDTH - 40), 1),
               "lane": 30 + (index % 4) * 18} for index, p in enumerate(detail.timeline)]
    return render(request, "correlation/campaign_detail.html", {
        "campaign": campaign, "detail": detail, "parts": detail.summary.parts,
        "links": [{"link": link, "source": detail.references[link.source],
                   "target": detail.references[link.target],
                   "kind": LinkKind(link.kind).label} for link in detail.summary.links],
        "timeline": points, "timeline_width": TIMELINE_WIDTH,
        "can_manage": can_manage, "others": others,
        "settings": correlation_settings(),
    })


@login_required
@require_GET
def campaign_graph(request: HttpRequest, campaign_id: int) -> JsonResponse:
    campaign = _campaign_or_404(request, campaign_id)
    return JsonResponse(selectors.graph_for(request.user, campaign))


def _report_ids(values: list[str]) -> list[int]:
    return [int(value) for value in values if value.strip().isdigit()]


@login_required
@require_POST
def campaign_action(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign_or_404(request, campaign_id)
    viewer = request.user
    action = request.POST.get("action", "")
    back = redirect("correlation:campaign", campaign_id=campaign.pk)
    try:
        if action == "confirm":
            services.confirm_campaign(actor=viewer, campaign=campaign,
                                      name=request.POST.get("name", ""))
            messages.success(request, _("Campaign confirmed."))
        elif action == "dismiss":
            services.dismiss_campaign(actor=viewer, campaign=campaign)
            messages.success(request, _("Campaign dismissed."))
        elif action == "rename":
            services.rename_campaign(actor=viewer, campaign=campaign,
                                     name=request.POST.get("name", ""))
            messages.success(request, _("Campaign renamed."))
        elif action == "merge":
            others = [selectors.campaign_for(viewer, pk)
                      for pk in _report_ids(request.POST.getlist("other"))]
            services.merge_campaigns(actor=viewer, campaign=campaign, others=others)
            messages.success(request, _("Campaigns merged."))
        elif action == "split":
            split = services.split_campaign(
                actor=viewer, campaign=campaign,
                reports=_report_ids(request.POST.getlist("report")),
                name=request.POST.get("name", ""))
            messages.success(request, _("Reports split off into a new campaign."))
            return redirect("correlation:campaign", campaign_id=split.pk)
        elif action == "pin":
            report = report_selectors.report_by_reference(viewer,
                                                          request.POST.get("reference", ""))
            if report is None:
                raise ValidationError({"reference": _("No report with this reference.")})
            services.pin_report(actor=viewer, campaign=campaign, report=report)
            messages.success(request, _("Report pinned to this campaign."))
        elif action == "exclude":
            for report_id in _report_ids(request.POST.getlist("report")):
                services.exclude_report(actor=viewer, campaign=campaign, report=report_id)
            messages.success(request, _("Report excluded from this campaign."))
        else:
            messages.error(request, _("Unknown action."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except NotFound:
        messages.error(request, _("Some of the chosen items were not found."))
    return back


@login_required
@require_GET
def report_related(request: HttpRequest, report_id: int) -> HttpResponse:
    """The "Related reports" section of a report page (loaded by htmx, or on its own)."""
    try:
        related = selectors.related_to(request.user, report_id)
    except NotFound:
        raise Http404(_("No such report.")) from None
    template = ("correlation/_related.html" if request.headers.get("HX-Request") == "true"
                else "correlation/related.html")
    return render(request, template, {"related": related, "report_id": report_id})


@login_required
@require_GET
def alert_inbox(request: HttpRequest) -> HttpResponse:
    receipts = selectors.alerts_for(request.user)
    page = Paginator(receipts, CAMPAIGNS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "correlation/alerts.html", {
        "page": page, "unread": selectors.unread_alerts(request.user)})


@login_required
@require_POST
def alerts_read(request: HttpRequest) -> HttpResponse:
    chosen = _report_ids(request.POST.getlist("alert"))
    count = services.mark_alerts_read(actor=request.user, alert_ids=chosen or None)
    messages.success(request, _("%(count)s alert(s) marked read.") % {"count": count})
    return redirect("correlation:alerts")
