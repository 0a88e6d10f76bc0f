"""/api/v1/: public reads, token-authenticated writes, one error shape, no personal data."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from cuutro.accounts.models import ApiToken
from cuutro.accounts.services import token_revoke
from cuutro.audit.models import AuditEvent
from cuutro.geo.services import village_create
from cuutro.lib.text import fold
from cuutro.needs.models import Beneficiary, CatalogueItem, Need, NeedItem, NeedStatus
from cuutro.needs.services import NeedItemData
from tests.conftest import SECRET_ADDRESS, SECRET_ID, SECRET_NAME, SECRET_PHONE, Cast

API = "/api/v1"
SECRETS = [SECRET_NAME, SECRET_ID, SECRET_PHONE, SECRET_ADDRESS, fold(SECRET_NAME), SECRET_NAME.upper()]


# ---- helpers ------------------------------------------------------------------------------


def url(path: str) -> str:
    # Need codes carry Đ: a real client percent-encodes it.
    return API + quote(path, safe="/?=&")


def body_text(response: Any) -> str:
    """The response as text, with JSON's \\u escapes decoded so Vietnamese secrets are visible."""
    text = response.content.decode()
    if response.get("Content-Type", "").startswith("application/json"):
        text += json.dumps(response.json(), ensure_ascii=False)
    return text


def assert_no_personal_data(response: Any) -> None:
    text = body_text(response)
    for secret in SECRETS:
        assert secret not in text


class Api:
    """A test client speaking JSON, optionally with a bearer token and a language."""

    def __init__(self, token: str | None = None, language: str | None = None) -> None:
        self.client = Client()
        self.headers: dict[str, str] = {}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        if language:
            self.headers["Accept-Language"] = language

    def get(self, path: str, **params: Any) -> Any:
        response = self.client.get(url(path), params, headers=self.headers)
        assert_no_personal_data(response)
        return response

    def post(self, path: str, payload: Any = None, *, raw: str | None = None) -> Any:
        data = raw if raw is not None else json.dumps(payload if payload is not None else {})
        response = self.client.post(url(path), data, content_type="application/json", headers=self.headers)
        assert_no_personal_data(response)
        return response

    def put(self, path: str, payload: Any) -> Any:
        response = self.client.put(url(path), json.dumps(payload), content_type="application/json", headers=self.headers)
        assert_no_personal_data(response)
        return response


def as_(cast: Cast, who: str, language: str | None = None) -> Api:
    return Api(cast.token_for(getattr(cast, who)), language)


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]
    assert isinstance(body["error"]["fields"], dict)
    return body["error"]


def new_need_body(cast: Cast, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "area": cast.commune_a.code,
        "kind": "household",
        "urgency": "high",
        "description": "Nhà bị tốc mái sau lũ, cần tôn lợp và gạo.",
        "items": [{"item": "roofing-sheet", "quantity": 30}, {"item": "rice", "quantity": 10.5}],
        "beneficiary": {
            "full_name": SECRET_NAME,
            "id_number": SECRET_ID,
            "phone": SECRET_PHONE,
            "address": SECRET_ADDRESS,
            "household_size": 5,
        },
        "latitude": 16.816234,
        "longitude": 107.100456,
    }
    body.update(overrides)
    return body


def written() -> tuple[int, int, int, int]:
    return Need.objects.count(), NeedItem.objects.count(), Beneficiary.objects.count(), AuditEvent.objects.count()


def state(need: Need) -> tuple[Any, ...]:
    fresh = Need.objects.get(pk=need.pk)
    return fresh.status, fresh.status_reason, fresh.description, fresh.verified_by_id, fresh.updated_at


# ---- areas and catalogue ------------------------------------------------------------------


def test_areas_without_a_parent_lists_the_current_provinces(cast: Cast) -> None:
    response = Api().get("/areas")

    assert response.status_code == 200
    assert response.json() == [
        {"code": "46", "name": "Thành phố Huế", "level": "province", "division_type": "thành phố", "parent": None},
        {"code": "44", "name": "Tỉnh Quảng Trị", "level": "province", "division_type": "tỉnh", "parent": None},
    ]


