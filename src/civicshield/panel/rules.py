"""The decision rule, as a pure function: from the assessments to a finding.

Kept apart from the database so every combination can be checked on its own
(tests/panel/test_rules.py). `services.decide` asks it and records its answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from civicshield.panel.choices import DecisionRule, Finding


@dataclass(frozen=True)
class Tally:
    """What the submitted assessments of the members not recused add up to."""

    rule: str
    majority_fraction: Decimal
    quorum: int
    members_not_recused: int
    votes_meeting: int
    votes_not_meeting: int

    @property
    def assessed(self) -> int:
        return self.votes_meeting + self.votes_not_meeting

    @property
    def too_many_recusals(self) -> bool:
        """Fewer members are left than the quorum: this case can never be decided."""
        return self.members_not_recused < self.quorum

    @property
    def quorum_met(self) -> bool:
        return not self.too_many_recusals and self.assessed >= self.quorum

    @property
    def finding(self) -> str | None:
        """The finding under the rule, or None while the panel cannot decide."""
        if not self.quorum_met:
            return None
        if self.rule == DecisionRule.CONSENSUS:
            if self.votes_not_meeting == 0:
                return Finding.MET
            if self.votes_meeting == 0:
                return Finding.NOT_MET
            return Finding.NO_AGREEMENT
        # Majority: one side must exceed the fraction of the assessments; a tie never does.
        if Decimal(self.votes_meeting) > self.majority_fraction * self.assessed:
            return Finding.MET
        if Decimal(self.votes_not_meeting) > self.majority_fraction * self.assessed:
            return Finding.NOT_MET
        return Finding.NO_MAJORITY

    @property
    def can_decide(self) -> bool:
        return self.finding is not None

    def why_not(self) -> str:
        """Why the panel cannot decide yet, in plain words ("" when it can)."""
        if self.too_many_recusals:
            return _(
                "The panel cannot decide this case: too many members are recused. Only "
                "%(left)d member(s) are not recused and the quorum is %(quorum)d."
            ) % {"left": self.members_not_recused, "quorum": self.quorum}
        if self.assessed < self.quorum:
            return _(
                "Quorum not met: %(assessed)d of the %(quorum)d assessments needed have been "
                "submitted."
            ) % {"assessed": self.assessed, "quorum": self.quorum}
        return ""
