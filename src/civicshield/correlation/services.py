"""Correlation writes. (Being written now: the interface below is what other apps call.)"""

from __future__ import annotations

from collections.abc import Sequence


def correlate_reports(*, report_ids: Sequence[int]) -> None:
    """Link these new or changed reports to the rest, incrementally. Placeholder."""
