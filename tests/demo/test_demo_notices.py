"""The demo's public side: articles in three languages, and one published, translated,
corrected notice about vote-info-veridia.com that passes the plain-language check."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from civicshield.comms.choices import ArticleKind, NoticeStatus
from civicshield.comms.models import Article, Notice
from civicshield.comms.selectors import check_version
from civicshield.core.authz import OPERATOR
from civicshield.core.markings import TLP
from civicshield.demo import notices as demo_notices
from tests.portal.notices_setup import coordination_centre


@pytest.fixture
def loaded(vocabulary: None) -> Notice:
    coordination_centre()
    return demo_notices.load(actor=OPERATOR)


def test_the_demo_notice_is_published_translated_and_corrected(loaded: Notice) -> None:
    assert loaded.slug == demo_notices.DEMO_NOTICE_SLUG
    assert loaded.status == NoticeStatus.CORRECTED and loaded.tlp == TLP.CLEAR
    versions = list(loaded.versions.order_by("number"))
    assert [version.number for version in versions] == [1, 2]
    assert versions[1].change_summary == demo_notices.CHANGE_SUMMARY
    for version in versions:
        languages = {text.language: text.is_translation for text in version.texts.all()}
        assert languages == {"en": False, "fr": True}
    assert "vote-info-veridia.com" in versions[1].texts.get(language="en").what_happened


def test_the_demo_notice_passes_the_plain_language_check(loaded: Notice) -> None:
    for version in loaded.versions.all():
        results = check_version(OPERATOR, version)
        assert set(results) == {"en", "fr"}
        for result in results.values():
            assert result.passed, result.findings
            assert result.grade is not None and result.grade <= result.grade_target


def test_the_demo_articles_exist_in_three_languages(loaded: Notice) -> None:
    for kind in ArticleKind.values:
        for language in ("en", "fr", "es"):
            assert Article.objects.filter(kind=kind, language=language,
                                          current_version__isnull=False).count() >= 2


def test_the_demo_notice_is_on_the_portal_in_english_and_french(loaded: Notice) -> None:
    english = Client().get(f"/notices/{loaded.slug}/").content.decode()
    french = Client().get(f"/fr/notices/{loaded.slug}/").content.decode()

    assert "Fake website tells voters they can vote by text message" in english
    assert "four Portvale neighbourhoods" in english and "<del>" in english
    assert "quatre quartiers de Portvale" in french


def test_loading_twice_changes_nothing(loaded: Any) -> None:
    again = demo_notices.load(actor=OPERATOR)

    assert again.pk == loaded.pk
    assert Notice.objects.count() == 1 and Article.objects.count() == 15
