"""The expert panel's pages: the case list, the settings, opening a case, the case page
(declaration first, then the assessment; the decision for the coordinator), the record
around a case, and the fairness view of party briefings.

Thin: selectors read, services write, `authz.can` decides which forms to show. Errors are
translated here once: ValidationError to form errors, PermissionDenied to the 403 page,
NotFound to the 404 page (the same for a missing case and one out of reach).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicshield.core import authz
from civicshield.core.errors import Conflict, NotFound
from civicshield.core.forms import apply_errors
from civicshield.panel import selectors, services
from civicshield.panel.choices import CaseStatus, Outcome
from civicshield.panel.forms import (
    AcknowledgementForm,
    AssessmentForm,
    BriefingForm,
    BriefingRoundForm,
    DecisionForm,
    DeclarationForm,
    OfferForm,
    OpenCaseForm,
    PanelSettingsForm,
    TargetsInformedForm,
    ThresholdForm,
)
from civicshield.panel.models import PanelCase
from civicshield.panel.selectors import Access


def _require(request: HttpRequest, action: str) -> None:
    if not authz.can(request.user, action):
        raise PermissionDenied


def _case_or_404(request: HttpRequest, case_id: int) -> PanelCase:
    try:
        return selectors.case_for(request.user, case_id)
    except NotFound:
        raise Http404(_("No such case.")) from None


def _refusal(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    if isinstance(error, Conflict):
        return error.message
    return _("Refused: %(reason)s") % {"reason": str(error) or _("not allowed")}


def _back_to(case: PanelCase, anchor: str = "") -> HttpResponse:
    return redirect(reverse("panel:case", args=[case.pk]) + (f"#{anchor}" if anchor else ""))


# --- The list ------------------------------------------------------------------------------


@login_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    _require(request, "panel_case:view")
    status = request.GET.get("status", "")
    cases = selectors.cases_visible_to(request.user, status=status)
    return render(request, "panel/case_list.html", {
        "cases": cases, "status": status, "statuses": CaseStatus.choices,
        "is_manager": selectors.is_manager(request.user),
        "can_open": authz.can(request.user, "panel_case:open"),
        "can_configure": authz.can(request.user, "panel:configure"),
    })


# --- Settings --------------------------------------------------------------------------------


def _settings_initial(panel: Any) -> dict[str, Any]:
    if panel is None:
        return {"name": _("Election integrity panel"), "quorum": 3,
                "decision_rule": "consensus", "majority_fraction": "0.50",
                "briefing_tolerance_minutes": 60}
    return {"name": panel.name, "quorum": panel.quorum, "decision_rule": panel.decision_rule,
            "majority_fraction": panel.majority_fraction,
            "briefing_tolerance_minutes": int(panel.briefing_tolerance.total_seconds() // 60),
            "members": [str(m.pk) for m in panel.members.all()]}


@login_required
@require_http_methods(["GET", "POST"])
def panel_settings(request: HttpRequest) -> HttpResponse:
    _require(request, "panel:configure")
    viewer = request.user
    panel = selectors.panel_for_settings(viewer)
    people = list(selectors.eligible_members(viewer))
    if panel is not None:  # a member whose role changed still shows, to be taken off
        people += [m for m in panel.members.select_related("organisation") if m not in people]
    posted = request.POST if request.method == "POST" else None
    form = PanelSettingsForm(posted, members=people, initial=_settings_initial(panel))
    threshold_form = ThresholdForm(posted if panel is None else None)
    if posted is not None and form.is_valid() and (panel is not None
                                                   or threshold_form.is_valid()):
        changes = form.changes()
        try:
            if panel is None:
                services.create_panel(actor=viewer, threshold=threshold_form.cleaned_data["text"],
                                      **changes)
            else:
                services.update_panel(actor=viewer, panel=panel, changes=changes)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Panel settings saved."))
            return redirect("panel:settings")
    return render(request, "panel/settings.html", {
        "panel": panel, "form": form, "threshold_form": threshold_form,
        "versions": selectors.threshold_versions(panel) if panel else [],
    })


@login_required
@require_POST
def panel_threshold(request: HttpRequest) -> HttpResponse:
    _require(request, "panel:configure")
    panel = selectors.panel_for_settings(request.user)
    if panel is None:
        return redirect("panel:settings")
    form = ThresholdForm(request.POST)
    if form.is_valid():
        try:
            version = services.change_threshold(actor=request.user, panel=panel,
                                                text=form.cleaned_data["text"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Threshold version %(number)s saved.") % {
                "number": version.number})
            return redirect("panel:settings")
    return render(request, "panel/settings.html", {
        "panel": panel, "threshold_form": form,
        "form": PanelSettingsForm(members=selectors.eligible_members(request.user),
                                  initial=_settings_initial(panel)),
        "versions": selectors.threshold_versions(panel),
    })


# --- Opening a case -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def case_new(request: HttpRequest) -> HttpResponse:
    _require(request, "panel_case:open")
    viewer = request.user
    panel = selectors.the_panel()
    if panel is None:
        messages.error(request, _("Set up the panel first."))
        return redirect("panel:list")
    query = request.GET.get("q", "")
    reports = selectors.reports_to_choose(viewer, q=query)
    if request.method == "POST":
        # Reports ticked on the page remain choosable whatever the search showed.
        from civicshield.reports import selectors as report_selectors

        ticked = [int(value) for value in request.POST.getlist("reports") if value.isdigit()]
        known = {report.pk for report in reports}
        reports += [r for r in report_selectors.reports_by_ids(viewer, ticked)
                    if r.pk not in known]
    form = OpenCaseForm(request.POST if request.method == "POST" else None, reports=reports,
                        organisations=selectors.organisations_to_choose(viewer),
                        initial={"reports": request.GET.getlist("report")})
    if request.method == "POST" and form.is_valid():
        try:
            case = services.open_case(
                actor=viewer, panel=panel, title=form.cleaned_data["title"],
                summary=form.cleaned_data["summary"], reports=form.chosen_reports(),
                affected_organisations=form.chosen_organisations())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Case opened. The panel members are asked to declare "
                                        "any conflict of interest before reading it."))
            return redirect("panel:case", case_id=case.pk)
    return render(request, "panel/case_form.html", {"form": form, "panel": panel,
                                                    "query": query})


# --- The case page --------------------------------------------------------------------------


def _case_page(request: HttpRequest, case: PanelCase, *, status: int = 200,
               **forms: Any) -> HttpResponse:
    viewer = request.user
    access = selectors.access_to(viewer, case)
    assessments = selectors.assessments_shown_to(viewer, case)
    decision = getattr(case, "decision", None) if case.status == CaseStatus.DECIDED else None
    tally = selectors.tally_of(case) if assessments is not None and decision is None else None
    is_manager = access is Access.MANAGER
    organisations = selectors.organisations_to_choose(viewer) if is_manager else []
    own = selectors.own_assessment(viewer, case)
    return render(request, "panel/case_detail.html", {
        "case": case, "access": access.value, "is_manager": is_manager,
        "threshold": case.threshold_version,
        "reports": selectors.member_reports(viewer, case),
        "campaign": selectors.campaign_of(viewer, case),
        "gaps": selectors.visibility_gaps(viewer, case),
        "affected": list(case.affected_organisations.all()),
        "briefings": selectors.briefings_of(case),
        "targets_informed": selectors.targets_informed_of(case),
        "fairness": selectors.fairness_of(viewer, case),
        "progress": selectors.progress_of(viewer, case),
        "own_assessment": own, "assessments": assessments, "tally": tally,
        "decision": decision, "recusals": selectors.recusals_of(case),
        "can_assess": (access is Access.MEMBER and case.is_open and own is None),
        "can_decide": is_manager and case.is_open and authz.can(viewer, "panel_case:decide"),
        "can_record": is_manager and authz.can(viewer, "panel_case:record"),
        "can_draft_notice": (is_manager and decision is not None and not case.notice_slug
                             and decision.outcome == Outcome.PUBLIC_NOTICE),
        "assessment_form": forms.get("assessment_form") or AssessmentForm(),
        "decision_form": forms.get("decision_form") or DecisionForm(),
        "briefing_form": forms.get("briefing_form") or BriefingForm(organisations=organisations),
        "targets_form": forms.get("targets_form") or TargetsInformedForm(),
        "round_form": forms.get("round_form") or BriefingRoundForm(),
    }, status=status)


@login_required
@require_GET
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    access = selectors.access_to(request.user, case)
    if access is Access.MUST_DECLARE:
        return redirect("panel:declare", case_id=case.pk)
    if access is Access.RECUSED:
        return render(request, "panel/case_recused.html", {
            "case": case, "declaration": selectors.declaration_of(request.user, case)})
    return _case_page(request, case)


@login_required
@require_http_methods(["GET", "POST"])
def case_declare(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    _require(request, "panel:assess")
    declaration = selectors.declaration_of(request.user, case)
    if declaration is not None:
        return redirect("panel:case", case_id=case.pk)
    form = DeclarationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            made = services.declare_conflict(
                actor=request.user, case=case, has_conflict=form.cleaned_data["has_conflict"],
                description=form.cleaned_data["description"])
        except ValidationError as error:
            apply_errors(form, error)
        except (PermissionDenied, Conflict) as error:
            form.add_error(None, _refusal(error))
        else:
            messages.success(request, _("You are recused from this case.") if made.has_conflict
                             else _("Declaration recorded: you may read the case."))
            return redirect("panel:case", case_id=case.pk)
    return render(request, "panel/case_declare.html", {
        "case": case, "form": form, "affected": list(case.affected_organisations.all())})


@login_required
@require_POST
def case_assess(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    _require(request, "panel:assess")
    access = selectors.access_to(request.user, case)
    if access is Access.MUST_DECLARE:
        return redirect("panel:declare", case_id=case.pk)
    form = AssessmentForm(request.POST)
    if form.is_valid():
        try:
            services.record_assessment(actor=request.user, case=case, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        except (PermissionDenied, Conflict) as error:
            messages.error(request, _refusal(error))
            return _back_to(case)
        else:
            messages.success(request, _("Assessment submitted. You can now read the others'."))
            return _back_to(case, "assessments")
    return _case_page(request, case, assessment_form=form)


@login_required
@require_POST
def case_decide(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    _require(request, "panel_case:decide")
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            services.decide(actor=request.user, case=case, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        except Conflict as error:
            messages.error(request, _refusal(error))
            return _back_to(case)
        else:
            messages.success(request, _("Decision recorded. The case is now read-only."))
            return _back_to(case, "decision")
    case.refresh_from_db()
    return _case_page(request, case, decision_form=form)


@login_required
@require_POST
def case_notice(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    _require(request, "panel_case:decide")
    try:
        slug = services.draft_public_notice(actor=request.user, case=case)
    except (ValidationError, PermissionDenied, Conflict) as error:
        messages.error(request, _refusal(error))
        return _back_to(case)
    messages.success(request, _("Draft notice started."))
    return redirect("comms:notice", slug=slug)


@login_required
@require_POST
def case_briefing(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    _require(request, "panel_case:record")
    form = BriefingForm(request.POST,
                        organisations=selectors.organisations_to_choose(request.user))
    if form.is_valid():
        try:
            services.record_briefing(
                actor=request.user, case=case, briefed_by=form.cleaned_data["briefed_by"],
                briefed_at=form.cleaned_data["briefed_at"], content=form.cleaned_data["content"],
                organisation=form.chosen_organisation())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Briefing recorded."))
            return _back_to(case, "briefings")
    return _case_page(request, case, briefing_form=form)


@login_required
@require_POST
def case_targets(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    _require(request, "panel_case:record")
    form = TargetsInformedForm(request.POST)
    if form.is_valid():
        try:
            services.record_targets_informed(actor=request.user, case=case, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Recorded: the known targets were informed."))
            return _back_to(case, "targets")
    return _case_page(request, case, targets_form=form)


# --- Party briefings and fairness -------------------------------------------------------------


@login_required
@require_POST
def round_new(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    _require(request, "panel_case:record")
    form = BriefingRoundForm(request.POST)
    if form.is_valid():
        try:
            services.start_party_briefing_round(actor=request.user, case=case,
                                                subject=form.cleaned_data["subject"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Briefing offered to every registered party."))
            return redirect("panel:fairness", case_id=case.pk)
    return _case_page(request, case, round_form=form)


@login_required
@require_GET
def case_fairness(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    access = selectors.access_to(request.user, case)
    if access is Access.MUST_DECLARE:
        return redirect("panel:declare", case_id=case.pk)
    if access is Access.RECUSED:
        raise PermissionDenied
    parties = selectors.registered_parties(request.user)
    return render(request, "panel/fairness.html", {
        "case": case, "rounds": selectors.fairness_of(request.user, case),
        "parties": parties,
        "tolerance_minutes": int(case.panel.briefing_tolerance.total_seconds() // 60),
        "can_record": access is Access.MANAGER and authz.can(request.user, "panel_case:record"),
        "acknowledgement_form": AcknowledgementForm(),
    })


def _offer_or_404(request: HttpRequest, offer_id: int) -> Any:
    try:
        return selectors.offer_for(request.user, offer_id)
    except NotFound:
        raise Http404(_("No such briefing offer.")) from None


@login_required
@require_POST
def round_offer(request: HttpRequest, round_id: int) -> HttpResponse:
    _require(request, "panel_case:record")
    try:
        briefing_round = selectors.briefing_round_for(request.user, round_id)
    except NotFound:
        raise Http404(_("No such briefing round.")) from None
    form = OfferForm(request.POST, parties=selectors.registered_parties(request.user))
    if form.is_valid():
        try:
            services.offer_party_briefing(actor=request.user, briefing_round=briefing_round,
                                          party=form.chosen_party())
        except (ValidationError, Conflict) as error:
            messages.error(request, _refusal(error))
        else:
            messages.success(request, _("Briefing offered."))
    else:
        messages.error(request, _("Choose a registered party."))
    return redirect("panel:fairness", case_id=briefing_round.case_id)


@login_required
@require_POST
def offer_delivered(request: HttpRequest, offer_id: int) -> HttpResponse:
    _require(request, "panel_case:record")
    offer = _offer_or_404(request, offer_id)
    try:
        services.record_party_briefing_delivered(actor=request.user, offer=offer)
    except (ValidationError, Conflict) as error:
        messages.error(request, _refusal(error))
    else:
        messages.success(request, _("Delivery recorded."))
    return redirect("panel:fairness", case_id=offer.briefing_round.case_id)


@login_required
@require_POST
def offer_acknowledged(request: HttpRequest, offer_id: int) -> HttpResponse:
    _require(request, "panel_case:record")
    offer = _offer_or_404(request, offer_id)
    form = AcknowledgementForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say who at the party acknowledged it."))
    else:
        try:
            services.record_party_briefing_acknowledged(
                actor=request.user, offer=offer,
                acknowledged_by=form.cleaned_data["acknowledged_by"])
        except (ValidationError, Conflict) as error:
            messages.error(request, _refusal(error))
        else:
            messages.success(request, _("Acknowledgement recorded."))
    return redirect("panel:fairness", case_id=offer.briefing_round.case_id)
