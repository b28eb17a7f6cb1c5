"""Who is told, in which language, and what the message may say (access and consent)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from civicshield.comms.choices import DeliveryChannel, NotificationKind
from civicshield.comms.models import Notification
from civicshield.comms.notifications import selectors, services
from civicshield.core.authz import OPERATOR
from civicshield.core.choices import Role
from civicshield.core.errors import PermissionDenied
from civicshield.core.markings import TLP
from civicshield.reports import services as report_services
from civicshield.reports.choices import Outcome
from tests.comms.notification_support import Party
from tests.factories import make_user

pytest_plugins = ["tests.comms.notification_fixtures"]  # its fixtures


@pytest.fixture(autouse=True)
def _immediate_tasks(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
                                  "QUEUES": ["default", "notifications"]}}


def _notify(party: Party, **fields: Any) -> Notification:
    return services.notify(**{
        "actor": OPERATOR, "kind": NotificationKind.ATTEMPTED_BREACH,
        "organisation": party.organisation, "title": "Phishing aimed at your staff",
        "topic": "phishing", "phase": "campaign", "severity": 3, **fields})


def test_the_front_line_contact_for_the_topic_and_phase_is_told_in_their_language(
        party: Party, coordinator_org: Any) -> None:
    notification = _notify(party)
    recipients = list(notification.recipients.all())
    assert [r.contact_id for r in recipients] == [party.analyst.pk]
    # German has no templates: the next of their languages that has one.
    assert recipients[0].language == "fr"
    message = selectors.message_for(recipients[0])
    assert "CE QUI VOUS EST ARRIVÉ" in message.body
    assert message.subject.startswith("[Civic Shield] Tentative de violation")
    assert "Duty Desk" in message.body and "+442079460001" in message.body


def test_urgent_matters_also_reach_round_the_clock_contacts(party: Party,
                                                            coordinator_org: Any) -> None:
    notification = _notify(party, topic="", phase="", severity=5)
    told = set(notification.recipients.values_list("contact_id", flat=True))
    assert told == {party.analyst.pk, party.other.pk}


def test_without_a_topic_match_the_front_line_of_the_organisation_is_told(
        party: Party, coordinator_org: Any) -> None:
    notification = _notify(party, topic="denial_of_service", phase="")
    told = set(notification.recipients.values_list("contact_id", flat=True))
    assert told == {party.analyst.pk, party.other.pk}
    assert party.chair.pk not in told


def test_an_unknown_language_falls_back_to_english(party: Party, coordinator_org: Any) -> None:
    party.analyst.languages = ["de"]
    party.analyst.save()
    recipient = _notify(party).recipients.get()
    assert recipient.language == "en"
    assert "WHAT HAPPENED TO YOU" in selectors.message_for(recipient).body


def test_each_contact_gets_an_email_and_an_account_holder_an_inbox_item(
        party: Party, coordinator_org: Any) -> None:
    make_user(Role.VIEWER, party.organisation, email="lea@sunrise.example")
    notification = _notify(party)
    channels = set(notification.deliveries.values_list("channel", flat=True))
    assert channels == {DeliveryChannel.EMAIL, DeliveryChannel.INBOX}


def test_only_holders_of_the_right_may_notify(party: Party) -> None:
    analyst = make_user(Role.ANALYST, party.organisation)
    with pytest.raises(PermissionDenied):
        _notify(party, actor=analyst)


def test_the_same_key_notifies_once(party: Party, coordinator_org: Any) -> None:
    first = _notify(party, key="campaign-7-sunrise")
    again = _notify(party, key="campaign-7-sunrise")
    assert first.pk == again.pk
    assert Notification.objects.count() == 1


def _report_about(party: Party, reporter: Any, *, tlp: str, audience: list[Any],
                  django_capture_on_commit_callbacks: Any) -> Any:
    with django_capture_on_commit_callbacks(execute=True):
        return report_services.create_report(actor=reporter, data=report_services.ReportInput(
            title="Fake webmail login page aimed at Sunrise staff",
            description="A look-alike login page at sunrise-mail[.]example harvested nothing.",
            observed_start=timezone.now(), outcome=Outcome.ATTEMPTED, severity=3, tlp=tlp,
            audience_organisations=audience,
            victims=[{"organisation": party.organisation, "consent": "partners"},
                     {"kind": "candidate", "name": "Marta Quill", "region": "North",
                      "consent": "private"}],
        ))


def test_a_report_naming_a_victim_organisation_notifies_it_with_what_it_may_see(
        party: Party, coordinator: Any, django_capture_on_commit_callbacks: Any) -> None:
    report = _report_about(party, coordinator, tlp=TLP.AMBER, audience=[party.organisation],
                           django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    notification = Notification.objects.get(report=report)
    assert notification.kind == NotificationKind.ATTEMPTED_BREACH
    assert notification.organisation == party.organisation
    body = mail.outbox[0].body
    assert "sunrise-mail[.]example" in body  # the party may see the report
    assert "Marta Quill" not in body  # a private victim is described, not named
    assert "a candidate in the North region" in body


def test_a_victim_notification_records_who_reported_in_its_one_audited_write(
        party: Party, coordinator: Any, django_capture_on_commit_callbacks: Any) -> None:
    from civicshield.core.models import AuditEntry

    report = _report_about(party, coordinator, tlp=TLP.AMBER, audience=[party.organisation],
                           django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    notification = Notification.objects.get(report=report)
    assert notification.created_by == coordinator
    entry = AuditEntry.objects.get(action="notification.create")
    assert entry.object_id == str(notification.pk)


def test_a_report_the_victim_may_not_see_is_withheld_from_its_notification(
        party: Party, coordinator: Any, coordinator_org: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    _report_about(party, coordinator, tlp=TLP.AMBER_STRICT, audience=[coordinator_org],
                  django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    body = mail.outbox[0].body
    assert "sunrise-mail[.]example" not in body
    assert "Fake webmail login page" not in body
    assert "restricted marking" in body


def test_an_organisation_is_not_notified_of_what_it_reported_itself(
        party: Party, coordinator_org: Any, django_capture_on_commit_callbacks: Any) -> None:
    own = make_user(Role.ANALYST, party.organisation)
    _report_about(party, own, tlp=TLP.AMBER, audience=[coordinator_org],
                  django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    assert not Notification.objects.exists()
