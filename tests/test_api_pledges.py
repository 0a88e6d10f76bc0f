"""/api/v1/ pledges: donors pledge, ship, deliver and cancel with a token; commune officers in scope
confirm with a photo; the public sees who pledged what, never how to reach them."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from cuutro.accounts.selectors import user_organisations
from cuutro.audit.models import AuditEvent
from cuutro.needs.models import Need, NeedItem, NeedStatus
from cuutro.needs.services import NeedItemData
from cuutro.pledges.models import Confirmation, HandoverRequest, Pledge, PledgeStatus
from tests.conftest import DONOR_PHONE, Cast, photo_upload
from tests.test_api import API, Api, as_, assert_error, url

ONE_ITEM = [NeedItemData("roofing-sheet", 10)]


def sheets(need: Need) -> NeedItem:
    return NeedItem.objects.get(need=need, item__code="roofing-sheet")


def counters(need: Need) -> list[tuple[str, Decimal, Decimal, Decimal]]:
    return [
        (i.item.code, i.quantity_pledged, i.quantity_delivered, i.quantity_confirmed)
        for i in NeedItem.objects.filter(need=need).select_related("item").order_by("pk")
    ]


def written() -> tuple[int, int, int, int]:
    return Pledge.objects.count(), Confirmation.objects.count(), HandoverRequest.objects.count(), AuditEvent.objects.count()


def snapshot(need: Need) -> tuple[Any, ...]:
    pledges = list(Pledge.objects.filter(need=need).order_by("pk").values_list("code", "status", "donor_id", "updated_at"))
    return Need.objects.get(pk=need.pk).status, counters(need), pledges, written()


def pledge_body(need: Need, quantity: Any, **extra: Any) -> dict[str, Any]:
    return {"need_item": sheets(need).pk, "quantity": quantity, **extra}


def confirm(api: Api, code: str, **form: Any) -> Any:
    """A multipart POST as a phone's browser or an app sends it: the photo and the form fields."""
    data = {"evidence": photo_upload(), "evidence_kind": "photo", "acknowledged": "true", "received_by": "Bà Năm", **form}
    data = {k: v for k, v in data.items() if v is not None}
    return api.client.post(url(f"/pledges/{code}/confirm"), data, headers=api.headers)


def media_files() -> list[Path]:
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


@pytest.fixture
def need(make_need: Any) -> Need:
    """A verified need of 10 roofing sheets in commune A."""
    return make_need("verified", items=ONE_ITEM)


# ---- pledging -----------------------------------------------------------------------------


def test_a_donor_pledges_with_a_token_and_gets_the_pledge_back(cast: Cast, need: Need) -> None:
    api = as_(cast, "donor")
    expected_on = timezone.localdate() + timedelta(days=2)

    response = api.post(
        "/pledges",
        pledge_body(need, 4, expected_on=expected_on.isoformat(), contact_name="Anh Tâm", contact_phone=DONOR_PHONE,
                    note="Xe tải nhỏ, đến buổi sáng", show_as="name"),
    )

    assert response.status_code == 201, response.content
    body = response.json()
    pledge = Pledge.objects.get()
    assert body["code"] == pledge.code and body["code"].startswith("CT-")
    assert (body["need"], body["need_item"], body["item"], body["unit"]) == (need.code, sheets(need).pk, "roofing-sheet", "sheet")
    assert (body["quantity"], body["status"], body["expected_on"]) == (4, "pledged", expected_on.isoformat())
    assert (body["donor_name"], body["show_as"], body["organisation"]) == ("Nhà hảo tâm", "name", None)
    assert body["contact"] == {"contact_name": "Anh Tâm", "contact_phone": DONOR_PHONE, "note": "Xe tải nhỏ, đến buổi sáng"}
    assert body["actions"] == ["ship", "deliver", "cancel"] and body["next_step"]
    assert [(e["action"], e["actor"]["username"]) for e in body["history"]] == [("pledges.pledge.created", "donor")]
    assert body["url"] == f"/pledges/{pledge.code}/"
    assert (pledge.donor, pledge.quantity, pledge.contact_phone) == (cast.donor, 4, DONOR_PHONE)
    assert sheets(need).quantity_pledged == 4
    assert Need.objects.get(pk=need.pk).status == NeedStatus.PARTIALLY_PLEDGED


