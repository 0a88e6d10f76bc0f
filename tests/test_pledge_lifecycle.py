"""The pledge lifecycle through the services: remaining quantities, need statuses, who may do
what, and the audit trail of every step."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from cuutro.audit.models import AuditEvent
from cuutro.needs.models import Need, NeedItem, NeedStatus
from cuutro.pledges import services
from cuutro.pledges.models import Pledge, PledgeStatus
from tests.conftest import DONOR_PHONE, photo_upload


def item(need: Any, code: str = "roofing-sheet") -> NeedItem:
    return NeedItem.objects.get(need=need, item__code=code)


def status(need: Any) -> str:
    return Need.objects.get(pk=need.pk).status


def data(need_item: NeedItem, quantity: Any, **extra: Any) -> services.PledgeData:
    return services.PledgeData(
        need_item_id=need_item.pk, quantity=quantity, contact_name="Chị Lan", contact_phone=DONOR_PHONE, **extra
    )


def test_a_pledge_reduces_what_remains_and_moves_the_need(cast: Any, make_need: Any, make_pledge: Any) -> None:
    need = make_need("verified")  # 30 roofing sheets, 50.5 kg rice
    pledge = make_pledge(need, quantity=12)
    assert pledge.code.startswith("CT-") and len(pledge.code) == 9
    assert item(need).remaining == Decimal(18)
    assert status(need) == NeedStatus.PARTIALLY_PLEDGED
    make_pledge(need, quantity=18)
    make_pledge(need, item="rice", quantity="50.5")
    assert item(need).remaining == 0
    assert status(need) == NeedStatus.FULLY_PLEDGED


def test_a_pledge_above_what_remains_is_refused_offers_the_rest_and_changes_nothing(
    cast: Any, make_need: Any, make_pledge: Any
) -> None:
    need = make_need("verified")
    make_pledge(need, quantity=25)
    events = AuditEvent.objects.count()
    with pytest.raises(services.OverPledgedError) as refused:
        services.pledge_create(actor=cast.donor, data=data(item(need), 6))
    assert refused.value.remaining == Decimal(5)
    assert "5" in refused.value.message and "6" in refused.value.message
    assert item(need).quantity_pledged == Decimal(25)
    assert Pledge.objects.count() == 1 and AuditEvent.objects.count() == events
    # The offered remainder is accepted.
    services.pledge_create(actor=cast.donor, data=data(item(need), refused.value.remaining))
    assert item(need).remaining == 0


@pytest.mark.parametrize(
    ("quantity", "field"),
    [("0", "quantity"), ("-3", "quantity"), ("abc", "quantity"), ("1.234", "quantity"), ("NaN", "quantity")],
)
def test_bad_quantities_are_refused_with_a_message(cast: Any, make_need: Any, quantity: str, field: str) -> None:
    need = make_need("verified")
    with pytest.raises(ValidationError) as refused:
        services.pledge_create(actor=cast.donor, data=data(item(need), quantity))
    assert field in refused.value.message_dict
    assert item(need).quantity_pledged == 0 and not Pledge.objects.exists()


def test_contact_and_date_are_checked(cast: Any, make_need: Any) -> None:
    need = make_need("verified")
    bad = services.PledgeData(
        need_item_id=item(need).pk, quantity=1, contact_name="x" * 151, contact_phone="12345",
        expected_on=timezone.localdate() - timedelta(days=1),
    )
    with pytest.raises(ValidationError) as refused:
        services.pledge_create(actor=cast.donor, data=bad)
    assert set(refused.value.message_dict) == {"contact_name", "contact_phone", "expected_on"}
    # Name and phone may be left out: the account's name and e-mail reach the donor.
    bare = services.pledge_create(actor=cast.donor, data=services.PledgeData(need_item_id=item(need).pk, quantity=1))
    assert (bare.contact_name, bare.contact_phone) == (cast.donor.display_name(), "")


def test_unpublished_needs_take_no_pledges(cast: Any, make_need: Any) -> None:
    for state in ("draft", "submitted", "cancelled"):
        need = make_need(state)
        with pytest.raises(ValidationError):
            services.pledge_create(actor=cast.donor, data=data(item(need), 1))
    assert not Pledge.objects.exists()


def test_a_fully_pledged_need_refuses_new_pledges_with_a_conflict(cast: Any, make_need: Any, make_pledge: Any) -> None:
    need = make_need("verified")
    make_pledge(need, quantity=30)
    make_pledge(need, item="rice", quantity="50.5")
    with pytest.raises(services.PledgeStateError):
        services.pledge_create(actor=cast.donor, data=data(item(need), 1))


def test_public_name_follows_the_donors_choice(cast: Any, make_need: Any) -> None:
    from cuutro.accounts.selectors import user_organisations

    need = make_need("verified")
    org = user_organisations(user=cast.org_member)[0]
    anonymous = services.pledge_create(actor=cast.donor, data=data(item(need), 1))
    named = services.pledge_create(actor=cast.donor, data=data(item(need), 1, show_as="name"))
    as_org = services.pledge_create(
        actor=cast.org_member, data=data(item(need), 1, show_as="organisation", organisation_id=org.pk)
    )
    assert anonymous.public_name == ""
    assert named.public_name == cast.donor.display_name()
    assert as_org.public_name == org.name and as_org.organisation == org
    # Nobody pledges in the name of an organisation they do not belong to.
    with pytest.raises(PermissionDenied):
        services.pledge_create(actor=cast.donor, data=data(item(need), 1, show_as="organisation", organisation_id=org.pk))


def test_the_whole_way_to_a_closed_need(cast: Any, make_need: Any, make_pledge: Any) -> None:
    need = make_need("verified")
    sheets = make_pledge(need, quantity=30)
    rice = make_pledge(need, item="rice", quantity="50.5")
    services.pledge_ship(actor=cast.donor, pledge=sheets)
    services.pledge_deliver(actor=cast.donor, pledge=sheets)
    services.pledge_deliver(actor=cast.donor, pledge=rice)
    assert status(need) == NeedStatus.DELIVERED
    assert item(need).quantity_delivered == 30 and item(need).quantity_confirmed == 0
    services.pledge_confirm(
        actor=cast.officer, pledge=sheets, evidence=photo_upload(), evidence_kind="photo", acknowledged=True
    )
    assert status(need) == NeedStatus.DELIVERED
    services.pledge_confirm(
        actor=cast.verifier, pledge=rice, evidence=photo_upload(), evidence_kind="receipt", acknowledged=True
    )
    assert status(need) == NeedStatus.CLOSED
    assert item(need).quantity_confirmed == 30 and item(need, "rice").quantity_confirmed == Decimal("50.5")
    actions = list(
        AuditEvent.objects.filter(target_type="pledges.pledge", target_id=str(sheets.pk)).values_list("action", "actor__username")
    )
    assert actions == [
        ("pledges.pledge.created", "donor"),
        ("pledges.pledge.shipped", "donor"),
        ("pledges.pledge.delivered", "donor"),
        ("pledges.pledge.confirmed", "officer"),
    ]
    need_steps = list(
        AuditEvent.objects.filter(target_type="needs.need", target_id=str(need.pk), action="needs.need.coverage_changed")
        .order_by("pk").values_list("data__to", flat=True)
    )
    assert need_steps == ["partially_pledged", "fully_pledged", "delivered", "closed"]


def test_an_officer_may_confirm_goods_the_donor_never_marked_delivered(cast: Any, make_pledge: Any) -> None:
    pledge = make_pledge(quantity=5)
    services.pledge_confirm(actor=cast.officer, pledge=pledge, evidence=photo_upload(), evidence_kind="photo", acknowledged=True)
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.CONFIRMED and pledge.delivered_at is not None
    assert item(pledge.need).quantity_delivered == 5 == item(pledge.need).quantity_confirmed


def test_only_a_commune_officer_in_scope_confirms_and_never_the_donor(cast: Any, make_pledge: Any) -> None:
    pledge = make_pledge(quantity=5, status="delivered")
    for outsider in (cast.donor, cast.officer_b, cast.province_member, cast.org_member, cast.outsider):
        with pytest.raises(PermissionDenied):
            services.pledge_confirm(actor=outsider, pledge=pledge, evidence=photo_upload(), evidence_kind="photo", acknowledged=True)
    assert Pledge.objects.get(pk=pledge.pk).status == PledgeStatus.DELIVERED
    # An officer of the commune who pledged as a donor cannot confirm their own pledge either.
    own = make_pledge(pledge.need, quantity=1, donor=cast.officer)
    with translation.override("en"), pytest.raises(PermissionDenied, match="own"):
        services.pledge_confirm(actor=cast.officer, pledge=own, evidence=photo_upload(), evidence_kind="photo", acknowledged=True)


def test_confirmation_needs_a_photo_and_the_recipients_acknowledgement(cast: Any, make_pledge: Any) -> None:
    pledge = make_pledge(quantity=5, status="delivered")
    with pytest.raises(ValidationError) as refused:
        services.pledge_confirm(actor=cast.officer, pledge=pledge, evidence=None, evidence_kind="photo", acknowledged=False)
    assert set(refused.value.message_dict) == {"evidence", "acknowledged"}
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(ValidationError) as refused:
        services.pledge_confirm(
            actor=cast.officer, pledge=pledge, evidence=SimpleUploadedFile("x.jpg", b"<html>"), evidence_kind="photo",
            acknowledged=True,
        )
    assert "evidence" in refused.value.message_dict
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.DELIVERED and item(pledge.need).quantity_confirmed == 0


def test_cancel_releases_the_quantity_and_needs_a_reason(cast: Any, make_need: Any, make_pledge: Any) -> None:
    need = make_need("verified")
    pledge = make_pledge(need, quantity=30)
    with pytest.raises(ValidationError):
        services.pledge_cancel(actor=cast.donor, pledge=pledge, reason=" ")
    with pytest.raises(PermissionDenied):
        services.pledge_cancel(actor=cast.outsider, pledge=pledge, reason="không phải của tôi")
    services.pledge_cancel(actor=cast.donor, pledge=pledge, reason="Xe hỏng")
    assert item(need).remaining == 30 and status(need) == NeedStatus.VERIFIED
    assert Need.objects.get(pk=need.pk).verified_by == cast.verifier  # going back to open keeps who verified it
    with pytest.raises(services.PledgeStateError):
        services.pledge_cancel(actor=cast.donor, pledge=pledge, reason="again")


def test_delivered_or_confirmed_pledges_cannot_be_cancelled(cast: Any, make_pledge: Any) -> None:
    delivered = make_pledge(quantity=3, status="delivered")
    with pytest.raises(services.PledgeStateError):
        services.pledge_cancel(actor=cast.donor, pledge=delivered, reason="đổi ý")
    assert item(delivered.need).quantity_pledged == 3


def test_a_need_with_pledges_cannot_be_cancelled_by_the_commune(cast: Any, make_pledge: Any) -> None:
    from cuutro.needs import services as needs_services

    pledge = make_pledge(quantity=3)
    with pytest.raises(needs_services.NeedStateError):
        needs_services.need_cancel(actor=cast.officer, need=pledge.need, reason="trùng")
    assert status(pledge.need) == NeedStatus.PARTIALLY_PLEDGED


def test_expiry_releases_late_pledges_warns_first_and_tells_the_donor(cast: Any, make_need: Any, settings: Any) -> None:
    from cuutro.notify.models import Notification

    settings.PLEDGE_EXPIRY_DAYS, settings.PLEDGE_EXPIRY_WARNING_DAYS = 3, 1
    need = make_need("verified")
    today = timezone.localdate()
    late = services.pledge_create(actor=cast.donor, data=data(item(need), 10, expected_on=today))
    on_time = services.pledge_create(actor=cast.donor, data=data(item(need), 5, expected_on=today + timedelta(days=5)))
    # Day 2 after the expected date: a warning, no expiry.
    result = services.pledges_expire(today=today + timedelta(days=2))
    assert (result.expired, result.warned) == (0, 1)
    assert Notification.objects.filter(kind="pledge_near_expiry", recipient=cast.donor).count() == 1
    assert services.pledges_expire(today=today + timedelta(days=2)).warned == 0  # never twice
    # Day 3 is still allowed; day 4 it expires.
    assert services.pledges_expire(today=today + timedelta(days=3)).expired == 0
    result = services.pledges_expire(today=today + timedelta(days=4))
    assert result.expired == 1
    late.refresh_from_db()
    on_time.refresh_from_db()
    assert late.status == PledgeStatus.EXPIRED and on_time.status == PledgeStatus.PLEDGED
    assert item(need).quantity_pledged == 5
    expired_note = Notification.objects.get(kind="pledge_expired")
    assert expired_note.recipient == cast.donor and late.code in expired_note.body
    event = AuditEvent.objects.get(target_type="pledges.pledge", target_id=str(late.pk), action="pledges.pledge.expired")
    assert event.actor is None and event.reason
    assert services.pledges_expire(today=today + timedelta(days=4)).expired == 0


def test_handover_passes_the_pledge_to_the_requester(cast: Any, make_pledge: Any) -> None:
    from cuutro.accounts.selectors import user_organisations
    from cuutro.notify.models import Notification

    pledge = make_pledge(quantity=10)
    org = user_organisations(user=cast.org_member)[0]
    request = services.handover_request(
        actor=cast.org_member, pledge=pledge,
        data=services.HandoverData(contact_name="Anh Hùng", contact_phone="0905111222", organisation_id=org.pk,
                                   message="Chúng tôi có xuồng vào được thôn"),
    )
    assert Notification.objects.filter(recipient=cast.donor, kind="handover_requested").exists()
    with pytest.raises(services.PledgeStateError):  # one open request at a time
        services.handover_request(
            actor=cast.outsider, pledge=pledge, data=services.HandoverData(contact_name="B", contact_phone="0905111223")
        )
    with pytest.raises(PermissionDenied):  # only the holder answers
        services.handover_accept(actor=cast.org_member, request=request)
    services.handover_accept(actor=cast.donor, request=request, reason="Cảm ơn")
    pledge.refresh_from_db()
    assert pledge.donor == cast.org_member and pledge.organisation == org and pledge.public_name == org.name
    assert pledge.contact_phone == "0905111222"
    assert item(pledge.need).quantity_pledged == 10  # the quantity stays covered
    assert Notification.objects.filter(recipient=cast.org_member, kind="handover_answered").exists()
    assert AuditEvent.objects.filter(target_type="pledges.pledge", target_id=str(pledge.pk), action="pledges.pledge.handed_over").exists()
    with pytest.raises(services.PledgeStateError):
        services.handover_decline(actor=cast.org_member, request=request)


def test_handover_requests_expire_and_can_be_declined(cast: Any, make_pledge: Any, settings: Any) -> None:
    pledge = make_pledge(quantity=10)
    request = services.handover_request(
        actor=cast.outsider, pledge=pledge, data=services.HandoverData(contact_name="B", contact_phone="0905111223")
    )
    services.handover_decline(actor=cast.donor, request=request, reason="Đã lên đường")
    request.refresh_from_db()
    assert request.status == "declined"
    again = services.handover_request(
        actor=cast.outsider, pledge=pledge, data=services.HandoverData(contact_name="B", contact_phone="0905111223")
    )
    assert services.handovers_expire(now=timezone.now() + timedelta(hours=settings.HANDOVER_EXPIRY_HOURS + 1)) == 1
    again.refresh_from_db()
    assert again.status == "expired"
    with pytest.raises(services.PledgeStateError):
        services.handover_accept(actor=cast.donor, request=again)
    pledge.refresh_from_db()
    assert pledge.donor == cast.donor


def test_money_is_read_the_way_the_pages_print_it(cast: Any, make_need: Any) -> None:
    from cuutro.needs.services import NeedItemData

    need = make_need("verified", items=[NeedItemData("cash-house-repair", "15.000.000"), NeedItemData("rice", "12,5")])
    cash = item(need, "cash-house-repair")
    assert cash.quantity == Decimal(15_000_000) and item(need, "rice").quantity == Decimal("12.5")
    pledge = services.pledge_create(actor=cast.donor, data=data(cash, "500.000"))
    assert pledge.quantity == Decimal(500_000)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.pledge_create(actor=cast.donor, data=data(cash, "năm trăm"))
    assert refused.value.message_dict["quantity"] == ["Enter a number, e.g. 20 or 1.500.000."]


def test_whoever_gave_cannot_confirm_even_after_handing_the_pledge_over(cast: Any, make_need: Any) -> None:
    need = make_need("verified")
    # The second officer of the commune pledges privately, then hands it over to a donor.
    own = services.pledge_create(actor=cast.verifier, data=data(item(need), 3))
    request = services.handover_request(actor=cast.donor, pledge=own, data=services.HandoverData())
    services.handover_accept(actor=cast.verifier, request=request)
    services.pledge_deliver(actor=cast.donor, pledge=own)
    with pytest.raises(PermissionDenied):
        services.pledge_confirm(actor=cast.verifier, pledge=own, evidence=photo_upload(), evidence_kind="photo", acknowledged=True)
    services.pledge_confirm(actor=cast.officer, pledge=own, evidence=photo_upload(), evidence_kind="photo", acknowledged=True)


def test_a_hand_over_carries_nothing_private_of_the_previous_holder_and_gives_time(
    cast: Any, make_need: Any, settings: Any
) -> None:
    from cuutro.pledges import selectors

    need = make_need("verified")
    today = timezone.localdate()
    pledge = services.pledge_create(actor=cast.donor, data=data(item(need), 4, expected_on=today, note="Nhà tôi ở ngõ 5"))
    services.pledge_ship(actor=cast.donor, pledge=pledge, reason="Xe của anh Ba, 0905000111")
    first = services.handover_request(
        actor=cast.outsider, pledge=pledge, data=services.HandoverData(contact_phone="0905111223", message="Tôi là Út")
    )
    services.handover_decline(actor=cast.donor, request=first)
    second = services.handover_request(actor=cast.org_member, pledge=pledge, data=services.HandoverData(message="Có xuồng"))
    services.handover_accept(actor=cast.donor, request=second)
    pledge.refresh_from_db()
    assert (pledge.note, pledge.status_reason, pledge.shipped_at, pledge.status) == ("", "", None, PledgeStatus.PLEDGED)
    assert pledge.expected_on == today + timedelta(days=services.HANDOVER_LEAD_DAYS)
    # The new holder's view: no previous reasons, no other asker's request or phone.
    history = selectors.pledge_history_for(pledge=pledge, viewer=cast.org_member)
    assert [e.reason for e in history if e.action == "pledges.pledge.shipped"] == [""]
    assert {h.pk for h in selectors.handovers_visible_to(pledge=pledge, viewer=cast.org_member)} == {second.pk}
    # The officers still read everything.
    official = selectors.pledge_history_for(pledge=pledge, viewer=cast.officer)
    assert "Xe của anh Ba, 0905000111" in [e.reason for e in official]
    assert [e.action for e in official].count("pledges.pledge.handover_declined") == 1
    # Expiry the next day leaves it alone: the new holder has until the new date plus the grace.
    assert services.pledges_expire(today=today + timedelta(days=1)).expired == 0
