"""Sharing pages: agreements (who shares what with whom), the matrix and its holes, groups.

Thin: selectors to read, services to write, `authz.can` for buttons. A service's
ValidationError or Conflict becomes form errors, PermissionDenied the 403 page, NotFound 404.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from civicshield.core import authz
from civicshield.core.errors import Conflict, NotFound
from civicshield.core.forms import apply_errors
from civicshield.directory import selectors as directory_selectors
from civicshield.directory.choices import Sector
from civicshield.sharing import selectors, services
from civicshield.sharing.forms import (
    AgreementForm,
    SharingGroupForm,
    SharingGroupMembersForm,
)
from civicshield.sharing.models import SharingAgreement, SharingGroup
from civicshield.vocab.selectors import localised, terms_visible_to

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Lazy labels, translated when shown.
SECTOR_LABELS: dict[str, StrOrPromise] = dict(Sector.choices)


def _require(request: HttpRequest, action: str, resource: Any = None) -> None:
    if not authz.can(request.user, action, resource):
        raise PermissionDenied


def _information_types(request: HttpRequest) -> Any:
    return terms_visible_to(request.user, vocabularies=["information-types"],
                            lang=get_language() or "en")


def _agreement_or_404(request: HttpRequest, slug: str) -> SharingAgreement:
    agreement = selectors.agreements_visible_to(request.user).filter(slug=slug).first()
    if agreement is None:
        raise Http404(_("No such agreement."))
    return agreement


def _group_or_404(request: HttpRequest, slug: str) -> SharingGroup:
    try:
        return selectors.sharing_group_for(request.user, slug)
    except NotFound:
        raise Http404(_("No such sharing group.")) from None


@dataclass
class AgreementSummary:
    """An agreement with its sectors spelled out, for the list and the detail page."""

    agreement: SharingAgreement
    sectors: list[str]
    providers: list[Any]
    information_types: list[Any]
    recipient_organisations: list[Any]
    recipient_groups: list[Any]

    @classmethod
    def of(cls, agreement: SharingAgreement) -> AgreementSummary:
        return cls(
            agreement=agreement,
            sectors=[str(SECTOR_LABELS.get(code, code)) for code in agreement.provider_sectors],
            providers=list(agreement.providers.all()),
            information_types=list(agreement.information_types.all()),
            recipient_organisations=list(agreement.recipient_organisations.all()),
            recipient_groups=list(agreement.recipient_groups.all()),
        )


# --- Agreements ------------------------------------------------------------------------


@login_required
@require_GET
def agreement_list(request: HttpRequest) -> HttpResponse:
    agreements = selectors.agreements_visible_to(request.user).order_by("name")
    return render(request, "sharing/agreement_list.html", {
        "agreements": [AgreementSummary.of(agreement) for agreement in agreements],
        "can_manage": authz.can(request.user, "agreement:manage"),
    })


@login_required
@require_GET
def agreement_detail(request: HttpRequest, slug: str) -> HttpResponse:
    agreement = _agreement_or_404(request, slug)
    return render(request, "sharing/agreement_detail.html", {
        "summary": AgreementSummary.of(agreement),
        "agreement": agreement,
    })


@login_required
@require_http_methods(["GET", "POST"])
def agreement_create(request: HttpRequest) -> HttpResponse:
    _require(request, "agreement:manage")
    contacts = directory_selectors.contacts_visible_to(request.user)
    assert isinstance(contacts, QuerySet)  # a list only when filtered by topic or phase
    form = AgreementForm(
        request.POST if request.method == "POST" else None,
        organisations=directory_selectors.organisations_visible_to(request.user).order_by("name"),
        information_types=_information_types(request),
        groups=selectors.sharing_groups_visible_to(request.user),
        contacts=contacts.order_by("organisation__name", "name"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            agreement = services.create_agreement(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        except Conflict as conflict:
            form.add_error(conflict.field if conflict.field in form.fields else None,
                           conflict.message)
        else:
            messages.success(request, _("Agreement recorded."))
            return redirect("sharing:agreement", slug=agreement.slug)
    return render(request, "sharing/agreement_form.html", {"form": form},
                  status=400 if form.errors else 200)


# --- The matrix ------------------------------------------------------------------------


@dataclass
class Commitment:
    """One agreement in one cell: who of the sector provides, and to whom."""

    agreement: SharingAgreement
    providers: str  # empty: every organisation of the sector
    recipients: list[str]


@dataclass
class MatrixRow:
    sector: str
    label: str
    cells: list[list[Commitment]] = field(default_factory=list)

    @property
    def covered(self) -> int:
        return sum(1 for cell in self.cells if cell)


def _commitment(agreement: SharingAgreement, sector: str) -> Commitment:
    named = ""
    if sector not in agreement.provider_sectors:
        named = ", ".join(p.name for p in agreement.providers.all() if p.sector == sector)
    recipients = [o.name for o in agreement.recipient_organisations.all()]
    recipients += [g.name for g in agreement.recipient_groups.all()]
    return Commitment(agreement, named, recipients)


@login_required
@require_GET
def matrix(request: HttpRequest) -> HttpResponse:
    information_types = list(_information_types(request))
    result = selectors.sharing_matrix(request.user, information_types)
    rows = [
        MatrixRow(sector, str(label), [
            [_commitment(a, sector) for a in result.cells[(sector, term.pk)].agreements]
            for term in result.information_types
        ])
        for sector, label in result.sectors
    ]
    return render(request, "sharing/matrix.html", {
        "information_types": [(term, localised(term).name) for term in result.information_types],
        "rows": rows,
        "holes": [localised(term).name for term in result.holes],
        "can_manage": authz.can(request.user, "agreement:manage"),
    })


# --- Sharing groups ----------------------------------------------------------------------


@dataclass
class GroupSummary:
    group: SharingGroup
    members: list[Any] | None  # None: the viewer may not see who is in the group


@login_required
@require_GET
def group_list(request: HttpRequest) -> HttpResponse:
    can_manage = authz.can(request.user, "sharing_group:manage")
    summaries = []
    for group in selectors.sharing_groups_visible_to(request.user):
        members = list(group.organisations.all())
        may_see = selectors.may_see_members(request.user, group)
        summaries.append(GroupSummary(group, members if may_see else None))
    return render(request, "sharing/group_list.html", {
        "groups": summaries, "can_manage": can_manage,
    })


@login_required
@require_http_methods(["GET", "POST"])
def group_create(request: HttpRequest) -> HttpResponse:
    _require(request, "sharing_group:manage")
    form = SharingGroupForm(
        request.POST if request.method == "POST" else None,
        organisations=directory_selectors.organisations_visible_to(request.user).order_by("name"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.create_sharing_group(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        except Conflict as conflict:
            form.add_error(conflict.field if conflict.field in form.fields else None,
                           conflict.message)
        else:
            messages.success(request, _("Sharing group created."))
            return redirect("sharing:groups")
    return render(request, "sharing/group_form.html", {"form": form, "group": None},
                  status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def group_members(request: HttpRequest, slug: str) -> HttpResponse:
    _require(request, "sharing_group:manage")
    group = _group_or_404(request, slug)
    form = SharingGroupMembersForm(
        request.POST if request.method == "POST" else None,
        initial={"organisations": [o.pk for o in group.organisations.all()]},
        organisations=directory_selectors.organisations_visible_to(request.user).order_by("name"),
    )
    if request.method == "POST" and form.is_valid():
        services.set_sharing_group_members(
            actor=request.user, group=group, organisations=list(form.cleaned_data["organisations"]))
        messages.success(request, _("Members saved."))
        return redirect("sharing:groups")
    return render(request, "sharing/group_form.html", {"form": form, "group": group},
                  status=400 if form.errors else 200)
