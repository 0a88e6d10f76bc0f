"""Issue 5's acceptance journey, in a real browser on a phone-sized screen: an organisation
registers a relief delegation, the province committee assigns it two communes, the delegation's
page says instant noodles are already enough in one of them and still needed in the other, a
commune officer records the arrival from the stop's QR link, the delegation records its hand-over,
and the public supply–need board moves by exactly what was handed over."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from cuutro.delegations.models import Delegation, DelegationStatus, Stop, StopStatus
from cuutro.needs.services import NeedItemData
from cuutro.pledges.models import Pledge, PledgeStatus
from tests.browser import fill_login, fits_the_phone, log_in, log_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"
NOODLES = "instant-noodles"
LEADER_PHONE = "0913579246"
HANDED_OVER = 30  # boxes of the 40 Xã Gio Linh's need asks for


def click_and_wait(page: Any, locator: Any) -> None:
    with page.expect_navigation():
        locator.click()


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SHOTS / name), full_page=True)


# htmx marks elements with these classes from the request until the new content has settled.
SETTLED = "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"


def board_noodles_in(page: Any, base: str, province: Any, commune: Any) -> dict[str, Any]:
    """Open "Needed now", narrow it to the commune and the food category with the filters, and
    read the instant-noodles line: its status and its figures in boxes."""
    page.goto(f"{base}/")
    click_and_wait(page, page.locator("header nav a[href='/needed/']"))
    # Each change reloads the board area in place (htmx) and puts the filters into the address;
    # the next choice waits for the new form, which marks the previous choice as selected.
    for name, value in (("province", province.code), ("commune", commune.code), ("category", "food-water")):
        page.select_option(f"#b-{name}", value)
        page.wait_for_selector(f"#b-{name} option[value='{value}'][selected]", state="attached")
        page.wait_for_url(re.compile(rf"[?&]{name}={value}(&|$)"))
        page.wait_for_function(SETTLED)
    lines = page.locator("#results .board-line")
    lines.first.wait_for()
    for text in lines.locator("h3").all_text_contents():
        assert commune.name in text and "Food and drinking water" in text, text  # only what the filters asked for
    line = lines.filter(has_text="Instant noodles")
    assert line.count() == 1, page.content()
    figures: dict[str, Any] = {"status": line.locator(".tag").first.get_attribute("class")}
    for row in line.locator("table.figures tr").all():
        label = (row.locator("th").text_content() or "").strip()
        value = (row.locator("td").text_content() or "").strip()
        found = re.fullmatch(r"(\d+) boxes?", value)
        assert found, (label, value)
        figures[label] = int(found.group(1))
    fits_the_phone(page)
    return figures


def test_a_delegation_registers_is_routed_sees_the_advice_checks_in_by_qr_hands_over_and_the_board_moves(
    cast: Any, make_need: Any, make_pledge: Any, live_server: Any, phone: Any, visitor: Any
) -> None:
    # Phường Đông Hà: every box of noodles its need asks for is pledged already ("enough").
    full = make_need("verified", items=[NeedItemData(NOODLES, 20)])
    make_pledge(full, item=NOODLES, quantity=20)
    # Xã Gio Linh: an open need still asks for 40 boxes of noodles and some rice.
    wanted = make_need(
        "verified",
        area=cast.commune_b,
        creator=cast.officer_b,
        verifier=cast.province_member,
        items=[NeedItemData(NOODLES, 40), NeedItemData("rice", Decimal(25))],
    )
    base = live_server.url
    day1, day2 = timezone.localdate() + timedelta(days=1), timezone.localdate() + timedelta(days=2)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = phone
    # English, so the assertions can quote the source strings (the phones themselves ask for Vietnamese).
    page.goto(f"{base}/lang/en/?next=/")
    visitor.goto(f"{base}/lang/en/?next=/")

    # 1. The organisation member registers the delegation from the public calendar.
    log_in(page, base, cast.org_member.username)
    click_and_wait(page, page.locator("header nav a[href='/delegations/']"))
    click_and_wait(page, page.get_by_role("link", name="Register a delegation"))
    assert "Register a relief delegation" in (page.text_content("h1") or "")
    page.fill("#id_origin", "Thành phố Hồ Chí Minh")
    page.fill("#id_starts_on", day1.isoformat())
    page.fill("#id_ends_on", day2.isoformat())
    page.fill("#id_people", "8")
    page.fill("#id_vehicles", "2")
    page.select_option("#id_cargo-0-item", NOODLES)
    page.fill("#id_cargo-0-quantity", "150")
    page.get_by_role("checkbox", name=cast.commune_a.name).check()
    page.get_by_role("checkbox", name=cast.commune_b.name).check()
    page.fill("#id_leader_name", "Chị Lan")
    page.fill("#id_leader_phone", LEADER_PHONE)
    fits_the_phone(page)
    shot(page, "d1-delegation-form.png")
    click_and_wait(page, page.get_by_role("button", name="Register the delegation"))
    heading = page.text_content("h1") or ""
    found = re.search(r"DCT-[0-9A-Z]{6}", heading)
    assert found, heading
    code = found.group(0)
    assert f"Delegation {code} is registered" in (page.text_content(".messages") or "")
    assert page.get_attribute("#delegation-status", "data-status") == "submitted"
    delegation = Delegation.objects.get(code=code)
    assert delegation.organisation.name == "Hội Chữ thập đỏ Thử nghiệm"
    assert (delegation.starts_on, delegation.ends_on, delegation.people, delegation.vehicles) == (day1, day2, 8, 2)
    assert sorted(a.code for a in delegation.preferred_communes.all()) == sorted([cast.commune_a.code, cast.commune_b.code])
    assert {c.item.code: c.quantity for c in delegation.cargo.all()} == {NOODLES: Decimal(150)}
    fits_the_phone(page)
    log_out(page)

    # 2. The province committee assigns both communes, one day each, and asks for Gio Linh's need.
    log_in(page, base, cast.province_member.username)
    click_and_wait(page, page.locator("header nav a[href='/delegations/']"))
    click_and_wait(page, page.get_by_role("link", name="Delegations to answer"))
    waiting = page.locator("li[data-delegation]", has_text=code)
    assert "Waiting for your answer" in (page.text_content("main") or "")
    click_and_wait(page, waiting.get_by_role("link", name=code))
    click_and_wait(page, page.get_by_role("link", name="Assign or suggest a route"))
    row_a = page.locator(f"fieldset.route-row[data-commune='{cast.commune_a.code}']")
    row_b = page.locator(f"fieldset.route-row[data-commune='{cast.commune_b.code}']")
    assert row_a.locator("legend input[type=checkbox]").is_checked()  # the preferred communes come ticked
    assert row_b.locator("legend input[type=checkbox]").is_checked()
    row_a.locator("input[type=date]").fill(day1.isoformat())
    row_b.locator("input[type=date]").fill(day2.isoformat())
    row_b.get_by_role("checkbox", name=re.compile(wanted.code)).check()
    fits_the_phone(page)
    shot(page, "d2-route.png")
    click_and_wait(page, page.get_by_role("button", name="Accept with this route"))
    assert f"Delegation {code} is accepted with its route" in (page.text_content(".messages") or "")
    assert page.get_attribute("#delegation-status", "data-status") == "accepted"
    stops = {s.commune.code: s for s in Stop.objects.filter(delegation=delegation).select_related("commune")}
    assert {k: (s.status, s.on_date) for k, s in stops.items()} == {
        cast.commune_a.code: (StopStatus.ACCEPTED, day1),
        cast.commune_b.code: (StopStatus.ACCEPTED, day2),
    }
    stop_b = stops[cast.commune_b.code]
    log_out(page)

    # The shared calendar's map now shows the route: a marker for each commune and day.
    visitor.goto(f"{base}/delegations/")
    visitor.wait_for_selector("#map .leaflet-interactive")
    assert visitor.locator("#map .leaflet-interactive").count() == 2

    # 3. The delegation's page: noodles are enough in Đông Hà (go to Gio Linh instead), needed in Gio Linh.
    log_in(page, base, cast.org_member.username)
    page.goto(f"{base}/delegations/mine/")
    click_and_wait(page, page.locator(f"li[data-delegation='{code}']").get_by_role("link", name=code))
    section_a = page.locator(f"section.stop[data-commune='{cast.commune_a.code}']")
    section_b = page.locator(f"section.stop[data-commune='{cast.commune_b.code}']")
    advice_a = section_a.locator(f".stop-advice[data-item='{NOODLES}']")
    advice_b = section_b.locator(f".stop-advice[data-item='{NOODLES}']")
    assert advice_a.get_attribute("data-status") in ("enough", "oversupplied")
    text_a = advice_a.text_content() or ""
    assert "Phường Đông Hà already has enough Instant noodles" in text_a
    assert "Instant noodles is still needed in:" in text_a
    elsewhere = advice_a.locator("ul li").all_text_contents()
    assert any(cast.commune_b.name in line and "40 boxes missing" in line for line in elsewhere), elsewhere
    assert wanted.code not in text_a  # advice names communes, never households
    assert advice_b.get_attribute("data-status") == "needed"
    assert "Instant noodles is still needed in Xã Gio Linh: 40 boxes missing." in (advice_b.text_content() or "")
    assert wanted.code in (section_b.text_content() or "")  # the need the commune asks it to cover
    fits_the_phone(page)
    shot(page, "d3-delegation-advice.png")

    # 4. …and opens the QR page of the Gio Linh stop to show on arrival.
    click_and_wait(page, section_b.get_by_role("link", name="QR code for the arrival"))
    check_in_url = page.get_attribute("[data-check-in-url]", "data-check-in-url") or ""
    assert check_in_url.startswith(base) and "/delegations/check-in/" in check_in_url
    assert (page.text_content(".slip-url a") or "").strip() == check_in_url  # the address printed under the code
    assert page.locator(".slip-qr svg").count() == 1
    assert cast.commune_b.name in (page.text_content(".slip-code") or "")
    fits_the_phone(page)
    shot(page, "d4-stop-qr.png")
    log_out(page)

    # The board before the hand-over, as the public sees it.
    before = board_noodles_in(visitor, base, cast.province, cast.commune_b)
    assert before["status"] is not None and "b-needed" in before["status"]
    assert (before["Needed"], before["Pledged"], before["Delivered"], before["Still needed"]) == (40, 0, 0, 40)
    shot(visitor, "d5-board-before.png")

    # 5. Gio Linh's officer opens that link on a phone, logs in and records the arrival.
    page.goto(check_in_url)
    assert "/accounts/login/" in page.url
    fill_login(page, cast.officer_b.username)
    assert page.url == check_in_url
    assert f"{delegation.organisation.name} in {cast.commune_b.name}" in (page.text_content("h1") or "")
    fits_the_phone(page)
    shot(page, "d6-check-in.png")
    click_and_wait(page, page.get_by_role("button", name="Record the arrival"))
    assert "Arrival recorded by Cán bộ B" in (page.text_content("#checked-in") or "")
    assert page.get_attribute("[data-stop-status]", "data-stop-status") == "checked_in"
    stop_b.refresh_from_db()
    assert (stop_b.status, stop_b.checked_in_by) == (StopStatus.CHECKED_IN, cast.officer_b)
    assert Delegation.objects.get(pk=delegation.pk).status == DelegationStatus.ON_ROUTE
    log_out(page)

    # 6. The delegation records what it handed over to Gio Linh's need.
    log_in(page, base, cast.org_member.username)
    page.goto(f"{base}/delegations/mine/")
    click_and_wait(page, page.locator(f"li[data-delegation='{code}']").get_by_role("link", name=code))
    section_b = page.locator(f"section.stop[data-commune='{cast.commune_b.code}']")
    assert section_b.locator("[data-stop-status]").get_attribute("data-stop-status") == "checked_in"
    click_and_wait(page, section_b.get_by_role("link", name="Record the hand-over"))
    assert "Hand-over in Xã Gio Linh" in (page.text_content("h1") or "")
    noodles = page.locator(f"fieldset[data-item='{NOODLES}']")
    row = noodles.locator(f"tr[data-need='{wanted.code}']")
    assert "asked by the commune" in (row.text_content() or "")
    assert "40 boxes" in (row.locator("td.num").text_content() or "")
    row.locator("input").fill(str(HANDED_OVER))
    fits_the_phone(page)
    shot(page, "d7-handover.png")
    click_and_wait(page, page.get_by_role("button", name="Record the hand-over"))
    pledge = Pledge.objects.get(need_item__need=wanted)
    assert (pledge.status, pledge.quantity, pledge.organisation) == (PledgeStatus.DELIVERED, HANDED_OVER, delegation.organisation)
    message = page.text_content(".messages") or ""
    assert "Hand-over recorded: 1 pledge marked delivered" in message and pledge.code in message
    handed = page.locator(f"section.stop[data-commune='{cast.commune_b.code}'] .handed-over li[data-pledge='{pledge.code}']")
    handed_text = handed.text_content() or ""
    assert f"{HANDED_OVER} boxes Instant noodles → {wanted.code}" in handed_text
    assert "Delivered – awaiting confirmation" in handed_text
    fits_the_phone(page)
    shot(page, "d8-handed-over.png")

    # 7. The public board moved by exactly what was handed over.
    after = board_noodles_in(visitor, base, cast.province, cast.commune_b)
    assert after["Delivered"] == before["Delivered"] + HANDED_OVER
    assert after["Pledged"] == before["Pledged"] + HANDED_OVER
    assert after["Still needed"] == before["Still needed"] - HANDED_OVER
    assert (after["Needed"], after["Confirmed"]) == (before["Needed"], before["Confirmed"])
    assert after["status"] is not None and "b-needed" in after["status"]  # 10 boxes still missing
    shot(visitor, "d9-board-after.png")
