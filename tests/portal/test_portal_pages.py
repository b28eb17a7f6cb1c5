"""The public portal: pages in English, French and Spanish, the Atom feed, the public API,
public statistics, page weight and the Content-Security-Policy."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import urljoin

import pytest
from django.test import Client

from civicshield.comms import services
from civicshield.comms.choices import ArticleKind
from civicshield.core.markings import TLP
from civicshield.reports.choices import Source, Status
from civicshield.vocab.models import Term
from tests.portal.notices_setup import GOOD, GOOD_FR, coordinator, draft, published
from tests.report_factories import make_report

PAGES = ["/", "/notices/", "/methods/", "/toolkit/", "/report/", "/statistics/"]
LANGUAGES = {"en": "", "fr": "/fr", "es": "/es"}
MAX_PAGE_BYTES = 200 * 1024
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def chief(vocabulary: None) -> Any:
    return coordinator()


@pytest.fixture
def notice(chief: Any) -> Any:
    for language, title in (("en", "Check before you share"), ("fr", "Vérifiez avant de "
                            "partager"), ("es", "Compruebe antes de compartir")):
        services.save_article(actor=chief, kind=ArticleKind.TOOLKIT, slug="check",
                              language=language, title=title, body=title + ".")
        services.save_article(actor=chief, kind=ArticleKind.METHOD, slug="how",
                              language=language, title=f"{title} (method)", body=title + ".")
    return published(chief, translations={"fr": GOOD_FR})


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page", PAGES)
def test_every_portal_page_answers_in_three_languages_without_login(
        notice: Any, language: str, page: str) -> None:
    response = Client().get(LANGUAGES[language] + page)

    assert response.status_code == 200
    body = response.content.decode()
    assert f'<html lang="{language}">' in body
    # The language switch links the same page in the other languages.
    for other, prefix in LANGUAGES.items():
        assert f'href="{prefix}{page}"' in body and f'hreflang="{other}"' in body


def test_the_portal_interface_is_translated(notice: Any) -> None:
    assert "Citizen toolkit" in Client().get("/").content.decode()
    assert "Boîte à outils citoyenne" in Client().get("/fr/").content.decode()
    assert "Herramientas para la ciudadanía" in Client().get("/es/").content.decode()


def test_the_notice_page_shows_the_translation_or_the_original(notice: Any) -> None:
    french = Client().get(f"/fr/notices/{notice.slug}/").content.decode()
    spanish = Client().get(f"/es/notices/{notice.slug}/").content.decode()

    assert GOOD_FR["headline"].replace("'", "&#x27;") in french
    assert 'lang="fr"' in french
    assert GOOD["headline"] in spanish and '<article class="notice" lang="en">' in spanish


def test_the_home_page_lists_the_latest_notices(notice: Any) -> None:
    assert GOOD["headline"] in Client().get("/").content.decode()


def test_the_workspace_and_api_are_not_language_prefixed(notice: Any) -> None:
    assert Client().get("/fr/app/").status_code == 404
    assert Client().get("/fr/api/v1/notices").status_code == 404
    assert Client().get("/healthz").status_code == 200


def test_the_atom_feed_parses_and_carries_the_notice(notice: Any) -> None:
    response = Client().get("/feed.atom")

    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # noqa: S314 (our own feed)
    entries = root.findall(f"{ATOM}entry")
    assert [entry.findtext(f"{ATOM}title") for entry in entries] == [GOOD["headline"]]
    assert entries[0].find(f"{ATOM}link").get("href").endswith(f"/notices/{notice.slug}/")
    french = ET.fromstring(Client().get("/fr/feed.atom").content)  # noqa: S314
    assert french.find(f"{ATOM}entry").findtext(f"{ATOM}title") == GOOD_FR["headline"]


def test_the_feed_marks_a_retraction(chief: Any, notice: Any) -> None:
    services.retract_notice(actor=chief, notice=notice, note="It was a mistake.")

    root = ET.fromstring(Client().get("/feed.atom").content)  # noqa: S314
    assert root.find(f"{ATOM}entry").findtext(f"{ATOM}title").startswith("Retracted: ")


def test_the_public_api_lists_published_notices_only_without_authentication(
        chief: Any, notice: Any) -> None:
    draft(chief, {**GOOD, "headline": "A draft nobody may see yet"})

    response = Client().get("/api/v1/notices")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["slug"] == notice.slug and item["tlp"] == TLP.CLEAR and item["lang"] == "en"
    french = Client().get("/api/v1/notices?lang=fr").json()["items"][0]
    assert french["headline"] == GOOD_FR["headline"] and french["is_translation"] is True
    assert french["url"] == f"/fr/notices/{notice.slug}/"
    spanish = Client().get("/api/v1/notices?lang=es").json()["items"][0]
    assert spanish["lang"] == "en"
    assert Client().get("/api/v1/notices?lang=de").status_code == 422


def test_the_public_api_costs_a_fixed_number_of_queries(
        chief: Any, notice: Any, django_assert_max_num_queries: Any) -> None:
    for number in range(4):
        published(chief, {**GOOD, "headline": f"Notice number {number}"})
    with django_assert_max_num_queries(6):
        assert Client().get("/api/v1/notices").json()["count"] == 5


def _phase(code: str) -> Term:
    return Term.objects.get(vocabulary__slug="phases", code=code)


def _information_type() -> Term:
    return Term.objects.filter(vocabulary__slug="information-types").order_by("code").first()


def test_statistics_count_only_closed_clear_reports(vocabulary: None) -> None:
    voting = _phase("voting_operations")
    kind = _information_type()
    counted = make_report(tlp=TLP.CLEAR, status=Status.CLOSED, closed_reason="done")
    hidden = [
        make_report(tlp=TLP.AMBER, status=Status.CLOSED, closed_reason="done"),
        make_report(tlp=TLP.GREEN, status=Status.CLOSED, closed_reason="done"),
        make_report(tlp=TLP.CLEAR, status=Status.TRIAGED),
        make_report(tlp=TLP.CLEAR, status=Status.CLOSED, closed_reason="done",
                    source=Source.EXERCISE),
    ]
    for report in [counted, *hidden]:
        report.phases.set([voting])
        report.information_types.set([kind])

    page = Client().get("/statistics/").content.decode()

    assert re.search(r'data-code="voting_operations">1<', page), page
    assert re.search(rf'data-code="{kind.code}">1<', page)
    assert "<strong>1</strong>" in page


def _page_weight(client: Client, path: str) -> int:
    """The HTML plus every stylesheet and script it references."""
    response = client.get(path)
    html = response.content
    total = len(html)
    for reference in re.findall(rb'<(?:link[^>]+rel="stylesheet"[^>]+href|script[^>]+src)='
                                rb'"([^"]+)"', html):
        asset = client.get(urljoin(path, reference.decode()))
        assert asset.status_code == 200, reference
        total += len(b"".join(asset.streaming_content) if asset.streaming else asset.content)
    return total


@pytest.mark.parametrize("page", [*PAGES, "notice"])
def test_no_portal_page_weighs_over_200_kb(notice: Any, page: str) -> None:
    path = f"/notices/{notice.slug}/" if page == "notice" else page

    assert _page_weight(Client(), path) <= MAX_PAGE_BYTES


@pytest.mark.parametrize("page", [*PAGES, "notice"])
def test_portal_pages_have_a_strict_csp_and_no_inline_script_or_style(notice: Any,
                                                                      page: str) -> None:
    response = Client().get(f"/notices/{notice.slug}/" if page == "notice" else page)
    policy = response["Content-Security-Policy"]
    body = response.content.decode()

    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body)
    assert "<style" not in body and " style=" not in body
    assert not re.search(r"\son[a-z]+=", body)


def test_the_notice_stix_bundle_is_public_and_tlp_clear(notice: Any) -> None:
    response = Client().get(f"/notices/{notice.slug}/stix.json")

    bundle = response.json()
    report = next(item for item in bundle["objects"] if item["type"] == "report")
    assert report["object_marking_refs"] == [
        "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"]
    assert report["name"] == GOOD["headline"]
