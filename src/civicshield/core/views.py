"""Kernel pages: health, sign-in, the second factor, API tokens, the audit log, the dashboard."""

from __future__ import annotations

import base64
from io import BytesIO
from typing import Any

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login

from civicshield.core import authz, selectors, services
from civicshield.core.forms import SecondFactorForm, TokenForm


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers, 503 otherwise. No authentication, no details."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "core/csrf_failure.html", {"reason": reason}, status=403)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    # The dashboard gathers what the domain apps offer, through their selectors.
    from civicshield.readiness.selectors import live_phases_today

    return render(request, "core/dashboard.html", {
        "can_view_audit": authz.can(request.user, "audit:view"),
        "needs_second_factor": authz.needs_second_factor(request.user),
        "live_phases": live_phases_today(request.user),
    })


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.GET.get("next") or request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def _qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@login_required
@require_http_methods(["GET", "POST"])
def second_factor(request: HttpRequest) -> HttpResponse:
    """Enrol a TOTP device on first use, then verify a code at each sign-in."""
    user: Any = request.user
    next_url = _safe_next(request, reverse("workspace:dashboard"))
    device = services.second_factor_device(user=user)
    confirmed = device if device.confirmed else None
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            services.confirm_second_factor(user=user, device=device)
            otp_login(request, device)
            return redirect(next_url)
        form.add_error("code", _("That code is not valid. Check the time on your device."))
    context = {"form": form, "next": next_url, "enrolling": confirmed is None}
    if confirmed is None:
        context["qr"] = _qr_svg(device.config_url)
        context["secret"] = base64.b32encode(device.bin_key).decode()
    return render(request, "core/second_factor.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    authz.require(request.user, "token:manage_own")
    form = TokenForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        issued = services.issue_token(user=request.user, label=form.cleaned_data["label"])
        form = TokenForm()
    return render(request, "core/tokens.html", {
        "form": form, "issued": issued, "tokens": selectors.tokens_of(request.user),
    })


@login_required
@require_POST
def revoke_token(request: HttpRequest, token_id: int) -> HttpResponse:
    services.revoke_token(token_id=token_id, actor=request.user)
    messages.success(request, _("Token revoked."))
    return redirect("workspace:tokens")


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    if not authz.can(request.user, "audit:view"):
        raise PermissionDenied
    entries = selectors.audit_entries_visible_to(request.user)
    action = request.GET.get("action", "").strip()
    if action:
        entries = entries.filter(action__startswith=action)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "core/audit_log.html", {"page": page, "action": action})
