"""Directory pages. Thin: selectors to read, services to write, `authz.can` for buttons.

Errors are translated here, once: a service's ValidationError or Conflict becomes form
errors, PermissionDenied the 403 page (Django does it), NotFound the 404 page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from civicshield.core import authz
from civicshield.core.errors import Conflict, NotFound
from civicshield.core.forms import apply_errors
from civicshield.directory import selectors, services, vcard
from civicshield.directory.forms import (
    ContactForm,
    ContactSearchForm,
    OrganisationFilterForm,
    OrganisationForm,
    WhoToContactForm,
)
from civicshield.directory.models import Contact, Organisation

CONTACTS_PER_PAGE = 50
ORGANISATIONS_PER_PAGE = 50
RECOMMENDATIONS_SHOWN = 20


def _wants_fragment(request: HttpRequest) -> bool:
    """An htmx request for the results only (a history restore needs the whole page)."""
    return (request.headers.get("HX-Request") == "true"
            and request.headers.get("HX-History-Restore-Request") != "true")


def _render_results(request: HttpRequest, page: str, fragment: str,
                    context: dict[str, Any]) -> HttpResponse:
    response = render(request, fragment if _wants_fragment(request) else page, context)
    # The same URL answers with a page or a fragment: caches must tell them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


def _organisation_or_404(request: HttpRequest, slug: str) -> Organisation:
    try:
        return selectors.organisation_for(request.user, slug)
    except NotFound:
        raise Http404(_("No such organisation.")) from None


def _contact_or_404(request: HttpRequest, contact_id: int) -> Contact:
    try:
        return selectors.contact_for(request.user, contact_id)
    except NotFound:
        raise Http404(_("No such contact.")) from None


def _require(request: HttpRequest, action: str, resource: Any = None) -> None:
    if not authz.can(request.user, action, resource):
        raise PermissionDenied


# --- Organisations -------------------------------------------------------------------


@login_required
@require_GET
def organisation_list(request: HttpRequest) -> HttpResponse:
    form = OrganisationFilterForm(
        request.GET, countries=selectors.organisation_countries(request.user)
    )
    organisations = selectors.organisations_visible_to(request.user, **form.filters())
    page = Paginator(organisations, ORGANISATIONS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return _render_results(request, "directory/organisation_list.html",
                           "directory/_organisation_results.html", {
        "form": form, "page": page, "query": query.urlencode(),
        "can_create": authz.can(request.user, "organisation:create"),
    })


@login_required
@require_GET
def organisation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = _organisation_or_404(request, slug)
    # Those who manage the organisation's contacts also see the inactive ones.
    manages_contacts = authz.can(request.user, "contact:change", organisation)
    contacts = selectors.contacts_visible_to(request.user, organisation=organisation.slug,
                                             include_inactive=manages_contacts)
    return render(request, "directory/organisation_detail.html", {
        "organisation": organisation,
        "contacts": contacts,
        "sub_organisations": selectors.sub_organisations_of(request.user, organisation),
        "can_change": authz.can(request.user, "organisation:change", organisation),
        "can_add_contact": authz.can(request.user, "contact:create", organisation),
    })


def _organisation_form(
    request: HttpRequest, *, organisation: Organisation | None
) -> OrganisationForm:
    parents = selectors.organisations_visible_to(request.user)
    if organisation is not None:
        parents = parents.exclude(pk=organisation.pk)
    return OrganisationForm(
        request.POST if request.method == "POST" else None,
        initial=OrganisationForm.initial_for(organisation) if organisation else None,
        parents=parents, editing=organisation is not None,
        may_verify=authz.can(request.user, "organisation:verify", organisation),
    )


@login_required
@require_http_methods(["GET", "POST"])
def organisation_create(request: HttpRequest) -> HttpResponse:
    _require(request, "organisation:create")
    form = _organisation_form(request, organisation=None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.create_organisation(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        except Conflict as conflict:
            form.add_error(conflict.field if conflict.field in form.fields else None,
                           conflict.message)
        else:
            messages.success(request, _("Organisation created."))
            return redirect("directory:organisation", slug=organisation.slug)
    return render(request, "directory/organisation_form.html", {"form": form, "organisation": None})


@login_required
@require_http_methods(["GET", "POST"])
def organisation_edit(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = _organisation_or_404(request, slug)
    _require(request, "organisation:change", organisation)
    form = _organisation_form(request, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_organisation(actor=request.user, organisation=organisation,
                                         changes=form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Organisation saved."))
            return redirect("directory:organisation", slug=organisation.slug)
    return render(request, "directory/organisation_form.html",
                  {"form": form, "organisation": organisation})


# --- Contacts --------------------------------------------------------------------------


@login_required
@require_GET
def contact_list(request: HttpRequest) -> HttpResponse:
    form = ContactSearchForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    try:
        contacts = selectors.contacts_visible_to(request.user, **filters)
    except ValidationError as error:  # a topic or phase that is not a valid tag
        apply_errors(form, error)
        contacts = []
    page = Paginator(contacts, CONTACTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return _render_results(request, "directory/contact_list.html",
                           "directory/_contact_results.html", {
        "form": form, "page": page, "query": query.urlencode(),
        "tags": selectors.directory_tags(request.user),
        "can_create": authz.can(request.user, "contact:create"),
    })


@login_required
@require_GET
def contact_detail(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = _contact_or_404(request, contact_id)
    return render(request, "directory/contact_detail.html", {
        "contact": contact,
        "chain": selectors.escalation_chain_for(request.user, contact),
        "can_change": authz.can(request.user, "contact:change", contact),
        "can_delete": authz.can(request.user, "contact:delete", contact),
    })


def _contact_form(request: HttpRequest, *, contact: Contact | None) -> ContactForm:
    targets = selectors.contacts_visible_to(request.user)
    assert not isinstance(targets, list)  # no topic or phase filter: still a queryset
    initial: dict[str, Any] | None = None
    if contact is not None:
        targets = targets.exclude(pk=contact.pk)
        initial = ContactForm.initial_for(contact)
    elif request.GET.get("organisation"):
        initial = {"organisation": _organisation_or_404(request, request.GET["organisation"]).pk}
    return ContactForm(
        request.POST if request.method == "POST" else None, initial=initial,
        organisations=selectors.organisations_for_action(request.user, "contact:create"),
        escalation_targets=targets,
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact_create(request: HttpRequest) -> HttpResponse:
    _require(request, "contact:create")
    form = _contact_form(request, contact=None)
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.create_contact(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Contact added."))
            return redirect("directory:contact", contact_id=contact.pk)
    return render(request, "directory/contact_form.html", {"form": form, "contact": None})


@login_required
@require_http_methods(["GET", "POST"])
def contact_edit(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = _contact_or_404(request, contact_id)
    _require(request, "contact:change", contact)
    form = _contact_form(request, contact=contact)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_contact(actor=request.user, contact=contact, changes=form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Contact saved."))
            return redirect("directory:contact", contact_id=contact.pk)
    return render(request, "directory/contact_form.html", {"form": form, "contact": contact})


@login_required
@require_http_methods(["GET", "POST"])
def contact_delete(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = _contact_or_404(request, contact_id)
    _require(request, "contact:delete", contact)
    if request.method == "POST":
        organisation_slug = contact.organisation.slug
        services.delete_contact(actor=request.user, contact=contact)
        messages.success(request, _("Contact deleted."))
        return redirect("directory:organisation", slug=organisation_slug)
    return render(request, "directory/contact_confirm_delete.html", {"contact": contact})


@login_required
@require_GET
def contact_vcard(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = _contact_or_404(request, contact_id)
    response = HttpResponse(vcard.contact_vcard(contact), content_type="text/vcard; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{vcard.filename_for(contact)}"'
    return response


# --- Who do I contact? -------------------------------------------------------------------


@login_required
@require_GET
def who_to_contact(request: HttpRequest) -> HttpResponse:
    asked = any(name in request.GET for name in ("topic", "phase", "region"))
    form = WhoToContactForm(request.GET if asked else None)
    result = None
    if asked and form.is_valid():
        try:
            result = selectors.who_to_contact(request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
    return _render_results(request, "directory/who_to_contact.html",
                           "directory/_who_to_contact_results.html", {
        "form": form, "result": result,
        "recommendations": result.recommendations[:RECOMMENDATIONS_SHOWN] if result else [],
        "tags": selectors.directory_tags(request.user),
    })
