"""The officials' pages: import a statement, decide the credits left for review. Who may, who may
not (a commune officer, a donor, another province), and that every decision is audited."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import include, path, reverse
from django.utils import translation

import cuutro.urls
from cuutro.accounts.models import Role
from cuutro.accounts.services import role_assign
from cuutro.audit.models import AuditEvent
from cuutro.funds.models import LedgerEntry
from cuutro.pledges.models import Pledge
from cuutro.statements.models import Resolution, ReviewItem, ReviewReason, ReviewStatus
from cuutro.statements.services import statement_import
from tests.conftest import make_user
from tests.data.statements import make_golden
from tests.data.statements.support import golden, make_funds, make_pledges


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """The assertions quote the English source messages."""
    with translation.override("en"):
        yield


# The statements pages hang under /officer/statements/. Until cuutro/urls.py includes them, this
# module's own URLconf adds them to the project's.
urlpatterns = list(cuutro.urls.urlpatterns)
if not any(getattr(p, "namespace", None) == "statements" for p in urlpatterns):
    urlpatterns.append(path("officer/statements/", include("cuutro.statements.urls")))
pytestmark = pytest.mark.urls(__name__)


@pytest.fixture
def funds(cast: Any) -> dict[str, Any]:
    return make_funds(cast)


@pytest.fixture
def pledges(cast: Any, make_need: Any, make_pledge: Any) -> dict[str, Any]:
    return make_pledges(cast, make_need, make_pledge)


@pytest.fixture
def imported(funds: dict[str, Any], pledges: dict[str, Any]) -> dict[str, Any]:
    for bank in ("vcb", "vietinbank"):
        statement_import(actor=None, fund=funds[bank], file=golden(f"{bank}_2024-09-10_12.csv"))
    return funds


def upload(client: Client, fund: str, name: str, content: bytes, **extra: str) -> Any:
    return client.post(
        reverse("statements:home"),
        {"fund": fund, "file": SimpleUploadedFile(name, content, content_type="text/csv"), **extra},
        follow=True,
    )


def item_with(bank_ref: str) -> ReviewItem:
    return ReviewItem.objects.select_related("entry").get(entry__bank_ref=bank_ref)


# ---- import page --------------------------------------------------------------------------------


def test_a_province_official_imports_a_statement_from_the_page(cast: Any, funds: dict[str, Any]) -> None:
    client = cast.client_for(cast.province_member)
    page = client.get(reverse("statements:home"))
    assert page.status_code == 200
    assert "Import the statement" in page.text and funds["vcb"].name in page.text
    response = upload(client, "lu-vcb", "sao-ke-vcb.csv", golden("vcb_2024-09-10_12.csv"))
    assert response.redirect_chain == [(reverse("statements:home"), 302)]
    assert (
        f"sao-ke-vcb.csv imported into {funds['vcb'].name}: 10 rows read, 10 new, 0 already imported; "
        "0 credits matched to pledges, 10 to review." in response.text
    )
    assert LedgerEntry.objects.filter(fund=funds["vcb"]).count() == 10
    assert "sao-ke-vcb.csv" in response.text  # the recent imports table
    again = upload(client, "lu-vcb", "sao-ke-vcb.xlsx", golden("vcb_2024-09-10_12.xlsx"))
    assert "10 rows read, 0 new, 10 already imported" in again.text
    assert LedgerEntry.objects.filter(fund=funds["vcb"]).count() == 10


def test_a_corrupt_file_is_refused_on_the_page_row_by_row(cast: Any, funds: dict[str, Any]) -> None:
    opening, txns = make_golden.window("vietinbank", make_golden.D1, make_golden.D3)
    row = make_golden.data_row("vietinbank", 3, len(txns))
    data = make_golden.render("vietinbank", "csv", opening, txns, overrides={(row, "debit"): "20.000.000đồng?"})
    response = upload(cast.client_for(cast.province_member), "lu-vietinbank", "hong.csv", data)
    assert response.status_code == 200 and not response.redirect_chain
    assert "The statement was not imported; nothing was saved." in response.text
    assert f"Row {row}: the debit “20.000.000đồng?” is not an amount in whole đồng." in response.text
    assert not LedgerEntry.objects.exists()


def test_the_import_page_shows_vietnamese_to_vietnamese_readers(cast: Any, funds: dict[str, Any]) -> None:
    page = cast.client_for(cast.province_member, language="vi").get(reverse("statements:home"))
    assert page.status_code == 200
    assert '<html lang="vi">' in page.text and "Công việc của tôi" in page.text  # the base template's "My work"


def test_a_mapping_for_another_bank_is_checked_on_the_page(cast: Any, funds: dict[str, Any]) -> None:
    response = upload(
        cast.client_for(cast.province_member), "lu-bidv", "khac.csv", b"Ngay;Co;Noi dung\n10/09/2024;100.000;ung ho\n",
        layout="generic", mapping="date=Ngay,colour=Mau",
    )  # fmt: skip
    assert "Unknown column name(s) in the mapping: colour." in response.text
    assert not LedgerEntry.objects.exists()


@pytest.mark.parametrize("who", ["officer", "officer_b", "donor", "org_member", "outsider"])
def test_only_province_officials_see_the_statement_pages(cast: Any, funds: dict[str, Any], who: str) -> None:
    client = cast.client_for(getattr(cast, who))
    assert client.get(reverse("statements:home")).status_code == 403
    assert client.get(reverse("statements:review")).status_code == 403
    response = upload(client, "lu-vcb", "x.csv", golden("vcb_2024-09-10_12.csv"))
    assert response.status_code == 403
    assert not LedgerEntry.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(funds: dict[str, Any]) -> None:
    response = Client().get(reverse("statements:home"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_another_provinces_official_sees_no_fund_and_no_credit(cast: Any, imported: dict[str, Any]) -> None:
    hue = make_user("hue_member")
    role_assign(actor=None, user=hue, role=Role.PROVINCE_COMMITTEE, area=cast.other_province)
    client = cast.client_for(hue)
    assert client.get(reverse("statements:review")).status_code == 403
    item = item_with("5213.41877")
    url = reverse("statements:decide", args=[item.entry_id, "general"])
    assert client.post(url, {"reason": "không phải của tỉnh"}).status_code == 404
    assert ReviewItem.objects.get(pk=item.pk).status == ReviewStatus.OPEN


# ---- review queue -------------------------------------------------------------------------------


def test_the_review_queue_lists_open_credits_with_the_banks_memo(cast: Any, imported: dict[str, Any]) -> None:
    page = cast.client_for(cast.province_member).get(reverse("statements:review"))
    assert page.status_code == 200
    # 6 credits and 2 debits of Vietcombank, 4 credits (one of them a partial payment) and a debit of VietinBank
    assert "13 open items" in page.text
    assert "ung ho dong bao mien Trung.CT tu 0451000765432 TRAN THI BINH" in page.text  # officials see the raw memo
    assert "Amount differs from what the pledge still owed" in page.text
    only_vietinbank = cast.client_for(cast.province_member).get(reverse("statements:review"), {"fund": "lu-vietinbank"})
    assert "5 open items" in only_vietinbank.text


def test_an_official_links_an_unmatched_credit_to_a_pledge(cast: Any, imported: dict[str, Any], pledges: dict[str, Any]) -> None:
    item = item_with("5213.41877")  # 2.000.000 with no reference
    entry_hash = item.entry.hash
    pledge = pledges["CT-9H6W3X"]  # 2.000.000 pledged, nothing paid yet
    client = cast.client_for(cast.province_member)
    response = client.post(
        reverse("statements:decide", args=[item.entry_id, "link"]),
        {"pledge": "ct 9h6w3x", "reason": "Nhà hảo tâm gọi điện xác nhận, quên ghi mã"},
        follow=True,
    )
    assert f"Credit #{item.entry_id} is recorded as the payment of pledge CT-9H6W3X." in response.text
    pledge.refresh_from_db()
    assert (pledge.amount_received, pledge.paid_at is not None) == (2_000_000, True)
    item.refresh_from_db()
    decided = (item.status, item.resolution, item.pledge, item.decided_by)
    assert decided == (ReviewStatus.RESOLVED, Resolution.LINKED, pledge, cast.province_member)
    event = AuditEvent.objects.get(action="statements.review.linked")
    assert (event.actor, event.reason, event.data["pledge"], event.data["entry"]) == (
        cast.province_member, "Nhà hảo tâm gọi điện xác nhận, quên ghi mã", "CT-9H6W3X", item.entry_id,
    )  # fmt: skip
    assert LedgerEntry.objects.get(seq=item.entry_id).hash == entry_hash  # the public entry never changes
    from cuutro.statements.selectors import pledge_linked_entries

    assert list(pledge_linked_entries(pledge=pledge)) == [item.entry]
    assert "12 open items" in client.get(reverse("statements:review")).text


def test_an_official_marks_a_credit_a_general_donation_with_a_reason(cast: Any, imported: dict[str, Any]) -> None:
    item = item_with("5214.10452")
    client = cast.client_for(cast.province_member)
    url = reverse("statements:decide", args=[item.entry_id, "general"])
    no_reason = client.post(url, {"reason": "  "}, follow=True)
    assert "Give a reason: it is kept with the decision." in no_reason.text
    assert ReviewItem.objects.get(pk=item.pk).status == ReviewStatus.OPEN
    client.post(url, {"reason": "Công ty ủng hộ chung cho quỹ"})
    item.refresh_from_db()
    decided = (item.status, item.resolution, item.decision_reason)
    assert decided == (ReviewStatus.RESOLVED, Resolution.GENERAL, "Công ty ủng hộ chung cho quỹ")
    assert AuditEvent.objects.get(action="statements.review.general").data == {"entry": item.entry_id, "was": ReviewReason.UNMATCHED}
    again = client.post(url, {"reason": "lần nữa"}, follow=True)
    assert "This credit was already decided." in again.text


def test_an_amount_mismatch_is_accepted_not_linked_again(cast: Any, imported: dict[str, Any], pledges: dict[str, Any]) -> None:
    item = ReviewItem.objects.get(reason=ReviewReason.AMOUNT_MISMATCH)
    client = cast.client_for(cast.province_member)
    refused = client.post(
        reverse("statements:decide", args=[item.entry_id, "link"]), {"pledge": "CT-8M4P2R", "reason": "x"}, follow=True
    )
    assert "This credit is already recorded on a pledge" in refused.text
    assert Pledge.objects.get(pk=pledges["CT-8M4P2R"].pk).amount_received == Decimal(1_000_000)  # not counted twice
    client.post(reverse("statements:decide", args=[item.entry_id, "accept"]), {"reason": "Trả làm hai lần, đã đủ"})
    item.refresh_from_db()
    assert (item.status, item.resolution) == (ReviewStatus.RESOLVED, Resolution.ACCEPTED)
    assert AuditEvent.objects.filter(action="statements.review.accepted", actor=cast.province_member).count() == 1


def test_linking_to_a_pledge_that_does_not_exist_says_so(cast: Any, imported: dict[str, Any]) -> None:
    item = item_with("5214.10001")  # "CT 2222ZZ"
    response = cast.client_for(cast.province_member).post(
        reverse("statements:decide", args=[item.entry_id, "link"]), {"pledge": "CT-2222ZZ", "reason": "thử"}, follow=True
    )
    assert "No pledge has the code “CT-2222ZZ”." in response.text
    assert ReviewItem.objects.get(pk=item.pk).status == ReviewStatus.OPEN


@pytest.mark.parametrize("who", ["officer", "donor"])
def test_a_commune_officer_or_a_donor_cannot_decide(cast: Any, imported: dict[str, Any], who: str) -> None:
    item = item_with("5213.41877")
    response = cast.client_for(getattr(cast, who)).post(
        reverse("statements:decide", args=[item.entry_id, "general"]), {"reason": "thử"}
    )
    assert response.status_code == (404 if who == "officer" else 403)
    assert ReviewItem.objects.get(pk=item.pk).status == ReviewStatus.OPEN
    assert not AuditEvent.objects.filter(action__startswith="statements.review").exists()
