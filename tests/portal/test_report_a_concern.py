"""The public report-a-concern form at /report/: no login, HTML or JSON, bounded, limited."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

from civicshield.core.access import visible_to
from civicshield.core.choices import Role
from civicshield.core.markings import TLP
from civicshield.core.models import AuditEntry
from civicshield.reports.choices import Source
from civicshield.reports.models import Report
from civicshield.reports.services import MAX_TIP_LENGTH
from tests.factories import make_organisation, make_user

URL = "/report/"
TIP = ("A text message says polling stations in Portvale close at noon on election day and "
       "links to hxxps://vote-info-veridia[.]com/portvale for 'new hours'.")
REFERENCE = re.compile(r"CS-[A-Z2-9]{8}")


@pytest.fixture
def coordinator() -> Any:
    return make_organisation(slug="eicc", name="Election Integrity Coordination Centre",
                             is_coordinator=True)


def _form(**overrides: str) -> dict[str, str]:
    return {"description": TIP, "where_when": "SMS, Tuesday 18:40, Portvale",
            "contact": "", "website": "", **overrides}


def _post_json(client: Client, body: Any, **extra: Any) -> Any:
    return client.post(URL, json.dumps(body), content_type="application/json", **extra)


def test_the_form_is_public_and_works_without_javascript(client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'method="post"' in page and 'name="csrfmiddlewaretoken"' in page
    assert 'name="description"' in page and 'name="contact"' in page
    assert "<script>" not in page and "style=" not in page
    # The honeypot is there for robots, hidden from people and screen readers.
    assert re.search(r'<div class="hp-field" aria-hidden="true">.*?name="website"', page,
                     re.DOTALL)


def test_a_tip_is_stored_for_the_coordinator_only_and_the_sender_gets_a_reference(
    client: Client, coordinator: Any,
) -> None:
    response = client.post(URL, _form(contact="reader@example.org"))
    assert response.status_code == 200
    page = response.content.decode()
    shown = REFERENCE.search(page)
    assert shown is not None
    assert "What happens next" in page and coordinator.name in page

    report = Report.objects.get()
    assert report.reference == shown.group(0)
    assert report.source == Source.PUBLIC_TIP
    assert report.tlp == TLP.AMBER_STRICT
    assert report.owner_organisation == coordinator
    assert list(report.audience_organisations.all()) == [coordinator]
    assert report.created_by is None
    assert report.tip_contact == "reader@example.org"
    assert "Where and when: SMS, Tuesday 18:40, Portvale" in report.description
    # The link in the text is extracted, refanged, for the analysts.
    assert report.observables.filter(type="url",
                                     value="https://vote-info-veridia.com/portvale").exists()

    duty_analyst = make_user(Role.COORDINATOR, organisation=coordinator)
    member = make_user(Role.ANALYST, organisation=make_organisation(slug="cec"))
    assert list(visible_to(duty_analyst, Report.objects.all())) == [report]
    assert not visible_to(member, Report.objects.all()).exists()
    assert not visible_to(None, Report.objects.all()).exists()


def test_json_posts_get_a_reference_with_201(coordinator: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    response = _post_json(client, {"description": TIP, "contact": "+442079460999"})
    assert response.status_code == 201
    body = response.json()
    assert REFERENCE.fullmatch(body["reference"])
    report = Report.objects.get(reference=body["reference"])
    assert report.source == Source.PUBLIC_TIP and report.tlp == TLP.AMBER_STRICT
    assert report.tip_contact == "+442079460999"


def test_a_signed_in_session_does_not_make_a_json_tip_act_as_the_user(
    client_for: Any, coordinator: Any,
) -> None:
    member = make_user(Role.ANALYST, organisation=make_organisation(slug="green-path"))
    client = client_for(member)
    client.handler.enforce_csrf_checks = True
    response = _post_json(client, {"description": TIP})
    assert response.status_code == 201
    report = Report.objects.get(reference=response.json()["reference"])
    assert report.created_by is None
    assert report.owner_organisation == coordinator
    assert not visible_to(member, Report.objects.all()).exists()
    entry = AuditEntry.objects.get(action="report.public_tip")
    assert entry.actor_id is None


def test_json_errors_name_the_field(coordinator: Any) -> None:
    client = Client()
    missing = _post_json(client, {"contact": "someone"})
    assert missing.status_code == 422
    assert "description" in missing.json()["errors"]
    assert _post_json(client, {"description": ["not", "text"]}).status_code == 422
    broken = client.post(URL, "{not json", content_type="application/json")
    assert broken.status_code == 400 and broken.json()["detail"]
    assert _post_json(client, ["a", "list"]).status_code == 400
    assert not Report.objects.exists()


def test_a_filled_honeypot_stores_nothing_and_gets_the_same_thank_you(
    client: Client, coordinator: Any,
) -> None:
    human = client.post(URL, _form())
    robot = client.post(URL, _form(website="https://cheap-followers.example/"))
    assert robot.status_code == human.status_code == 200
    assert Report.objects.count() == 1
    # The same page, but for the reference number: nothing tells the robot it was caught.
    human_page = REFERENCE.sub("CS-REF", human.content.decode())
    robot_page = REFERENCE.sub("CS-REF", robot.content.decode())
    strip_token = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"|"X-CSRFToken": "[^"]*"')
    assert strip_token.sub("", human_page) == strip_token.sub("", robot_page)
    assert REFERENCE.search(robot.content.decode())


def test_the_sixth_post_from_one_address_within_ten_minutes_gets_429(coordinator: Any) -> None:
    client = Client()
    for number in range(5):
        response = client.post(URL, _form(description=f"{TIP} ({number})"),
                               REMOTE_ADDR="203.0.113.7")
        assert response.status_code == 200
    limited = client.post(URL, _form(), REMOTE_ADDR="203.0.113.7")
    assert limited.status_code == 429
    assert "try again" in limited.content.decode()
    assert int(limited["Retry-After"]) > 0
    assert Report.objects.count() == 5
    limited_json = _post_json(client, {"description": TIP}, REMOTE_ADDR="203.0.113.7")
    assert limited_json.status_code == 429 and limited_json.json()["detail"]
    # Another address is not held back by the first one.
    other = client.post(URL, _form(), REMOTE_ADDR="198.51.100.23")
    assert other.status_code == 200
    assert Report.objects.count() == 6


def test_reading_the_form_does_not_count_against_the_limit(coordinator: Any) -> None:
    client = Client()
    for _ in range(10):
        assert client.get(URL, REMOTE_ADDR="203.0.113.8").status_code == 200
    assert client.post(URL, _form(), REMOTE_ADDR="203.0.113.8").status_code == 200


def test_oversized_text_is_refused_with_a_field_error(client: Client, coordinator: Any) -> None:
    response = client.post(URL, _form(description="x" * (MAX_TIP_LENGTH + 1)))
    assert response.status_code == 400
    assert response.context["form"].errors["description"]
    assert 'class="errorlist' in response.content.decode()
    too_long_json = _post_json(Client(), {"description": "y" * (MAX_TIP_LENGTH + 1)})
    assert too_long_json.status_code == 422
    assert "description" in too_long_json.json()["errors"]
    # Description and "where and when" together must fit too.
    combined = client.post(URL, _form(description="z" * (MAX_TIP_LENGTH - 10),
                                      where_when="on a billboard near the station"))
    assert combined.status_code == 400 and combined.context["form"].errors["description"]
    assert not Report.objects.exists()


def test_an_oversized_body_is_refused_before_it_is_read(coordinator: Any) -> None:
    response = _post_json(Client(), {"description": "w" * 200_000})
    assert response.status_code == 413
    assert not Report.objects.exists()


def test_the_html_form_requires_the_csrf_token(coordinator: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    refused = client.post(URL, _form())
    assert refused.status_code == 403
    assert not Report.objects.exists()
    # A JSON-looking body sent as a "simple" cross-site post takes the HTML path.
    plain = client.post(URL, json.dumps({"description": TIP}), content_type="text/plain")
    assert plain.status_code == 403
    client.get(URL)
    token = client.cookies["csrftoken"].value
    accepted = client.post(URL, {**_form(), "csrfmiddlewaretoken": token})
    assert accepted.status_code == 200
    assert Report.objects.count() == 1


def test_without_a_coordinating_organisation_the_form_says_so(client: Client) -> None:
    response = client.post(URL, _form())
    assert response.status_code == 400
    assert "not set up to receive tips" in response.content.decode()
    assert not Report.objects.exists()
