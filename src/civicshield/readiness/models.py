"""Elections and their calendars: when each phase of the electoral cycle runs.

Phases may overlap (voter education runs through the campaign), so several can be live
on one day.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from civicshield.readiness.choices import ElectionType
from civicshield.vocab.choices import ElectoralPhase


class Election(models.Model):
    name = models.CharField(max_length=200)
    jurisdiction = models.CharField(max_length=200)
    election_type = models.CharField(max_length=20, choices=ElectionType.choices)
    election_day = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-election_day", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "election_day"], name="readiness_election_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.election_day:%Y-%m-%d})"


class ElectionPhase(models.Model):
    """One phase in an election's calendar, from `start` to `end`, both days included."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="phases")
    phase = models.CharField(max_length=40, choices=ElectoralPhase.choices)
    start = models.DateField()
    end = models.DateField()

    class Meta:
        ordering = ["election", "start", "end"]
        constraints = [
            models.UniqueConstraint(fields=["election", "phase"], name="readiness_phase_once"),
            models.CheckConstraint(
                condition=Q(end__gte=F("start")), name="readiness_phase_ends_after_start"
            ),
        ]
        verbose_name = _("election phase")

    def __str__(self) -> str:
        return f"{self.election.name}: {self.phase} {self.start} to {self.end}"
