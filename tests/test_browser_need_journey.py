"""The spine, in a real browser on a phone-sized screen: an officer records a need, a second
officer verifies it, and an anonymous visitor finds it by searching without diacritics."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from cuutro.needs.models import Need
from tests.browser import log_in, log_out
from tests.conftest import SECRET_NAME, SECRET_PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"


def test_officer_records_second_officer_verifies_public_finds_it(cast: Any, live_server: Any, phone: Any) -> None:
    base = live_server.url
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = phone

    # 1. The first officer records the need and sends it for verification.
    log_in(page, base, cast.officer.username)
    assert page.url.endswith("/officer/")
    page.click("a[href='/officer/needs/new/']")
    assert page.input_value("#id_area") == cast.commune_a.code  # their only commune, preselected
    page.check("input[name=kind][value=household]")
    page.check("input[name=urgency][value=critical]")
    page.fill("#id_description", "Nhà bị sập mái tôn sau trận lũ, cả nhà phải ở nhờ hàng xóm.")
    page.select_option("#id_items-0-item", "roofing-sheet")
    page.fill("#id_items-0-quantity", "24")
    page.select_option("#id_items-1-item", "cash-house-repair")
    page.fill("#id_items-1-quantity", "15000000")
    page.fill("#id_full_name", SECRET_NAME)
    page.fill("#id_phone", SECRET_PHONE)
    page.screenshot(path=str(SHOTS / "1-need-form.png"), full_page=True)
    page.click("button[name=submit]")
    page.wait_for_load_state()
    heading = page.text_content("h1") or ""
    code = re.search(r"HGĐ-[0-9A-Z]{5}", heading)
    assert code, heading
    code = code.group(0)
    need = Need.objects.get(code=code)
    assert need.status == "submitted"
    assert need.created_by == cast.officer
    # The author sees no verify button on their own need.
    assert page.locator("form[action$='/verify/']").count() == 0
    log_out(page)

    # 2. The second officer of the same commune verifies it from their queue.
    log_in(page, base, cast.verifier.username)
    page.click(f"a:text('{code}')")
    assert SECRET_NAME in page.content()  # officers in scope see the private details
    page.screenshot(path=str(SHOTS / "2-verify.png"), full_page=True)
    page.click("form[action$='/verify/'] button")
    page.wait_for_load_state()
    need.refresh_from_db()
    assert need.status == "verified"
    assert need.verified_by == cast.verifier
    log_out(page)

    # 3. An anonymous visitor searches without diacritics and opens it.
    page.goto(f"{base}/needs/")
    page.fill("#f-q", "dong ha ton lop")
    page.click("form.filters button[type=submit]")
    page.wait_for_selector(f"#results a:text('{code}')")
    page.screenshot(path=str(SHOTS / "3-search.png"), full_page=True)
    page.click(f"#results a:text('{code}')")
    page.wait_for_url(re.compile(r"/needs/.+/$"))
    body = page.content()
    assert code in (page.text_content("h1") or "")
    assert "Phường Đông Hà" in body
    assert re.search(r"24\s", page.text_content("table") or "")
    assert SECRET_NAME not in body
    assert SECRET_PHONE not in body
    # A phone screen never scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(SHOTS / "4-detail.png"), full_page=True)
