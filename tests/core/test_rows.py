"""Plain many-row writes and reads (`core.rows`), on whichever backend the suite runs."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from civicshield.core import rows
from civicshield.correlation.models import Link
from civicshield.reports.models import Observable
from tests.report_factories import make_report

pytestmark = pytest.mark.django_db


def test_insert_writes_every_row_as_the_orm_would_read_it() -> None:
    first, second = make_report(), make_report()
    now = rows.db_datetime(timezone.now())
    rows.insert(Link, ("source", "target", "kind", "strength", "details", "created_at"), [
        (first.pk, second.pk, "observable", 0.9,
         rows.db_json(Link, "details", {"observables": [{"value": "a'b\\c\tz"}]}), now),
        (first.pk, second.pk, "narrative", 0.75,
         rows.db_json(Link, "details", {"similarity": 0.75}), now)])

    stored = {link.kind: link for link in Link.objects.all()}
    assert stored["observable"].details == {"observables": [{"value": "a'b\\c\tz"}]}
    assert stored["narrative"].strength == 0.75 and stored["narrative"].created_at is not None


def test_insert_ignoring_conflicts_skips_only_the_duplicates() -> None:
    Observable.objects.create(type="domain", value="vote-info-veridia.com")
    now = rows.db_datetime(timezone.now())
    rows.insert(Observable, ("type", "value", "first_seen"),
                [("domain", "vote-info-veridia.com", now), ("domain", "poll-veridia.org", now)],
                ignore_conflicts=True)

    assert sorted(Observable.objects.values_list("value", flat=True)) == [
        "poll-veridia.org", "vote-info-veridia.com"]


def test_insert_without_ignoring_conflicts_refuses_a_duplicate() -> None:
    Observable.objects.create(type="domain", value="vote-info-veridia.com")
    now = rows.db_datetime(timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.insert(Observable, ("type", "value", "first_seen"),
                    [("domain", "vote-info-veridia.com", now)])


def test_ids_by_and_update_find_and_change_exactly_the_rows_named() -> None:
    values = [f"site-{n}.example.org" for n in range(1200)]  # more than one chunk
    Observable.objects.bulk_create([Observable(type="domain", value=v) for v in values])

    found = rows.ids_by(Observable, "value", [*values[:1000], "absent.example.org"], "type")
    assert sorted(value for _pk, value, _type in found) == sorted(values[:1000])
    assert {kind for _pk, _value, kind in found} == {"domain"}

    pk = found[0][0]
    rows.update(Observable, "value", [("renamed.example.org", pk)])
    assert Observable.objects.get(pk=pk).value == "renamed.example.org"
