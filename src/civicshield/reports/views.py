"""The analyst workspace for reports: the triage queue, intake, a report, its attachments,
observable search and the victim page. Thin: selectors read (through core.access),
services write, `authz.can` decides which buttons to show.

Errors are translated here, once: a service's ValidationError becomes form errors (or a
message on the queue), PermissionDenied the 403 page, NotFound the 404 page — the same
404 for a report that is missing and one the viewer may not see.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicshield.comms.notifications.selectors import notifications_about_victim
from civicshield.core import access, authz
from civicshield.core.errors import NotFound
from civicshield.core.markings import TLP, is_wider
from civicshield.directory import selectors as directory_selectors
from civicshield.reports import observables as observable_rules
from civicshield.reports import selectors, services
from civicshield.reports.choices import ObservableType
from civicshield.reports.forms import (
    AttachmentForm,
    BulkActionForm,
    CommentForm,
    ObservableSearchForm,
    ReportFilterForm,
    ReportForm,
    StatusForm,
    SupportStepForm,
    VictimFormSet,
    apply_service_errors,
)
from civicshield.reports.models import Report
from civicshield.reports.redaction import view_of
from civicshield.sharing import selectors as sharing_selectors
from civicshield.sharing.stix.selectors import indicator_observables, peers_received_from
from civicshield.vocab import selectors as vocab_selectors

REPORTS_PER_PAGE = 25
# Pasted text beyond this is not searched for observables (the description itself may be
# longer; extraction of a huge paste would only tie up the worker).
MAX_EXTRACT_CHARACTERS = 100_000
_SERVICE_TO_FORM = {"observed_at": "observed_start", "observed_until": "observed_end"}


def _wants_fragment(request: HttpRequest) -> bool:
    """An htmx request for the results only (a history restore needs the whole page)."""
    return (request.headers.get("HX-Request") == "true"
            and request.headers.get("HX-History-Restore-Request") != "true")


def _require(request: HttpRequest, action: str, resource: Any = None) -> None:
    if not authz.can(request.user, action, resource):
        raise PermissionDenied


def _report_or_404(request: HttpRequest, report_id: int, *, audit_read: bool = True) -> Report:
    try:
        return selectors.report_for(request.user, report_id, audit_read=audit_read)
    except NotFound:
        raise Http404(_("No such report.")) from None


def _terms(viewer: Any, vocabulary: str) -> list[Any]:
    return list(vocab_selectors.terms_visible_to(viewer, vocabularies=[vocabulary]))


def _tlp_meanings(viewer: Any) -> dict[str, str]:
    """Plain meanings of the markings from the TLP vocabulary, when it is loaded."""
    return {term.code: vocab_selectors.localised(term).plain
            for term in _terms(viewer, "tlp") if term.code in TLP.values}


# --- The triage queue ------------------------------------------------------------------


@login_required
@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    viewer = request.user
    # A victim whose identity is withheld from the viewer is not offered as a filter.
    victims = [(victim.pk, seen.label)
               for victim in selectors.victims_in_reports_visible_to(viewer)
               if (seen := view_of(viewer, victim)).identified]
    form = ReportFilterForm(
        request.GET, phases=_terms(viewer, "phases"),
        information_types=_terms(viewer, "information-types"), victims=victims,
        organisations=directory_selectors.organisations_visible_to(viewer),
    )
    reports = selectors.reports_visible_to(viewer, **form.filters())
    page = Paginator(reports, REPORTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    can_triage = authz.can(viewer, "report:triage")
    assignees = selectors.assignees_for(viewer) if can_triage else []
    context = {
        "form": form, "page": page, "query": query.urlencode(),
        "can_create": authz.can(viewer, "report:create"), "can_triage": can_triage,
        "bulk_form": BulkActionForm(initial={"query": query.urlencode()}, assignees=assignees),
        "assignees": assignees,
    }
    response = render(request, "reports/_results.html" if _wants_fragment(request)
                      else "reports/report_list.html", context)
    # The same URL answers with a page or a fragment: caches must tell them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


def _refusal(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return _("Refused: %(reason)s") % {"reason": str(error) or _("not allowed")}


@login_required
@require_POST
def bulk_action(request: HttpRequest) -> HttpResponse:
    viewer = request.user
    assignees = selectors.assignees_for(viewer)
    form = BulkActionForm(request.POST, assignees=assignees)
    query = request.POST.get("query", "")
    back = reverse("reports:list") + (f"?{query}" if query else "")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:  # an ErrorList yields its messages as text
                messages.error(request, str(error))
        return redirect(back)
    wanted = set(form.cleaned_data["report"])
    reports = selectors.reports_by_ids(viewer, sorted(wanted))
    if len(reports) != len(wanted):
        messages.error(request, _("Some of the selected reports were not found."))
        return redirect(back)
    try:
        if form.cleaned_data["action"] == BulkActionForm.ASSIGN:
            username = form.cleaned_data["assignee"]
            assignee = next((p for p in assignees if p.username == username), None)
            # Work-around: services.assign_reports does not check that the assignee may see
            # the reports; assigning one they cannot open would be a dead end.
            if assignee is not None and not all(access.can_see(assignee, report)
                                                for report in reports):
                raise ValidationError({"assignee": _(
                    "%(who)s may not see every selected report.") % {"who": username}})
            count = services.assign_reports(actor=viewer, reports=reports, assignee=assignee)
            messages.success(request, _("%(count)s report(s) assigned to %(who)s.") % {
                "count": count, "who": username or _("nobody")})
        else:
            primary = selectors.report_by_reference(viewer, form.cleaned_data["primary"])
            if primary is None:
                raise ValidationError({"primary": _("No report with the reference “%(ref)s”.")
                                       % {"ref": form.cleaned_data["primary"]}})
            duplicates = [report for report in reports if report.pk != primary.pk]
            if not duplicates:
                raise ValidationError({"duplicates": _(
                    "Select the duplicates as well as naming the primary report.")})
            # Work-around: services.merge_duplicates copies the duplicates' observables and
            # victims into the primary whatever its marking, which would publish what a
            # narrower report holds to the primary's wider audience.
            narrower = [report.reference for report in duplicates
                        if is_wider(primary.tlp, report.tlp)]
            if narrower:
                raise ValidationError({"primary": _(
                    "%(primary)s is shared more widely than %(others)s: merging would pass "
                    "their observables and victims on. Choose the most restricted report as "
                    "the primary.") % {"primary": primary.reference,
                                       "others": ", ".join(narrower)}})
            services.merge_duplicates(actor=viewer, primary=primary, duplicates=duplicates)
            messages.success(request, _("%(count)s report(s) merged into %(ref)s.") % {
                "count": len(duplicates), "ref": primary.reference})
    except (PermissionDenied, ValidationError) as error:
        messages.error(request, _refusal(error))
    return redirect(back)


# --- Intake ------------------------------------------------------------------------------


def _form_choices(viewer: Any) -> dict[str, Any]:
    return {
        "phases": _terms(viewer, "phases"),
        "information_types": _terms(viewer, "information-types"),
        "organisations": list(directory_selectors.organisations_visible_to(viewer)),
        "groups": list(sharing_selectors.sharing_groups_visible_to(viewer)),
        "people": list(selectors.people_to_address(viewer)),
        "tlp_meanings": _tlp_meanings(viewer),
    }


def _techniques(viewer: Any) -> list[tuple[str, str]]:
    return list(vocab_selectors.terms_visible_to(
        viewer, vocabularies=["disarm", "attack"], kinds=vocab_selectors.technique_kinds(),
    ).values_list("code", "name"))


def _tlp_label(code: str | None) -> str:
    return str(TLP(code).label) if code in TLP.values else ""


def _suggestion(viewer: Any, codes: list[str]) -> dict[str, Any]:
    """What the agreements covering the viewer's organisation and these types say."""
    owner = getattr(viewer, "organisation", None)
    chosen = vocab_selectors.terms_visible_to(
        viewer, vocabularies=["information-types"]).filter(code__in=codes)
    terms = (sharing_selectors.agreements_covering(owner, list(chosen)) if owner
             else sharing_selectors.SharingTerms())
    return {
        "terms": terms,
        "default_label": _tlp_label(terms.default_tlp),
        "widest_label": _tlp_label(terms.widest_tlp),
        "recipients": [o.name for o in terms.organisations] + [g.name for g in terms.groups],
    }


