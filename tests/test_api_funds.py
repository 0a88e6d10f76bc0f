"""/api/v1/funds, /ledger/head and /trace: the ledger as JSON, with the page's filters; a cash
pledge's reference and VietQR in the pledge API."""

from __future__ import annotations

from datetime import UTC, date
from typing import Any

import pytest
from django.test import Client

from cuutro.funds.models import Fund, LedgerEntry
from cuutro.lib.vietqr import parse
from cuutro.needs.services import NeedItemData
from tests.conftest import Cast
from tests.test_api import Api, as_, assert_error
from tests.test_public_ledger import RAW_ACCOUNTS, Books, make_books, need_url

ENTRY_FIELDS = {
    "seq", "fund", "kind", "kind_label", "direction", "amount", "item", "item_name", "quantity", "unit", "booked_on",
    "counterparty", "counterparty_account", "memo", "reference", "pledge", "need", "need_url", "organisation", "bank_ref",
    "document_sha256", "reverses", "reversed_by", "recorded_at", "prev_hash", "hash", "url",
}  # fmt: skip


@pytest.fixture
def books(cast: Cast, make_need: Any, make_pledge: Any) -> Books:
    return make_books(cast, make_need, make_pledge)


def listed(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["seq"] for item in response.json()["items"]]


def seq_of(books: Books, *keys: str) -> list[int]:
    return [books.e[k].seq for k in keys]


# ---- funds ------------------------------------------------------------------------------------


def test_the_fund_list_gives_accounts_totals_and_a_vietqr_that_decodes(books: Books) -> None:
    response = Api().get("/funds")
    assert response.status_code == 200
    funds = {f["code"]: f for f in response.json()}
    assert set(funds) == {"lu-2020", "quy-chung", "quy-moi"}
    flood = funds["lu-2020"]
    assert flood["bank"] == {"code": "vcb", "name": "Vietcombank (Ngân hàng TMCP Ngoại thương Việt Nam)", "bin": "970436"}
    assert (flood["account_number"], flood["account_name"]) == ("0011001234567", "UB MTTQ VN TINH QUANG TRI")
    assert (flood["money_in"], flood["money_out"], flood["balance"]) == (5_650_000, 3_000_000, 2_650_000)
    assert flood["campaign"] == {"code": "lu-10-2020", "name": "Lũ tháng 10/2020"}
    assert (flood["opens_on"], flood["closes_on"], flood["is_default"], flood["receiving"]) == ("2020-10-06", None, False, True)
    assert flood["url"] == "/funds/lu-2020/"
    standing = parse(flood["vietqr"])
    assert (standing.bin, standing.account, standing.amount, standing.memo) == ("970436", "0011001234567", None, "")
    general = funds["quy-chung"]
    assert (general["balance"], general["closes_on"], general["is_default"], general["receiving"]) == (300_000, "2020-12-31", True, False)
    assert parse(funds["quy-chung"]["vietqr"]).bin == "970418"
    assert (funds["quy-moi"]["money_in"], funds["quy-moi"]["money_out"], funds["quy-moi"]["balance"]) == (0, 0, 0)


def test_one_fund_and_an_unknown_one(books: Books) -> None:
    one = Api().get("/funds/quy-chung").json()
    assert (one["code"], one["money_in"], one["bank"]["bin"]) == ("quy-chung", 300_000, "970418")
    assert_error(Api().get("/funds/no-such-fund"), 404, "not_found")
    assert_error(Api().get("/funds/no-such-fund/entries"), 404, "not_found")


# ---- entries ----------------------------------------------------------------------------------


def test_entries_come_newest_first_with_every_public_field(books: Books) -> None:
    body = Api().get("/funds/lu-2020/entries").json()
    assert set(body) == {"items", "count"} and body["count"] == 6
    assert [i["seq"] for i in body["items"]] == seq_of(books, "undo", "given", "anh", "abc", "binh", "an")
    items = {i["seq"]: i for i in body["items"]}
    assert all(set(i) == ENTRY_FIELDS for i in body["items"])
    an = items[books.e["an"].seq]
    assert (an["kind"], an["direction"], an["amount"], an["booked_on"]) == ("credit", "in", 3_000_000, "2020-10-12")
    assert (an["counterparty"], an["counterparty_account"]) == ("NGUYỄN VĂN AN", "••••3456")
    assert (an["reference"], an["pledge"]) == (books.pledge.code_key, books.pledge.code)
    assert an["hash"] == books.e["an"].hash and an["prev_hash"] == books.e["an"].prev_hash
    given = items[books.e["given"].seq]
    assert (given["kind"], given["direction"], given["need"]) == ("disbursement", "out", books.need.code)
    assert given["need_url"] == need_url(books.need.code) and given["document_sha256"] == "ab" * 32
    undo, binh = items[books.e["undo"].seq], items[books.e["binh"].seq]
    assert (undo["reverses"], binh["reversed_by"], undo["kind"], undo["amount"]) == (binh["seq"], undo["seq"], "reversal", 2_000_000)
    assert undo["url"] == f"/ledger/entries/{undo['seq']}/"


