"""Reads of the public site. Everything here is what anyone may see: reads of shared
records go through the access layer with an anonymous viewer (TLP:CLEAR only)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet

from civicshield.core.access import Viewer
from civicshield.reports.choices import Source, Status
from civicshield.reports.models import Report
from civicshield.reports.selectors import reports_visible_to
from civicshield.vocab.choices import Language
from civicshield.vocab.models import Term, TermTranslation


@dataclass(frozen=True)
class Tally:
    code: str
    label: str
    count: int


@dataclass(frozen=True)
class PublicStatistics:
    total: int
    by_phase: list[Tally]
    by_type: list[Tally]


def _labels(vocabulary: str, codes: list[str], lang: str) -> dict[str, str]:
    terms = Term.objects.filter(vocabulary__slug=vocabulary, code__in=codes)
    labels = dict(terms.values_list("code", "name"))
    if lang != Language.EN:
        labels.update(TermTranslation.objects.filter(
            term__in=terms, language=lang).values_list("term__code", "name"))
    return labels


def _counts(queryset: QuerySet[Report], relation: str, vocabulary: str, lang: str
            ) -> list[Tally]:
    rows = list(
        queryset.filter(**{f"{relation}__vocabulary__slug": vocabulary})
        .values(f"{relation}__code").annotate(count=Count("pk", distinct=True))
        .order_by("-count", f"{relation}__code")
    )
    codes = [row[f"{relation}__code"] for row in rows]
    labels = _labels(vocabulary, codes, lang)
    return [Tally(code, labels.get(code, code), row["count"]) for code, row in zip(
        codes, rows, strict=True)]


def public_statistics(lang: str = Language.EN) -> PublicStatistics:
    """Counts of closed, TLP:CLEAR reports by electoral phase and by information type.

    Only what the public may see is counted (the access layer with an anonymous viewer),
    and exercise data never counts. A report with several phases counts once in each.
    """
    closed = reports_visible_to(Viewer.anonymous(), status=Status.CLOSED).exclude(
        source=Source.EXERCISE).order_by()
    return PublicStatistics(
        total=closed.count(),
        by_phase=_counts(closed, "phases", "phases", lang),
        by_type=_counts(closed, "information_types", "information-types", lang),
    )
