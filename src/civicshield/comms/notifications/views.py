"""Notification pages: sent and received, one notification's states, the coordinators'
"waiting for acknowledgement" board, the inbox, the mail outbox, and the acknowledgement
link page (no login). Thin: selectors read, services write; nothing is sent from here."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicshield.comms.choices import NotificationKind, NotificationStatus
from civicshield.comms.models import Notification
from civicshield.comms.notifications import selectors, services
from civicshield.core import authz
from civicshield.core.errors import NotFound


def _notification_or_404(request: HttpRequest, notification_id: int) -> Notification:
    try:
        return selectors.notification_for(request.user, notification_id)
    except NotFound:
        raise Http404(_("No such notification.")) from None


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    role = request.GET.get("role", "")
    role = role if role in ("sent", "received") else ""
    notifications = list(selectors.notifications_for(request.user, role=role)[:100])
    return render(request, "comms/notifications/list.html", {
        "notifications": notifications, "role": role,
        "can_view_board": authz.can(request.user, "notification:view_board"),
    })


@login_required
@require_GET
def notification_detail(request: HttpRequest, notification_id: int) -> HttpResponse:
    notification = _notification_or_404(request, notification_id)
    return render(request, "comms/notifications/detail.html", {
        "notification": notification,
        "recipients": selectors.visible_recipients(request.user, notification),
        "is_sender": selectors.is_sender(request.user, notification),
        "can_suppress": authz.can(request.user, "notification:suppress")
        and notification.kind == NotificationKind.ATTEMPTED_BREACH
        and notification.status != NotificationStatus.SUPPRESSED,
    })


@login_required
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    if not authz.can(request.user, "notification:view_board"):
        raise PermissionDenied
    return render(request, "comms/notifications/board.html", {
        "board": selectors.waiting_board(request.user),
    })


@login_required
@require_POST
def suppress(request: HttpRequest, notification_id: int) -> HttpResponse:
    if not authz.can(request.user, "notification:suppress"):
        raise PermissionDenied
    notification = _notification_or_404(request, notification_id)
    try:
        services.suppress(actor=request.user, notification=notification,
                          reason=request.POST.get("reason", ""))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Suppressed; the reason is recorded."))
    return redirect("comms:notifications:detail", notification_id=notification_id)


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    return render(request, "comms/notifications/inbox.html", {
        "items": selectors.inbox_for(request.user),
    })


@login_required
@require_GET
def inbox_item(request: HttpRequest, recipient_id: int) -> HttpResponse:
    try:
        recipient = services.mark_opened(actor=request.user, recipient_id=recipient_id)
    except NotFound:
        raise Http404(_("No such notification.")) from None
    return render(request, "comms/notifications/message.html", {
        "recipient": recipient, "message": selectors.message_for(recipient),
        "ack_action": "inbox",
    })


@login_required
@require_POST
def inbox_acknowledge(request: HttpRequest, recipient_id: int) -> HttpResponse:
    try:
        services.acknowledge_in_inbox(actor=request.user, recipient_id=recipient_id)
    except NotFound:
        raise Http404(_("No such notification.")) from None
    messages.success(request, _("Acknowledged. Thank you."))
    return redirect("comms:notifications:inbox_item", recipient_id=recipient_id)


@require_http_methods(["GET", "POST"])
def acknowledge_link(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the e-mail. GET shows the message (and notes it was opened); the button
    POSTs the acknowledgement, so a mail scanner following links acknowledges nothing."""
    if request.method == "POST":
        outcome = services.acknowledge_by_link(token)
        just_acknowledged = outcome.state == "ok"
    else:
        outcome = services.open_link(token)
        just_acknowledged = False
    if outcome.state == "invalid":
        response = render(request, "comms/notifications/link.html", {"state": "invalid"},
                          status=404)
    else:
        recipient = outcome.recipient
        response = render(request, "comms/notifications/link.html", {
            "state": outcome.state, "recipient": recipient, "token": token,
            "just_acknowledged": just_acknowledged,
            "message": selectors.message_for(recipient)
            if recipient is not None and outcome.state in ("ok", "used") else None,
        }, status=410 if outcome.state == "expired" else 200)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@login_required
@require_GET
def outbox(request: HttpRequest) -> HttpResponse:
    if not authz.can(request.user, "notification:view_board"):
        raise PermissionDenied
    return render(request, "comms/notifications/outbox.html", {
        "mails": selectors.mail_outbox(request.user),
    })


@login_required
@require_http_methods(["GET", "POST"])
def delivery_settings(request: HttpRequest) -> HttpResponse:
    """Where the viewer's organisation receives webhooks, and which of the contacts they
    manage prefer a daily digest for low-severity matters."""
    from civicshield.directory.selectors import contact_for

    viewer = request.user
    issued = None
    if request.method == "POST":
        try:
            if request.POST.get("action") == "webhook":
                organisation = getattr(viewer, "organisation", None)
                if organisation is None:
                    raise PermissionDenied
                issued = services.register_webhook(actor=viewer, organisation=organisation,
                                                   url=request.POST.get("url", "").strip())
            elif request.POST.get("action") == "digest":
                contact = contact_for(viewer, int(request.POST.get("contact", "0") or 0))
                services.set_digest_preference(
                    actor=viewer, contact=contact,
                    daily_digest=request.POST.get("daily_digest") == "on",
                    max_severity=int(request.POST.get("max_severity", "2") or 2))
                messages.success(request, _("Preference saved for %(name)s.")
                                 % {"name": contact.name})
                return redirect("comms:notifications:settings")
        except (ValidationError, ValueError) as error:
            messages.error(request, "; ".join(getattr(error, "messages", [str(error)])))
        except NotFound:
            raise Http404 from None
    webhooks, contacts = selectors.delivery_settings_for(viewer)
    own_organisation = getattr(viewer, "organisation", None)
    return render(request, "comms/notifications/settings.html", {
        "webhooks": webhooks, "contacts": contacts, "issued": issued,
        "can_register": own_organisation is not None and authz.can(
            viewer, "notification:manage_webhooks", own_organisation),
    })
