"""The decision rule on its own: quorum, consensus, majority, ties, too many recusals."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from civicshield.panel.choices import DecisionRule, Finding
from civicshield.panel.rules import Tally


def tally(rule: str = DecisionRule.CONSENSUS, *, yes: int, no: int, eligible: int = 5,
          quorum: int = 3, fraction: str = "0.50") -> Tally:
    return Tally(rule=rule, majority_fraction=Decimal(fraction), quorum=quorum,
                 members_not_recused=eligible, votes_meeting=yes, votes_not_meeting=no)


def test_consensus_of_every_assessor_meets_the_threshold() -> None:
    assert tally(yes=3, no=0).finding == Finding.MET
    assert tally(yes=0, no=4).finding == Finding.NOT_MET


def test_one_dissent_breaks_consensus() -> None:
    assert tally(yes=4, no=1).finding == Finding.NO_AGREEMENT


def test_below_quorum_there_is_no_finding_and_the_reason_is_plain() -> None:
    short = tally(yes=2, no=0)
    assert short.finding is None and not short.can_decide
    assert short.why_not() == ("Quorum not met: 2 of the 3 assessments needed have been "
                               "submitted.")


def test_too_many_recusals_can_never_be_decided() -> None:
    stuck = tally(yes=2, no=0, eligible=2, quorum=3)
    assert stuck.too_many_recusals and not stuck.can_decide
    assert "too many members are recused" in stuck.why_not()
    assert "Only 2 member(s) are not recused and the quorum is 3" in stuck.why_not()


def test_simple_majority_and_ties() -> None:
    assert tally(DecisionRule.MAJORITY, yes=3, no=2).finding == Finding.MET
    assert tally(DecisionRule.MAJORITY, yes=1, no=3).finding == Finding.NOT_MET
    assert tally(DecisionRule.MAJORITY, yes=2, no=2, quorum=4).finding == Finding.NO_MAJORITY


def test_a_qualified_majority_must_exceed_its_share() -> None:
    assert tally(DecisionRule.MAJORITY, yes=3, no=2, fraction="0.66").finding == (
        Finding.NO_MAJORITY)
    assert tally(DecisionRule.MAJORITY, yes=4, no=1, fraction="0.66").finding == Finding.MET


@given(yes=st.integers(0, 9), no=st.integers(0, 9), eligible=st.integers(0, 12),
       quorum=st.integers(1, 9), majority=st.booleans(),
       fraction=st.sampled_from(["0.50", "0.60", "0.66", "0.75", "0.99"]))
def test_only_agreement_that_the_threshold_is_met_allows_an_announcement(
    yes: int, no: int, eligible: int, quorum: int, majority: bool, fraction: str,
) -> None:
    rule = DecisionRule.MAJORITY if majority else DecisionRule.CONSENSUS
    result = tally(rule, yes=yes, no=no, eligible=max(eligible, yes + no), quorum=quorum,
                   fraction=fraction)
    if result.assessed < quorum or result.members_not_recused < quorum:
        assert result.finding is None
        return
    if result.finding == Finding.MET:
        assert yes > no  # never on a tie, never against the weight of assessments
        if rule == DecisionRule.CONSENSUS:
            assert no == 0
    if yes == no:
        assert result.finding in (Finding.NO_AGREEMENT, Finding.NO_MAJORITY)
