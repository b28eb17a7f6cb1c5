"""Election pages: the list and each election's calendar drawn as a timeline."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from civicshield.core.errors import NotFound
from civicshield.readiness import selectors


def _day(request: HttpRequest) -> date:
    try:
        return date.fromisoformat(request.GET.get("on", ""))
    except ValueError:
        return timezone.localdate()


@login_required
def election_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    elections = [
        (election, selectors.live_phases(election, today))
        for election in selectors.elections_visible_to(request.user)
    ]
    return render(request, "readiness/election_list.html", {"elections": elections})


@login_required
def election_calendar(request: HttpRequest, election_id: int) -> HttpResponse:
    try:
        election = selectors.election_for(request.user, election_id)
    except NotFound:
        raise Http404 from None
    day = _day(request)
    return render(request, "readiness/election_calendar.html", {
        "election": election, "timeline": selectors.timeline(election, today=day),
        "live": selectors.live_phases(election, day), "day": day,
    })
