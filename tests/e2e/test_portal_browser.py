"""The public portal in a real Chromium: axe-core finds no serious or critical WCAG 2.1 AA
violation on any public page in English, French or Spanish; and a coordinator drafting a
notice sees the plain-language check update as they type.

axe-core is vendored (tests/e2e/vendor/axe-core-<version>/, from the npm package) and
injected with Playwright's add_script_tag(path=...), never fetched from a CDN. Injection
adds an inline script, which the site's CSP rightly refuses, so the axe pages run in a
context that bypasses CSP; the coordinator test runs under the real CSP.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from civicshield.comms.choices import ArticleKind
from civicshield.comms.models import Notice
from civicshield.comms.services import save_article
from civicshield.core.authz import OPERATOR
from civicshield.core.markings import TLP
from civicshield.reports.choices import Status
from civicshield.vocab.models import Term
from civicshield.vocab.services import load_builtin_vocabularies
from tests.e2e.conftest import (  # noqa: F401
    CHROMIUM_ARGS,
    require_chromium,
    sign_in_with_second_factor,
)
from tests.portal.notices_setup import GOOD_FR, coordinator, published
from tests.report_factories import make_report

require_chromium()

pytestmark = pytest.mark.browser

from playwright.sync_api import expect  # noqa: E402  (only once Chromium is known to exist)

AXE = next(Path(__file__).parent.joinpath("vendor").glob("axe-core-*/axe.min.js"))
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PAGES = ["/", "/notices/{slug}/", "/methods/", "/toolkit/", "/report/", "/statistics/"]
PREFIXES = {"en": "", "fr": "/fr", "es": "/es"}


def _public_site() -> Notice:
    load_builtin_vocabularies(actor=OPERATOR, include_sources=False)
    chief = coordinator()
    for language in PREFIXES:
        save_article(actor=chief, kind=ArticleKind.TOOLKIT, slug="check-before-you-share",
                     language=language, title=f"Check before you share ({language})",
                     summary="Three habits.", body="Look at the address.\n\nAsk who says it.")
        save_article(actor=chief, kind=ArticleKind.METHOD, slug="how-we-check",
                     language=language, title=f"How we check ({language})",
                     body="Two analysts read each report.")
    report = make_report(tlp=TLP.CLEAR, status=Status.CLOSED, closed_reason="Fact-checked.")
    report.phases.set(Term.objects.filter(vocabulary__slug="phases", code="voting_operations"))
    return published(chief, translations={"fr": GOOD_FR})


@pytest.fixture
def axe_page(browser: Any, live_server: Any, transactional_db: Any) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server.url, bypass_csp=True,
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _serious_violations(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        WCAG_AA)
    return [f"{violation['id']} ({violation['impact']}): {violation['help']} — "
            f"{[node['target'] for node in violation['nodes']][:3]}"
            for violation in result["violations"]
            if violation["impact"] in ("serious", "critical")]


def test_public_pages_have_no_serious_accessibility_violations(axe_page: Any) -> None:
    notice = _public_site()
    problems: dict[str, list[str]] = {}
    for prefix in PREFIXES.values():
        for template in PAGES:
            path = prefix + template.format(slug=notice.slug)
            response = axe_page.goto(path)
            assert response is not None and response.status == 200, path
            found = _serious_violations(axe_page)
            if found:
                problems[path] = found
    assert problems == {}


def test_the_language_switch_moves_between_languages_without_javascript(
        browser: Any, live_server: Any, transactional_db: Any) -> None:
    notice = _public_site()
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"/notices/{notice.slug}/")
        page.get_by_role("navigation", name="Language").get_by_role(
            "link", name="Français").click()
        expect(page).to_have_url(re.compile(rf"/fr/notices/{notice.slug}/$"))
        expect(page.locator("html")).to_have_attribute("lang", "fr")
        expect(page.get_by_role("heading", level=1)).to_have_text(GOOD_FR["headline"])
    finally:
        context.close()


def test_a_coordinator_drafting_a_notice_sees_the_live_check_update(page: Any) -> None:
    load_builtin_vocabularies(actor=OPERATOR, include_sources=False)
    chief = coordinator()
    sign_in_with_second_factor(page, chief)
    page.goto("/app/comms/new/")
    english = page.locator("fieldset.notice-language").first
    check = page.locator("#plain-check")

    english.get_by_label("Headline").fill("Fake site says you can vote by text")
    english.get_by_label("What happened").fill(
        "It is believed that some actors used certain platforms to spread CIB content.")
    expect(check.locator('[data-rule="vague"]').first).to_be_visible()
    expect(check.locator('[data-rule="acronym"]').first).to_be_visible()
    expect(check).to_contain_text("Reading grade")

    english.get_by_label("What happened").fill(
        "A fake website, vote-info-veridia.com, says that you can vote by text message. "
        "This is false.")
    english.get_by_label("When").fill("We first saw the site on Monday 4 May 2026 at 07:40.")
    english.get_by_label("Who is affected").fill("Voters in every region.")
    english.get_by_label("What it means for voters").fill("You cannot vote by text message.")
    english.get_by_label("What you should do").fill(
        "Check your polling station with the Electoral Commission.")
    english.get_by_label("How we know").fill(
        "Two social media companies found 212 fake accounts that shared the link.")

    expect(check).to_contain_text("Passes the plain-language check")
    expect(check.locator('[data-rule="vague"]')).to_have_count(0)
    page.get_by_role("button", name="Save draft").click()
    expect(page).to_have_url(re.compile(r"/app/comms/fake-site-says-you-can-vote-by-text/$"))
    assert Notice.objects.get().status == "draft"