def test_areas_of_a_province_lists_its_communes_with_codes_and_names(cast: Cast) -> None:
    response = Api().get("/areas", parent="44")

    assert response.status_code == 200
    assert response.json() == [
        {"code": "19333", "name": "Phường Đông Hà", "level": "commune", "division_type": "phường", "parent": "44"},
        {"code": "19495", "name": "Xã Gio Linh", "level": "commune", "division_type": "xã", "parent": "44"},
    ]


def test_areas_of_a_commune_lists_its_villages(cast: Cast) -> None:
    village_create(commune=cast.commune_a, code="19333-01", name="Khu phố 1")

    response = Api().get("/areas", parent="19333")

    assert [(a["code"], a["name"], a["level"]) for a in response.json()] == [("19333-01", "Khu phố 1", "village")]


def test_areas_of_an_unknown_parent_is_not_found(cast: Cast) -> None:
    assert_error(Api().get("/areas", parent="4455"), 404, "not_found")


def test_the_catalogue_lists_active_items_with_codes_units_and_categories(cast: Cast) -> None:
    CatalogueItem.objects.filter(code="tarpaulin").update(active=False)

    items = {i["code"]: i for i in Api().get("/catalogue").json()}

    assert items["rice"]["unit"] == "kg"
    assert items["rice"]["category"] == "food-water"
    assert (items["rice"]["name_vi"], items["rice"]["name_en"]) == ("Gạo", "Rice")
    assert items["roofing-sheet"]["unit"] == "sheet"
    assert items["cash-house-repair"]["unit"] == "vnd"
    assert items["cash-house-repair"]["category"] == "cash"
    assert "tarpaulin" not in items
    assert {i["category"] for i in items.values()} == {
        "cash",
        "building-materials",
        "household-goods",
        "food-water",
        "seedlings-livestock",
        "school-supplies",
        "medicine-health",
        "clothing",
    }


def test_the_catalogue_names_items_in_the_callers_language(cast: Cast) -> None:
    def rice(api: Api) -> dict[str, Any]:
        return next(i for i in api.get("/catalogue").json() if i["code"] == "rice")

    assert rice(Api(language="vi"))["name"] == "Gạo"
    assert rice(Api(language="vi"))["category_name"] == "Lương thực, nước uống"
    assert rice(Api(language="en"))["name"] == "Rice"
    assert rice(Api())["name"] == "Rice"


# ---- public needs -------------------------------------------------------------------------


@pytest.fixture
def published(cast: Cast, make_need: Any) -> dict[str, Need]:
    return {
        "dong_ha": make_need("verified"),
        "gio_linh": make_need(
            "verified",
            creator=cast.officer_b,
            verifier=cast.province_member,
            area=cast.commune_b,
            urgency="critical",
            description="Nhà ngập sâu, cần tiền sửa nhà.",
            items=[NeedItemData("cash-house-repair", 15_000_000)],
        ),
        "community": make_need(
            "verified",
            kind="community",
            urgency="low",
            description="Nhà văn hóa khu phố bị ngập, cần bạt che.",
            items=[NeedItemData("tarpaulin", 12)],
            beneficiary=None,
        ),
        "draft": make_need("draft"),
        "submitted": make_need("submitted"),
        "rejected": make_need("rejected"),
        "cancelled": make_need("cancelled"),
    }