def test_goods_entries_carry_item_quantity_and_unit(books: Books) -> None:
    items = Api().get("/funds/quy-chung/entries").json()["items"]
    rice = next(i for i in items if i["seq"] == books.e["rice"].seq)
    assert (rice["amount"], rice["item"], rice["quantity"], rice["unit"], rice["kind"]) == (None, "rice", 100, "kg", "goods_in")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "nguyen van an"}, ["an"]),
        ({"q": "NGUYỄN văn"}, ["anh", "an"]),
        ({"q": "dong bao"}, ["an"]),
        ({"amount": 500_000}, ["anh"]),
        ({"amount": "500.000"}, ["anh"]),  # as printed on the page
        ({"amount": 2_000_000}, ["undo", "binh"]),
        ({"date_from": "2020-10-13", "date_to": "2020-10-14"}, ["abc", "binh"]),
        ({"date_from": "2020-10-15"}, ["undo", "given", "anh"]),
        ({"reference": "ct-{code}"}, ["an"]),
        ({"account": "8877"}, ["abc"]),
        ({"direction": "out"}, ["undo", "given"]),
        ({"q": "ung ho", "date_to": "2020-10-13"}, ["binh", "an"]),
    ],
)
def test_entries_filter_like_the_page(books: Books, params: dict[str, Any], expected: list[str]) -> None:
    params = {k: (v.format(code=books.pledge.code_key[2:]) if isinstance(v, str) else v) for k, v in params.items()}
    response = Api().get("/funds/lu-2020/entries", **params)
    assert listed(response) == seq_of(books, *expected)
    assert response.json()["count"] == len(expected)


def test_limit_and_offset_window_the_entries(books: Books) -> None:
    everything = listed(Api().get("/funds/lu-2020/entries"))
    window = Api().get("/funds/lu-2020/entries", limit=2, offset=3).json()
    assert [i["seq"] for i in window["items"]] == everything[3:5] and window["count"] == 6
    assert listed(Api().get("/funds/lu-2020/entries", offset=6)) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"amount": "năm trăm"}, "amount"),
        ({"amount": 0}, "amount"),
        ({"date_from": "13/10/2020"}, "date_from"),
        ({"direction": "sideways"}, "direction"),
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"offset": -1}, "offset"),
        # The portal's form checks these too; the API reads its query with the same form.
        ({"date_from": "2020-10-15", "date_to": "2020-10-13"}, "date_to"),
        ({"account": "12"}, "account"),
        ({"reference": "CT " + "7" * 40}, "reference"),
    ],
)
def test_bad_filters_are_refused_with_the_field_named(books: Books, params: dict[str, Any], field: str) -> None:
    error = assert_error(Api().get("/funds/lu-2020/entries", **params), 422, "invalid")
    assert set(error["fields"]) == {field}


def test_the_api_and_the_ledger_page_refuse_a_filter_with_the_same_message(books: Books) -> None:
    from django.test import Client

    query = {"date_from": "2020-10-15", "date_to": "2020-10-13", "account": "12"}
    for language in ("vi", "en"):
        fields = assert_error(Api(language=language).get("/funds/lu-2020/entries", **query), 422, "invalid")["fields"]
        page = Client().get("/funds/lu-2020/", query, headers={"Accept-Language": language})
        assert page.status_code == 200
        shown = page.content.decode()
        assert set(fields) == {"date_to", "account"}
        for messages in fields.values():
            assert messages and all(message in shown for message in messages)


# ---- the chain's head -----------------------------------------------------------------------------


def test_the_head_and_the_daily_heads_are_the_stored_hashes(books: Books) -> None:
    body = Api().get("/ledger/head").json()
    entries = list(LedgerEntry.objects.order_by("seq"))
    assert (body["seq"], body["hash"]) == (entries[-1].seq, entries[-1].hash)
    last_of_day: dict[str, LedgerEntry] = {}
    for entry in entries:
        last_of_day[entry.recorded_at.astimezone(UTC).date().isoformat()] = entry
    assert body["daily"] == [
        {"date": day, "seq": last_of_day[day].seq, "hash": last_of_day[day].hash} for day in sorted(last_of_day, reverse=True)
    ]


def test_the_head_of_an_empty_ledger(db: Any) -> None:
    assert Api().get("/ledger/head").json() == {"seq": 0, "hash": "0" * 64, "daily": []}


# ---- trace ------------------------------------------------------------------------------------


