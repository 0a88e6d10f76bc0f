"""The pledge pages: a donor pledges, follows and hands over; a commune officer confirms on the
ground; the public need page shows how far the goods have come and nothing private."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import segno
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cuutro.audit.models import AuditEvent
from cuutro.needs.models import Need, NeedItem, NeedStatus
from cuutro.needs.services import NeedItemData
from cuutro.pledges.models import Confirmation, HandoverRequest, Pledge, PledgeStatus
from tests.conftest import DONOR_PHONE, photo_upload

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
NOTE = "Ghi chú riêng: xe tải biển 74C-12345"


def item(need: Any, code: str = "roofing-sheet") -> NeedItem:
    return NeedItem.objects.get(need=need, item__code=code)


def text(response: Any) -> str:
    return html.unescape(response.content.decode())


def public_page(need: Any) -> str:
    return text(Client(**ENGLISH).get(reverse("portal:need_detail", args=[need.code])))


def figures(page: str, marker: str) -> dict[str, str]:
    """The first table of figures after ``marker``: {"Needed": "30 sheets", "Pledged": …}."""
    start = page.index(marker)
    table = page[page.index('<table class="figures">', start) : page.index("</table>", start)]
    rows = re.findall(r'<th scope="row">(.*?)</th><td class="num[^"]*">(?:<strong>)?(.*?)(?:</strong>)?</td>', table)
    return dict(rows)


def still_needed(page: str, item_code: str) -> str:
    """The "Still needed" figure of one item on the public need page."""
    return figures(page, f'data-item="{item_code}"')["Still needed"]


def section(page: str, anchor: str) -> str:
    start = page.index(f'id="{anchor}"')
    return page[start : page.index("</section>", start)]


def pledge_form(need: Any, quantity: Any = 12, item_code: str = "roofing-sheet", **overrides: Any) -> dict[str, Any]:
    data = {
        "need_item": item(need, item_code).pk,
        "quantity": quantity,
        "expected_on": (timezone.localdate() + timedelta(days=3)).isoformat(),
        "show_as": "anonymous",
        "contact_name": "Anh Tâm",
        "contact_phone": DONOR_PHONE,
        "note": NOTE,
    }
    data.update(overrides)
    return data


def new_url(need: Any) -> str:
    return reverse("pledges:new", args=[need.code])


def status(pledge: Pledge) -> str:
    return Pledge.objects.get(pk=pledge.pk).status


# ---- pledging ---------------------------------------------------------------------------------


def test_a_pledge_made_on_the_web_lowers_what_the_public_page_shows_as_still_needed(cast: Any, make_need: Any) -> None:
    need = make_need("verified")  # 30 roofing sheets, 50.5 kg rice
    assert still_needed(public_page(need), "roofing-sheet") == "30 sheets"
    response = cast.client_for(cast.donor).post(new_url(need), pledge_form(need, 12), follow=True)
    pledge = Pledge.objects.get()
    assert response.redirect_chain[-1][0] == reverse("pledges:detail", args=[pledge.code])
    page = text(response)
    assert f"Thank you! Pledge {pledge.code} is recorded: 12 sheets for need {need.code}" in page
    assert (pledge.donor, pledge.quantity, pledge.contact_phone, pledge.note) == (cast.donor, Decimal(12), DONOR_PHONE, NOTE)
    public = public_page(need)
    assert still_needed(public, "roofing-sheet") == "18 sheets"
    assert still_needed(public, "rice") == "50.5 kg"
    assert "Anonymous donor" in public and pledge.code in public
    assert "Partly pledged" in public


def test_anonymous_visitors_are_sent_to_log_in_and_brought_back(cast: Any, make_need: Any) -> None:
    need = make_need("verified")
    response = Client(**ENGLISH).get(new_url(need))
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == reverse("accounts:login")
    assert parse_qs(location.query)["next"] == [new_url(need)]


def test_the_form_preselects_the_item_offers_only_what_remains_and_fills_in_the_donor(
    cast: Any, make_need: Any, make_pledge: Any
) -> None:
    need = make_need("verified")
    rice = item(need, "rice")
    page = text(cast.client_for(cast.donor).get(f"{new_url(need)}?item={rice.pk}"))
    assert re.search(rf'value="{rice.pk}" checked', page)
    assert re.search(rf'value="{item(need).pk}">', page)  # offered, not chosen
    assert "30 sheets still needed" in page and "50.5 kg still needed" in page
    assert f'value="{(timezone.localdate() + timedelta(days=3)).isoformat()}"' in page
    assert 'value="Nhà hảo tâm"' in page  # the contact name defaults to the account's
    assert "Under my organisation&#x27;s name" not in page and "Under my organisation's name" not in page  # no organisation
    make_pledge(need, quantity=30)
    page = text(cast.client_for(cast.donor).get(new_url(need)))
    assert f'value="{item(need).pk}"' not in page  # nothing left of the sheets
    assert re.search(rf'value="{rice.pk}" checked', page)  # the only choice left is made already
    org_page = text(cast.client_for(cast.org_member).get(new_url(need)))
    assert "Under my organisation's name" in org_page and "Hội Chữ thập đỏ Thử nghiệm" in org_page


def test_an_organisation_member_pledges_under_the_organisations_name(cast: Any, make_need: Any) -> None:
    need = make_need("verified")
    org = cast.org_member.roles.get().organisation
    form = pledge_form(need, 5, show_as="organisation", organisation=org.pk)
    cast.client_for(cast.org_member).post(new_url(need), form)
    pledge = Pledge.objects.get()
    assert (pledge.organisation, pledge.public_name) == (org, org.name)
    assert org.name in public_page(need)


def test_an_over_pledge_shows_the_message_offers_the_rest_and_changes_nothing(
    cast: Any, make_need: Any, make_pledge: Any
) -> None:
    need = make_need("verified")
    make_pledge(need, quantity=25)
    events = AuditEvent.objects.count()
    client = cast.client_for(cast.org_member)
    response = client.post(new_url(need), pledge_form(need, 6))
    assert response.status_code == 200
    page = text(response)
    assert "Only 5 sheets of Roofing sheet remain; you asked for 6 sheets." in page
    assert "Pledge the remaining 5 sheets instead" in page
    offer = re.search(r'<form method="post" class="offer">(.*?)</form>', page, re.DOTALL)
    assert offer
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', offer.group(1)))
    assert fields["quantity"] == "5" and fields["need_item"] == str(item(need).pk) and fields["note"] == NOTE
    assert Pledge.objects.count() == 1 and AuditEvent.objects.count() == events
    assert item(need).quantity_pledged == 25
    # One click on the offer pledges what remains.
    response = client.post(new_url(need), fields, follow=True)
    assert "Thank you!" in text(response)
    assert item(need).remaining == 0
    assert Pledge.objects.filter(donor=cast.org_member).get().quantity == 5


def test_when_nothing_remains_the_message_says_so_and_offers_nothing(cast: Any, make_need: Any, make_pledge: Any) -> None:
    need = make_need("verified")
    form = pledge_form(need, 3)
    make_pledge(need, quantity=30)  # someone else takes the rest while the form is open
    page = text(cast.client_for(cast.org_member).post(new_url(need), form))
    assert "nothing remains to pledge for Roofing sheet" in page
    assert "instead" not in page
    assert Pledge.objects.count() == 1


def test_the_form_shows_the_services_messages_next_to_the_fields_and_creates_nothing(cast: Any, make_need: Any) -> None:
    need = make_need("verified")
    client = cast.client_for(cast.donor)
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    page = text(client.post(new_url(need), pledge_form(need, "0", contact_phone="12345", expected_on=yesterday)))
    assert "Please correct the items marked in red." in page
    assert "Enter a quantity greater than zero." in page
    assert "Enter a Vietnamese phone number, e.g. 0912345678." in page
    assert "The expected delivery date cannot be in the past." in page
    page = text(client.post(new_url(need), pledge_form(need, "abc")))
    assert "Enter a number, e.g. 20 or 1.500.000." in page
    page = text(client.post(new_url(need), {**pledge_form(need), "need_item": ""}))
    assert "This field is required." in page
    assert not Pledge.objects.exists() and item(need).quantity_pledged == 0


def test_a_fully_pledged_need_takes_no_pledges_from_the_web(cast: Any, make_need: Any, make_pledge: Any) -> None:
    need = make_need("verified", items=[NeedItemData("roofing-sheet", 10)])
    form = pledge_form(need, 1)
    make_pledge(need, quantity=10)
    client = cast.client_for(cast.org_member)
    assert "This need takes no new pledges: it is “Fully pledged”." in text(client.get(new_url(need)))
    page = text(client.post(new_url(need), form))
    assert "nothing remains to pledge for Roofing sheet" in page
    assert "This need takes no new pledges: it is “Fully pledged”." in page and "<form method=\"post\" novalidate>" not in page
    assert Pledge.objects.count() == 1


def test_the_public_page_links_to_pledging_only_while_the_need_is_open(cast: Any, make_need: Any, make_pledge: Any) -> None:
    need = make_need("verified", items=[NeedItemData("roofing-sheet", 10)])
    page = public_page(need)
    assert f'href="{new_url(need)}"' in html.unescape(page) or new_url(need) in page
    assert "Pledge to this need" in page
    make_pledge(need, quantity=10)
    page = public_page(need)
    assert "Pledge to this need" not in page
    assert "Fully pledged" in page


# ---- the donor's pages -----------------------------------------------------------------------


def test_my_pledges_shows_each_pledge_with_its_status_and_next_step(cast: Any, make_need: Any, make_pledge: Any) -> None:
    need = make_need("verified")
    waiting = make_pledge(need, quantity=4)
    delivered = make_pledge(need, item="rice", quantity=5, status="delivered")
    someone_elses = make_pledge(need, quantity=2, donor=cast.org_member)
    page = text(cast.client_for(cast.donor).get(reverse("pledges:mine")))
    assert waiting.code in page and delivered.code in page and someone_elses.code not in page
    assert "4 sheets" in page and "Roofing sheet" in page and "5 kg" in page and "Rice" in page
    assert need.code in page
    assert "Delivered – awaiting confirmation" in page
    deadline = (waiting.expected_on + timedelta(days=3)).strftime("%d/%m/%Y")
    assert f"Bring the goods to the commune by {deadline}" in page
    assert "Waiting for the commune officer to confirm." in page
    assert f"expected {waiting.expected_on:%d/%m/%Y}" in page


def test_my_pledges_invites_a_newcomer_to_find_a_need(cast: Any) -> None:
    page = text(cast.client_for(cast.outsider).get(reverse("pledges:mine")))
    assert "You have not pledged anything yet." in page


def test_the_pledge_page_shows_what_when_the_deadline_and_the_contact(cast: Any, make_pledge: Any) -> None:
    pledge = make_pledge(quantity=7, note=NOTE)
    page = text(cast.client_for(cast.donor).get(reverse("pledges:detail", args=[pledge.code])))
    assert "7 sheets" in page and pledge.need.code in page
    assert pledge.expected_on.strftime("%d/%m/%Y") in page
    assert f"Expires if not delivered by</dt><dd>{(pledge.expected_on + timedelta(days=3)):%d/%m/%Y}" in page
    assert DONOR_PHONE in page and NOTE in page
    assert "I have set off: mark as on the way" in page and "Cancel the pledge" in page
    assert reverse("pledges:slip", args=[pledge.code]) in page
    assert "Nhà hảo tâm · pledged" in page  # the history: who did what
    assert "Confirm delivery" not in page  # never for the donor


def test_the_donor_marks_the_pledge_on_the_way_then_delivered(cast: Any, make_pledge: Any) -> None:
    pledge = make_pledge()
    client = cast.client_for(cast.donor)
    response = client.post(reverse("pledges:action", args=[pledge.code, "ship"]), follow=True)
    assert f"Pledge {pledge.code} is marked as on the way." in text(response)
    assert status(pledge) == PledgeStatus.IN_TRANSIT
    response = client.post(reverse("pledges:action", args=[pledge.code, "deliver"]), follow=True)
    page = text(response)
    assert f"Pledge {pledge.code} is marked as delivered." in page
    assert "Waiting for the commune officer to confirm." in page
    assert "marked it as on the way" in page and "marked it as delivered" in page
    assert status(pledge) == PledgeStatus.DELIVERED
    assert item(pledge.need).quantity_delivered == 10
    # Delivering twice is refused with the reason, and changes nothing.
    page = text(client.post(reverse("pledges:action", args=[pledge.code, "deliver"]), follow=True))
    assert "Only a pledge that is pledged or on the way can be marked as delivered." in page
    assert item(pledge.need).quantity_delivered == 10


def test_cancelling_needs_a_reason_and_gives_the_quantity_back(cast: Any, make_pledge: Any) -> None:
    pledge = make_pledge(quantity=10)
    client = cast.client_for(cast.donor)
    url = reverse("pledges:action", args=[pledge.code, "cancel"])
    page = text(client.post(url, {"reason": "  "}, follow=True))
    assert "Give a reason: the commune sees it and plans without your goods." in page
    assert status(pledge) == PledgeStatus.PLEDGED and item(pledge.need).remaining == 20
    page = text(client.post(url, {"reason": "Xe hỏng giữa đường"}, follow=True))
    assert f"Pledge {pledge.code} is cancelled." in page
    assert "Xe hỏng giữa đường" in page  # the reason, on the pledge and in its history
    assert status(pledge) == PledgeStatus.CANCELLED and item(pledge.need).remaining == 30


def test_actions_are_post_only_and_by_name(cast: Any, make_pledge: Any) -> None:
    pledge = make_pledge()
    client = cast.client_for(cast.donor)
    assert client.get(reverse("pledges:action", args=[pledge.code, "ship"])).status_code == 405
    assert client.post(reverse("pledges:action", args=[pledge.code, "confirm"])).status_code == 404
    assert client.post(reverse("pledges:action", args=[pledge.code, "explode"])).status_code == 404
    assert status(pledge) == PledgeStatus.PLEDGED


def test_outsiders_get_404_on_someone_elses_pledge_and_change_nothing(cast: Any, make_pledge: Any) -> None:
    pledge = make_pledge(status="delivered")
    for user in [cast.outsider, cast.org_member, cast.officer_b]:
        client = cast.client_for(user)
        for name in ["pledges:detail", "pledges:slip", "pledges:confirm"]:
            assert client.get(reverse(name, args=[pledge.code])).status_code == 404, (user, name)
        assert client.post(reverse("pledges:action", args=[pledge.code, "cancel"]), {"reason": "x"}).status_code == 404
    assert status(pledge) == PledgeStatus.DELIVERED


def test_an_officer_sees_the_contact_but_cannot_act_for_the_donor(cast: Any, make_pledge: Any) -> None:
    pledge = make_pledge(note=NOTE)
    client = cast.client_for(cast.officer)
    page = text(client.get(reverse("pledges:detail", args=[pledge.code])))
    assert DONOR_PHONE in page and NOTE in page
    assert "Confirm delivery" in page  # they may confirm even before the donor says delivered
    assert "I have set off" not in page
    response = client.post(reverse("pledges:action", args=[pledge.code, "cancel"]), {"reason": "Không cần"})
    assert response.status_code == 403
    assert "Only the donor who made this pledge can do this." in text(response)
    assert status(pledge) == PledgeStatus.PLEDGED


def test_the_slip_carries_a_qr_code_of_the_confirmation_link(cast: Any, make_pledge: Any) -> None:
    pledge = make_pledge()
    page = text(cast.client_for(cast.donor).get(reverse("pledges:slip", args=[pledge.code])))
    confirm_url = f"http://testserver/officer/deliveries/{pledge.code}/"
    assert f'data-confirm-url="{confirm_url}"' in page
    assert confirm_url in page.replace(f'data-confirm-url="{confirm_url}"', "")  # readable under the code too
    drawn = re.search(r'<svg [^>]*class="segno".*?<path [^>]*d="([^"]+)"', page, re.DOTALL)
    assert drawn, "no QR code"
    # The modules drawn are exactly those of the confirmation URL's QR code.
    expected = re.search(r'd="([^"]+)"', segno.make(confirm_url, error="m").svg_inline(scale=4))
    assert expected and drawn.group(1) == expected.group(1)
    assert pledge.code in page and pledge.need.code in page and "Phường Đông Hà" in page
    assert "10 sheets" in page and "Anonymous donor" in page
    assert "For the commune officer" in page
    assert DONOR_PHONE not in page  # the slip travels on paper: no private contact
    # The commune's officer may print it too.
    officer_slip = cast.client_for(cast.officer).get(reverse("pledges:slip", args=[pledge.code])).content.decode()
    assert pledge.code in officer_slip and "For the commune officer" in officer_slip


# ---- confirmation on the ground --------------------------------------------------------------


def confirm_form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"evidence": photo_upload(), "evidence_kind": "photo", "acknowledged": "on", "received_by": "Ông Ba"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_only_a_commune_officer_in_scope_confirms_on_the_web(cast: Any, make_pledge: Any) -> None:
    pledge = make_pledge(status="delivered")
    url = reverse("pledges:confirm", args=[pledge.code])
    # Another commune's officer: the pledge does not exist for them.
    other = cast.client_for(cast.officer_b)
    assert other.get(url).status_code == 404 and other.post(url, confirm_form()).status_code == 404
    # The province committee sees it but confirming on the ground is the commune's.
    province = cast.client_for(cast.province_member)
    for response in [province.get(url), province.post(url, confirm_form())]:
        assert response.status_code == 403
        assert "Only a commune officer of the need&#x27;s commune can confirm a delivery." in response.content.decode()
    # The donor, holding the slip, cannot vouch for their own delivery.
    donor = cast.client_for(cast.donor)
    for response in [donor.get(url), donor.post(url, confirm_form())]:
        assert response.status_code == 403
        assert "A donor cannot confirm their own delivery: a commune officer must." in text(response)
    assert status(pledge) == PledgeStatus.DELIVERED and not Confirmation.objects.exists()
    assert item(pledge.need).quantity_confirmed == 0


def test_the_confirmation_link_sends_a_logged_out_officer_to_log_in_and_back(cast: Any, make_pledge: Any) -> None:
    pledge = make_pledge(status="delivered")
    url = reverse("pledges:confirm", args=[pledge.code])
    response = Client(**ENGLISH).get(url)
    assert response.status_code == 302 and response["Location"] == f"{reverse('accounts:login')}?next={url}"


def test_confirming_needs_a_photo_and_the_recipients_acknowledgement(cast: Any, make_pledge: Any) -> None:
    pledge = make_pledge(status="delivered")
    url = reverse("pledges:confirm", args=[pledge.code])
    client = cast.client_for(cast.officer)
    page = text(client.get(url))
    assert "What should have arrived" in page and "10 sheets" in page and DONOR_PHONE in page
    assert 'accept="image/*"' in page and 'capture="environment"' in page
    page = text(client.post(url, confirm_form(evidence=None)))
    assert "Take or choose a photo of the hand-over or of the signed receipt." in page
    page = text(client.post(url, confirm_form(acknowledged=None)))
    assert "The recipient must acknowledge receipt before you confirm." in page
    assert "Take or choose a photo" not in page
    assert status(pledge) == PledgeStatus.DELIVERED and not Confirmation.objects.exists()
    assert item(pledge.need).quantity_confirmed == 0


def test_a_confirmation_moves_the_pledge_and_closes_a_need_fully_received(cast: Any, make_need: Any, make_pledge: Any) -> None:
    need = make_need("verified", items=[NeedItemData("roofing-sheet", 10)])
    pledge = make_pledge(need, quantity=10, status="delivered")
    response = cast.client_for(cast.officer).post(
        reverse("pledges:confirm", args=[pledge.code]), confirm_form(evidence_kind="receipt"), follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("pledges:detail", args=[pledge.code])
    page = text(response)
    assert f"Delivery {pledge.code} is confirmed: 10 sheets for need {need.code}." in page
    assert "Ông Ba" in page  # officers see who received it
    assert status(pledge) == PledgeStatus.CONFIRMED
    confirmation = Confirmation.objects.get(pledge=pledge)
    assert (confirmation.confirmed_by, confirmation.evidence_kind, confirmation.received_by) == (cast.officer, "receipt", "Ông Ba")
    assert Need.objects.get(pk=need.pk).status == NeedStatus.CLOSED
    public = public_page(need)
    assert "Closed – received" in public and "Confirmed by the commune" in public
    assert figures(public, 'data-item="roofing-sheet"')["Confirmed"] == "10 sheets"
    # The donor sees it confirmed, but not who signed for it.
    donor_page = text(cast.client_for(cast.donor).get(reverse("pledges:detail", args=[pledge.code])))
    assert "Done: the commune confirmed the delivery." in donor_page
    assert "Ông Ba" not in donor_page
    # Opening the link again says there is nothing left to confirm.
    again = text(cast.client_for(cast.verifier).get(reverse("pledges:confirm", args=[pledge.code])))
    assert "there is no delivery to confirm" in again and 'type="file"' not in again


def test_officer_deliveries_list_each_communes_own_pledges_in_the_right_place(
    cast: Any, make_need: Any, make_pledge: Any
) -> None:
    need_a = make_need("verified")
    awaiting = make_pledge(need_a, quantity=3, status="delivered")
    this_week = make_pledge(need_a, quantity=4, expected_on=timezone.localdate() + timedelta(days=2))
    late = make_pledge(need_a, item="rice", quantity=5)
    Pledge.objects.filter(pk=late.pk).update(expected_on=timezone.localdate() - timedelta(days=1))
    later = make_pledge(need_a, quantity=6, expected_on=timezone.localdate() + timedelta(days=20))
    need_b = make_need("verified", area=cast.commune_b, creator=cast.officer_b, verifier=cast.province_member)
    in_b = make_pledge(need_b, quantity=2, status="delivered")

    page = text(cast.client_for(cast.officer).get(reverse("pledges:officer_deliveries")))
    assert awaiting.code in section(page, "awaiting") and this_week.code not in section(page, "awaiting")
    assert this_week.code in section(page, "week") and late.code not in section(page, "week")
    assert late.code in section(page, "overdue") and awaiting.code not in section(page, "overdue")
    assert later.code not in page and in_b.code not in page
    assert DONOR_PHONE in page and "Anh Tâm" in page
    assert reverse("pledges:confirm", args=[awaiting.code]) in page

    page_b = text(cast.client_for(cast.officer_b).get(reverse("pledges:officer_deliveries")))
    assert in_b.code in section(page_b, "awaiting")
    assert awaiting.code not in page_b and late.code not in page_b

    # The province sees both communes but confirms nothing itself.
    province = text(cast.client_for(cast.province_member).get(reverse("pledges:officer_deliveries")))
    assert awaiting.code in province and in_b.code in province
    assert reverse("pledges:confirm", args=[awaiting.code]) not in province

    assert cast.client_for(cast.donor).get(reverse("pledges:officer_deliveries")).status_code == 403
    home = text(cast.client_for(cast.officer).get(reverse("needs:officer_home")))
    assert "1 delivery is waiting for your confirmation" in home
    assert reverse("pledges:officer_deliveries") in home


# ---- the public need page --------------------------------------------------------------------


def test_the_public_need_page_shows_figures_and_pledges_but_nothing_private(
    cast: Any, make_need: Any, make_pledge: Any
) -> None:
    need = make_need("verified")
    confirmed = make_pledge(need, quantity=10, status="confirmed", note=NOTE, show_as="name")  # received by "Người nhận"
    on_the_way = make_pledge(need, quantity=5, status="in_transit", note=NOTE)
    cancelled = make_pledge(need, quantity=1, status="cancelled")
    for client in [Client(**ENGLISH), cast.client_for(cast.outsider), cast.client_for(cast.org_member)]:
        page = text(client.get(reverse("portal:need_detail", args=[need.code])))
        assert "Nhà hảo tâm" in page and "Anonymous donor" in page  # as each donor chose
        assert confirmed.code in page and on_the_way.code in page and cancelled.code not in page
        assert "Confirmed by the commune" in page and "On the way" in page
        assert figures(page, 'data-item="roofing-sheet"') == {
            "Needed": "30 sheets", "Pledged": "15 sheets", "Delivered": "10 sheets", "Confirmed": "10 sheets",
            "Still needed": "15 sheets",
        }
        assert figures(page, 'data-item="rice"')["Pledged"] == "0 kg"
        assert DONOR_PHONE not in page and "Anh Tâm" not in page and NOTE not in page
        assert "Người nhận" not in page and "Hết hàng" not in page  # who received it; why one was cancelled
        # Only the pledge not yet delivered can be offered to someone else.
        assert reverse("pledges:handover_new", args=[on_the_way.code]) in page
        assert reverse("pledges:handover_new", args=[confirmed.code]) not in page


def test_the_home_page_adds_pledged_delivered_confirmed_and_households_helped(
    cast: Any, make_need: Any, make_pledge: Any
) -> None:
    need = make_need("verified", items=[NeedItemData("roofing-sheet", 10)])
    make_pledge(need, quantity=10, status="confirmed")
    other = make_need("verified")
    make_pledge(other, quantity=4, status="delivered")
    page = text(Client(**ENGLISH).get("/"))
    assert "<b>1</b>households helped (confirmed by the commune)" in page
    assert "<b>1</b>needs closed: everything received" in page
    # Still needed counts only open needs: the open one's 30 − 4; the closed one has no gap.
    assert figures(page, ">Building materials<") == {
        "Needed": "40 sheets", "Pledged": "14 sheets", "Delivered": "14 sheets", "Confirmed": "10 sheets",
        "Still needed": "26 sheets",
    }


def test_the_menu_offers_my_pledges_and_deliveries_to_the_right_people(cast: Any) -> None:
    anonymous = text(Client(**ENGLISH).get("/needs/"))
    assert "My pledges" not in anonymous and "Deliveries" not in anonymous
    donor = text(cast.client_for(cast.donor).get("/needs/"))
    assert reverse("pledges:mine") in donor and reverse("pledges:officer_deliveries") not in donor
    officer = text(cast.client_for(cast.officer).get("/needs/"))
    assert reverse("pledges:mine") in officer and reverse("pledges:officer_deliveries") in officer


# ---- hand-over -------------------------------------------------------------------------------


def test_another_organisation_asks_for_a_pledge_and_the_donor_hands_it_over(cast: Any, make_pledge: Any) -> None:
    pledge = make_pledge(quantity=8)
    org = cast.org_member.roles.get().organisation
    asker = cast.client_for(cast.org_member)
    url = reverse("pledges:handover_new", args=[pledge.code])
    page = text(asker.get(url))
    assert "8 sheets" in page and "Anonymous donor" in page and DONOR_PHONE not in page
    response = asker.post(
        url, {"organisation": org.pk, "contact_name": "Chị Hoa", "contact_phone": "0933444555", "message": "Chúng tôi có xuồng"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("pledges:mine")
    page = text(response)
    assert f"Your request to take over pledge {pledge.code} was sent to its donor." in page
    assert "Waiting for an answer" in page
    request = HandoverRequest.objects.get()
    assert (request.requested_by, request.organisation, request.status) == (cast.org_member, org, "open")

    # The donor sees who asks and why, and accepts.
    donor = cast.client_for(cast.donor)
    page = text(donor.get(reverse("pledges:detail", args=[pledge.code])))
    assert "Someone asks to take over this pledge" in page
    assert org.name in page and "Chị Hoa" in page and "0933444555" in page and "Chúng tôi có xuồng" in page
    response = donor.post(reverse("pledges:handover_answer", args=[request.pk, "accept"]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("pledges:mine")
    assert f"Pledge {pledge.code} is handed over." in text(response)
    pledge.refresh_from_db()
    assert (pledge.donor, pledge.organisation, pledge.contact_phone) == (cast.org_member, org, "0933444555")
    assert donor.get(reverse("pledges:detail", args=[pledge.code])).status_code == 404
    mine = text(asker.get(reverse("pledges:mine")))
    assert "Accepted" in mine and reverse("pledges:detail", args=[pledge.code]) in mine
    assert org.name in public_page(pledge.need)
    # The new holder reads the history, but not the name of a donor who pledged anonymously.
    history = text(asker.get(reverse("pledges:detail", args=[pledge.code])))
    assert "another donor · pledged" in history and cast.donor.display_name() not in history
    assert f"{cast.org_member.display_name()} · asked to take it over" in history


def test_the_donor_may_decline_and_only_the_holder_may_answer(cast: Any, make_pledge: Any) -> None:
    pledge = make_pledge()
    url = reverse("pledges:handover_new", args=[pledge.code])
    cast.client_for(cast.outsider).post(url, {"contact_name": "", "message": "Tôi ở gần"})
    request = HandoverRequest.objects.get()
    assert request.contact_name == "Người ngoài"  # defaults to the account's name
    # Nobody but the holder may answer, and only by POST.
    assert cast.client_for(cast.officer).post(reverse("pledges:handover_answer", args=[request.pk, "accept"])).status_code == 404
    assert cast.client_for(cast.outsider).post(reverse("pledges:handover_answer", args=[request.pk, "accept"])).status_code == 404
    assert cast.client_for(cast.donor).get(reverse("pledges:handover_answer", args=[request.pk, "accept"])).status_code == 405
    # A second request waits for the first to be answered.
    page = text(cast.client_for(cast.org_member).post(url, {"contact_name": "Chị Hoa"}))
    assert "Someone has already asked to take over this pledge" in page
    donor = cast.client_for(cast.donor)
    response = donor.post(reverse("pledges:handover_answer", args=[request.pk, "decline"]), {"reason": "Đã có xe"}, follow=True)
    page = text(response)
    assert f"You declined the request. Pledge {pledge.code} stays yours." in page
    assert "Earlier hand-over requests" in page and "Declined" in page and "Đã có xe" in page
    pledge.refresh_from_db()
    assert pledge.donor == cast.donor and HandoverRequest.objects.get().status == "declined"
    # The holder cannot ask for their own pledge; a delivered pledge cannot be handed over.
    response = donor.get(url, follow=True)
    assert "This pledge is already yours." in text(response)
    delivered = make_pledge(status="delivered")
    page = text(cast.client_for(cast.org_member).get(reverse("pledges:handover_new", args=[delivered.code])))
    assert "can no longer be handed over" in page and "<textarea" not in page


def test_the_confirmation_photo_is_shown_to_the_communes_officers_only(cast: Any, make_pledge: Any) -> None:
    pledge = make_pledge(quantity=2, status="confirmed")
    url = reverse("pledges:evidence", args=[pledge.code])
    officer = cast.client_for(cast.verifier)
    assert url in text(officer.get(reverse("pledges:detail", args=[pledge.code])))
    response = officer.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"\xff\xd8")  # the stored JPEG
    assert url not in text(cast.client_for(cast.donor).get(reverse("pledges:detail", args=[pledge.code])))
    for user in (cast.donor, cast.officer_b, cast.outsider):
        assert cast.client_for(user).get(url).status_code in (403, 404), user
    assert Client().get(url).status_code == 302  # to the login page


def test_a_reason_the_form_refuses_is_reported_and_nothing_happens(cast: Any, make_pledge: Any) -> None:
    pledge = make_pledge()
    client = cast.client_for(cast.donor)
    too_long = "x" * 2001
    page = text(client.post(reverse("pledges:action", args=[pledge.code, "ship"]), {"reason": too_long}, follow=True))
    assert "The reason is too long (at most 2000 characters)." in page
    assert status(pledge) == PledgeStatus.PLEDGED
    request = services_handover(cast, pledge)
    page = text(client.post(reverse("pledges:handover_answer", args=[request.pk, "decline"]), {"reason": too_long}, follow=True))
    assert "The reason is too long (at most 2000 characters)." in page
    request.refresh_from_db()
    assert request.status == "open"


def services_handover(cast: Any, pledge: Any) -> Any:
    from cuutro.pledges import services

    return services.handover_request(actor=cast.outsider, pledge=pledge, data=services.HandoverData())


def test_the_officers_need_page_tells_what_pledges_did_to_the_need(cast: Any, make_pledge: Any) -> None:
    pledge = make_pledge(quantity=4)
    page = text(cast.client_for(cast.officer).get(reverse("needs:officer_need", args=[pledge.need.code])))
    assert "pledges moved it to “Partly pledged”" in page and pledge.code in page
    assert "needs.need.coverage_changed" not in page