def listed(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [n["code"] for n in response.json()["items"]]


def test_the_need_list_has_items_and_a_count_of_published_needs_only(published: dict[str, Need]) -> None:
    response = Api().get("/needs")

    body = response.json()
    assert set(body) == {"items", "count"}
    assert body["count"] == 3
    assert listed(response) == [published["gio_linh"].code, published["dong_ha"].code, published["community"].code]


def test_each_listed_need_shows_item_unit_quantity_and_remaining(published: dict[str, Need]) -> None:
    need = next(n for n in Api().get("/needs").json()["items"] if n["code"] == published["dong_ha"].code)

    assert [{k: i[k] for k in ("item", "unit", "quantity", "remaining")} for i in need["items"]] == [
        {"item": "roofing-sheet", "unit": "sheet", "quantity": 30, "remaining": 30},
        {"item": "rice", "unit": "kg", "quantity": 50.5, "remaining": 50.5},
    ]
    assert need["area"] == {"code": "19333", "name": "Phường Đông Hà"}
    assert need["province"] == {"code": "44", "name": "Tỉnh Quảng Trị"}
    assert need["status"] == "verified"
    assert need["kind"] == "household"
    # A household's point is public only to about a kilometre.
    assert need["location"] == {"lat": 16.82, "lng": 107.1}


def test_money_is_listed_in_whole_dong(published: dict[str, Need]) -> None:
    need = Api().get(f"/needs/{published['gio_linh'].code}").json()
    assert need["items"] == [
        {
            "id": published["gio_linh"].items.get().pk,
            "item": "cash-house-repair",
            "item_name": "Cash for house repair",
            "category": "cash",
            "unit": "vnd",
            "unit_label": "VND",
            "quantity": 15_000_000,
            "remaining": 15_000_000,
            "pledged": 0,
            "delivered": 0,
            "confirmed": 0,
        }
    ]


@pytest.mark.parametrize("q", ["dong ha", "ĐÔNG HÀ", "Đông Hà"])
def test_the_q_filter_ignores_diacritics_and_case(published: dict[str, Need], q: str) -> None:
    assert sorted(listed(Api().get("/needs", q=q))) == sorted([published["dong_ha"].code, published["community"].code])


def test_the_q_filter_finds_a_code_typed_without_d_with_stroke(published: dict[str, Need]) -> None:
    code = published["dong_ha"].code
    assert listed(Api().get("/needs", q=code.replace("Đ", "D"))) == [code]


def test_the_area_filter_takes_a_province_or_a_commune(published: dict[str, Need], cast: Cast) -> None:
    assert set(listed(Api().get("/needs", area="44"))) == {
        published["dong_ha"].code,
        published["gio_linh"].code,
        published["community"].code,
    }
    assert listed(Api().get("/needs", area="19495")) == [published["gio_linh"].code]
    assert listed(Api().get("/needs", area="46")) == []


def test_the_category_urgency_and_status_filters(published: dict[str, Need]) -> None:
    assert listed(Api().get("/needs", category="cash")) == [published["gio_linh"].code]
    assert listed(Api().get("/needs", category="building-materials")) == [
        published["dong_ha"].code,
        published["community"].code,
    ]
    assert listed(Api().get("/needs", urgency="low")) == [published["community"].code]
    assert len(listed(Api().get("/needs", status="verified"))) == 3
    for status in ["draft", "submitted", "rejected", "cancelled"]:
        response = Api().get("/needs", status=status)
        assert listed(response) == []
        assert response.json()["count"] == 0


def test_limit_and_offset_page_through_the_list(published: dict[str, Need]) -> None:
    everything = listed(Api().get("/needs"))

    first = Api().get("/needs", limit=2)
    second = Api().get("/needs", limit=2, offset=2)
    beyond = Api().get("/needs", limit=2, offset=10)

    assert listed(first) + listed(second) == everything
    assert len(listed(first)) == 2
    assert [r.json()["count"] for r in (first, second, beyond)] == [3, 3, 3]
    assert listed(beyond) == []


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"offset": -1}, {"limit": "many"}])
def test_a_bad_limit_or_offset_is_refused_with_the_field_named(published: dict[str, Need], params: dict[str, Any]) -> None:
    error = assert_error(Api().get("/needs", **params), 422, "invalid")
    assert set(error["fields"]) == set(params)


def test_one_published_need_by_its_code_with_or_without_d_with_stroke(published: dict[str, Need]) -> None:
    code = published["dong_ha"].code

    for asked in [code, code.replace("Đ", "D"), code.lower()]:
        response = Api().get(f"/needs/{asked}")
        assert response.status_code == 200
        assert response.json()["code"] == code
        assert response.json()["description"] == "Nhà bị tốc mái sau lũ, cần tôn lợp và gạo."


@pytest.mark.parametrize("status", ["draft", "submitted", "rejected", "cancelled"])
def test_an_unpublished_need_is_not_found_in_public(published: dict[str, Need], status: str) -> None:
    assert_error(Api().get(f"/needs/{published[status].code}"), 404, "not_found")