def test_need_item_and_quantity_alone_are_enough(cast: Cast, need: Need) -> None:
    response = as_(cast, "donor").post("/pledges", {"need_item": sheets(need).pk, "quantity": 3})

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["quantity"], body["donor_name"], body["show_as"]) == (3, "Anonymous donor", "anonymous")
    assert body["expected_on"] == (timezone.localdate() + timedelta(days=3)).isoformat()
    assert body["contact"] == {"contact_name": "Nhà hảo tâm", "contact_phone": "", "note": ""}
    assert sheets(need).remaining == 7


def test_the_public_need_shows_needed_pledged_delivered_and_confirmed_per_item(cast: Cast, need: Need, make_pledge: Any) -> None:
    make_pledge(need, quantity=2, status="confirmed")
    make_pledge(need, quantity=3, status="delivered")
    make_pledge(need, quantity=1)
    make_pledge(need, quantity=4, status="cancelled")

    item = Api().get(f"/needs/{need.code}").json()["items"][0]

    assert item == {
        "id": sheets(need).pk, "item": "roofing-sheet", "item_name": "Roofing sheet", "category": "building-materials",
        "unit": "sheet", "unit_label": "sheet", "quantity": 10, "remaining": 4, "pledged": 6, "delivered": 5, "confirmed": 2,
    }


def test_a_pledge_above_what_remains_is_a_conflict_that_offers_the_rest_and_changes_nothing(
    cast: Cast, need: Need, make_pledge: Any
) -> None:
    make_pledge(need, quantity=5)
    api = as_(cast, "donor")
    before = snapshot(need)

    response = api.post("/pledges", pledge_body(need, 6))

    assert response.status_code == 409, response.content
    assert response.json() == {
        "error": {
            "code": "over_pledged",
            "message": "Only 5 sheets of Roofing sheet remain; you asked for 6 sheets. You can pledge the remaining 5 sheets instead.",
            "fields": {},
            "remaining": 5,
        }
    }
    assert snapshot(need) == before
    # The offered rest is accepted.
    assert api.post("/pledges", pledge_body(need, response.json()["error"]["remaining"])).status_code == 201
    assert sheets(need).remaining == 0


def test_a_pledge_on_a_fully_pledged_need_is_over_pledged_with_nothing_remaining(cast: Cast, need: Need, make_pledge: Any) -> None:
    make_pledge(need, quantity=10)
    assert Need.objects.get(pk=need.pk).status == NeedStatus.FULLY_PLEDGED
    api = as_(cast, "donor")
    before = snapshot(need)

    error = assert_error_with_remaining(api.post("/pledges", pledge_body(need, 1)))

    assert (error["code"], error["remaining"]) == ("over_pledged", 0)
    assert "nothing remains" in error["message"]
    assert snapshot(need) == before