@login_required
@require_http_methods(["GET", "POST"])
def report_create(request: HttpRequest) -> HttpResponse:
    _require(request, "report:create")
    viewer = request.user
    choices = _form_choices(viewer)
    data = request.POST if request.method == "POST" else None
    form = ReportForm(data, **choices)
    victims = VictimFormSet(data, prefix="victims",
                            form_kwargs={"organisations": choices["organisations"]})
    if request.method == "POST" and form.is_valid() & victims.is_valid():
        cleaned = form.cleaned_data
        report_input = services.ReportInput(
            title=cleaned["title"], description=cleaned["description"],
            observed_start=cleaned["observed_at"], observed_end=cleaned["observed_until"],
            phases=cleaned["phases"], information_types=cleaned["information_types"],
            techniques=cleaned["techniques"], outcome=cleaned["outcome"],
            severity=cleaned["severity"], confidence=cleaned["confidence"],
            tlp=cleaned["tlp"] or None,
            audience_organisations=cleaned["audience_organisations"],
            audience_groups=cleaned["audience_groups"],
            audience_users=cleaned["audience_users"],
            disclose_recipients=cleaned["disclose_recipients"],
            victims=victims.victims(), observables=cleaned["observables"],
            override_reason=cleaned["override_reason"],
        )
        try:
            report = services.create_report(actor=viewer, data=report_input)
        except ValidationError as error:
            apply_service_errors(form, error, victims)
        except PermissionDenied:
            # Only the override of an agreement can be refused once report:create passed.
            form.add_error("override_reason", _("You may not override the sharing agreement; "
                                                "choose a narrower marking."))
        else:
            messages.success(request, _("Report %(ref)s saved.") % {"ref": report.reference})
            return redirect("reports:detail", report_id=report.pk)
    return render(request, "reports/report_form.html", {
        "form": form, "victims": victims, "report": None,
        "extracted": _extracted_rows(form.posted_observables(), checked=True),
        "techniques": _techniques(viewer),
        "suggestion": _suggestion(viewer, request.POST.getlist("information_types")
                                  if form.is_bound else []),
        "regions": sorted({o.region for o in choices["organisations"] if o.region}),
    })


