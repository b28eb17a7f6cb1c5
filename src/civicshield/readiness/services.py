"""Writes of elections and calendars: one transaction, one audit entry each."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from civicshield.core import audit
from civicshield.core.errors import ValidationError
from civicshield.readiness.choices import ElectionType
from civicshield.readiness.models import Election, ElectionPhase
from civicshield.vocab.choices import ElectoralPhase


def _check_calendar(calendar: dict[str, tuple[date, date]]) -> None:
    for phase, (start, end) in calendar.items():
        if phase not in ElectoralPhase.values:
            raise ValidationError({"phases": [_("“%(phase)s” is not an electoral phase.")
                                              % {"phase": phase}]})
        if end < start:
            raise ValidationError({"phases": [_("%(phase)s ends before it starts.")
                                              % {"phase": phase}]})


def create_election(*, actor: Any, name: str, jurisdiction: str, election_type: str,
                    election_day: date, calendar: dict[str, tuple[date, date]]) -> Election:
    """Create an election with its calendar (phase code → (start, end), days included)."""
    if election_type not in ElectionType.values:
        raise ValidationError({"election_type": [_("Unknown election type.")]})
    _check_calendar(calendar)
    with transaction.atomic():
        election = Election.objects.create(
            name=name, jurisdiction=jurisdiction, election_type=election_type,
            election_day=election_day,
        )
        ElectionPhase.objects.bulk_create([
            ElectionPhase(election=election, phase=phase, start=start, end=end)
            for phase, (start, end) in calendar.items()
        ])
        audit.record(actor=actor, action="election.create", target=election,
                     details={"phases": sorted(calendar)})
    return election


def set_calendar(*, actor: Any, election: Election, election_day: date,
                 calendar: dict[str, tuple[date, date]]) -> Election:
    """Replace an election's day and calendar."""
    _check_calendar(calendar)
    with transaction.atomic():
        election.election_day = election_day
        election.save(update_fields=["election_day"])
        election.phases.all().delete()
        ElectionPhase.objects.bulk_create([
            ElectionPhase(election=election, phase=phase, start=start, end=end)
            for phase, (start, end) in calendar.items()
        ])
        audit.record(actor=actor, action="election.set_calendar", target=election,
                     details={"election_day": election_day.isoformat()})
    return election