def assert_error_with_remaining(response: Any) -> dict[str, Any]:
    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert set(error) == {"code", "message", "fields", "remaining"}
    return error


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"need_item": None, "quantity": 1}, {"need_item"}),
        ({"need_item": "SELF", "quantity": 1}, {"need_item"}),
        ({"quantity": "lots"}, {"quantity"}),
        ({"quantity": 1, "show_as": "famous"}, {"show_as"}),
        ({"quantity": 1, "expected_on": "tomorrow"}, {"expected_on"}),
        ({"quantity": 1, "organisation": "red cross"}, {"organisation"}),
    ],
)
def test_a_body_that_breaks_the_schema_is_invalid_with_the_field_named(
    cast: Cast, need: Need, body: dict[str, Any], fields: set[str]
) -> None:
    api = as_(cast, "donor")
    body = {"need_item": sheets(need).pk, **body}
    before = snapshot(need)

    error = assert_error(api.post("/pledges", body), 422, "invalid")

    assert set(error["fields"]) == fields
    assert snapshot(need) == before


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"quantity": 0}, {"quantity"}),
        ({"quantity": -2}, {"quantity"}),
        ({"quantity": "1.234"}, {"quantity"}),
        ({"need_item": 2**40}, {"need_item"}),
        ({"contact_phone": "12345", "contact_name": "x" * 151}, {"contact_phone", "contact_name"}),
        ({"expected_on": "2020-10-06"}, {"expected_on"}),
        ({"show_as": "organisation"}, {"show_as"}),
        ({"note": "x" * 2001}, {"note"}),
    ],
)
def test_a_body_the_service_refuses_is_invalid_with_field_messages_and_writes_nothing(
    cast: Cast, need: Need, overrides: dict[str, Any], fields: set[str]
) -> None:
    api = as_(cast, "donor")
    before = snapshot(need)

    error = assert_error(api.post("/pledges", {**pledge_body(need, 1), **overrides}), 422, "invalid")

    assert set(error["fields"]) == fields
    assert all(messages and all(isinstance(m, str) and m for m in messages) for messages in error["fields"].values())
    assert snapshot(need) == before


def test_an_unpublished_need_takes_no_pledge(cast: Cast, make_need: Any) -> None:
    draft = make_need("submitted", items=ONE_ITEM)
    api = as_(cast, "donor")
    before = snapshot(draft)

    error = assert_error(api.post("/pledges", pledge_body(draft, 1)), 422, "invalid")

    assert list(error["fields"]) == ["need_item"]
    assert snapshot(draft) == before


def test_nobody_pledges_in_the_name_of_an_organisation_they_do_not_belong_to(cast: Cast, need: Need) -> None:
    org = user_organisations(user=cast.org_member)[0]
    api = as_(cast, "donor")
    before = snapshot(need)

    assert_error(api.post("/pledges", pledge_body(need, 1, organisation=org.pk, show_as="organisation")), 403, "forbidden")

    assert snapshot(need) == before
    member = as_(cast, "org_member").post("/pledges", pledge_body(need, 1, organisation=org.pk, show_as="organisation"))
    assert member.status_code == 201
    assert (member.json()["donor_name"], member.json()["organisation"]) == (org.name, {"id": org.pk, "name": org.name})


def test_pledging_needs_a_token(cast: Cast, need: Need) -> None:
    before = snapshot(need)
    assert_error(Api().post("/pledges", pledge_body(need, 1)), 401, "unauthenticated")
    assert snapshot(need) == before


# ---- the way to the household --------------------------------------------------------------


def test_the_donor_ships_and_delivers_through_the_api(cast: Cast, need: Need, make_pledge: Any) -> None:
    pledge = make_pledge(need, quantity=10)
    api = as_(cast, "donor")

    shipped = api.post(f"/pledges/{pledge.code}/ship", {"reason": "Xe xuất phát 7 giờ"})
    assert shipped.status_code == 200, shipped.content
    assert (shipped.json()["status"], shipped.json()["actions"]) == ("in_transit", ["deliver", "cancel"])
    assert shipped.json()["shipped_at"] is not None
    delivered = api.post(f"/pledges/{pledge.code}/deliver")  # no body: the reason is optional

    assert delivered.status_code == 200, delivered.content
    body = delivered.json()
    assert (body["status"], body["actions"]) == ("delivered", [])
    assert body["delivered_at"] is not None
    assert [(e["action"], e["reason"]) for e in body["history"]] == [
        ("pledges.pledge.created", ""),
        ("pledges.pledge.shipped", "Xe xuất phát 7 giờ"),
        ("pledges.pledge.delivered", ""),
    ]
    assert counters(need) == [("roofing-sheet", 10, 10, 0)]
    assert Need.objects.get(pk=need.pk).status == NeedStatus.DELIVERED


def test_a_step_that_does_not_fit_the_state_is_a_conflict(cast: Cast, need: Need, make_pledge: Any) -> None:
    pledge = make_pledge(need, quantity=3, status="delivered")
    api = as_(cast, "donor")
    before = snapshot(need)

    for action in ("ship", "deliver"):
        error = assert_error(api.post(f"/pledges/{pledge.code}/{action}"), 409, "conflict")
        assert "Delivered – awaiting confirmation" in error["message"]
    assert_error(api.post(f"/pledges/{pledge.code}/cancel", {"reason": "đổi ý"}), 409, "conflict")

    assert snapshot(need) == before


