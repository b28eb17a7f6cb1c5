"""The fictional "Veridia general election", its calendar laid around today's date so that
the demo always has live phases (voter education and the campaign overlap)."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from civicshield.readiness import services
from civicshield.readiness.choices import ElectionType
from civicshield.readiness.models import Election
from civicshield.vocab.choices import ElectoralPhase

DEMO_NAME = "Veridia general election"
DAYS_TO_ELECTION = 20

# Days relative to election day, both ends included.
_CALENDAR = {
    ElectoralPhase.LEGAL_FRAMEWORK: (-400, -180),
    ElectoralPhase.PLANNING: (-365, -60),
    ElectoralPhase.VOTER_REGISTRATION: (-150, -30),
    ElectoralPhase.TRAINING: (-120, -1),
    ElectoralPhase.CANDIDATE_REGISTRATION: (-90, -45),
    ElectoralPhase.CAMPAIGN: (-40, -2),
    ElectoralPhase.VOTING: (-14, 0),
    ElectoralPhase.RESULTS: (0, 7),
    ElectoralPhase.POST_ELECTION: (7, 90),
}


def demo_calendar(election_day: date) -> dict[str, tuple[date, date]]:
    return {
        str(phase): (election_day + timedelta(days=start), election_day + timedelta(days=end))
        for phase, (start, end) in _CALENDAR.items()
    }


def load_demo_election(*, today: date | None = None) -> Election:
    """Create the demo election, or leave it as it is when it exists and is still current.

    Idempotent: one demo election, however often it runs. When an old demo database no
    longer has a phase live today, its calendar is moved to sit around today again.
    """
    today = today or timezone.localdate()
    election = Election.objects.filter(name=DEMO_NAME).first()
    if election is None:
        election_day = today + timedelta(days=DAYS_TO_ELECTION)
        return services.create_election(
            actor=None, name=DEMO_NAME, jurisdiction="Veridia",
            election_type=ElectionType.GENERAL, election_day=election_day,
            calendar=demo_calendar(election_day),
        )
    if not election.phases.filter(start__lte=today, end__gte=today).exists():
        election_day = today + timedelta(days=DAYS_TO_ELECTION)
        services.set_calendar(actor=None, election=election, election_day=election_day,
                              calendar=demo_calendar(election_day))
    return election