def _extracted_rows(items: list[dict[str, str]], *, checked: bool) -> list[dict[str, Any]]:
    labels = dict(ObservableType.choices)
    return [{"type": item["type"], "type_label": labels.get(item["type"], item["type"]),
             "value": item["value"], "original": item.get("original", ""),
             "key": f"{item['type']}:{item['value']}", "checked": checked}
            for item in items]


@login_required
@require_POST
def extract_observables(request: HttpRequest) -> HttpResponse:
    """htmx: the observables found in the pasted text, as ticked checkboxes."""
    _require(request, "report:create")
    text = request.POST.get("description", "")[:MAX_EXTRACT_CHARACTERS]
    found = [{"type": item.type, "value": item.value, "original": item.original}
             for item in observable_rules.extract(text)]
    return render(request, "reports/_extracted.html", {
        "extracted": _extracted_rows(found, checked=True), "searched": True})


@login_required
@require_POST
def agreement_suggestion(request: HttpRequest) -> HttpResponse:
    """htmx: what the covering agreements suggest, and the marking and audience prefilled."""
    _require(request, "report:create")
    viewer = request.user
    suggestion = _suggestion(viewer, request.POST.getlist("information_types"))
    terms = suggestion["terms"]
    chosen = request.POST.get("tlp", "")
    tlp = chosen if chosen in TLP.values else ""
    if terms.default_tlp and (not tlp or (terms.widest_tlp and is_wider(tlp, terms.widest_tlp))):
        tlp = terms.default_tlp
    organisations = request.POST.getlist("audience_organisations")
    groups = request.POST.getlist("audience_groups")
    if tlp in (TLP.AMBER, TLP.AMBER_STRICT):
        organisations += [o.slug for o in terms.organisations if o.slug not in organisations]
        groups += [g.slug for g in terms.groups if g.slug not in groups]
    form = ReportForm(initial={"tlp": tlp, "audience_organisations": organisations,
                               "audience_groups": groups,
                               "audience_users": request.POST.getlist("audience_users")},
                      **_form_choices(viewer))
    return render(request, "reports/_agreement_suggestion.html", {
        "suggestion": suggestion, "form": form, "oob": bool(terms.agreements),
    })


# --- One report ------------------------------------------------------------------------


def _detail(request: HttpRequest, report: Report, **forms: Any) -> HttpResponse:
    viewer = request.user
    return render(request, "reports/report_detail.html", {
        "report": report,
        "victims": [view_of(viewer, victim) for victim in report.victims.all()],
        "show_audience": access.may_see_recipients(viewer, report),
        "indicators": indicator_observables(report),
        "received_from": peers_received_from(report),
        "readers": (access.readers_of(viewer, report)[:50]
                    if access.may_see_readers(viewer, report) else None),
        "comments": selectors.comments_on(viewer, report.pk),
        "attachments": selectors.attachments_of(viewer, report.pk),
        "duplicate_of": selectors.report_if_visible(viewer, report.duplicate_of_id),
        "can_change": authz.can(viewer, "report:change", report),
        "can_triage": authz.can(viewer, "report:triage", report),
        "can_comment": authz.can(viewer, "report:comment", report),
        "comment_form": forms.get("comment_form") or CommentForm(),
        "attachment_form": forms.get("attachment_form") or AttachmentForm(),
        "status_form": forms.get("status_form") or StatusForm(initial={
            "status": report.status}),
    })


@login_required
@require_GET
def report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    return _detail(request, _report_or_404(request, report_id))