def test_even_an_officer_in_scope_does_not_see_unpublished_needs_through_the_public_endpoints(
    published: dict[str, Need], cast: Cast
) -> None:
    api = as_(cast, "verifier")
    assert_error(api.get(f"/needs/{published['submitted'].code}"), 404, "not_found")
    assert published["submitted"].code not in listed(api.get("/needs"))


def test_no_public_need_response_contains_personal_data(published: dict[str, Need]) -> None:
    # Api.get asserts on every response; the listing must also not carry any personal field.
    body = Api().get("/needs", limit=100).json()
    for need in body["items"]:
        assert not {"beneficiary", "full_name", "id_number", "phone", "address"} & set(need)
    for need in published.values():
        Api().get(f"/needs/{need.code}")


# ---- schema and docs ----------------------------------------------------------------------


def test_the_openapi_schema_describes_the_endpoints(cast: Cast) -> None:
    response = Client().get(f"{API}/openapi.json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Cuutro API"
    assert {
        "/api/v1/areas",
        "/api/v1/catalogue",
        "/api/v1/needs",
        "/api/v1/needs/{code}",
        "/api/v1/me",
        "/api/v1/needs/{code}/{action}",
    } <= set(schema["paths"])
    assert "post" in schema["paths"]["/api/v1/needs"]
    assert any(s.get("scheme") == "bearer" for s in schema["components"]["securitySchemes"].values())


def test_the_public_output_shapes_in_the_schema_have_no_personal_fields(cast: Cast) -> None:
    components = Client().get(f"{API}/openapi.json").json()["components"]["schemas"]
    for name in ["NeedOut", "NeedItemOut", "NeedListOut", "OfficerNeedOut"]:
        properties = set(components[name]["properties"])
        assert not {"beneficiary", "full_name", "id_number", "phone", "address"} & properties, name


def test_the_browsable_docs_are_served(cast: Cast) -> None:
    response = Client().get(f"{API}/docs")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "swagger" in response.content.decode().lower()
    assert "openapi.json" in response.content.decode()


# ---- /me and tokens -----------------------------------------------------------------------


def test_me_tells_the_token_owner_their_username_and_roles_with_area_codes(cast: Cast) -> None:
    response = as_(cast, "officer").get("/me")

    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "officer"
    assert body["name"] == "Cán bộ A"
    assert [(r["role"], r["area"], r["area_name"]) for r in body["roles"]] == [("commune_officer", "19333", "Phường Đông Hà")]


def test_me_for_a_province_member_and_an_organisation_member(cast: Cast) -> None:
    province = as_(cast, "province_member").get("/me").json()
    org = as_(cast, "org_member").get("/me").json()
    outsider = as_(cast, "outsider").get("/me").json()

    assert [(r["role"], r["area"]) for r in province["roles"]] == [("province_committee", "44")]
    assert [(r["role"], r["area"], r["organisation"]) for r in org["roles"]] == [("org_member", None, "Hội Chữ thập đỏ Thử nghiệm")]
    assert (outsider["username"], outsider["roles"]) == ("outsider", [])


@pytest.mark.parametrize("header", [None, "Bearer ", "Bearer cuu_not-a-real-token", "Basic b2ZmaWNlcjpwdw=="])
def test_me_without_a_valid_token_is_unauthenticated(cast: Cast, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    response = Client().get(f"{API}/me", headers=headers)
    assert_error(response, 401, "unauthenticated")


def test_a_revoked_token_no_longer_works(cast: Cast) -> None:
    secret = cast.token_for(cast.officer)
    assert Api(secret).get("/me").status_code == 200

    token_revoke(token=ApiToken.objects.get(user=cast.officer))

    assert_error(Api(secret).get("/me"), 401, "unauthenticated")
    assert_error(Api(secret).post("/needs", new_need_body(cast)), 401, "unauthenticated")
    assert Need.objects.count() == 0


def test_the_token_of_a_deactivated_user_no_longer_works(cast: Cast) -> None:
    secret = cast.token_for(cast.officer)
    cast.officer.is_active = False
    cast.officer.save()

    assert_error(Api(secret).get("/me"), 401, "unauthenticated")


def test_a_logged_in_browser_session_is_not_a_token(cast: Cast) -> None:
    client = cast.client_for(cast.officer)
    response = client.post(f"{API}/needs", json.dumps(new_need_body(cast)), content_type="application/json")
    assert_error(response, 401, "unauthenticated")
    assert Need.objects.count() == 0


# ---- writes -------------------------------------------------------------------------------


def test_an_officer_records_a_need_with_the_documented_body(cast: Cast) -> None:
    response = as_(cast, "officer").post("/needs", new_need_body(cast))

    assert response.status_code == 201, response.content
    body = response.json()
    need = Need.objects.get()
    assert body["code"] == need.code
    assert body["code"].startswith("HGĐ-")
    assert body["status"] == "draft"
    assert body["area"] == {"code": "19333", "name": "Phường Đông Hà"}
    assert [(i["item"], i["unit"], i["quantity"], i["remaining"]) for i in body["items"]] == [
        ("roofing-sheet", "sheet", 30, 30),
        ("rice", "kg", 10.5, 10.5),
    ]
    assert need.created_by == cast.officer
    assert need.beneficiary.full_name == SECRET_NAME
    assert need.beneficiary.id_number == SECRET_ID
    assert [(i.item.code, i.quantity) for i in need.items.all()] == [("roofing-sheet", 30), ("rice", Decimal("10.5"))]


def test_a_need_can_be_recorded_and_submitted_at_once(cast: Cast) -> None:
    response = as_(cast, "officer").post("/needs", new_need_body(cast, submit=True))

    assert response.status_code == 201
    assert response.json()["status"] == "submitted"
    assert Need.objects.get().status == NeedStatus.SUBMITTED


def test_the_full_workflow_through_the_api(cast: Cast) -> None:
    officer, verifier = as_(cast, "officer"), as_(cast, "verifier")
    code = officer.post("/needs", new_need_body(cast)).json()["code"]

    submitted = officer.post(f"/needs/{code}/submit")
    rejected = verifier.post(f"/needs/{code}/reject", {"reason": "Thiếu ảnh mái nhà"})
    edited = officer.put(f"/needs/{code}", new_need_body(cast, description="Mái tôn bị tốc hoàn toàn.", submit=True))
    verified = verifier.post(f"/needs/{code}/verify")

    assert [r.status_code for r in (submitted, rejected, edited, verified)] == [200, 200, 200, 200]
    assert submitted.json()["status"] == "submitted"
    assert (rejected.json()["status"], rejected.json()["status_reason"]) == ("rejected", "Thiếu ảnh mái nhà")
    assert (edited.json()["status"], edited.json()["description"]) == ("submitted", "Mái tôn bị tốc hoàn toàn.")
    assert verified.json()["status"] == "verified"
    public = Api().get(f"/needs/{code}")
    assert public.status_code == 200
    assert public.json()["description"] == "Mái tôn bị tốc hoàn toàn."


def test_a_transition_needs_no_body_when_no_reason_is_required(cast: Cast, make_need: Any) -> None:
    need = make_need("submitted")
    token = cast.token_for(cast.verifier)

    # What `curl -X POST -H "Authorization: Bearer …" …/verify` sends: no body at all.
    response = Client().generic("POST", url(f"/needs/{need.code}/verify"), headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 200, response.content
    assert Need.objects.get(pk=need.pk).status == NeedStatus.VERIFIED


def test_a_need_is_cancelled_with_a_reason(cast: Cast, make_need: Any) -> None:
    need = make_need("verified")

    response = as_(cast, "officer").post(f"/needs/{need.code}/cancel", {"reason": "Hộ đã chuyển đi nơi khác"})

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["status_reason"]) == ("cancelled", "Hộ đã chuyển đi nơi khác")
    assert_error(Api().get(f"/needs/{need.code}"), 404, "not_found")


@pytest.mark.parametrize("action", ["reject", "cancel"])
def test_rejecting_or_cancelling_without_a_reason_is_invalid(cast: Cast, make_need: Any, action: str) -> None:
    need = make_need("submitted")
    before = state(need)

    error = assert_error(as_(cast, "verifier").post(f"/needs/{need.code}/{action}", {"reason": "  "}), 422, "invalid")

    assert list(error["fields"]) == ["reason"]
    assert state(need) == before


def test_an_unknown_action_is_not_found(cast: Cast, make_need: Any) -> None:
    need = make_need("submitted")
    assert_error(as_(cast, "verifier").post(f"/needs/{need.code}/publish"), 404, "not_found")
    assert Need.objects.get(pk=need.pk).status == NeedStatus.SUBMITTED


# ---- errors: invalid input, scope, four eyes, state ---------------------------------------


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"items": []}, {"items"}),
        ({"kind": "family"}, {"kind"}),
        ({"urgency": "now"}, {"urgency"}),
        ({"items": [{"item": "rice", "quantity": "lots"}]}, {"items.0.quantity"}),
        ({"area": None}, {"area"}),
    ],
)
def test_a_body_that_breaks_the_schema_is_invalid_and_writes_nothing(cast: Cast, overrides: dict[str, Any], fields: set[str]) -> None:
    api = as_(cast, "officer")  # creating the token writes an audit event: do it first
    before = written()

    error = assert_error(api.post("/needs", new_need_body(cast, **overrides)), 422, "invalid")

    assert set(error["fields"]) == fields
    assert written() == before


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"items": [{"item": "gold-bar", "quantity": 1}]}, {"items.0.item"}),
        ({"items": [{"item": "rice", "quantity": 0}]}, {"items.0.quantity"}),
        ({"items": [{"item": "cash-house-repair", "quantity": 1000.5}]}, {"items.0.quantity"}),
        ({"items": [{"item": "rice", "quantity": 1}, {"item": "rice", "quantity": 2}]}, {"items.1.item"}),
        ({"area": "44"}, {"area"}),
        ({"beneficiary": None}, {"beneficiary.full_name"}),
        ({"description": f"Liên hệ {SECRET_PHONE}"}, {"description"}),
        ({"latitude": 16.8, "longitude": None}, {"location"}),
        ({"campaign": "lu-2099"}, {"campaign"}),
    ],
)
def test_a_body_the_service_refuses_is_invalid_with_field_details_and_writes_nothing(
    cast: Cast, overrides: dict[str, Any], fields: set[str]
) -> None:
    api = as_(cast, "officer")  # creating the token writes an audit event: do it first
    before = written()

    error = assert_error(api.post("/needs", new_need_body(cast, **overrides)), 422, "invalid")

    assert set(error["fields"]) == fields
    assert all(messages and all(isinstance(m, str) and m for m in messages) for messages in error["fields"].values())
    assert written() == before


