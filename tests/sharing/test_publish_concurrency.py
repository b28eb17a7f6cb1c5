"""Writers of TAXII collection entries at the same time (PostgreSQL: several app servers).

Entries must become visible in the order of their `date_added`, or a peer's `added_after`
cursor passes an entry that commits later and the peer never receives it; two readers
publishing the same changed reports must not collide; two imports of the same new
objects must both succeed. SQLite queues writers at BEGIN IMMEDIATE, but the in-memory
test database fails on a held lock instead of waiting, so these run on PostgreSQL (CI).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction

from civicshield.core.choices import Role
from civicshield.core.markings import TLP
from civicshield.sharing.models import PublishedReport, StixObject, TaxiiEntry
from civicshield.sharing.stix.import_ import import_stix
from civicshield.sharing.stix.publish import sync_reports
from tests.factories import make_organisation, make_user
from tests.report_factories import make_report

GREEN = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the in-memory SQLite test database fails on a held lock instead of "
                    "waiting; a file database queues writers at BEGIN IMMEDIATE")


def _in_thread(work: Callable[[], Any], results: list[Any]) -> threading.Thread:
    def run() -> None:
        try:
            results.append(work())
        except Exception as error:  # reported to the test, which fails on it
            results.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _bundle(count: int) -> dict[str, Any]:
    return {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": [
        {"type": "domain-name", "spec_version": "2.1", "id": f"domain-name--{uuid.uuid4()}",
         "value": f"queue-{n}.example", "object_marking_refs": [GREEN]}
        for n in range(count)]}


def test_an_entry_committed_later_is_never_dated_before_one_already_visible() -> None:
    first = make_report(tlp=TLP.GREEN)
    second = make_report(tlp=TLP.GREEN)
    results: list[Any] = []

    with transaction.atomic():
        assert sync_reports([first.pk]) == 1
        racing = _in_thread(lambda: sync_reports([second.pk]), results)
        racing.join(timeout=1.0)
        # The second writer waits for the first to commit instead of taking a date and
        # committing while the first's earlier-dated entries are still invisible.
        assert racing.is_alive()
    racing.join(timeout=30)

    assert results == [1]
    first_dates = TaxiiEntry.objects.filter(source_report=first).values_list(
        "date_added", flat=True)
    second_dates = TaxiiEntry.objects.filter(source_report=second).values_list(
        "date_added", flat=True)
    assert max(first_dates) < min(second_dates)


def test_two_readers_publishing_the_same_changed_report_publish_it_once() -> None:
    report = make_report(tlp=TLP.GREEN)
    results: list[Any] = []

    with transaction.atomic():
        assert sync_reports() == 1
        racing = _in_thread(sync_reports, results)
        racing.join(timeout=1.0)
    racing.join(timeout=30)

    assert results == [0]  # not an IntegrityError on the published version
    assert PublishedReport.objects.filter(report=report).count() == 1
    stix_ids = list(TaxiiEntry.objects.filter(source_report=report).values_list(
        "collection", "stix_id", "version"))
    assert stix_ids and len(stix_ids) == len(set(stix_ids))


def test_two_imports_of_the_same_new_objects_at_once_both_succeed_and_store_them_once(
        ) -> None:
    analyst = make_user(Role.ANALYST, organisation=make_organisation(slug="observers"))
    bundle = _bundle(5)
    results: list[Any] = []

    with transaction.atomic():
        first = import_stix(actor=analyst, document=bundle, source="test")
        racing = _in_thread(lambda: import_stix(actor=analyst, document=bundle,
                                                source="test"), results)
        racing.join(timeout=1.0)
    racing.join(timeout=30)

    assert first.success_count == 5
    assert len(results) == 1 and not isinstance(results[0], Exception), results
    assert StixObject.objects.filter(type="domain-name").count() == 5
    assert TaxiiEntry.objects.filter(type="domain-name").count() == 5