def test_an_unknown_action_is_not_found(cast: Cast, make_pledge: Any) -> None:
    pledge = make_pledge(quantity=3)
    assert_error(as_(cast, "donor").post(f"/pledges/{pledge.code}/publish"), 404, "not_found")


def test_cancelling_needs_a_reason_and_releases_the_quantity(cast: Cast, need: Need, make_pledge: Any) -> None:
    pledge = make_pledge(need, quantity=10)
    api = as_(cast, "donor")
    before = snapshot(need)

    for payload in (None, {"reason": "   "}):
        error = assert_error(api.post(f"/pledges/{pledge.code}/cancel", payload), 422, "invalid")
        assert list(error["fields"]) == ["reason"]
    assert snapshot(need) == before

    response = api.post(f"/pledges/{pledge.code}/cancel", {"reason": "Xe hỏng giữa đường"})

    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["status_reason"]) == ("cancelled", "Xe hỏng giữa đường")
    assert response.json()["closed_at"] is not None
    assert sheets(need).remaining == 10
    assert Need.objects.get(pk=need.pk).status == NeedStatus.VERIFIED


def test_only_the_donors_side_moves_a_pledge(cast: Cast, need: Need, make_pledge: Any) -> None:
    pledge = make_pledge(need, quantity=3)
    apis = {who: as_(cast, who) for who in ("outsider", "officer_b", "org_member", "officer")}
    before = snapshot(need)

    # Outsiders do not even learn that it exists; the officer over it sees it but may not act for the donor.
    for who in ("outsider", "officer_b", "org_member"):
        assert_error(apis[who].post(f"/pledges/{pledge.code}/ship"), 404, "not_found")
    assert_error(apis["officer"].post(f"/pledges/{pledge.code}/ship"), 403, "forbidden")
    assert_error(apis["officer"].post(f"/pledges/{pledge.code}/cancel", {"reason": "trùng"}), 403, "forbidden")

    assert snapshot(need) == before


# ---- confirmation on the ground ---------------------------------------------------------------


def test_a_commune_officer_in_scope_confirms_with_a_photo_and_the_need_closes(cast: Cast, need: Need, make_pledge: Any) -> None:
    pledge = make_pledge(need, quantity=10, status="delivered")

    response = confirm(as_(cast, "officer"), pledge.code, evidence_kind="receipt", note="Đã ký biên nhận")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["status_label"]) == ("confirmed", "Confirmed by the commune")
    assert body["confirmed_at"] is not None
    assert body["history"][-1]["action"] == "pledges.pledge.confirmed"
    assert body["history"][-1]["actor"] == {"username": "officer", "name": "Cán bộ A"}
    assert body["confirmation"] == {
        "evidence_kind": "receipt", "evidence_kind_label": "Photo of the signed receipt", "confirmed_by": "Cán bộ A",
        "confirmed_at": body["confirmation"]["confirmed_at"], "received_by": "Bà Năm", "note": "Đã ký biên nhận",
    }
    confirmation = Confirmation.objects.get(pledge=pledge)
    assert (confirmation.confirmed_by, confirmation.evidence_kind, confirmation.recipient_acknowledged) == (cast.officer, "receipt", True)
    assert str(confirmation.evidence.name).endswith(".jpg") and len(media_files()) == 1
    assert counters(need) == [("roofing-sheet", 10, 10, 10)]
    assert Need.objects.get(pk=need.pk).status == NeedStatus.CLOSED
    public = Api().get(f"/needs/{need.code}").json()
    assert (public["status"], public["items"][0]["confirmed"]) == ("closed", 10)
    assert Api().get(f"/needs/{need.code}/pledges").json()["items"][0]["status"] == "confirmed"