def test_a_body_that_is_not_json_is_refused_and_writes_nothing(cast: Cast) -> None:
    api = as_(cast, "officer")
    before = written()
    assert_error(api.post("/needs", raw="{not json"), 400, "error")
    assert written() == before


def test_an_officer_cannot_record_a_need_in_another_commune(cast: Cast) -> None:
    api = as_(cast, "officer_b")
    before = written()
    assert_error(api.post("/needs", new_need_body(cast)), 403, "forbidden")
    assert written() == before


@pytest.mark.parametrize("who", ["org_member", "donor", "outsider"])
def test_a_person_without_an_official_role_cannot_record_a_need(cast: Cast, who: str) -> None:
    api = as_(cast, who)
    before = written()
    assert_error(api.post("/needs", new_need_body(cast)), 403, "forbidden")
    assert written() == before


@pytest.mark.parametrize("action", ["submit", "verify", "reject", "cancel"])
def test_an_officer_of_another_commune_gets_not_found_for_a_need_outside_their_scope(cast: Cast, make_need: Any, action: str) -> None:
    need = make_need("submitted" if action != "submit" else "draft")
    before = state(need)

    error = assert_error(as_(cast, "officer_b").post(f"/needs/{need.code}/{action}", {"reason": "Sai"}), 404, "not_found")

    assert error["fields"] == {}
    assert state(need) == before


