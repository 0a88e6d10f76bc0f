"""A need's workflow: draft → submitted → verified, or returned / cancelled with a reason."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from cuutro.audit.models import AuditEvent
from cuutro.audit.selectors import audit_history
from cuutro.needs import services
from cuutro.needs.models import Need, NeedStatus
from cuutro.needs.selectors import NeedFilters, need_get_public, need_search_public
from cuutro.needs.services import NeedItemData, NeedStateError
from tests.conftest import Cast, need_data


def events(need: Need) -> list[AuditEvent]:
    return list(audit_history(target=need))


def snapshot(need: Need) -> tuple[Any, ...]:
    fresh = Need.objects.get(pk=need.pk)
    return (fresh.status, fresh.status_reason, fresh.submitted_at, fresh.verified_at, fresh.verified_by_id, fresh.updated_at)


def test_a_new_need_is_a_draft_recorded_by_its_creator(cast: Cast) -> None:
    need = services.need_create(actor=cast.officer, data=need_data(cast.commune_a))

    need.refresh_from_db()
    assert need.status == NeedStatus.DRAFT
    assert need.created_by == cast.officer
    assert need.area == cast.commune_a
    assert need.area_path == "44/19333/"
    assert [(i.item.code, i.quantity) for i in need.items.all()] == [("roofing-sheet", 30), ("rice", Decimal("50.5"))]
    assert need.beneficiary.full_name == "Trần Thị Bí Mật"
    assert need.submitted_at is None
    assert need.verified_at is None


def test_a_draft_is_not_public(cast: Cast) -> None:
    need = services.need_create(actor=cast.officer, data=need_data(cast.commune_a))
    assert need_get_public(code=need.code) is None


def test_submitting_a_draft_makes_it_await_verification(cast: Cast) -> None:
    need = services.need_create(actor=cast.officer, data=need_data(cast.commune_a))

    services.need_submit(actor=cast.officer, need=need)

    need.refresh_from_db()
    assert need.status == NeedStatus.SUBMITTED
    assert need.submitted_at is not None
    assert need_get_public(code=need.code) is None


def test_a_need_can_be_created_and_submitted_in_one_step(cast: Cast) -> None:
    need = services.need_create(actor=cast.officer, data=need_data(cast.commune_a), submit=True)

    need.refresh_from_db()
    assert need.status == NeedStatus.SUBMITTED
    assert [e.action for e in events(need)] == ["needs.need.created", "needs.need.submitted"]


def test_a_second_officer_verifies_a_submitted_need_which_publishes_it(cast: Cast, make_need: Any) -> None:
    need = make_need("submitted")

    services.need_verify(actor=cast.verifier, need=need)

    need.refresh_from_db()
    assert need.status == NeedStatus.VERIFIED
    assert need.verified_by == cast.verifier
    assert need.verified_at is not None
    public = need_get_public(code=need.code)
    assert public is not None
    assert public.pk == need.pk
    assert list(need_search_public(filters=NeedFilters())) == [need]


def test_rejecting_needs_a_reason(cast: Cast, make_need: Any) -> None:
    need = make_need("submitted")
    before = snapshot(need)

    for reason in ["", "   "]:
        with pytest.raises(ValidationError) as caught:
            services.need_reject(actor=cast.verifier, need=need, reason=reason)
        assert "reason" in caught.value.message_dict

    assert snapshot(need) == before
    assert [e.action for e in events(need)] == ["needs.need.created", "needs.need.submitted"]


def test_a_rejected_need_goes_back_to_its_creator_with_the_reason(cast: Cast, make_need: Any) -> None:
    need = make_need("submitted")

    services.need_reject(actor=cast.verifier, need=need, reason="  Thiếu ảnh mái nhà  ")

    need.refresh_from_db()
    assert need.status == NeedStatus.REJECTED
    assert need.status_reason == "Thiếu ảnh mái nhà"
    assert need.created_by == cast.officer
    assert need_get_public(code=need.code) is None


def test_the_creator_can_edit_a_rejected_need_and_submit_it_again(cast: Cast, make_need: Any) -> None:
    need = make_need("rejected")

    services.need_update(
        actor=cast.officer,
        need=need,
        data=need_data(cast.commune_a, description="Nhà tốc mái hoàn toàn, có ảnh kèm theo.", items=[NeedItemData("roofing-sheet", 40)]),
    )
    services.need_submit(actor=cast.officer, need=need)

    need.refresh_from_db()
    assert need.status == NeedStatus.SUBMITTED
    assert need.description == "Nhà tốc mái hoàn toàn, có ảnh kèm theo."
    assert [(i.item.code, i.quantity) for i in need.items.all()] == [("roofing-sheet", 40)]
    assert [e.action for e in events(need)] == [
        "needs.need.created",
        "needs.need.submitted",
        "needs.need.rejected",
        "needs.need.edited",
        "needs.need.submitted",
    ]
    services.need_verify(actor=cast.verifier, need=need)
    assert Need.objects.get(pk=need.pk).status == NeedStatus.VERIFIED


def test_cancelling_needs_a_reason(cast: Cast, make_need: Any) -> None:
    need = make_need("verified")
    before = snapshot(need)

    with pytest.raises(ValidationError) as caught:
        services.need_cancel(actor=cast.officer, need=need, reason=" ")

    assert "reason" in caught.value.message_dict
    assert snapshot(need) == before


@pytest.mark.parametrize("status", ["draft", "submitted", "verified", "rejected"])
def test_a_need_can_be_cancelled_with_a_reason_from_any_open_status(cast: Cast, make_need: Any, status: str) -> None:
    need = make_need(status)

    services.need_cancel(actor=cast.officer, need=need, reason="Hộ đã được hỗ trợ từ nguồn khác")

    need.refresh_from_db()
    assert need.status == NeedStatus.CANCELLED
    assert need.status_reason == "Hộ đã được hỗ trợ từ nguồn khác"
    assert need_get_public(code=need.code) is None


ILLEGAL = [
    ("draft", "verify"),
    ("draft", "reject"),
    ("submitted", "submit"),
    ("verified", "submit"),
    ("verified", "verify"),
    ("verified", "reject"),
    ("rejected", "verify"),
    ("rejected", "reject"),
    ("cancelled", "submit"),
    ("cancelled", "verify"),
    ("cancelled", "reject"),
    ("cancelled", "cancel"),
]


@pytest.mark.parametrize(("status", "action"), ILLEGAL)
def test_an_illegal_transition_raises_and_changes_nothing(cast: Cast, make_need: Any, status: str, action: str) -> None:
    need = make_need(status)
    before = snapshot(need)
    audit_count = AuditEvent.objects.count()
    # The creator submits and cancels; the second officer verifies and rejects.
    actor = cast.officer if action in {"submit", "cancel"} else cast.verifier
    call = {
        "submit": lambda: services.need_submit(actor=actor, need=need),
        "verify": lambda: services.need_verify(actor=actor, need=need),
        "reject": lambda: services.need_reject(actor=actor, need=need, reason="Sai thông tin"),
        "cancel": lambda: services.need_cancel(actor=actor, need=need, reason="Trùng lặp"),
    }[action]

    with pytest.raises(NeedStateError) as caught:
        call()

    assert caught.value.message
    assert snapshot(need) == before
    assert AuditEvent.objects.count() == audit_count


@pytest.mark.parametrize("status", ["verified", "cancelled"])
def test_a_verified_or_cancelled_need_can_no_longer_be_edited(cast: Cast, make_need: Any, status: str) -> None:
    need = make_need(status)
    before = (snapshot(need), Need.objects.get(pk=need.pk).description)

    with pytest.raises(NeedStateError):
        services.need_update(actor=cast.officer, need=need, data=need_data(cast.commune_a, description="Sửa sau khi duyệt"))

    assert (snapshot(need), Need.objects.get(pk=need.pk).description) == before


def test_every_transition_records_who_what_why_and_from_where_to_where(cast: Cast, make_need: Any) -> None:
    need = make_need("draft")
    services.need_submit(actor=cast.officer, need=need)
    services.need_reject(actor=cast.verifier, need=need, reason="Thiếu ảnh")
    services.need_submit(actor=cast.officer, need=need, reason="Đã bổ sung ảnh")
    services.need_verify(actor=cast.verifier, need=need)
    services.need_cancel(actor=cast.province_member, need=need, reason="Trùng với nhu cầu khác")

    rows = [(e.actor, e.action, e.reason, e.data.get("from"), e.data.get("to")) for e in events(need)]

    assert rows == [
        (cast.officer, "needs.need.created", "", None, "draft"),
        (cast.officer, "needs.need.submitted", "", "draft", "submitted"),
        (cast.verifier, "needs.need.rejected", "Thiếu ảnh", "submitted", "rejected"),
        (cast.officer, "needs.need.submitted", "Đã bổ sung ảnh", "rejected", "submitted"),
        (cast.verifier, "needs.need.verified", "", "submitted", "verified"),
        (cast.province_member, "needs.need.cancelled", "Trùng với nhu cầu khác", "verified", "cancelled"),
    ]
    assert all(e.target_type == "needs.need" and e.target_id == str(need.pk) for e in events(need))
    assert all(e.at is not None for e in events(need))


def test_audit_events_are_append_only(cast: Cast, make_need: Any) -> None:
    event = events(make_need("submitted"))[-1]

    event.reason = "rewritten history"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()

    assert AuditEvent.objects.get(pk=event.pk).reason == ""