def test_an_officer_confirms_goods_the_donor_never_marked_delivered(cast: Cast, need: Need, make_pledge: Any) -> None:
    pledge = make_pledge(need, quantity=4, status="in_transit")

    response = confirm(as_(cast, "verifier"), pledge.code)

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "confirmed" and response.json()["delivered_at"] is not None
    assert counters(need) == [("roofing-sheet", 4, 4, 4)]
    assert Need.objects.get(pk=need.pk).status == NeedStatus.PARTIALLY_PLEDGED


@pytest.mark.parametrize(
    ("who", "status", "code"),
    [
        ("donor", 403, "forbidden"),  # their own delivery
        ("officer_b", 404, "not_found"),  # another commune: the pledge is not even visible
        ("province_member", 403, "forbidden"),  # sees it, but confirms nothing on the ground
        ("org_member", 404, "not_found"),
        ("outsider", 404, "not_found"),
    ],
)
def test_nobody_but_a_commune_officer_in_scope_confirms(
    cast: Cast, need: Need, make_pledge: Any, who: str, status: int, code: str
) -> None:
    pledge = make_pledge(need, quantity=4, status="delivered")
    api = as_(cast, who)  # creating the token writes an audit event: do it first
    before = snapshot(need)

    error = assert_error(confirm(api, pledge.code), status, code)

    if who == "donor":
        assert "cannot confirm their own" in error["message"]
    assert snapshot(need) == before
    assert Pledge.objects.get(pk=pledge.pk).status == PledgeStatus.DELIVERED
    assert media_files() == []


def test_an_officer_who_pledged_cannot_confirm_their_own_pledge(cast: Cast, need: Need, make_pledge: Any) -> None:
    pledge = make_pledge(need, quantity=2, donor=cast.officer, status="delivered")
    api = as_(cast, "officer")
    before = snapshot(need)

    error = assert_error(confirm(api, pledge.code), 403, "forbidden")

    assert "own" in error["message"]
    assert snapshot(need) == before
    confirmed = confirm(as_(cast, "verifier"), pledge.code)
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"


@pytest.mark.parametrize(
    ("form", "fields"),
    [
        ({"evidence": None}, {"evidence"}),
        ({"acknowledged": "false"}, {"acknowledged"}),
        ({"acknowledged": None, "evidence": None}, {"acknowledged", "evidence"}),
        ({"evidence_kind": "selfie"}, {"evidence_kind"}),
        ({"acknowledged": "maybe"}, {"acknowledged"}),
    ],
)
def test_a_confirmation_needs_a_photo_and_the_recipients_acknowledgement(
    cast: Cast, need: Need, make_pledge: Any, form: dict[str, Any], fields: set[str]
) -> None:
    pledge = make_pledge(need, quantity=4, status="delivered")
    api = as_(cast, "officer")
    before = snapshot(need)

    error = assert_error(confirm(api, pledge.code, **form), 422, "invalid")

    assert set(error["fields"]) == fields
    assert snapshot(need) == before
    assert media_files() == []


