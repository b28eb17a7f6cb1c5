"""A real Chromium hovers and focuses a glossary term and sees its plain definition."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from civicshield.core.choices import Role
from tests import factories
from tests.vocab.helpers import load_builtin

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists() and os.environ.get("CIVICSHIELD_REQUIRE_BROWSER") != "1",
        reason=f"no Chromium at {CHROMIUM} (set CIVICSHIELD_REQUIRE_BROWSER=1 to make this fail)",
    ),
]


@pytest.fixture
def glossary_page(live_server: Any, transactional_db: Any) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    load_builtin()
    user = factories.make_user(role=Role.VIEWER)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        try:
            page = browser.new_page()
            page.goto(f"{live_server.url}/accounts/login/")
            page.fill("input[name=username]", user.username)
            page.fill("input[name=password]", factories.PASSWORD)
            page.locator("form button[type=submit], form input[type=submit]").last.click()
            page.wait_for_url(f"{live_server.url}/app/**")
            page.goto(f"{live_server.url}/app/vocab/glossary/?q=registration")
            yield page
        finally:
            browser.close()


def test_hovering_a_term_shows_its_plain_definition(glossary_page: Any) -> None:
    trigger = glossary_page.get_by_role("button", name="Voter registration")
    tip = glossary_page.locator(f"#{trigger.get_attribute('aria-describedby')}")
    assert not tip.is_visible()

    trigger.hover()

    tip.wait_for(state="visible")
    assert "People sign up to vote" in tip.inner_text()


def test_focusing_a_term_with_the_keyboard_shows_its_plain_definition(glossary_page: Any) -> None:
    trigger = glossary_page.get_by_role("button", name="Voter registration")
    tip = glossary_page.locator(f"#{trigger.get_attribute('aria-describedby')}")

    trigger.focus()

    tip.wait_for(state="visible")
    assert tip.get_attribute("role") == "tooltip"
    assert "People sign up to vote" in tip.inner_text()
