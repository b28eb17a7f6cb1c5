"""Public notices: drafting, approval (with a justification when the check fails),
publication, correction, retraction — through the services and the coordinator pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from civicshield.comms import services
from civicshield.comms.choices import ArticleKind, NoticeStatus
from civicshield.comms.models import Article, Notice
from civicshield.core.choices import Role
from civicshield.core.markings import TLP
from civicshield.core.models import AuditEntry
from civicshield.reports.choices import Consent, VictimKind
from civicshield.reports.models import Victim
from tests import factories
from tests.portal.notices_setup import BAD, GOOD, GOOD_FR, coordinator, draft, published
from tests.report_factories import make_report


@pytest.fixture
def chief(vocabulary: None) -> Any:
    return coordinator()


def _audit(action: str, notice: Notice) -> AuditEntry:
    return AuditEntry.objects.get(action=action, object_id=str(notice.pk))


def test_a_draft_is_amber_strict_for_the_coordination_centre_and_not_public(chief: Any) -> None:
    notice = draft(chief, translations={"fr": GOOD_FR})

    assert notice.status == NoticeStatus.DRAFT and notice.tlp == TLP.AMBER_STRICT
    assert notice.owner_organisation == chief.organisation
    texts = {text.language: text for text in notice.current_version.texts.all()}
    assert not texts["en"].is_translation and texts["fr"].is_translation
    assert Client().get(f"/notices/{notice.slug}/").status_code == 404
    assert Client().get("/api/v1/notices").json()["items"] == []
    assert _audit("notice.draft", notice).details["languages"] == ["en", "fr"]


def test_a_draft_needs_a_headline_and_what_happened_in_its_language(chief: Any) -> None:
    with pytest.raises(ValidationError) as error:
        services.create_notice_draft(actor=chief, headline="", what_happened="",
                                     language="fr")
    assert "fr.headline" in error.value.message_dict
    assert not Notice.objects.exists()


@pytest.mark.parametrize("role", [Role.ANALYST, Role.PANEL, Role.VIEWER, Role.CONTRIBUTOR])
def test_only_coordinators_and_admins_draft_approve_and_publish(chief: Any, role: str) -> None:
    someone = factories.make_user(role)
    notice = draft(chief)

    with pytest.raises(PermissionDenied):
        draft(someone)
    with pytest.raises(PermissionDenied):
        services.approve_notice(actor=someone, notice=notice, justification="x")


def test_a_failing_notice_is_approved_only_with_a_recorded_justification(chief: Any) -> None:
    notice = draft(chief, BAD)

    with pytest.raises(ValidationError) as error:
        services.approve_notice(actor=chief, notice=notice)
    assert "justification" in error.value.message_dict
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.DRAFT

    services.approve_notice(actor=chief, notice=notice, decision_reference="Panel case 4",
                            justification="The panel needs this out within the hour.")

    notice.refresh_from_db()
    assert notice.status == NoticeStatus.APPROVED and notice.approval_check_passed is False
    entry = _audit("notice.approve", notice)
    assert entry.details["check_passed"] is False
    assert entry.details["justification"] == "The panel needs this out within the hour."
    assert entry.details["decision_reference"] == "Panel case 4"
    assert entry.details["check"]["en"]["failures"]


def test_a_passing_notice_is_approved_without_justification(chief: Any) -> None:
    notice = draft(chief)

    services.approve_notice(actor=chief, notice=notice)

    assert _audit("notice.approve", notice).details["check_passed"] is True


def test_publication_makes_the_notice_clear_and_public(chief: Any) -> None:
    notice = published(chief)

    assert notice.status == NoticeStatus.PUBLISHED and notice.tlp == TLP.CLEAR
    page = Client().get(f"/notices/{notice.slug}/")
    assert page.status_code == 200 and GOOD["headline"] in page.content.decode()
    assert _audit("notice.publish", notice).details["tlp"] == TLP.CLEAR


def test_an_unapproved_draft_cannot_be_published(chief: Any) -> None:
    notice = draft(chief)
    with pytest.raises(ValidationError):
        services.publish_notice(actor=chief, notice=notice)


def test_a_correction_publishes_a_new_version_and_shows_the_change(chief: Any) -> None:
    notice = published(chief)
    corrected = {**GOOD, "who_affected": "Voters in every region, most of all in Portvale "
                                         "and Eastbank."}

    version = services.correct_notice(
        actor=chief, notice=notice, texts={"en": corrected},
        change_summary="We added Eastbank, where leaflets were also found.")

    notice.refresh_from_db()
    assert version.number == 2 and notice.current_version == version
    assert notice.status == NoticeStatus.CORRECTED
    page = Client().get(f"/notices/{notice.slug}/").content.decode()
    assert "We added Eastbank, where leaflets were also found." in page
    assert "<del>Voters in every region, most of all in Portvale.</del>" in page
    assert "<ins>Voters in every region, most of all in Portvale and Eastbank.</ins>" in page
    first = Client().get(f"/notices/{notice.slug}/v1/").content.decode()
    assert "most of all in Portvale." in first and "has since been corrected" in first
    assert _audit("notice.correct", notice).details["version"] == 2


def test_a_correction_must_say_what_changed(chief: Any) -> None:
    notice = published(chief)
    with pytest.raises(ValidationError) as error:
        services.correct_notice(actor=chief, notice=notice, texts={"en": GOOD},
                                change_summary=" ")
    assert "change_summary" in error.value.message_dict
    assert notice.versions.count() == 1


def test_a_retraction_keeps_the_original_with_a_visible_note(chief: Any) -> None:
    notice = published(chief)

    services.retract_notice(actor=chief, notice=notice,
                            note="The site was a test page of the Commission itself.")

    page = Client().get(f"/notices/{notice.slug}/").content.decode()
    assert "This notice was retracted" in page
    assert "The site was a test page of the Commission itself." in page
    assert GOOD["what_happened"].replace("'", "&#x27;") in page
    assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.RETRACTED


def test_a_victim_who_did_not_agree_is_not_named(chief: Any) -> None:
    private = Victim.objects.create(kind=VictimKind.CANDIDATE, name="Mara Lindqvist",
                                    consent=Consent.PRIVATE)
    public = Victim.objects.create(kind=VictimKind.CANDIDATE, name="Tomas Ardelean",
                                   consent=Consent.PUBLIC)
    report = make_report(tlp=TLP.GREEN)
    report.victims.set([private, public])

    with pytest.raises(ValidationError) as error:
        draft(chief, {**GOOD, "who_affected": "Mara Lindqvist, a candidate in the North."})
    assert "Mara Lindqvist" in error.value.message_dict["who_affected"][0]
    assert draft(chief, {**GOOD, "who_affected": "Tomas Ardelean, a candidate in the North."})


def test_articles_are_versioned(chief: Any) -> None:
    article = services.save_article(actor=chief, kind=ArticleKind.METHOD, slug="how-we-check",
                                    language="en", title="How we check", body="Two people.")
    services.save_article(actor=chief, kind=ArticleKind.METHOD, slug="how-we-check",
                          language="en", title="How we check a report", body="Two analysts.",
                          change_note="Clearer title.")

    article = Article.objects.get(pk=article.pk)
    assert article.versions.count() == 2 and article.current_version.number == 2
    assert "How we check a report" in Client().get("/methods/").content.decode()
    with pytest.raises(PermissionDenied):
        services.save_article(actor=factories.make_user(Role.ANALYST), kind=ArticleKind.TOOLKIT,
                              slug="x", language="en", title="x", body="x")


# --- Coordinator pages ------------------------------------------------------------------

def _post_words(fields: dict[str, str], language: str = "en") -> dict[str, str]:
    return {f"{language}-{name}": value for name, value in fields.items()}


def test_the_live_check_returns_a_fragment_with_the_grade(chief: Any, client_for: Any) -> None:
    client = client_for(chief)

    response = client.post("/app/comms/check/", _post_words(BAD), HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert "Reading grade" in body and 'data-rule="vague"' in body


def test_a_coordinator_drafts_approves_with_justification_and_publishes_in_the_pages(
        chief: Any, client_for: Any) -> None:
    client = client_for(chief)
    response = client.post("/app/comms/new/", {
        "original_language": "en", "slug": "bad-notice", "action": "save", **_post_words(BAD)})
    assert response.status_code == 302, response.content.decode()[:2000]

    refused = client.post("/app/comms/bad-notice/approve/", {"justification": ""})
    assert refused.status_code == 400
    assert "fails the plain-language check" in refused.content.decode()

    client.post("/app/comms/bad-notice/approve/", {"justification": "Urgent; panel agreed."})
    client.post("/app/comms/bad-notice/publish/")

    notice = Notice.objects.get(slug="bad-notice")
    assert notice.status == NoticeStatus.PUBLISHED
    assert notice.approval_justification == "Urgent; panel agreed."


def test_the_check_button_works_without_javascript(chief: Any, client_for: Any) -> None:
    response = client_for(chief).post("/app/comms/new/", {
        "original_language": "en", "action": "check", **_post_words(BAD)})

    assert response.status_code == 200 and 'data-rule="acronym"' in response.content.decode()
    assert not Notice.objects.exists()


@pytest.mark.parametrize("path", ["/app/comms/", "/app/comms/new/", "/app/comms/articles/"])
def test_workspace_pages_need_the_coordinator_role(chief: Any, client_for: Any,
                                                   path: str) -> None:
    assert Client().get(path).status_code == 302  # to the sign-in page
    analyst = factories.make_user(Role.ANALYST)
    assert client_for(analyst).get(path).status_code == 403
    assert client_for(chief).get(path).status_code == 200


def test_another_organisations_coordinator_does_not_see_a_draft(chief: Any,
                                                                 client_for: Any) -> None:
    notice = draft(chief)
    outsider = factories.make_user(Role.COORDINATOR)  # coordinator role, another organisation

    assert client_for(outsider).get(f"/app/comms/{notice.slug}/").status_code == 404
    assert client_for(chief).get(f"/app/comms/{notice.slug}/").status_code == 200


def test_a_correction_through_the_page(chief: Any, client_for: Any) -> None:
    notice = published(chief)
    client = client_for(chief)
    assert client.get(f"/app/comms/{notice.slug}/correct/").status_code == 200

    response = client.post(f"/app/comms/{notice.slug}/correct/", {
        "change_summary": "The date was wrong.", "action": "save",
        **_post_words({**GOOD, "when": "We first saw the site on Sunday 3 May 2026 at 21:10."})})

    assert response.status_code == 302
    assert Notice.objects.get(pk=notice.pk).current_version.number == 2
