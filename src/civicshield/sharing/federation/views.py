"""The peers page of the workspace (coordinator): list, add, last sync, last error."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from civicshield.core import authz
from civicshield.core.markings import TLP
from civicshield.sharing.federation import services
from civicshield.sharing.federation.models import Direction, Peer


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


def _require(request: HttpRequest) -> None:
    if not authz.can(request.user, "sharing_group:manage"):
        raise PermissionDenied


@login_required
@require_GET
def peer_list(request: HttpRequest) -> HttpResponse:
    _require(request)
    return render(request, "sharing/peers.html", {"peers": Peer.objects.all()})


@login_required
@require_http_methods(["GET", "POST"])
def peer_create(request: HttpRequest) -> HttpResponse:
    _require(request)
    form = PeerForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_peer(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            for name, problems in error.message_dict.items():
                form.add_error(name if name in form.fields else None, problems)
        else:
            messages.success(request, _("Peer added."))
            return redirect("sharing:peers")
    context: dict[str, Any] = {"form": form}
    return render(request, "sharing/peers_form.html", context)
