"""The other half of the spine, in a real browser on a phone-sized screen: a donor finds a need,
pledges, marks the goods delivered and opens the slip; the commune officer opens the slip's QR
link on a phone, logs in, confirms with a photo; the public need page shows it confirmed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from cuutro.pledges.models import Confirmation, Pledge, PledgeStatus
from tests.browser import fill_login, fits_the_phone, log_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"


def test_donor_pledges_and_delivers_officer_confirms_from_the_slip_on_a_phone(
    cast: Any, make_need: Any, live_server: Any, phone: Any, tmp_path: Path
) -> None:
    need = make_need("verified")  # 30 roofing sheets and 50.5 kg of rice, Phường Đông Hà
    base = live_server.url
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = phone
    # English, so the assertions can quote the source strings (the phone itself asks for Vietnamese).
    page.goto(f"{base}/lang/en/?next=/")

    # 1. The donor logs in and finds the need by typing without diacritics.
    page.goto(f"{base}/accounts/login/")
    fill_login(page, cast.donor.username)
    page.goto(f"{base}/needs/")
    page.fill("#f-q", "dong ha ton lop")
    page.click("form.filters button[type=submit]")
    page.wait_for_selector(f"#results a:text('{need.code}')")
    page.click(f"#results a:text('{need.code}')")
    page.wait_for_url(re.compile(r"/needs/.+/$"))
    fits_the_phone(page)

    # 2. …follows "Pledge to this need" and pledges ten sheets.
    page.click("a:text('Pledge to this need')")
    page.wait_for_load_state()
    assert "Pledge to need" in (page.text_content("h1") or "")
    page.check("input[name=need_item] >> nth=0")  # the roofing sheets, first on the need
    page.fill("#id_quantity", "10")
    page.fill("#id_contact_phone", "0911 222 333")
    fits_the_phone(page)
    page.screenshot(path=str(SHOTS / "5-pledge-form.png"), full_page=True)
    page.get_by_role("button", name="Pledge", exact=True).click()
    page.wait_for_load_state()
    heading = page.text_content("h1") or ""
    found = re.search(r"CT-[0-9A-Z]{6}", heading)
    assert found, heading
    code = found.group(0)
    pledge = Pledge.objects.get(code=code)
    assert (pledge.donor, pledge.quantity, pledge.contact_phone) == (cast.donor, 10, "0911222333")
    assert "Thank you!" in (page.text_content(".messages") or "")

    # 3. On the pledge page the donor marks it delivered…
    page.get_by_role("button", name=re.compile("mark as delivered")).click()
    page.wait_for_load_state()
    assert "marked as delivered" in (page.text_content(".messages") or "")
    assert Pledge.objects.get(pk=pledge.pk).status == PledgeStatus.DELIVERED
    assert "Waiting for the commune officer to confirm." in (page.text_content("main") or "")
    fits_the_phone(page)
    page.screenshot(path=str(SHOTS / "6-pledge.png"), full_page=True)

    # 4. …and opens the slip, whose QR code leads to the confirmation screen.
    page.click(f"a[href='/pledges/{code}/slip/']")
    page.wait_for_load_state()
    confirm_url = page.get_attribute("[data-confirm-url]", "data-confirm-url")
    assert confirm_url == f"{base}/officer/deliveries/{code}/"
    assert page.locator(".slip-qr svg path").count() == 1
    assert code in (page.text_content(".slip-code") or "")
    fits_the_phone(page)
    page.screenshot(path=str(SHOTS / "7-slip.png"), full_page=True)
    log_out(page)

    # 5. The officer opens that link on their phone, logs in and lands back on the confirm screen.
    page.goto(confirm_url)
    assert "/accounts/login/" in page.url
    fill_login(page, cast.officer.username)
    assert page.url == confirm_url
    assert "10 sheets" in (page.text_content(".big-what") or "")
    fits_the_phone(page)
    photo = tmp_path / "handover.jpg"
    Image.new("RGB", (320, 240), (40, 120, 200)).save(photo, format="JPEG")
    page.set_input_files("#id_evidence", str(photo))
    page.check("#id_acknowledged")
    page.fill("#id_received_by", "Ông Ba")
    page.screenshot(path=str(SHOTS / "8-confirm.png"), full_page=True)
    page.get_by_role("button", name=re.compile("Confirm delivery")).click()
    page.wait_for_load_state()
    assert f"Delivery {code} is confirmed" in (page.text_content(".messages") or "")
    assert Pledge.objects.get(pk=pledge.pk).status == PledgeStatus.CONFIRMED
    assert Confirmation.objects.get(pledge=pledge).confirmed_by == cast.officer
    log_out(page)

    # 6. Anyone sees the sheets confirmed on the public need page.
    page.goto(f"{base}/needs/{need.code}/")
    sheets = page.locator("[data-item='roofing-sheet']")
    assert re.search(r"Confirmed\s*10 sheets", sheets.text_content() or "")
    card = page.locator(f"[data-pledge='{code}']")
    assert "Confirmed by the commune" in (card.text_content() or "")
    body = page.content()
    assert "0911222333" not in body and "Ông Ba" not in body
    fits_the_phone(page)
    page.screenshot(path=str(SHOTS / "9-need-confirmed.png"), full_page=True)
