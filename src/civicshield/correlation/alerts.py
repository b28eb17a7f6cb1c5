"""In-app alerts for the coordinator and the panel (notification channels come later).

An alert never tells a recipient more than the access layer lets them see: each recipient
gets a threshold alert only if the campaign, as they may see it, crosses the threshold, and a
new-phase or new-victim alert only if they may see a member that carries it. Victims are
never named in an alert (reports.redaction decides who may know them).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from civicshield.core import access
from civicshield.core.choices import Role
from civicshield.core.markings import TLP
from civicshield.correlation import scoring
from civicshield.correlation.choices import AlertKind
from civicshield.correlation.conf import CorrelationSettings
from civicshield.correlation.models import Alert, AlertReceipt, Campaign
from civicshield.reports.models import Report

WATCHERS = (Role.COORDINATOR, Role.PANEL)


def _people(roles: Sequence[str]) -> list[Any]:
    return list(get_user_model().objects.filter(role__in=roles, is_active=True,
                                                organisation__isnull=False)
                .select_related("organisation").order_by("pk"))


def _visible(user: Any, report_ids: Iterable[int]) -> set[int]:
    return set(access.visible_to(user, Report.objects.filter(pk__in=list(report_ids)))
               .values_list("pk", flat=True))


def deliver(*, kind: str, campaign: Campaign | None, message: str, details: dict,
            users: Iterable[Any]) -> Alert | None:
    users = list(users)
    if not users:
        return None
    alert = Alert.objects.create(kind=kind, campaign=campaign, message=message, details=details)
    AlertReceipt.objects.bulk_create([AlertReceipt(alert=alert, user=user) for user in users])
    return alert


def threshold_crossed(campaign: Campaign, facts: dict[int, scoring.MemberFacts],
                      conf: CorrelationSettings, now: datetime) -> Alert | None:
    recipients = []
    for person in _people(WATCHERS):
        seen = _visible(person, facts)
        parts = scoring.score([facts[r] for r in seen], now=now,
                              half_life_days=conf.half_life_days,
                              breadth_weight=conf.breadth_weight,
                              threshold=conf.alert_threshold)
        if seen and parts.crossed:
            recipients.append(person)
    return deliver(
        kind=AlertKind.THRESHOLD, campaign=campaign,
        message=_("“%(campaign)s” crossed the alert threshold of %(threshold)s.")
        % {"campaign": campaign.label, "threshold": conf.alert_threshold},
        details={"threshold": conf.alert_threshold}, users=recipients)


def spans_new(campaign: Campaign, facts: dict[int, scoring.MemberFacts], *,
              phases: Sequence[int] = (), victims: Sequence[int] = ()) -> None:
    from civicshield.vocab.models import Term  # the phase's name, for the message

    names = dict(Term.objects.filter(pk__in=list(phases)).values_list("pk", "name"))
    people = _people(WATCHERS)
    for phase in phases:
        carriers = {r for r, f in facts.items() if phase in f.phases}
        deliver(kind=AlertKind.NEW_PHASE, campaign=campaign,
                message=_("“%(campaign)s” now spans a new phase: %(phase)s.")
                % {"campaign": campaign.label, "phase": names.get(phase, "?")},
                details={"phase": phase},
                users=[p for p in people if _visible(p, carriers)])
    for victim in victims:
        carriers = {r for r, f in facts.items() if victim in f.victims}
        deliver(kind=AlertKind.NEW_VICTIM, campaign=campaign,
                message=_("“%(campaign)s” now concerns one more victim.")
                % {"campaign": campaign.label},
                details={}, users=[p for p in people if _visible(p, carriers)])


def _audience(report_ids: Iterable[int]) -> dict[int, tuple]:
    """Who may see each report, as a comparable value (CLEAR and GREEN: the community)."""
    ids = list(report_ids)
    rows = {r["pk"]: r for r in Report.objects.filter(pk__in=ids).values(
        "pk", "reference", "tlp", "owner_organisation_id", "owner_organisation__name")}
    named: dict[int, set[str]] = defaultdict(set)
    for field, prefix in (("audience_organisations", "o"), ("audience_groups", "g"),
                          ("audience_users", "u")):
        through = getattr(Report, field).through
        column = next(f.column for f in through._meta.fields
                      if f.column not in ("id", "report_id"))
        for report_id, value in through.objects.filter(report_id__in=ids).values_list(
                "report_id", column):
            named[report_id].add(f"{prefix}{value}")
    result: dict[int, tuple] = {}
    for pk, row in rows.items():
        if row["tlp"] in (TLP.CLEAR, TLP.GREEN):
            result[pk] = ("community",)
        else:
            result[pk] = (row["tlp"], row["owner_organisation_id"], frozenset(named[pk]))
    return result


def broker_contact(pairs: Iterable[tuple[int, int]]) -> Alert | None:
    """Tell the coordinator of new links between reports shared with different audiences:
    one side's readers cannot see the other, so only the coordinator can put them in touch.
    The viewers themselves are never told."""
    pairs = sorted(set(pairs))
    if not pairs:
        return None
    ids = {r for pair in pairs for r in pair}
    audiences = _audience(ids)
    across = [(a, b) for a, b in pairs if a in audiences and b in audiences
              and audiences[a] != audiences[b]]
    if not across:
        return None
    rows = {r["pk"]: r for r in Report.objects.filter(pk__in=ids).values(
        "pk", "reference", "tlp", "owner_organisation__name")}

    def name(report_id: int) -> str:
        row = rows[report_id]
        if row["tlp"] == TLP.RED:  # the coordinator may not be among its named readers
            return _("a TLP:RED report of %(organisation)s") % {
                "organisation": row["owner_organisation__name"]}
        return f"{row['reference']} ({row['owner_organisation__name']})"

    lines = [f"{name(a)} ↔ {name(b)}" for a, b in across[:20]]
    if len(across) > 20:
        lines.append(_("and %(count)s more") % {"count": len(across) - 20})
    message = _("Linked reports are shared with different audiences; consider putting "
                "their authors in touch: %(pairs)s.") % {"pairs": "; ".join(lines)}
    return deliver(kind=AlertKind.BROKER, campaign=None, message=message,
                   details={"pairs": [list(pair) for pair in across[:100]]},
                   users=_people((Role.COORDINATOR,)))
