"""PDF documents of the money: a fund's report (Vietnamese text intact) and a donor's receipt."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from cuutro.funds.models import Fund
from cuutro.funds.services import EntryData, ledger_append


def text_of(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def fund(cast: Any) -> Fund:
    return Fund.objects.create(
        code="lu-2020", name="Quỹ cứu trợ lũ lụt Quảng Trị 2020", campaign=cast.campaign, bank="vcb",
        account_number="0011001234567", account_name="UB MTTQ VN TINH QUANG TRI", opens_on=date(2020, 10, 6),
    )


def credit(fund: Fund, amount: int, day: date, name: str, **extra: Any) -> Any:
    return ledger_append(
        actor=None, fund=fund,
        data=EntryData(kind="credit", direction="in", booked_on=day, amount=Decimal(amount), counterparty=name, **extra),
    )


def test_the_fund_report_lists_the_periods_entries_with_vietnamese_text(fund: Fund) -> None:
    credit(fund, 500_000, date(2020, 10, 12), "Nguyễn Thị Hường")
    credit(fund, 2_000_000, date(2020, 10, 20), "Công ty Đông Hà")
    response = Client().get(reverse("reports:fund_report", args=[fund.code]) + "?date_from=2020-10-15")
    assert response["Content-Type"] == "application/pdf"
    text = text_of(response.content)
    assert "Quỹ cứu trợ lũ lụt Quảng Trị 2020" in text
    assert "Công ty Đông Hà" in text and "2.000.000 ₫" in text
    assert "Nguyễn Thị Hường" not in text  # before the period


def test_a_receipt_is_for_the_donor_of_the_matched_pledge_only(cast: Any, fund: Fund, make_need: Any, make_pledge: Any) -> None:
    from cuutro.needs.services import NeedItemData

    need = make_need("verified", campaign_code=cast.campaign.code, items=[NeedItemData("cash-house-repair", 5_000_000)])
    pledge = make_pledge(need, item="cash-house-repair", quantity=1_000_000)
    entry = credit(fund, 1_000_000, date(2020, 10, 13), "NGUYEN VAN AN", pledge=pledge, reference=pledge.code_key)
    url = reverse("reports:receipt", args=[entry.seq])
    response = cast.client_for(cast.donor).get(url)
    assert response.status_code == 200
    text = text_of(response.content)
    assert "1.000.000 ₫" in text and pledge.transfer_reference in text and entry.hash in text.replace("\n", "")
    assert cast.client_for(cast.outsider).get(url).status_code == 404
    assert cast.client_for(cast.officer).get(url).status_code == 404
    assert cast.client_for(cast.province_member).get(url).status_code == 200  # the fund's officials
    unmatched = credit(fund, 50_000, date(2020, 10, 14), "TRAN B")
    assert cast.client_for(cast.donor).get(reverse("reports:receipt", args=[unmatched.seq])).status_code == 404