@login_required
@require_POST
def report_status(request: HttpRequest, report_id: int) -> HttpResponse:
    report = _report_or_404(request, report_id, audit_read=False)
    _require(request, "report:triage", report)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            services.set_status(actor=request.user, report=report,
                                status=form.cleaned_data["status"],
                                reason=form.cleaned_data["closed_reason"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Status changed to %(status)s.") % {
                "status": report.get_status_display()})
            return redirect("reports:detail", report_id=report.pk)
    report.refresh_from_db(fields=["status", "closed_reason"])
    return _detail(request, report, status_form=form)


@login_required
@require_POST
def report_comment(request: HttpRequest, report_id: int) -> HttpResponse:
    report = _report_or_404(request, report_id, audit_read=False)
    _require(request, "report:comment", report)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.add_comment(actor=request.user, report=report,
                                 body=form.cleaned_data["body"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Comment added."))
            return redirect(reverse("reports:detail", args=[report.pk]) + "#comments")
    return _detail(request, report, comment_form=form)


@login_required
@require_POST
def report_attach(request: HttpRequest, report_id: int) -> HttpResponse:
    report = _report_or_404(request, report_id, audit_read=False)
    _require(request, "report:comment", report)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_attachment(actor=request.user, report=report,
                                    upload=form.cleaned_data["file"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("File attached."))
            return redirect(reverse("reports:detail", args=[report.pk]) + "#attachments")
    return _detail(request, report, attachment_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def report_edit(request: HttpRequest, report_id: int) -> HttpResponse:
    report = _report_or_404(request, report_id, audit_read=request.method == "GET")
    _require(request, "report:change", report)
    viewer = request.user
    form = ReportForm(request.POST if request.method == "POST" else None,
                      initial=ReportForm.initial_for(report), editing=True,
                      **_form_choices(viewer))
    if request.method == "POST" and form.is_valid():
        changes = {_SERVICE_TO_FORM.get(name, name): form.cleaned_data[name]
                   for name in form.changed_data if name != "override_reason"}
        if form.cleaned_data["override_reason"].strip():
            changes["override_reason"] = form.cleaned_data["override_reason"]
        if not set(changes) - {"override_reason"}:
            messages.info(request, _("Nothing changed."))
            return redirect("reports:detail", report_id=report.pk)
        try:
            services.update_report(actor=viewer, report=report, changes=changes)
        except ValidationError as error:
            apply_service_errors(form, error)
        except PermissionDenied:
            form.add_error("override_reason", _("You may not override the sharing agreement; "
                                                "choose a narrower marking."))
        else:
            messages.success(request, _("Report saved."))
            return redirect("reports:detail", report_id=report.pk)
    return render(request, "reports/report_form.html", {
        "form": form, "victims": None, "report": report, "extracted": [],
        "techniques": _techniques(viewer), "suggestion": None, "regions": [],
    })


@login_required
@require_GET
def attachment_download(request: HttpRequest, attachment_id: int) -> FileResponse:
    try:
        attachment = selectors.attachment_for(request.user, attachment_id)
    except NotFound:
        raise Http404(_("No such attachment.")) from None
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("No such attachment.")) from None
    response = FileResponse(handle, as_attachment=True, filename=attachment.original_name,
                            content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    # Opened by mistake in the browser, it runs nothing and reaches nothing.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- Observables and victims ---------------------------------------------------------------


@login_required
@require_GET
def observable_search(request: HttpRequest) -> HttpResponse:
    asked = "value" in request.GET
    form = ObservableSearchForm(request.GET if asked else None)
    matches = (selectors.observables_matching(request.user, form.cleaned_data["value"])
               if asked and form.is_valid() else [])
    return render(request, "reports/observable_search.html", {
        "form": form, "asked": asked, "matches": matches,
        "type_labels": dict(ObservableType.choices),
    })


@login_required
@require_http_methods(["GET", "POST"])
def victim_detail(request: HttpRequest, victim_id: int) -> HttpResponse:
    viewer = request.user
    try:
        victim = selectors.victim_for(viewer, victim_id)
    except NotFound:
        raise Http404(_("No such victim.")) from None
    form = SupportStepForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_support_step(actor=viewer, victim=victim,
                                         taken_on=form.cleaned_data["taken_on"],
                                         description=form.cleaned_data["description"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Support step recorded."))
            return redirect("reports:victim", victim_id=victim.pk)
    reports = list(selectors.reports_about(viewer, victim))
    return render(request, "reports/victim_detail.html", {
        "victim": view_of(viewer, victim),
        "incidents": reports,
        "shared": [(report, access.may_see_recipients(viewer, report)) for report in reports],
        "support_steps": selectors.support_steps_for(viewer, victim),
        "notifications": notifications_about_victim(viewer, victim)[:50],
        "support_form": form,
        "can_record_support": authz.can(viewer, "report:comment"),
    })