def test_a_file_that_is_not_a_photo_is_refused(cast: Cast, need: Need, make_pledge: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    pledge = make_pledge(need, quantity=4, status="delivered")
    api = as_(cast, "officer")
    before = snapshot(need)

    error = assert_error(
        confirm(api, pledge.code, evidence=SimpleUploadedFile("receipt.jpg", b"<html>not a photo</html>")),
        422,
        "invalid",
    )

    assert list(error["fields"]) == ["evidence"]
    assert snapshot(need) == before


def test_a_cancelled_pledge_has_nothing_to_confirm(cast: Cast, need: Need, make_pledge: Any) -> None:
    pledge = make_pledge(need, quantity=4, status="cancelled")
    api = as_(cast, "officer")
    before = snapshot(need)

    assert_error(confirm(api, pledge.code), 409, "conflict")

    assert snapshot(need) == before
    assert media_files() == []


# ---- what each reader sees --------------------------------------------------------------------


def test_the_public_pledge_list_shows_who_as_each_donor_chose_and_never_a_contact(cast: Cast, need: Need, make_pledge: Any) -> None:
    org = user_organisations(user=cast.org_member)[0]
    make_pledge(need, quantity=1)  # anonymous by default
    make_pledge(need, quantity=2, show_as="name", note="Gọi trước khi đến")
    make_pledge(need, quantity=3, donor=cast.org_member, show_as="organisation", organisation_id=org.pk, status="confirmed")
    make_pledge(need, quantity=1, show_as="name", status="cancelled")

    response = Api().get(f"/needs/{need.code}/pledges")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [(p["donor_name"], p["quantity"], p["status"]) for p in body["items"]] == [
        ("Anonymous donor", 1, "pledged"),
        ("Nhà hảo tâm", 2, "pledged"),
        (org.name, 3, "confirmed"),
    ]
    assert set(body["items"][0]) == {
        "code", "donor_name", "item", "item_name", "unit", "quantity", "status", "status_label", "expected_on", "created_at",
        "delivered_at", "confirmed_at",
    }
    text = response.content.decode() + json.dumps(body, ensure_ascii=False)
    for private in (DONOR_PHONE, "Anh Tâm", "Gọi trước khi đến", "Bà Năm", "Người nhận", "contact", "received_by"):
        assert private not in text


def test_the_public_pledge_list_of_an_unpublished_or_unknown_need_is_not_found(cast: Cast, make_need: Any) -> None:
    draft = make_need("submitted")
    assert_error(Api().get(f"/needs/{draft.code}/pledges"), 404, "not_found")
    assert_error(Api().get("/needs/HGĐ-ZZZZZ/pledges"), 404, "not_found")


def test_the_public_pledge_list_follows_a_new_pledge_at_once(cast: Cast, need: Need) -> None:
    assert Api().get(f"/needs/{need.code}/pledges").json()["count"] == 0  # now cached
    as_(cast, "donor").post("/pledges", pledge_body(need, 2))
    assert Api().get(f"/needs/{need.code}/pledges").json()["count"] == 1


def test_the_donor_and_the_officers_over_the_need_open_a_pledge_with_its_contact(cast: Cast, need: Need, make_pledge: Any) -> None:
    pledge = make_pledge(need, quantity=3, note="Gọi trước khi đến")

    for who in ("donor", "officer", "verifier", "province_member"):
        response = as_(cast, who).get(f"/pledges/{pledge.code}")
        assert response.status_code == 200, who
        assert response.json()["contact"] == {"contact_name": "Anh Tâm", "contact_phone": DONOR_PHONE, "note": "Gọi trước khi đến"}
    # Only the donor's side is told what to do next.
    assert as_(cast, "donor").get(f"/pledges/{pledge.code}").json()["actions"] == ["ship", "deliver", "cancel"]
    assert as_(cast, "officer").get(f"/pledges/{pledge.code}").json()["actions"] == []
    for who in ("officer_b", "org_member", "outsider"):
        error = assert_error(as_(cast, who).get(f"/pledges/{pledge.code}"), 404, "not_found")
        assert DONOR_PHONE not in json.dumps(error)
    assert_error(Api().get(f"/pledges/{pledge.code}"), 401, "unauthenticated")


def test_the_donor_sees_that_a_delivery_was_confirmed_but_not_who_received_it(cast: Cast, need: Need, make_pledge: Any) -> None:
    pledge = make_pledge(need, quantity=3, status="delivered")
    assert confirm(as_(cast, "officer"), pledge.code, note="Chị Hoa, nhà số 7").status_code == 200

    response = as_(cast, "donor").get(f"/pledges/{pledge.code}")

    assert response.status_code == 200
    assert response.json()["status"] == "confirmed" and response.json()["confirmation"] is None
    assert "Bà Năm" not in response.content.decode() and "nhà số 7" not in response.content.decode()
    assert as_(cast, "verifier").get(f"/pledges/{pledge.code}").json()["confirmation"]["received_by"] == "Bà Năm"


def test_my_pledges_lists_only_mine_newest_first_and_pages(cast: Cast, need: Need, make_pledge: Any) -> None:
    first = make_pledge(need, quantity=1)
    second = make_pledge(need, quantity=2, status="in_transit")
    make_pledge(need, quantity=3, donor=cast.outsider)
    api = as_(cast, "donor")

    body = api.get("/pledges").json()

    assert body["count"] == 2
    assert [(p["code"], p["quantity"], p["status"], p["actions"]) for p in body["items"]] == [
        (second.code, 2, "in_transit", ["deliver", "cancel"]),
        (first.code, 1, "pledged", ["ship", "deliver", "cancel"]),
    ]
    assert all(p["next_step"] for p in body["items"])
    assert [p["code"] for p in api.get("/pledges", limit=1, offset=1).json()["items"]] == [first.code]
    assert as_(cast, "officer").get("/pledges").json() == {"count": 0, "items": []}
    assert set(assert_error(api.get("/pledges", limit=0), 422, "invalid")["fields"]) == {"limit"}


# ---- hand-over between donors ---------------------------------------------------------------------


def test_an_organisation_asks_for_a_pledge_and_the_donor_hands_it_over(cast: Cast, need: Need, make_pledge: Any) -> None:
    org = user_organisations(user=cast.org_member)[0]
    pledge = make_pledge(need, quantity=4, status="in_transit")
    requester = as_(cast, "org_member")

    asked = requester.post(
        f"/pledges/{pledge.code}/handover",
        {"contact_name": "Anh Hùng", "contact_phone": "0905111222", "organisation": org.pk, "message": "Có xuồng vào thôn"},
    )

    assert asked.status_code == 201, asked.content
    request = asked.json()
    assert (request["pledge"], request["status"], request["organisation"], request["message"]) == (
        pledge.code, "open", org.name, "Có xuồng vào thôn",
    )
    donor = as_(cast, "donor")
    shown = donor.get(f"/pledges/{pledge.code}").json()["handovers"]
    assert [(h["id"], h["status"], h["contact_phone"]) for h in shown] == [(request["id"], "open", "0905111222")]
    assert as_(cast, "officer").get(f"/pledges/{pledge.code}").json()["handovers"] == []  # only the holder answers
    # A second request waits for the answer to the first; the requester cannot answer their own.
    assert_error(as_(cast, "outsider").post(f"/pledges/{pledge.code}/handover", {}), 409, "conflict")
    assert_error(requester.post(f"/handovers/{request['id']}/accept"), 404, "not_found")

    accepted = donor.post(f"/handovers/{request['id']}/accept", {"reason": "Cảm ơn anh"})

    assert accepted.status_code == 200, accepted.content
    assert (accepted.json()["status"], accepted.json()["reason"]) == ("accepted", "Cảm ơn anh")
    mine = requester.get(f"/pledges/{pledge.code}").json()
    assert (mine["status"], mine["donor_name"], mine["organisation"]) == ("pledged", org.name, {"id": org.pk, "name": org.name})
    assert mine["contact"]["contact_phone"] == "0905111222"
    assert mine["history"][-1]["action"] == "pledges.pledge.handed_over"
    # The previous holder pledged anonymously: the new holder does not learn who they were.
    first = mine["history"][0]
    assert first["action"] == "pledges.pledge.created" and first["actor"]["username"] is None
    assert cast.donor.display_name() not in json.dumps(mine["history"], ensure_ascii=False)
    assert_error(donor.get(f"/pledges/{pledge.code}"), 404, "not_found")
    assert sheets(need).quantity_pledged == 4  # the quantity stays covered throughout
    assert_error(donor.post(f"/handovers/{request['id']}/decline"), 404, "not_found")


def test_the_donor_declines_a_hand_over_with_a_reason(cast: Cast, make_pledge: Any) -> None:
    pledge = make_pledge(quantity=4)
    request = as_(cast, "outsider").post(f"/pledges/{pledge.code}/handover", {"message": "Tôi ở gần"}).json()
    assert request["contact_name"] == "Người ngoài"  # the account's name when none is given

    declined = as_(cast, "donor").post(f"/handovers/{request['id']}/decline", {"reason": "Đã lên đường"})

    assert declined.status_code == 200, declined.content
    assert (declined.json()["status"], declined.json()["reason"]) == ("declined", "Đã lên đường")
    assert Pledge.objects.get(pk=pledge.pk).donor == cast.donor
    assert_error(as_(cast, "donor").post(f"/handovers/{request['id']}/accept"), 409, "conflict")
    assert_error(as_(cast, "donor").post(f"/handovers/{request['id']}/ignore"), 404, "not_found")


def test_a_hand_over_is_asked_only_for_an_undelivered_pledge_of_someone_else(cast: Cast, need: Need, make_pledge: Any) -> None:
    delivered = make_pledge(need, quantity=4, status="delivered")
    cancelled = make_pledge(need, quantity=1, status="cancelled")
    open_pledge = make_pledge(need, quantity=1)
    before = written()

    assert_error(as_(cast, "outsider").post(f"/pledges/{delivered.code}/handover", {}), 409, "conflict")
    assert_error(as_(cast, "outsider").post(f"/pledges/{cancelled.code}/handover", {}), 404, "not_found")
    assert_error(as_(cast, "outsider").post("/pledges/CT-ZZZZZZ/handover", {}), 404, "not_found")
    assert_error(as_(cast, "donor").post(f"/pledges/{open_pledge.code}/handover", {}), 403, "forbidden")
    assert_error(Api().post(f"/pledges/{open_pledge.code}/handover", {}), 401, "unauthenticated")

    assert written()[:3] == before[:3]


# ---- language and schema ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "payload", "code"),
    [
        ("/pledges", {"quantity": 11}, "over_pledged"),
        ("/pledges", {"quantity": 0}, "invalid"),
        ("/pledges", {"quantity": "lots"}, "invalid"),
        ("/pledges/{code}/cancel", {"reason": ""}, "invalid"),
        ("/pledges/{code}/confirm", None, "forbidden"),
    ],
)
def test_pledge_errors_are_in_vietnamese_when_the_caller_asks_for_it(
    cast: Cast, need: Need, make_pledge: Any, path: str, payload: dict[str, Any] | None, code: str
) -> None:
    pledge = make_pledge(need, quantity=1)
    path = path.format(code=pledge.code)

    def ask(language: str) -> Any:
        api = as_(cast, "donor", language)
        if payload is None:
            return confirm(api, pledge.code)
        return api.post(path, {"need_item": sheets(need).pk, **payload})

    english, vietnamese = ask("en").json()["error"], ask("vi")

    error = vietnamese.json()["error"]
    assert vietnamese["Content-Language"] == "vi"
    assert error["code"] == english["code"] == code
    assert error["message"] and error["message"] != english["message"]
    assert set(error["fields"]) == set(english["fields"])
    for field, messages in error["fields"].items():
        assert messages and messages != english["fields"][field], field


