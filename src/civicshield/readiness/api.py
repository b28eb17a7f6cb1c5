"""Elections API: /elections and /elections/{id} with the calendar and the live phases."""

from datetime import date

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from civicshield.readiness import selectors
from civicshield.readiness.models import Election, ElectionPhase

router = Router(tags=["readiness"])


class PhaseOut(Schema):
    code: str
    name: str
    start: date
    end: date


class ElectionOut(Schema):
    id: int
    name: str
    jurisdiction: str
    election_type: str
    election_day: date


class ElectionDetailOut(ElectionOut):
    on: date
    phases: list[PhaseOut]
    live_phases: list[str]


def _phase(phase: ElectionPhase) -> dict:
    return {"code": phase.phase, "name": phase.get_phase_display(),
            "start": phase.start, "end": phase.end}


@router.get("/elections", response=list[ElectionOut])
@paginate(LimitOffsetPagination)
def elections(request: HttpRequest) -> QuerySet[Election]:
    return selectors.elections_visible_to(request.user)


@router.get("/elections/{election_id}", response=ElectionDetailOut)
def election(request: HttpRequest, election_id: int, on: date | None = None) -> dict:
    """The election, its calendar and the phases live on `on` (default: today)."""
    found = selectors.election_for(request.user, election_id)
    day = on or timezone.localdate()
    return {
        "id": found.pk, "name": found.name, "jurisdiction": found.jurisdiction,
        "election_type": found.election_type, "election_day": found.election_day, "on": day,
        "phases": [_phase(phase) for phase in found.phases.all()],
        "live_phases": [phase.phase for phase in selectors.live_phases(found, day)],
    }
