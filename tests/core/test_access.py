"""The access layer, rule by rule (DESIGN.md, "Markings and audiences")."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from civicshield.core import access
from civicshield.core.choices import Role
from civicshield.core.errors import NotFound
from civicshield.core.markings import TLP
from civicshield.core.models import AuditEntry
from civicshield.reports.models import Report
from tests.factories import make_organisation, make_user
from tests.report_factories import make_group, make_report


def _visible(user: object) -> set[int]:
    return set(access.visible_to(user, Report.objects.all()).values_list("pk", flat=True))


def test_clear_is_public_and_green_is_for_members_only() -> None:
    clear = make_report(tlp=TLP.CLEAR)
    green = make_report(tlp=TLP.GREEN)
    assert _visible(AnonymousUser()) == {clear.pk}
    assert _visible(make_user(Role.VIEWER)) == {clear.pk, green.pk}


def test_amber_reaches_named_organisations_and_their_sub_organisations() -> None:
    recipient = make_organisation()
    branch = make_organisation(parent=recipient)
    report = make_report(tlp=TLP.AMBER, organisations=[recipient])
    assert report.pk in _visible(make_user(organisation=recipient))
    assert report.pk in _visible(make_user(organisation=branch))
    assert report.pk not in _visible(make_user())


def test_amber_strict_report_is_hidden_from_sub_organisations() -> None:
    recipient = make_organisation()
    branch = make_organisation(parent=recipient)
    report = make_report(tlp=TLP.AMBER_STRICT, organisations=[recipient])
    assert report.pk in _visible(make_user(organisation=recipient))
    assert report.pk not in _visible(make_user(organisation=branch))


def test_a_sharing_group_addresses_its_members() -> None:
    member, outsider = make_organisation(), make_organisation()
    member_branch = make_organisation(parent=member)
    group = make_group(member)
    amber = make_report(tlp=TLP.AMBER, groups=[group])
    strict = make_report(tlp=TLP.AMBER_STRICT, groups=[group])
    assert _visible(make_user(organisation=member)) >= {amber.pk, strict.pk}
    assert _visible(make_user(organisation=member_branch)) & {amber.pk, strict.pk} == {amber.pk}
    assert not _visible(make_user(organisation=outsider)) & {amber.pk, strict.pk}


def test_red_is_for_named_people_only_not_their_colleagues_or_the_owner() -> None:
    owner = make_organisation()
    creator = make_user(organisation=owner)
    named = make_user()
    colleague = make_user(organisation=named.organisation)
    report = make_report(tlp=TLP.RED, owner=owner, created_by=creator, users=[named])
    assert report.pk in _visible(named)
    assert report.pk in _visible(creator)
    assert report.pk not in _visible(colleague)
    assert report.pk not in _visible(make_user(organisation=owner))


def test_the_owner_organisation_sees_its_own_amber_strict_items() -> None:
    owner = make_organisation()
    report = make_report(tlp=TLP.AMBER_STRICT, owner=owner, organisations=[make_organisation()])
    assert report.pk in _visible(make_user(organisation=owner))


def test_the_coordinator_sees_everything_but_red_not_addressed_to_it() -> None:
    coordinator = make_user(organisation=make_organisation(is_coordinator=True))
    amber = make_report(tlp=TLP.AMBER_STRICT, organisations=[make_organisation()])
    red_elsewhere = make_report(tlp=TLP.RED, users=[make_user()])
    red_to_coordinator = make_report(tlp=TLP.RED, users=[coordinator])
    seen = _visible(coordinator)
    assert {amber.pk, red_to_coordinator.pk} <= seen
    assert red_elsewhere.pk not in seen


def test_missing_and_hidden_records_answer_the_same_not_found() -> None:
    hidden = make_report(tlp=TLP.AMBER_STRICT, organisations=[make_organisation()])
    outsider = make_user()
    messages = []
    for pk in (hidden.pk, 999_999):
        try:
            access.get_visible(outsider, Report.objects.all(), pk=pk)
        except NotFound as error:
            messages.append(str(error))
    assert messages[0] == messages[1]


def test_reading_an_amber_item_is_audited_for_its_owner_but_green_is_not() -> None:
    reader = make_user()
    amber = make_report(tlp=TLP.AMBER, organisations=[reader.organisation])
    green = make_report(tlp=TLP.GREEN)
    access.record_read(reader, amber)
    access.record_read(reader, green)
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.object_id, entry.actor) == ("report.read", str(amber.pk), reader)


def test_inactive_accounts_see_only_what_the_public_sees() -> None:
    clear = make_report(tlp=TLP.CLEAR)
    make_report(tlp=TLP.GREEN)
    assert _visible(make_user(is_active=False)) == {clear.pk}
