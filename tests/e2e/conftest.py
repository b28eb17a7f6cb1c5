"""Real-browser tests: Playwright's sync API driving the system Chromium against live_server.

Run with `pytest tests/e2e`. Without /usr/bin/chromium the browser modules are skipped,
unless CIVICSHIELD_REQUIRE_BROWSER=1 (CI), in which case they fail.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


@pytest.fixture(scope="module", autouse=True)
def _orm_beside_playwright() -> Iterator[None]:
    """Playwright's sync API runs an event loop in this thread; Django's ORM would otherwise
    refuse to run from it (SynchronousOnlyOperation) when a test arranges or flushes data.
    Set for the browser modules only (module scope outlives each test's database teardown),
    so that nothing else in the suite runs with the guard off."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


def screenshot(page: Any, name: str) -> None:
    """Save a full-page picture for the README when CIVICSHIELD_SCREENSHOT_DIR is set
    (`CIVICSHIELD_SCREENSHOT_DIR=docs/screenshots pytest tests/e2e`)."""
    directory = os.environ.get("CIVICSHIELD_SCREENSHOT_DIR")
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(directory) / name), full_page=True)


def sign_in_with_second_factor(page: Any, user: Any) -> None:
    """Sign `user` in through the login page and the TOTP step (a device made here)."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from playwright.sync_api import expect

    from tests.factories import PASSWORD

    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/app/account/second-factor/"))
    page.get_by_label("Six-digit code from your authenticator app").fill(
        f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(re.compile(r"/app/$"))


def require_chromium() -> None:
    """Call at module level: skip the module without Chromium, or fail when it is required."""
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is not installed: the real-browser tests need the system Chromium"
    if os.environ.get("CIVICSHIELD_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (CIVICSHIELD_REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


# Per module, not per session: while Playwright is open its event loop counts as running,
# and the rest of the suite should not run under it.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, live_server: Any, transactional_db: Any) -> Iterator[Any]:
    """A fresh browser context per test; fails the test on any console error (CSP included)."""
    context = browser.new_context(base_url=live_server.url, locale="en-GB",
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    # The site has no favicon yet; the browser's automatic request would log a 404 error.
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], f"browser console errors: {errors}"
