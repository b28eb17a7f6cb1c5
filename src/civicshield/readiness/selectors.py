"""Reads of elections and calendars: live phases on a date, and the calendar as a timeline.

Every signed-in member may read elections (`election:view`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from civicshield.core import authz
from civicshield.core.errors import NotFound
from civicshield.readiness.models import Election, ElectionPhase
from civicshield.vocab.choices import ElectoralPhase

READ_ACTION = "election:view"
_PHASE_ORDER = {code: index for index, code in enumerate(ElectoralPhase.values)}


def _with_phases(queryset: QuerySet[Election]) -> QuerySet[Election]:
    return queryset.prefetch_related(
        Prefetch("phases", queryset=ElectionPhase.objects.order_by("start", "end"))
    )


def elections_visible_to(viewer: Any) -> QuerySet[Election]:
    authz.require(viewer, READ_ACTION)
    return _with_phases(Election.objects.all()).order_by("-election_day", "name")


def election_for(viewer: Any, election_id: int) -> Election:
    """The election with its phases, or NotFound."""
    authz.require(viewer, READ_ACTION)
    election = _with_phases(Election.objects.filter(pk=election_id)).first()
    if election is None:
        raise NotFound("election")
    return election


def live_phases(election: Election, on: date) -> list[ElectionPhase]:
    """The phases of `election` running on `on` (start and end days included), in cycle order.
    Several when phases overlap; none between phases or outside the calendar."""
    live = [phase for phase in election.phases.all() if phase.start <= on <= phase.end]
    return sorted(live, key=lambda phase: (_PHASE_ORDER.get(phase.phase, 99), phase.start))


@dataclass
class LivePhase:
    election: Election
    phase: ElectionPhase
    code: str
    label: str


def live_phases_today(viewer: Any, *, today: date | None = None) -> list[LivePhase]:
    """Every election's live phases today (or on `today`), for the dashboard."""
    today = today or timezone.localdate()
    elections = elections_visible_to(viewer).filter(
        phases__start__lte=today, phases__end__gte=today
    ).distinct()
    return [
        LivePhase(election, phase, phase.phase, str(ElectoralPhase(phase.phase).label))
        for election in elections for phase in live_phases(election, today)
    ]


# --- The calendar drawn as a timeline ------------------------------------------------

TIMELINE_WIDTH = 1000
ROW_HEIGHT = 30
AXIS_HEIGHT = 24


@dataclass
class TimelineRow:
    phase: ElectionPhase
    label: str
    live: bool
    x: float
    width: float
    y: int
    text_y: int


@dataclass
class Tick:
    x: float
    label: str


@dataclass
class Timeline:
    start: date
    end: date
    rows: list[TimelineRow]
    ticks: list[Tick]
    today: date
    today_x: float | None
    election_day_x: float | None
    width: int
    height: int


def timeline(election: Election, *, today: date | None = None) -> Timeline:
    """Coordinates for drawing the calendar in SVG (one row per phase, cycle order), with
    today's position when today falls within the calendar."""
    today = today or timezone.localdate()
    phases = sorted(election.phases.all(),
                    key=lambda phase: (_PHASE_ORDER.get(phase.phase, 99), phase.start))
    start = min([phase.start for phase in phases] + [election.election_day])
    end = max([phase.end for phase in phases] + [election.election_day]) + timedelta(days=1)
    days = max((end - start).days, 1)

    def x_of(day: date) -> float:
        return round((day - start).days * TIMELINE_WIDTH / days, 2)

    rows = [
        TimelineRow(
            phase=phase, label=str(ElectoralPhase(phase.phase).label),
            live=phase.start <= today <= phase.end, x=x_of(phase.start),
            width=max(round(((phase.end - phase.start).days + 1) * TIMELINE_WIDTH / days, 2), 2),
            y=AXIS_HEIGHT + index * ROW_HEIGHT + 4,
            text_y=AXIS_HEIGHT + index * ROW_HEIGHT + 20,
        )
        for index, phase in enumerate(phases)
    ]
    ticks = []
    month = date(start.year, start.month, 1)
    while month < end:
        if month >= start:
            ticks.append(Tick(x_of(month), month.strftime("%b %Y")))
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    if len(ticks) > 12:  # keep the axis legible on long calendars
        ticks = ticks[:: (len(ticks) + 11) // 12]
    return Timeline(
        start=start, end=end - timedelta(days=1), rows=rows, ticks=ticks, today=today,
        today_x=x_of(today) if start <= today < end else None,
        election_day_x=x_of(election.election_day), width=TIMELINE_WIDTH,
        height=AXIS_HEIGHT + len(rows) * ROW_HEIGHT + 8,
    )