def test_the_trace_of_a_reference(books: Books) -> None:
    body = Api().get(f"/trace/{books.pledge.transfer_reference}").json()
    assert body["reference"] == books.pledge.transfer_reference
    assert body["pledge"]["code"] == books.pledge.code and body["pledge"]["donor_name"] == "Nhà hảo tâm"
    assert body["need"] == {"code": books.need.code, "url": need_url(books.need.code)}
    assert (body["is_cash"], body["pledged_amount"], body["amount_received"], body["paid"]) == (True, 3_000_000, 3_000_000, True)
    assert [e["seq"] for e in body["received"]] == seq_of(books, "an")
    assert [e["seq"] for e in body["disbursements"]] == seq_of(books, "given")
    assert [(s["step"], s["done"]) for s in body["steps"]] == [
        ("received", True), ("allocated", True), ("delivered", False), ("confirmed", False),
    ]  # fmt: skip
    assert body["steps"][0]["at"] == "2020-10-12" and body["steps"][0]["label"] == "Received by the fund"
    # Any spacing or case finds the same trail.
    assert Api().get(f"/trace/{books.pledge.code_key.lower()}").json()["received"] == body["received"]


def test_the_trace_of_an_unknown_reference_is_not_found(books: Books) -> None:
    assert_error(Api().get("/trace/CTZZZZZZ"), 404, "not_found")


# ---- a cash pledge in the pledge API ------------------------------------------------------------


def test_a_cash_pledge_carries_its_reference_and_a_vietqr_for_the_funds_account(books: Books, cast: Cast) -> None:
    cash = books.need.items.get(item__code="cash-house-repair")
    response = as_(cast, "donor").post("/pledges", {"need_item": cash.pk, "quantity": 1_500_000})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reference"] == body["code"].replace("-", " ")
    assert (body["amount_received"], body["paid"]) == (0, False)
    qr = parse(body["vietqr"])
    assert (qr.bin, qr.account, qr.amount, qr.memo) == ("970436", "0011001234567", 1_500_000, body["reference"])
    paid = as_(cast, "donor").get(f"/pledges/{books.pledge.code}").json()
    assert (paid["amount_received"], paid["paid"]) == (3_000_000, True)
    mine = as_(cast, "donor").get("/pledges").json()["items"]
    assert {p["code"]: p["reference"] for p in mine}[body["code"]] == body["reference"]


def test_a_goods_pledge_or_one_without_a_fund_has_no_transfer(cast: Cast, make_need: Any, make_pledge: Any) -> None:
    need = make_need("verified", items=[NeedItemData("cash-house-repair", "5.000.000"), NeedItemData("rice", 50)])
    cash = make_pledge(need, item="cash-house-repair", quantity=1_000_000)  # no campaign fund, no default fund
    goods = make_pledge(need, item="rice", quantity=5)
    api = as_(cast, "donor")
    for pledge in (cash, goods):
        body = api.get(f"/pledges/{pledge.code}").json()
        assert (body["reference"], body["vietqr"], body["amount_received"], body["paid"]) == (None, None, None, None)
    Fund.objects.create(code="chung", name="Quỹ chung", bank="bidv", account_number="12010000123456", account_name="UB",
                        opens_on=date(2020, 1, 1), is_default=True)  # fmt: skip
    now = api.get(f"/pledges/{cash.code}").json()
    assert parse(now["vietqr"]).account == "12010000123456" and parse(now["vietqr"]).amount == 1_000_000
    assert api.get(f"/pledges/{goods.code}").json()["vietqr"] is None


def test_the_openapi_schema_documents_the_ledger(db: Any) -> None:
    paths = Api().get("/openapi.json").json()["paths"]
    for path in ("/funds", "/funds/{code}", "/funds/{code}/entries", "/ledger/head", "/trace/{reference}"):
        assert set(paths["/api/v1" + path]) == {"get"}, path
    parameters = {p["name"] for p in paths["/api/v1/funds/{code}/entries"]["get"]["parameters"]}
    assert {"q", "amount", "date_from", "date_to", "reference", "account", "direction", "limit", "offset"} <= parameters


def test_no_full_account_number_in_any_answer(books: Books) -> None:
    for path in ("/funds", "/funds/lu-2020/entries?limit=100", "/funds/quy-chung/entries", f"/trace/{books.pledge.code_key}"):
        text = Api().client.get("/api/v1" + path).content.decode()
        for number in RAW_ACCOUNTS.values():
            assert number not in text and number[:-4] not in text, (number, path)


def test_the_count_stops_at_the_cap_but_paging_goes_on(books: Books, monkeypatch: pytest.MonkeyPatch) -> None:
    from cuutro.funds import selectors

    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    everything = seq_of(books, "undo", "given", "anh", "abc", "binh", "an")
    first = Api().get("/funds/lu-2020/entries", limit=2).json()
    assert first["count"] == 3 and [i["seq"] for i in first["items"]] == everything[:2]
    assert listed(Api().get("/funds/lu-2020/entries", limit=3, offset=3)) == everything[3:]
    assert listed(Api().get("/funds/lu-2020/entries", amount=500_000)) == seq_of(books, "anh")  # under the cap: exact
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get("/funds/lu-2020/").content.decode()
    assert "3 or more entries" in page