def test_an_officer_of_another_commune_cannot_edit_a_need_outside_their_scope(cast: Cast, make_need: Any) -> None:
    need = make_need("draft")
    before = state(need)

    assert_error(as_(cast, "officer_b").put(f"/needs/{need.code}", new_need_body(cast, description="Sửa")), 404, "not_found")

    assert state(need) == before


def test_the_404_for_another_communes_need_is_the_same_as_for_a_need_that_does_not_exist(cast: Cast, make_need: Any) -> None:
    need = make_need("submitted")
    api = as_(cast, "officer_b")

    theirs = api.post(f"/needs/{need.code}/verify")
    missing = api.post("/needs/HGĐ-ZZZZZ/verify")

    assert (theirs.status_code, theirs.json()) == (missing.status_code, missing.json())


@pytest.mark.parametrize("action", ["verify", "reject"])
def test_the_creator_verifying_or_rejecting_their_own_need_is_forbidden(cast: Cast, make_need: Any, action: str) -> None:
    need = make_need("submitted")
    before = state(need)

    assert_error(as_(cast, "officer").post(f"/needs/{need.code}/{action}", {"reason": "Tự duyệt"}), 403, "forbidden")

    assert state(need) == before


@pytest.mark.parametrize(
    ("status", "action"),
    [("draft", "verify"), ("verified", "verify"), ("verified", "submit"), ("cancelled", "cancel"), ("draft", "reject")],
)
def test_a_transition_from_the_wrong_state_is_a_conflict(cast: Cast, make_need: Any, status: str, action: str) -> None:
    need = make_need(status)
    before = state(need)
    api = as_(cast, "officer" if action in {"submit", "cancel"} else "verifier")

    assert_error(api.post(f"/needs/{need.code}/{action}", {"reason": "Lý do"}), 409, "conflict")

    assert state(need) == before


