"""Playwright + Debian's chromium for browser tests (never a downloaded browser)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = os.environ.get("CUUTRO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 740}


def chromium_or_skip() -> None:
    if os.path.exists(CHROMIUM):
        return
    message = f"!!! {CHROMIUM} is missing: browser tests cannot run (install Debian's chromium) !!!"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)  # under CI a missing browser is a failure, never a silent skip
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    chromium_or_skip()
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the
    # test itself are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _new_phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    """A fresh phone-sized page with its own cookies."""
    yield from _new_phone(browser)


@pytest.fixture
def visitor(browser: Any) -> Iterator[Any]:
    """A second phone with no login (a journey's anonymous public), beside ``phone``."""
    yield from _new_phone(browser)


# ---- steps every journey takes ------------------------------------------------------------


def fill_login(page: Any, username: str) -> None:
    """Fill and send the login form the page shows (the demo password is the cast's)."""
    from tests.conftest import PASSWORD

    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form.card button[type=submit]")
    page.wait_for_load_state()


def log_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    fill_login(page, username)


def log_out(page: Any) -> None:
    page.click("header form button[type=submit]")
    page.wait_for_load_state()


def fits_the_phone(page: Any) -> None:
    """A phone screen never scrolls sideways."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url
