"""The peers page of the workspace (coordinator): list, add, edit, sync now, clear the stored
credentials, retire; last sync and last error. Thin: the services write (one transaction,
one audit entry each)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicshield.core import authz
from civicshield.core.errors import NotFound
from civicshield.core.forms import apply_errors
from civicshield.core.markings import TLP
from civicshield.sharing.federation import selectors, services
from civicshield.sharing.federation.models import Direction, Peer
from civicshield.sharing.models import SharingGroup
from civicshield.sharing.selectors import sharing_groups_visible_to


class PeerForm(forms.Form):
    name = forms.CharField(max_length=120, label=gettext_lazy("Name"))
    region = forms.CharField(max_length=120, required=False, label=gettext_lazy("Region"))
    api_root_url = forms.URLField(max_length=500, label=gettext_lazy("TAXII API root"),
                                  assume_scheme="https")
    collection_id = forms.CharField(max_length=36, label=gettext_lazy("Collection id"))
    username = forms.CharField(max_length=150, required=False,
                               label=gettext_lazy("Username (optional)"))
    token = forms.CharField(required=False, label=gettext_lazy("API token"),
                            widget=forms.PasswordInput(render_value=False))
    direction = forms.ChoiceField(choices=Direction.choices, label=gettext_lazy("Direction"))
    widest_tlp = forms.ChoiceField(choices=[c for c in TLP.choices if c[0] != TLP.RED],
                                   initial=TLP.GREEN, label=gettext_lazy("Widest TLP"))
    amber_group = forms.ModelChoiceField(
        queryset=SharingGroup.objects.none(), required=False,
        label=gettext_lazy("AMBER group (optional)"),
        help_text=gettext_lazy("AMBER that its originators here address to this sharing "
                               "group is also pushed to the peer (widest TLP AMBER). Nothing "
                               "else marked AMBER ever is, and AMBER+STRICT never is."))


    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["amber_group"]).queryset = (
            sharing_groups_visible_to(user))


class PeerEditForm(PeerForm):
    token = forms.CharField(
        required=False, label=gettext_lazy("New API token"),
        help_text=gettext_lazy("Leave blank to keep the stored token (it is never shown)."),
        widget=forms.PasswordInput(render_value=False))
    active = forms.BooleanField(
        required=False, label=gettext_lazy("Active"),
        help_text=gettext_lazy("An inactive peer is never contacted."))

    @classmethod
    def initial_for(cls, peer: Peer) -> dict[str, Any]:
        return {"name": peer.name, "region": peer.region, "api_root_url": peer.api_root_url,
                "collection_id": peer.collection_id, "username": peer.username,
                "direction": peer.direction, "widest_tlp": peer.widest_tlp,
                "amber_group": peer.amber_group_id, "active": peer.active}


def _require(request: HttpRequest) -> None:
    if not authz.can(request.user, "sharing_group:manage"):
        raise PermissionDenied


def _peer_or_404(peer_id: int) -> Peer:
    peer = Peer.objects.filter(pk=peer_id).first()
    if peer is None:
        raise Http404(_("No such peer."))
    return peer


@login_required
@require_GET
def peer_list(request: HttpRequest) -> HttpResponse:
    _require(request)
    peers = list(Peer.objects.select_related("amber_group"))
    return render(request, "sharing/peers.html", {
        "peers": [peer for peer in peers if not peer.retired],
        "retired": [peer for peer in peers if peer.retired]})


@login_required
@require_GET
def peer_detail(request: HttpRequest, peer_id: int) -> HttpResponse:
    _require(request)
    peer = _peer_or_404(peer_id)
    return render(request, "sharing/peer_detail.html",
                  {"peer": peer, "syncs": selectors.recent_syncs(request.user, peer)})


@login_required
@require_http_methods(["GET", "POST"])
def peer_create(request: HttpRequest) -> HttpResponse:
    _require(request)
    form = PeerForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_peer(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Peer added."))
            return redirect("sharing:peers")
    context: dict[str, Any] = {"form": form}
    return render(request, "sharing/peers_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def peer_edit(request: HttpRequest, peer_id: int) -> HttpResponse:
    _require(request)
    peer = _peer_or_404(peer_id)
    if peer.retired:
        messages.error(request, str(services.RETIRED))
        return redirect("sharing:peer", peer_id=peer.pk)
    form = PeerEditForm(request.POST if request.method == "POST" else None,
                        initial=PeerEditForm.initial_for(peer), user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_peer(actor=request.user, peer_id=peer.pk, **form.cleaned_data)
        except NotFound:
            raise Http404(_("No such peer.")) from None
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Peer saved."))
            return redirect("sharing:peers")
    context: dict[str, Any] = {"form": form, "peer": peer}
    return render(request, "sharing/peers_form.html", context)


@login_required
@require_POST
def peer_sync(request: HttpRequest, peer_id: int) -> HttpResponse:
    _require(request)
    peer = _peer_or_404(peer_id)
    try:
        queued = services.request_sync(actor=request.user, peer_id=peer.pk)
    except NotFound:
        raise Http404(_("No such peer.")) from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if queued:
            messages.success(request, _("A sync with %(peer)s is queued; the page shows "
                                        "its outcome once a worker has run it.")
                             % {"peer": peer.name})
        else:
            messages.info(request, _("A sync with %(peer)s was already queued.")
                          % {"peer": peer.name})
    return redirect("sharing:peers")


@login_required
@require_POST
def peer_clear_credentials(request: HttpRequest, peer_id: int) -> HttpResponse:
    _require(request)
    peer = _peer_or_404(peer_id)
    try:
        cleared = services.clear_peer_credentials(actor=request.user, peer_id=peer.pk)
    except NotFound:
        raise Http404(_("No such peer.")) from None
    if cleared:
        messages.success(request, _("The stored credentials of %(peer)s are removed: it is "
                                    "contacted with none until new ones are entered.")
                         % {"peer": peer.name})
    else:
        messages.info(request, _("%(peer)s had no stored credentials.") % {"peer": peer.name})
    return redirect("sharing:peers")


@login_required
@require_http_methods(["GET", "POST"])
def peer_retire(request: HttpRequest, peer_id: int) -> HttpResponse:
    """GET asks for confirmation (retiring cannot be undone); POST retires."""
    _require(request)
    peer = _peer_or_404(peer_id)
    if request.method == "POST":
        try:
            services.retire_peer(actor=request.user, peer_id=peer.pk)
        except NotFound:
            raise Http404(_("No such peer.")) from None
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("%(peer)s is retired: it will not be contacted again.")
                             % {"peer": peer.name})
        return redirect("sharing:peers")
    if peer.retired:
        messages.info(request, _("This peer is already retired."))
        return redirect("sharing:peer", peer_id=peer.pk)
    return render(request, "sharing/peer_retire.html",
                  {"peer": peer, "received": peer.received.count()})
