"""Money and goods leaving a fund: who may record them, what the public sees, and that a fund
never gives out more than it holds."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from cuutro.audit.models import AuditEvent
from cuutro.funds.models import Fund, LedgerDocument, LedgerEntry
from cuutro.funds.selectors import fund_totals, ledger_verify
from cuutro.funds.services import EntryData, MovementData, Target, ledger_append, movement_record
from tests.conftest import SECRET_NAME

PDF = b"%PDF-1.4\n% quyet dinh ho tro\n"


def pdf(name: str = "quyet-dinh.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def fund(cast: Any) -> Fund:
    fund = Fund.objects.create(
        code="lu-2020", name="Quỹ lũ 2020", campaign=cast.campaign, bank="vcb", account_number="0011001234567",
        account_name="UB MTTQ TINH QUANG TRI", opens_on=date(2020, 10, 6),
    )
    ledger_append(
        actor=None, fund=fund,
        data=EntryData(kind="credit", direction="in", booked_on=date(2020, 10, 12), amount=Decimal(10_000_000), counterparty="CONG TY A"),
    )
    return fund


def today() -> date:
    return timezone.localdate()


def test_money_to_a_household_shows_only_its_code_and_keeps_the_document_private(
    cast: Any, fund: Fund, make_need: Any
) -> None:
    need = make_need("verified")
    entry = movement_record(
        actor=cast.province_member, fund=fund, document=pdf(),
        data=MovementData(target=Target.NEED, booked_on=today(), description="Hỗ trợ sửa mái nhà", amount="3.000.000",
                          need_code=need.code),
    )
    assert (entry.kind, entry.direction, entry.amount, entry.counterparty, entry.need) == (
        "disbursement", "out", 3_000_000, need.code, need,
    )
    assert SECRET_NAME not in entry.counterparty + entry.memo
    document = LedgerDocument.objects.get(entry=entry)
    with document.file.open("rb") as stored:
        assert entry.document_sha256 == document.sha256 and stored.read() == PDF
    assert fund_totals(fund=fund).balance == 7_000_000
    assert ledger_verify().ok
    assert AuditEvent.objects.filter(action="funds.entry.disbursement", actor=cast.province_member).exists()


def test_a_fund_never_gives_out_more_than_it_holds(cast: Any, fund: Fund) -> None:
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        movement_record(
            actor=cast.province_member, fund=fund, document=pdf(),
            data=MovementData(target=Target.PURCHASE, booked_on=today(), description="Mua gạo", amount=10_000_001, payee="Đại lý B"),
        )
    assert refused.value.message_dict["amount"] == ["The fund holds only 10000000."]
    assert LedgerEntry.objects.count() == 1


def test_goods_come_in_and_go_out_by_quantity_and_never_below_zero(cast: Any, fund: Fund, make_need: Any) -> None:
    received = movement_record(
        actor=cast.province_member, fund=fund, direction="in",
        data=MovementData(target=Target.PURCHASE, booked_on=today(), description="Gạo ủng hộ", item_code="rice", quantity="500",
                          payee="Hội Doanh nghiệp tỉnh"),
    )
    assert (received.kind, received.quantity, received.item.code, received.amount) == ("goods_in", 500, "rice", None)
    need = make_need("verified")
    handed = movement_record(
        actor=cast.province_member, fund=fund,
        data=MovementData(target=Target.NEED, booked_on=today(), description="Cấp gạo", item_code="rice", quantity="50,5",
                          need_code=need.code),
    )
    assert (handed.kind, handed.quantity) == ("goods_out", Decimal("50.5"))
    with pytest.raises(ValidationError):
        movement_record(
            actor=cast.province_member, fund=fund,
            data=MovementData(target=Target.NEED, booked_on=today(), description="Cấp gạo", item_code="rice", quantity="450",
                              need_code=need.code),
        )


def test_only_the_provinces_committee_records_movements(cast: Any, fund: Fund) -> None:
    for user in (cast.officer, cast.donor, cast.org_member, cast.outsider):
        with pytest.raises(PermissionDenied):
            movement_record(
                actor=user, fund=fund, document=pdf(),
                data=MovementData(target=Target.PURCHASE, booked_on=today(), description="Mua gạo", amount=1, payee="X"),
            )
    assert LedgerEntry.objects.count() == 1


def test_bad_input_is_refused_in_full_and_writes_nothing(cast: Any, fund: Fund) -> None:
    with pytest.raises(ValidationError) as refused:
        movement_record(
            actor=cast.province_member, fund=fund, document=SimpleUploadedFile("x.pdf", b"<html>", content_type="application/pdf"),
            data=MovementData(target=Target.NEED, booked_on=today() + timedelta(days=1), description="Gọi 0912345678",
                              amount="1,5", need_code="HGĐ-XXXXX"),
        )
    assert set(refused.value.message_dict) == {"amount", "description", "need", "booked_on", "document"}
    with pytest.raises(ValidationError) as refused:
        movement_record(
            actor=cast.province_member, fund=fund,
            data=MovementData(target=Target.PURCHASE, booked_on=today(), description="Mua gạo", amount=5, payee="X"),
        )
    assert set(refused.value.message_dict) == {"document"}  # money out always has its paper
    assert LedgerEntry.objects.count() == 1 and not LedgerDocument.objects.exists()


def test_the_committee_records_a_disbursement_on_the_web_and_fetches_its_document(
    cast: Any, fund: Fund, make_need: Any
) -> None:
    from django.urls import reverse

    need = make_need("verified")
    client = cast.client_for(cast.province_member)
    listing = client.get(reverse("funds:officer_funds")).content.decode()
    assert fund.name in listing and "10,000,000" in listing
    url = reverse("funds:movement_new", args=[fund.code])
    form = {
        "what": "money_out", "target": "need", "need": need.code.lower().replace("đ", "d"), "amount": "2.500.000",
        "booked_on": today().isoformat(), "description": "Hỗ trợ sửa nhà",
    }
    page = client.post(url, form).content.decode()  # no document: refused, nothing written
    assert "Attach the decision, invoice or signed list behind this entry." in page
    assert LedgerEntry.objects.count() == 1
    response = client.post(url, {**form, "document": pdf()}, follow=True)
    assert "Recorded as entry #2 of the public ledger." in response.content.decode()
    entry = LedgerEntry.objects.get(seq=2)
    assert (entry.amount, entry.need, entry.counterparty) == (2_500_000, need, need.code)
    document_url = reverse("funds:entry_document", args=[2])
    fetched = client.get(document_url)
    assert b"".join(fetched.streaming_content) == PDF
    assert cast.client_for(cast.officer).get(url).status_code == 403
    assert cast.client_for(cast.officer).get(document_url).status_code == 404
    assert cast.client_for(cast.donor).get(document_url).status_code == 403


def test_province_officials_find_the_money_screens_from_their_work_page(cast: Any) -> None:
    from django.urls import reverse

    page = cast.client_for(cast.province_member).get(reverse("needs:officer_home")).content.decode()
    assert reverse("funds:officer_funds") in page and reverse("statements:home") in page
    page = cast.client_for(cast.officer).get(reverse("needs:officer_home")).content.decode()
    assert reverse("funds:officer_funds") not in page
