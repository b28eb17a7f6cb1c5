"""Factories for shared records: reports with a marking and an audience."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from django.utils import timezone

from civicshield.core.markings import TLP
from civicshield.reports.models import Report
from civicshield.sharing.models import SharingGroup
from tests.factories import make_organisation

_sequence = itertools.count(1)


def make_report(
    *, tlp: str = TLP.AMBER, owner: Any = None, created_by: Any = None,
    organisations: Sequence[Any] = (), groups: Sequence[Any] = (), users: Sequence[Any] = (),
    **fields: Any,
) -> Report:
    number = next(_sequence)
    report = Report.objects.create(**{
        "reference": f"CS-TEST{number:04d}", "title": f"Report {number}",
        "description": f"What happened, number {number}.", "observed_start": timezone.now(),
        "tlp": tlp, "owner_organisation": owner or make_organisation(), "created_by": created_by,
        **fields,
    })
    report.audience_organisations.set(organisations)
    report.audience_groups.set(groups)
    report.audience_users.set(users)
    return report


def make_group(*organisations: Any, slug: str = "") -> SharingGroup:
    number = next(_sequence)
    group = SharingGroup.objects.create(slug=slug or f"group-{number}", name=f"Group {number}")
    group.organisations.set(organisations)
    return group