def test_editing_a_verified_need_is_a_conflict(cast: Cast, make_need: Any) -> None:
    need = make_need("verified")
    before = state(need)

    assert_error(as_(cast, "officer").put(f"/needs/{need.code}", new_need_body(cast, description="Sửa")), 409, "conflict")

    assert state(need) == before


# ---- language of errors -------------------------------------------------------------------


def vietnamese(msgid: str) -> str:
    with translation.override("vi"):
        return gettext(msgid)


@pytest.mark.parametrize(
    ("request_", "msgid"),
    [
        (lambda cast, need: Api(language="vi").get("/needs/HGĐ-ZZZZZ"), "Not found."),
        (lambda cast, need: Api(language="vi").get("/me"), "A valid bearer token is required."),
        (
            lambda cast, need: as_(cast, "officer", "vi").post(f"/needs/{need.code}/verify"),
            "You recorded, edited or submitted this need, so another officer must verify it.",
        ),
        (
            lambda cast, need: as_(cast, "officer", "vi").post("/needs", new_need_body(cast, area="44")),
            "The request is not valid. Check the fields listed.",
        ),
    ],
)
def test_error_messages_are_in_vietnamese_when_the_caller_asks_for_it(cast: Cast, make_need: Any, request_: Any, msgid: str) -> None:
    need = make_need("submitted")

    response = request_(cast, need)

    message = response.json()["error"]["message"]
    assert message != msgid, "the message was not translated"
    assert message == vietnamese(msgid)
    assert response["Content-Language"] == "vi"


def test_field_messages_are_in_vietnamese_too(cast: Cast) -> None:
    response = as_(cast, "officer", "vi").post("/needs", new_need_body(cast, area="44"))

    assert response.json()["error"]["fields"]["area"] == [vietnamese("Choose a commune or ward that exists today.")]
    assert response.json()["error"]["fields"]["area"] != ["Choose a commune or ward that exists today."]


@pytest.mark.parametrize("language", [None, "en", "en-US,en;q=0.9", "fr", "fr, vi;q=0.5", "*"])
def test_error_messages_are_in_english_otherwise(cast: Cast, language: str | None) -> None:
    response = Api(language=language).get("/needs/HGĐ-ZZZZZ")

    assert response.json()["error"]["message"] == "Not found."
    assert response["Content-Language"] == "en"


@pytest.mark.parametrize("language", ["vi", "vi-VN", "vi-VN,vi;q=0.9,en;q=0.8", "en;q=0.5, vi"])
def test_vietnamese_is_chosen_from_any_accept_language_that_prefers_it(cast: Cast, language: str) -> None:
    response = Api(language=language).get("/needs/HGĐ-ZZZZZ")

    assert response["Content-Language"] == "vi"
    assert response.json()["error"]["message"] == vietnamese("Not found.")