def test_the_openapi_schema_documents_the_pledge_endpoints_without_private_public_fields(cast: Cast) -> None:
    from django.test import Client

    schema = Client().get(f"{API}/openapi.json").json()

    assert {
        "/api/v1/pledges",
        "/api/v1/pledges/{code}",
        "/api/v1/pledges/{code}/{action}",
        "/api/v1/pledges/{code}/confirm",
        "/api/v1/pledges/{code}/handover",
        "/api/v1/handovers/{handover_id}/{answer}",
        "/api/v1/needs/{code}/pledges",
    } <= set(schema["paths"])
    assert set(schema["paths"]["/api/v1/pledges"]) == {"get", "post"}
    assert "multipart/form-data" in schema["paths"]["/api/v1/pledges/{code}/confirm"]["post"]["requestBody"]["content"]
    components = schema["components"]["schemas"]
    assert {"need_item", "quantity"} <= set(components["PledgeIn"]["properties"])
    assert components["PledgeIn"]["required"] == ["need_item", "quantity"]
    assert {"id", "pledged", "delivered", "confirmed"} <= set(components["NeedItemOut"]["properties"])
    public = set(components["PledgePublicOut"]["properties"])
    assert not {"contact", "contact_name", "contact_phone", "note", "received_by", "confirmation", "history"} & public
