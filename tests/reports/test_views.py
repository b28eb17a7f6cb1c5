"""The analyst workspace pages for reports: who may open what, intake, triage, redaction,
attachments and the cost of the queue."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from civicshield.core.authz import OPERATOR
from civicshield.core.choices import Role
from civicshield.core.markings import TLP
from civicshield.directory.choices import Sector
from civicshield.reports import observables as observable_rules
from civicshield.reports import services
from civicshield.reports.choices import Consent, Outcome, Status, VictimKind
from civicshield.reports.models import Attachment, Observable, Report, Victim
from civicshield.sharing.services import create_agreement
from civicshield.vocab.services import load_builtin_vocabularies
from tests.factories import make_organisation, make_user
from tests.report_factories import make_report

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")
PASTED = ("Voters got an SMS: 'Your polling station moved, check hxxps://vote-info-veridia[.]com"
          "/station?utm_source=sms' — sent from +44 20 7946 0999, also mailed from "
          "help@veridia-vote.com.")


@pytest.fixture
def vocabulary() -> None:
    load_builtin_vocabularies(actor=OPERATOR, include_sources=False)


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world() -> dict[str, Any]:
    """An AMBER+STRICT report of the commission, with a private candidate as victim and an
    attachment; an outsider from another organisation."""
    coordinator_org = make_organisation(slug="veridia-cec", name="Central Election Commission",
                                        is_coordinator=True,
                                        sector=Sector.ELECTION_MANAGEMENT_BODY)
    owner = make_organisation(slug="vcsa", name="Veridian Cyber Security Agency",
                              sector=Sector.SECURITY_AGENCY)
    outsider_org = make_organisation(slug="green-path", name="Green Path Party",
                                     sector=Sector.POLITICAL_PARTY)
    analyst = make_user(Role.ANALYST, organisation=owner, username="ana")
    viewer = make_user(Role.VIEWER, organisation=owner, username="vic")
    outsider = make_user(Role.ANALYST, organisation=outsider_org, username="mallory")
    report = make_report(tlp=TLP.AMBER_STRICT, owner=owner, created_by=analyst,
                         organisations=[owner], title="Phishing against the tally office",
                         outcome=Outcome.ATTEMPTED)
    victim = Victim.objects.create(kind=VictimKind.CANDIDATE, name="Mira Solano", region="North",
                                   consent=Consent.PRIVATE)
    report.victims.add(victim)
    return {"coordinator_org": coordinator_org, "owner": owner, "analyst": analyst,
            "viewer": viewer, "outsider": outsider, "report": report, "victim": victim}


def _attach(world: dict[str, Any]) -> Attachment:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return services.add_attachment(
        actor=world["analyst"], report=world["report"],
        upload=SimpleUploadedFile("screenshot.png", PNG, content_type="image/png"))


def _signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form(**overrides: Any) -> dict[str, Any]:
    """A valid new-report form post (victims formset empty)."""
    data: dict[str, Any] = {
        "title": "Fake polling-station SMS",
        "description": PASTED,
        "observed_at": (timezone.localtime() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "observed_until": "",
        "phases": ["voting_operations"],
        "information_types": ["voter_suppression"],
        "techniques": "",
        "outcome": "attempted", "severity": "4", "confidence": "high",
        "tlp": "green",
        "override_reason": "",
        "victims-TOTAL_FORMS": "2", "victims-INITIAL_FORMS": "0",
        "victims-MIN_NUM_FORMS": "0", "victims-MAX_NUM_FORMS": "10",
    }
    for index in range(2):
        data.update({f"victims-{index}-organisation": "", f"victims-{index}-kind": "",
                     f"victims-{index}-name": "", f"victims-{index}-region": "",
                     f"victims-{index}-consent": "private"})
    data.update(overrides)
    return data


# --- Permission matrix -----------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in_from_every_page(world: dict[str, Any]) -> None:
    attachment = _attach(world)
    report, victim = world["report"], world["victim"]
    client = Client()
    gets = ["/app/reports/", "/app/reports/new/", f"/app/reports/{report.pk}/",
            f"/app/reports/{report.pk}/edit/", f"/app/reports/attachments/{attachment.pk}/",
            "/app/reports/observables/?value=example.com", f"/app/reports/victims/{victim.pk}/"]
    posts = ["/app/reports/bulk/", "/app/reports/new/", "/app/reports/new/observables/",
             "/app/reports/new/agreements/", f"/app/reports/{report.pk}/status/",
             f"/app/reports/{report.pk}/comments/", f"/app/reports/{report.pk}/attachments/"]
    for path in gets:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/login/"), path
    for path in posts:
        response = client.post(path, {})
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/login/"), path


def test_a_member_of_another_organisation_gets_404_for_an_amber_strict_report(
    world: dict[str, Any],
) -> None:
    attachment = _attach(world)
    report, victim = world["report"], world["victim"]
    # The victim consented to partners knowing who they are: the page is still closed to
    # someone who may see no report about them.
    victim.consent = Consent.PARTNERS
    victim.save()
    attacker = _signed_in(world["outsider"])
    for path in (f"/app/reports/{report.pk}/", f"/app/reports/{report.pk}/edit/",
                 f"/app/reports/attachments/{attachment.pk}/",
                 f"/app/reports/victims/{victim.pk}/"):
        assert attacker.get(path).status_code == 404, path
    missing = attacker.get("/app/reports/999999/")
    assert missing.status_code == 404
    for path, data in ((f"/app/reports/{report.pk}/status/", {"status": "closed",
                                                               "closed_reason": "spam"}),
                       (f"/app/reports/{report.pk}/comments/", {"body": "mine now"}),
                       (f"/app/reports/{report.pk}/edit/", {"title": "defaced"})):
        assert attacker.post(path, data).status_code == 404, path
    report.refresh_from_db()
    assert report.status == Status.NEW and report.title == "Phishing against the tally office"
    assert not report.comments.exists()
    queue = attacker.get("/app/reports/").content.decode()
    assert report.reference not in queue


def test_a_viewer_reads_the_report_but_cannot_change_its_status_or_edit_it(
    world: dict[str, Any],
) -> None:
    report = world["report"]
    viewer = _signed_in(world["viewer"])
    page = viewer.get(f"/app/reports/{report.pk}/").content.decode()
    assert "Phishing against the tally office" in page
    assert "Change status" not in page
    assert f"/app/reports/{report.pk}/edit/" not in page
    response = viewer.post(f"/app/reports/{report.pk}/status/", {"status": "triaged"})
    assert response.status_code == 403
    assert viewer.get(f"/app/reports/{report.pk}/edit/").status_code == 403
    report.refresh_from_db()
    assert report.status == Status.NEW


def test_an_analyst_of_the_owner_organisation_changes_the_status_and_closing_needs_a_reason(
    world: dict[str, Any],
) -> None:
    report = world["report"]
    analyst = _signed_in(world["analyst"])
    page = analyst.get(f"/app/reports/{report.pk}/").content.decode()
    assert "Change status" in page and f"/app/reports/{report.pk}/edit/" in page
    response = analyst.post(f"/app/reports/{report.pk}/status/", {"status": "triaged"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Status.TRIAGED
    refused = analyst.post(f"/app/reports/{report.pk}/status/", {"status": "closed"})
    assert refused.status_code == 200
    assert "Say why the report is closed." in refused.content.decode()
    report.refresh_from_db()
    assert report.status == Status.TRIAGED
    analyst.post(f"/app/reports/{report.pk}/status/",
                 {"status": "closed", "closed_reason": "Handled by the platform"})
    report.refresh_from_db()
    assert report.status == Status.CLOSED and report.closed_reason == "Handled by the platform"


@pytest.mark.usefixtures("vocabulary")
def test_an_analyst_edits_the_report_through_the_service(world: dict[str, Any]) -> None:
    report = world["report"]
    analyst = _signed_in(world["analyst"])
    form = analyst.get(f"/app/reports/{report.pk}/edit/").content.decode()
    assert 'value="Phishing against the tally office"' in form
    data = {
        "title": "Phishing against the tally office (confirmed)",
        "description": report.description,
        "observed_at": timezone.localtime(report.observed_start).strftime("%Y-%m-%dT%H:%M"),
        "observed_until": "", "techniques": "", "outcome": "attempted", "severity": "4",
        "confidence": "medium", "tlp": "amber+strict", "audience_organisations": ["vcsa"],
        "phases": ["counting_results"],
    }
    response = analyst.post(f"/app/reports/{report.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    report.refresh_from_db()
    assert report.title == "Phishing against the tally office (confirmed)"
    assert report.severity == 4
    assert [t.code for t in report.phases.all()] == ["counting_results"]


def test_comments_are_added_by_those_who_may_comment(world: dict[str, Any]) -> None:
    report = world["report"]
    analyst = _signed_in(world["analyst"])
    empty = analyst.post(f"/app/reports/{report.pk}/comments/", {"body": ""})
    assert empty.status_code == 200 and "This field is required." in empty.content.decode()
    response = analyst.post(f"/app/reports/{report.pk}/comments/",
                            {"body": "Seen in the North too."})
    assert response.status_code == 302
    assert "Seen in the North too." in analyst.get(f"/app/reports/{report.pk}/").content.decode()
    viewer = _signed_in(world["viewer"])
    assert "Add comment" not in viewer.get(f"/app/reports/{report.pk}/").content.decode()
    assert viewer.post(f"/app/reports/{report.pk}/comments/", {"body": "x"}).status_code == 403


# --- Intake ----------------------------------------------------------------------------


@pytest.mark.usefixtures("vocabulary")
def test_the_create_form_rejects_a_post_without_a_csrf_token(world: dict[str, Any]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["analyst"])
    assert client.get("/app/reports/new/").status_code == 200
    response = client.post("/app/reports/new/", _form())
    assert response.status_code == 403
    assert not Report.objects.filter(title="Fake polling-station SMS").exists()


@pytest.mark.usefixtures("vocabulary")
def test_the_create_form_with_bad_input_shows_field_errors_and_saves_nothing(
    world: dict[str, Any],
) -> None:
    analyst = _signed_in(world["analyst"])
    before = Report.objects.count()
    future = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = analyst.post("/app/reports/new/", _form(
        observed_at=future, techniques="T9999", tlp="green", audience_organisations=["vcsa"],
        **{"victims-0-kind": "candidate", "victims-0-name": ""},
        observables=["url:https://vote-info-veridia.com/station"]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing has been saved." in page
    form = response.context["form"]
    assert form.errors["observed_at"] == ["This is in the future."]
    assert "Unknown codes: T9999." in form.errors["techniques"][0]
    assert "a named audience would suggest otherwise" in form.errors[
        "audience_organisations"][0]  # GREEN goes to everyone: no named audience
    assert "Describe the victim." in page
    # What the analyst had kept is still ticked on the form shown again.
    assert 'value="url:https://vote-info-veridia.com/station" checked' in page
    assert Report.objects.count() == before
    assert not Observable.objects.exists()

    missing = analyst.post("/app/reports/new/", _form(title="", observed_at="not a date"))
    assert missing.context["form"].errors.keys() >= {"title", "observed_at"}
    assert Report.objects.count() == before


@pytest.mark.usefixtures("vocabulary")
def test_an_analyst_files_a_report_with_kept_observables_and_a_described_victim(
    world: dict[str, Any],
) -> None:
    analyst = _signed_in(world["analyst"])
    response = analyst.post("/app/reports/new/", _form(
        observables=["url:https://vote-info-veridia.com/station", "phone:+442079460999"],
        **{"victims-0-kind": "voters", "victims-0-name": "Voters of Riverside",
           "victims-0-region": "North", "victims-0-consent": "partners",
           "victims-1-organisation": "veridia-cec", "victims-1-consent": "public"}))
    assert response.status_code == 302, response.content.decode()[:3000]
    report = Report.objects.get(title="Fake polling-station SMS")
    assert response["Location"] == f"/app/reports/{report.pk}/"
    assert report.tlp == TLP.GREEN and report.outcome == Outcome.ATTEMPTED
    assert report.owner_organisation == world["owner"]
    assert sorted(o.value for o in report.observables.all()) == [
        "+442079460999", "https://vote-info-veridia.com/station"]
    assert sorted(str(v) for v in report.victims.all()) == [
        "Central Election Commission", "Voters of Riverside"]
    page = analyst.get("/app/reports/").content.decode()
    assert report.reference in page and 'class="attempted"' in page


@pytest.mark.usefixtures("vocabulary")
def test_sharing_wider_than_the_agreement_allows_needs_a_reason(world: dict[str, Any]) -> None:
    from civicshield.vocab.models import Term

    create_agreement(
        actor=OPERATOR, slug="cyber-incidents", name="Cyber incidents to the CEC",
        purpose="Tell the commission of attacks on election systems.",
        default_tlp=TLP.AMBER, widest_tlp=TLP.AMBER, provider_sectors=[Sector.SECURITY_AGENCY],
        information_types=[Term.objects.get(vocabulary__slug="information-types",
                                            code="phishing")],
        recipient_organisations=[world["coordinator_org"]])
    analyst = _signed_in(world["analyst"])
    suggestion = analyst.post("/app/reports/new/agreements/",
                              {"information_types": ["phishing"], "tlp": ""})
    text = re.sub(r"\s+", " ", suggestion.content.decode())
    assert ("Agreement “Cyber incidents to the CEC” suggests TLP:AMBER to Central Election "
            "Commission; widest allowed TLP:AMBER.") in text
    # The marking and audience are prefilled out of band.
    assert 'id="tlp-fieldset" class="choices tlp-choices" hx-swap-oob="true"' in text
    assert 'value="amber" checked' in text
    assert re.search(r'<option value="veridia-cec" selected>', text)

    refused = analyst.post("/app/reports/new/", _form(information_types=["phishing"],
                                                      tlp="green"))
    assert refused.status_code == 200
    assert "allows TLP:AMBER at most" in refused.context["form"].errors["tlp"][0]
    assert not Report.objects.filter(title="Fake polling-station SMS").exists()
    accepted = analyst.post("/app/reports/new/", _form(
        information_types=["phishing"], tlp="green",
        override_reason="The commission asked for it to reach every party."))
    assert accepted.status_code == 302
    assert Report.objects.get(title="Fake polling-station SMS").tlp == TLP.GREEN


def test_find_observables_returns_ticked_checkboxes_for_the_defanged_url(
    world: dict[str, Any],
) -> None:
    if not observable_rules.extract("see hxxps://vote-info-veridia[.]com/x"):
        pytest.skip("reports.observables.extract() is still a placeholder: it finds nothing "
                    "in a known defanged URL")
    analyst = _signed_in(world["analyst"])
    response = analyst.post("/app/reports/new/observables/", {"description": PASTED},
                            headers={"HX-Request": "true"})
    assert response.status_code == 200
    page = response.content.decode()
    assert '<input type="checkbox" name="observables" ' \
           'value="url:https://vote-info-veridia.com/station" checked>' in page
    assert "hxxps://vote-info-veridia[.]com/station?utm_source=sms" in page  # as written
    assert "<html" not in page  # a fragment for htmx
    nothing = analyst.post("/app/reports/new/observables/", {"description": "nothing here"})
    assert "No observables found" in nothing.content.decode()
    viewer = _signed_in(world["viewer"])
    assert viewer.post("/app/reports/new/observables/", {"description": PASTED}
                       ).status_code == 403


# --- Victims ---------------------------------------------------------------------------


def test_a_private_candidate_is_described_to_a_partner_and_named_to_the_coordinator(
    world: dict[str, Any], client_for: Any,
) -> None:
    report = world["report"]
    partner_org = make_organisation(slug="factcheck-veridia", name="FactCheck Veridia")
    report.audience_organisations.add(partner_org)
    partner = _signed_in(make_user(Role.ANALYST, organisation=partner_org))
    page = partner.get(f"/app/reports/{report.pk}/").content.decode()
    assert "The owner has not shared who else received this report." in page
    assert "a candidate in the North region" in page
    assert "Mira Solano" not in page
    assert f"/app/reports/victims/{world['victim'].pk}/" not in page
    assert partner.get(f"/app/reports/victims/{world['victim'].pk}/").status_code == 404
    # Nor can the partner link reports through the withheld victim's id in the queue filter.
    probe = partner.get(f"/app/reports/?victim={world['victim'].pk}")
    assert probe.context["form"].errors["victim"]

    coordinator = client_for(make_user(Role.COORDINATOR, organisation=world["coordinator_org"]))
    page = coordinator.get(f"/app/reports/{report.pk}/").content.decode()
    assert "Mira Solano" in page
    assert f'href="/app/reports/victims/{world["victim"].pk}/"' in page
    assert "FactCheck Veridia" in page  # the coordinator sees who received it


def test_the_victim_page_lists_attempted_and_successful_incidents_and_no_fake_notifications(
    world: dict[str, Any],
) -> None:
    victim = world["victim"]
    successful = make_report(tlp=TLP.GREEN, owner=world["owner"], title="Account taken over",
                             outcome=Outcome.SUCCESSFUL)
    successful.victims.add(victim)
    hidden = make_report(tlp=TLP.AMBER_STRICT, owner=make_organisation(), title="Hidden one")
    hidden.victims.add(victim)
    victim.consent = Consent.PARTNERS
    victim.save()
    page = _signed_in(world["analyst"]).get(f"/app/reports/victims/{victim.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Mira Solano" in text
    assert "Phishing against the tally office" in text and "Attempted breach" in text
    assert "Account taken over" in text and "Successful" in text
    assert "Hidden one" not in text and hidden.reference not in text
    assert "Notifications" in text and "Support steps" in text
    assert "None that you sent or received." in text  # notifications: none in this test
    assert text.count("None recorded yet.") == 1  # support steps


# --- Attachments -----------------------------------------------------------------------


def test_an_attachment_is_uploaded_and_downloaded_only_as_a_download(
    world: dict[str, Any],
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    report = world["report"]
    analyst = _signed_in(world["analyst"])
    response = analyst.post(f"/app/reports/{report.pk}/attachments/", {
        "file": SimpleUploadedFile("sms screenshot.png", PNG, content_type="image/png")})
    assert response.status_code == 302
    attachment = report.attachments.get()
    page = analyst.get(f"/app/reports/{report.pk}/").content.decode()
    assert f'href="/app/reports/attachments/{attachment.pk}/"' in page
    assert "/media/" not in page
    download = analyst.get(f"/app/reports/attachments/{attachment.pk}/")
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    assert download["Content-Disposition"] == 'attachment; filename="sms screenshot.png"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PNG
    download.close()


def test_a_too_large_or_wrong_type_upload_is_refused_with_the_reason(
    world: dict[str, Any], settings: Any,
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    report = world["report"]
    analyst = _signed_in(world["analyst"])
    program = analyst.post(f"/app/reports/{report.pk}/attachments/", {
        "file": SimpleUploadedFile("invoice.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\xff\xff"
                                   + bytes(range(256)) * 4,
                                   content_type="application/pdf")})
    assert program.status_code == 200
    assert "Only images (PNG, JPEG, GIF, WebP), PDF and text files can be attached." in (
        program.content.decode())
    settings.CIVICSHIELD_MAX_ATTACHMENT_BYTES = 1024 * 1024
    big = analyst.post(f"/app/reports/{report.pk}/attachments/", {
        "file": SimpleUploadedFile("huge.png", PNG + b"\0" * (1024 * 1024),
                                   content_type="image/png")})
    assert big.status_code == 200
    assert "Files are limited to 1 MB." in big.content.decode()
    assert not report.attachments.exists()


# --- The queue -------------------------------------------------------------------------


# Pinned: session, user, the viewer's sharing groups, the filter choices (terms, victims,
# organisations), the assignees, the count and the page. An N+1 shows as growth with rows.
QUEUE_QUERY_BUDGET = 13


def _queue_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/app/reports/")
    assert response.status_code == 200
    return len(queries)


@pytest.mark.usefixtures("vocabulary")
def test_the_queue_costs_the_same_number_of_queries_for_5_and_30_reports() -> None:
    owner = make_organisation()
    analyst = make_user(Role.ANALYST, organisation=owner)
    assignee = make_user(Role.ANALYST, organisation=owner)

    def add(count: int) -> None:
        for number in range(count):
            report = make_report(tlp=TLP.AMBER, owner=owner, organisations=[owner],
                                 assignee=assignee, outcome=Outcome.ATTEMPTED)
            report.victims.add(Victim.objects.create(
                kind=VictimKind.OFFICIAL, name=f"Official {report.pk}-{number}",
                consent=Consent.PARTNERS))

    add(5)
    client = _signed_in(analyst)
    client.get("/app/reports/")  # warm the session
    few = _queue_queries(client)
    add(25)
    many = _queue_queries(client)
    assert few == many
    assert many <= QUEUE_QUERY_BUDGET, f"the queue page costs {many} queries"


def test_the_queue_paginates_25_a_page() -> None:
    owner = make_organisation()
    for _number in range(30):
        make_report(tlp=TLP.GREEN, owner=owner)
    client = _signed_in(make_user(Role.ANALYST, organisation=owner))
    first = client.get("/app/reports/")
    assert len(first.context["page"].object_list) == 25
    assert "Page 1 of 2" in first.content.decode()
    assert len(client.get("/app/reports/?page=2").context["page"].object_list) == 5


def test_searching_the_queue_lists_only_visible_reports(world: dict[str, Any]) -> None:
    seen = make_report(tlp=TLP.GREEN, description="marker: a shared rumour")
    hidden = make_report(tlp=TLP.AMBER, description="marker: someone else's")
    red = make_report(tlp=TLP.RED, owner=world["owner"], description="marker: for one person")
    other = make_report(tlp=TLP.GREEN, description="nothing to see")
    client = _signed_in(world["analyst"])
    page = client.get("/app/reports/?q=marker").content.decode()
    assert seen.reference in page
    assert hidden.reference not in page and red.reference not in page
    assert other.reference not in page
    assert "1 report" in page
    fragment = client.get("/app/reports/?q=marker", headers={"HX-Request": "true"})
    assert seen.reference in fragment.content.decode()
    assert "<html" not in fragment.content.decode()
    assert "HX-Request" in fragment["Vary"]


def test_the_queue_filters_by_outcome_and_labels_attempted_breaches(
    world: dict[str, Any],
) -> None:
    successful = make_report(tlp=TLP.GREEN, owner=world["owner"], outcome=Outcome.SUCCESSFUL)
    client = _signed_in(world["analyst"])
    page = client.get("/app/reports/?outcome=attempted").content.decode()
    assert world["report"].reference in page and successful.reference not in page
    assert "Attempted breach" in page
    assert 'class="tlp-badge tlp-amber-strict"' in page


def test_bulk_assign_and_merge_through_the_services(world: dict[str, Any]) -> None:
    owner, analyst = world["owner"], world["analyst"]
    colleague = make_user(Role.ANALYST, organisation=owner, username="colleague")
    first = make_report(tlp=TLP.AMBER, owner=owner, organisations=[owner])
    second = make_report(tlp=TLP.AMBER, owner=owner, organisations=[owner])
    client = _signed_in(analyst)
    response = client.post("/app/reports/bulk/", {
        "action": "assign", "report": [first.pk, second.pk], "assignee": "colleague",
        "query": "status=new"})
    assert response.status_code == 302 and response["Location"] == "/app/reports/?status=new"
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.assignee == colleague and second.assignee == colleague

    client.post("/app/reports/bulk/", {"action": "merge", "report": [first.pk, second.pk],
                                       "primary": first.reference})
    second.refresh_from_db()
    assert second.duplicate_of == first and second.status == Status.CLOSED

    # Another organisation's GREEN report is visible but not the analyst's to triage.
    foreign = make_report(tlp=TLP.GREEN)
    refused = client.post("/app/reports/bulk/", {
        "action": "assign", "report": [first.pk, foreign.pk], "assignee": ""}, follow=True)
    assert "not allowed: report:triage" in refused.content.decode()
    first.refresh_from_db()
    assert first.assignee == colleague
    # Merging a narrower report into a wider one would pass its contents on: refused.
    strict = make_report(tlp=TLP.AMBER_STRICT, owner=owner, organisations=[owner])
    widening = client.post("/app/reports/bulk/", {
        "action": "merge", "report": [first.pk, strict.pk], "primary": first.reference},
        follow=True)
    assert "is shared more widely than" in widening.content.decode()
    strict.refresh_from_db()
    assert strict.duplicate_of is None
    # Nor is a report assigned to someone who could not open it (RED: named people only).
    red = make_report(tlp=TLP.RED, owner=owner, created_by=analyst, users=[analyst])
    unseen = client.post("/app/reports/bulk/", {
        "action": "assign", "report": [red.pk], "assignee": "colleague"}, follow=True)
    assert "colleague may not see every selected report." in unseen.content.decode()
    red.refresh_from_db()
    assert red.assignee is None
    # A hidden report cannot be reached by guessing its id.
    hidden = make_report(tlp=TLP.AMBER_STRICT)
    guessed = client.post("/app/reports/bulk/", {
        "action": "assign", "report": [hidden.pk], "assignee": "colleague"}, follow=True)
    assert "were not found" in guessed.content.decode()
    hidden.refresh_from_db()
    assert hidden.assignee is None


def test_the_observable_search_shows_only_visible_reports(world: dict[str, Any]) -> None:
    observable = Observable.objects.create(type="domain", value="vote-info-veridia.com")
    world["report"].observables.add(observable)
    hidden = make_report(tlp=TLP.AMBER_STRICT, title="Hidden mention")
    hidden.observables.add(observable)
    page = _signed_in(world["analyst"]).get(
        "/app/reports/observables/?value=vote-info-veridia[.]com").content.decode()
    assert "vote-info-veridia.com" in page
    assert world["report"].reference in page and hidden.reference not in page
    detail = _signed_in(world["analyst"]).get(f"/app/reports/{world['report'].pk}/")
    assert "/app/reports/observables/?value=vote-info-veridia.com" in detail.content.decode()
    outsider = _signed_in(world["outsider"]).get(
        "/app/reports/observables/?value=vote-info-veridia.com").content.decode()
    assert "No report you may see mentions this observable." in outsider
