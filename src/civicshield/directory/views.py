"""Directory pages. Thin: selectors to read, services to write."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from civicshield.directory import selectors


@login_required
def organisation_list(request: HttpRequest) -> HttpResponse:
    organisations = selectors.organisations_visible_to(request.user)
    return render(request, "directory/organisation_list.html", {"organisations": organisations})


@login_required
def contact_list(request: HttpRequest) -> HttpResponse:
    contacts = selectors.contacts_visible_to(request.user, q=request.GET.get("q", ""))
    return render(request, "directory/contact_list.html", {"contacts": contacts})


@login_required
def who_to_contact(request: HttpRequest) -> HttpResponse:
    result = selectors.who_to_contact(
        request.user, topic=request.GET.get("topic", ""), phase=request.GET.get("phase", ""),
        region=request.GET.get("region", ""),
    )
    return render(request, "directory/who_to_contact.html", {"result": result})
