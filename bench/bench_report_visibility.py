"""First page of reports visible to a typical analyst, against the same page unfiltered.

100,000 reports spread over 60 organisations, with realistic markings and audiences; the
analyst belongs to a sub-organisation of one recipient and to one sharing group. The
baseline is the plain unfiltered first page (ORDER BY created_at DESC LIMIT 50); the
measured query is the access layer's, with its count, as the list page runs them.
"""

from __future__ import annotations

import os
import random
import time
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from bench.timing import median_seconds
from civicshield.core import access
from civicshield.core.choices import Role
from civicshield.core.markings import TLP
from civicshield.directory.models import Organisation, User
from civicshield.reports.models import Report
from civicshield.sharing.models import SharingGroup

REPORTS = int(os.environ.get("BENCH_REPORTS", "100000"))
PAGE = 50
# Roughly how partners mark what they share.
MARKINGS = [TLP.CLEAR] * 5 + [TLP.GREEN] * 30 + [TLP.AMBER] * 40 + [TLP.AMBER_STRICT] * 20 + [
    TLP.RED] * 5


def _populate(rng: random.Random) -> User:
    organisations = Organisation.objects.bulk_create(
        Organisation(slug=f"bench-org-{n}", name=f"Bench organisation {n}",
                     sector="civil_society", country="Veridia")
        for n in range(60)
    )
    branch = Organisation.objects.create(slug="bench-branch", name="Bench branch",
                                         sector="civil_society", country="Veridia",
                                         parent=organisations[1])
    group = SharingGroup.objects.create(slug="bench-group", name="Bench group")
    group.organisations.set([organisations[1], organisations[2], organisations[3]])
    others = SharingGroup.objects.create(slug="bench-others", name="Others")
    others.organisations.set(organisations[10:20])
    analyst = User.objects.create(username="bench-analyst", role=Role.ANALYST,
                                  organisation=branch)
    now = timezone.now()
    Through = Report.audience_organisations.through
    GroupThrough = Report.audience_groups.through
    UserThrough = Report.audience_users.through
    batch = 5000
    for start in range(0, REPORTS, batch):
        with transaction.atomic():
            reports = Report.objects.bulk_create(
                Report(reference=f"CS-B{n:07d}", title=f"Report {n}", description="…",
                       observed_start=now, tlp=rng.choice(MARKINGS),
                       owner_organisation=organisations[rng.randrange(60)])
                for n in range(start, min(start + batch, REPORTS))
            )
            # Spread creation times so that ordering by date means something.
            for report in reports:
                report.created_at = now - timedelta(minutes=rng.randrange(60 * 24 * 90))
            Report.objects.bulk_update(reports, ["created_at"])
            audience, groups, users = [], [], []
            for report in reports:
                if report.tlp in (TLP.AMBER, TLP.AMBER_STRICT):
                    for organisation in rng.sample(organisations, 2):
                        audience.append(Through(report_id=report.pk,
                                                organisation_id=organisation.pk))
                    if rng.random() < 0.2:
                        groups.append(GroupThrough(report_id=report.pk, sharinggroup_id=rng.choice(
                            [group.pk, others.pk])))
                elif report.tlp == TLP.RED:
                    users.append(UserThrough(report_id=report.pk, user_id=analyst.pk))
            Through.objects.bulk_create(audience)
            GroupThrough.objects.bulk_create(groups)
            UserThrough.objects.bulk_create(users[: len(users) // 10])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return analyst



def run() -> None:
    rng = random.Random(20261125)
    started = time.perf_counter()
    analyst = _populate(rng)
    print(f"  generated {REPORTS:,} reports in {time.perf_counter() - started:.0f} s "
          f"({connection.vendor})")
    everything = Report.objects.order_by("-created_at", "-id")

    def baseline() -> None:
        list(everything[:PAGE])
        everything.count()

    def visible() -> None:
        queryset = access.visible_to(analyst, everything)
        list(queryset[:PAGE])
        queryset.count()

    def baseline_page() -> None:
        list(everything[:PAGE])

    def visible_page() -> None:
        list(access.visible_to(analyst, everything)[:PAGE])

    seen = access.visible_to(analyst, everything).count()
    print(f"  analyst sees {seen:,} of {REPORTS:,}")
    for label, plain_call, filtered_call in (("first page", baseline_page, visible_page),
                                             ("first page + count", baseline, visible)):
        plain, filtered = median_seconds(plain_call, 9), median_seconds(filtered_call, 9)
        print(f"  {label:<18} unfiltered {plain * 1000:8.1f} ms, visible_to "
              f"{filtered * 1000:8.1f} ms, ratio {filtered / plain:6.2f}")
