"""Money out is counted once: a bank debit and the disbursement that explains it are one movement.

A disbursement recorded first gets a transfer code ("CHI 7K3F9Q") for the transfer's memo; the
statement's debit carrying it is recorded as the same movement (direction "eq"). A debit that
comes first waits in review until an official says what it paid for (a disbursement recorded
as the same movement), that it is a disbursement recorded before (a correction cancels the
debit and names it), or that it is a bank fee (it stays money out).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from cuutro.audit.models import AuditEvent
from cuutro.funds import chain
from cuutro.funds.models import Direction, EntryKind, Fund, LedgerEntry
from cuutro.funds.selectors import fund_summary, fund_totals, ledger_export_rows, ledger_verify
from cuutro.funds.services import EntryData, MovementData, Target, entry_reverse, ledger_append, movement_record, shown_reference
from cuutro.statements import samples
from cuutro.statements.models import Resolution, ReviewItem, ReviewReason, ReviewStatus
from cuutro.statements.services import review_accept, review_debit_same_as, review_explain_debit, statement_import

PDF = b"%PDF-1.4\n% quyet dinh chi ho tro\n"
ACCOUNT = samples.Account(bank="vcb", number="0011001234567", holder="UB MTTQ TINH QUANG TRI")


def pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("quyet-dinh.pdf", PDF, content_type="application/pdf")


@pytest.fixture
def fund(cast: Any) -> Fund:
    fund = Fund.objects.create(
        code="lu-2020", name="Quỹ lũ 2020", campaign=cast.campaign, bank="vcb", account_number=ACCOUNT.number,
        account_name=ACCOUNT.holder, opens_on=date(2020, 10, 6),
    )  # fmt: skip
    ledger_append(
        actor=None, fund=fund,
        data=EntryData(kind="credit", direction="in", booked_on=date(2020, 10, 12), amount=Decimal(10_000_000), counterparty="CONG TY A"),
    )  # fmt: skip
    return fund


def day(offset: int = 0) -> date:
    return timezone.localdate() - timedelta(days=offset)


def disburse(cast: Any, fund: Fund, need: Any, amount: str = "3.000.000") -> LedgerEntry:
    return movement_record(
        actor=cast.province_member, fund=fund, document=pdf(),
        data=MovementData(target=Target.NEED, booked_on=day(2), description="Hỗ trợ sửa mái nhà", amount=amount, need_code=need.code),
    )  # fmt: skip


def import_debits(cast: Any, fund: Fund, *debits: tuple[int, str], ref: str = "9914") -> Any:
    """A Vietcombank statement paying out ``debits`` (amount, memo) from the fund's 10,000,000."""
    txns = [samples.Txn(day(1), "10:00:00", f"{ref}.{n:05d}", amount, 0, memo) for n, (amount, memo) in enumerate(debits)]
    data = samples.render(ACCOUNT, "csv", 10_000_000, samples.with_balances(10_000_000, txns))
    return statement_import(actor=cast.province_member, fund=fund, file=data, file_name="sao-ke.csv")


def money_out(fund: Fund) -> Decimal:
    return fund_totals(fund=fund).money_out


def test_a_disbursement_gets_a_transfer_code_and_its_debit_counts_once(cast: Any, fund: Fund, make_need: Any) -> None:
    disbursement = disburse(cast, fund, make_need("verified"))
    assert disbursement.reference.startswith("CHI") and len(disbursement.reference) == 9
    code = shown_reference(disbursement.reference)  # "CHI 7K3F9Q"
    assert money_out(fund) == 3_000_000
    # The bank wraps the memo and strips the space: still recognised.
    result = import_debits(cast, fund, (3_000_000, f"IBFT UBMTTQ chuyen tien {code.replace(' ', '').lower()} ho tro"))
    debit = LedgerEntry.objects.get(kind=EntryKind.DEBIT)
    assert (debit.direction, debit.matches, debit.reference) == (Direction.SAME, disbursement, disbursement.reference)
    assert disbursement.matched_by == debit
    assert money_out(fund) == 3_000_000  # counted once: on the disbursement
    assert fund_summary(fund=fund).totals.money_out == 3_000_000
    assert result.review_items == 0 and not ReviewItem.objects.exists()
    assert ledger_verify().ok


def test_a_debit_with_the_code_but_another_amount_waits_for_review(cast: Any, fund: Fund, make_need: Any) -> None:
    disbursement = disburse(cast, fund, make_need("verified"))
    import_debits(cast, fund, (2_500_000, f"chi ho tro {shown_reference(disbursement.reference)}"))
    debit = LedgerEntry.objects.get(kind=EntryKind.DEBIT)
    assert (debit.direction, debit.matches) == (Direction.OUT, None)
    item = ReviewItem.objects.get()
    assert (item.entry, item.reason, item.reference) == (debit, ReviewReason.DEBIT, disbursement.reference)
    assert money_out(fund) == 5_500_000  # the bank says it left: counted until someone explains it


def test_one_disbursement_is_matched_by_one_debit_only(cast: Any, fund: Fund, make_need: Any) -> None:
    disbursement = disburse(cast, fund, make_need("verified"))
    code = shown_reference(disbursement.reference)
    import_debits(cast, fund, (3_000_000, f"chi {code}"), (3_000_000, f"chi lai {code}"))
    directions = list(LedgerEntry.objects.filter(kind=EntryKind.DEBIT).order_by("seq").values_list("direction", flat=True))
    assert directions == [Direction.SAME, Direction.OUT]
    assert ReviewItem.objects.get().reason == ReviewReason.DEBIT
    assert money_out(fund) == 6_000_000


def test_an_official_says_what_a_debit_paid_for_on_the_page(cast: Any, fund: Fund, make_need: Any) -> None:
    need = make_need("verified")
    import_debits(cast, fund, (4_000_000, "CHUYEN TIEN HO TRO"))
    debit = LedgerEntry.objects.get(kind=EntryKind.DEBIT)
    assert money_out(fund) == 4_000_000
    client = cast.client_for(cast.province_member)
    review = client.get(reverse("statements:review"))
    assert "Money out that no disbursement explains yet" in review.text
    assert reverse("statements:explain", args=[debit.seq]) in review.text
    page = client.get(reverse("statements:explain", args=[debit.seq]))
    assert "What did this bank payment pay for?" in page.text and "CHUYEN TIEN HO TRO" in page.text
    form = {"target": Target.NEED, "need": need.code, "amount": "4.000.000", "booked_on": day(1).isoformat(),
            "description": "Hỗ trợ dựng lại nhà", "document": pdf()}  # fmt: skip
    response = client.post(reverse("statements:explain", args=[debit.seq]), form, follow=True)
    explained = LedgerEntry.objects.get(kind=EntryKind.DISBURSEMENT)
    assert f"Recorded as entry #{explained.seq}: it says what bank entry #{debit.seq} paid for." in response.text
    assert (explained.direction, explained.matches, explained.need, explained.reference) == (Direction.SAME, debit, need, "")
    assert money_out(fund) == 4_000_000  # once, on the debit
    item = ReviewItem.objects.get()
    assert (item.status, item.resolution, item.decided_by) == (ReviewStatus.RESOLVED, Resolution.EXPLAINED, cast.province_member)
    assert AuditEvent.objects.get(action="statements.review.explained").data == {"entry": debit.seq, "disbursement": explained.seq}
    # The public entry says it is the same movement, and the ledger still verifies.
    public = cast.client_for(cast.outsider).get(reverse("portal:ledger_entry", args=[explained.seq]))
    link = reverse("portal:ledger_entry", args=[debit.seq])
    assert "Same payment as" in public.text and f'<a href="{link}">#{debit.seq}</a> (counted there)' in public.text
    assert ledger_verify().ok


def test_a_debit_cannot_be_explained_twice_nor_for_another_amount(cast: Any, fund: Fund, make_need: Any) -> None:
    need = make_need("verified")
    import_debits(cast, fund, (4_000_000, "CHUYEN TIEN HO TRO"))
    item = ReviewItem.objects.get()
    data = MovementData(target=Target.NEED, booked_on=day(1), description="Hỗ trợ", amount="3.000.000", need_code=need.code)
    with translation.override("en"), pytest.raises(ValidationError) as wrong:
        review_explain_debit(actor=cast.province_member, item=item, data=data, document=pdf())
    assert "The bank paid out 4.000.000 đồng in entry #" in str(wrong.value)
    data.amount = "4.000.000"
    review_explain_debit(actor=cast.province_member, item=item, data=data, document=pdf())
    with translation.override("en"), pytest.raises(ValidationError) as again:
        movement_record(actor=cast.province_member, fund=fund, data=data, document=pdf(), bank_debit=item.entry)
    assert f"Bank entry #{item.entry_id} is already explained by entry #" in str(again.value)
    assert LedgerEntry.objects.filter(kind=EntryKind.DISBURSEMENT).count() == 1
    assert money_out(fund) == 4_000_000


def test_a_debit_recognised_as_an_earlier_disbursement_is_cancelled_by_a_correction(cast: Any, fund: Fund, make_need: Any) -> None:
    disbursement = disburse(cast, fund, make_need("verified"))
    import_debits(cast, fund, (3_000_000, "CK HO TRO THEO QD 15"))  # the officer forgot the code
    item = ReviewItem.objects.get()
    assert money_out(fund) == 6_000_000  # counted twice until someone decides
    with translation.override("en"), pytest.raises(ValidationError) as wrong:
        review_debit_same_as(actor=cast.province_member, item=item, disbursement_seq=str(item.entry_id), reason="nhầm")
    assert f"Entry #{item.entry_id} is not money given out of this fund." in str(wrong.value)
    client = cast.client_for(cast.province_member)
    url = reverse("statements:decide", args=[item.entry_id, "same"])
    response = client.post(url, {"disbursement": f"#{disbursement.seq}", "reason": "Chuyển khoản theo QĐ 15"}, follow=True)
    assert f"Bank entry #{item.entry_id} is recorded as the payment of disbursement #{disbursement.seq}, counted once." in response.text
    correction = LedgerEntry.objects.get(kind=EntryKind.REVERSAL)
    assert (correction.direction, correction.reverses_id, correction.matches, correction.amount) == (
        Direction.IN, item.entry.pk, disbursement, 3_000_000,
    )  # fmt: skip
    assert fund_totals(fund=fund).balance == 7_000_000  # 10,000,000 in, 3,000,000 out once
    item.refresh_from_db()
    assert (item.status, item.resolution) == (ReviewStatus.RESOLVED, Resolution.SAME)
    assert ledger_verify().ok


def test_a_bank_fee_is_accepted_and_stays_money_out(cast: Any, fund: Fund) -> None:
    import_debits(cast, fund, (11_000, "PHI DICH VU SMS BANKING"))
    item = ReviewItem.objects.get()
    review_accept(actor=cast.province_member, item=item, reason="Phí ngân hàng")
    item.refresh_from_db()
    assert (item.status, item.resolution) == (ReviewStatus.RESOLVED, Resolution.ACCEPTED)
    assert money_out(fund) == 11_000


def test_credit_decisions_refuse_a_debit(cast: Any, fund: Fund) -> None:
    import_debits(cast, fund, (11_000, "PHI"))
    client = cast.client_for(cast.province_member)
    item = ReviewItem.objects.get()
    for action in ("general", "link"):
        url = reverse("statements:decide", args=[item.entry_id, action])
        response = client.post(url, {"reason": "x", "pledge": "CT-7K3F9Q"}, follow=True)
        assert "This is money paid out: say what it paid for, or accept it as a bank fee." in response.text
    assert ReviewItem.objects.get().status == ReviewStatus.OPEN


def test_one_of_a_matched_pair_cannot_be_reversed_alone(cast: Any, fund: Fund, make_need: Any) -> None:
    disbursement = disburse(cast, fund, make_need("verified"))
    import_debits(cast, fund, (3_000_000, f"chi {shown_reference(disbursement.reference)}"))
    debit = LedgerEntry.objects.get(kind=EntryKind.DEBIT)
    for entry in (disbursement, debit):
        with translation.override("en"), pytest.raises(ValidationError) as refused:
            entry_reverse(actor=cast.province_member, entry=entry, reason="nhầm")
        assert "are one movement; it cannot be reversed alone" in str(refused.value)
    assert not LedgerEntry.objects.filter(kind=EntryKind.REVERSAL).exists()


def test_the_match_is_part_of_the_hash_and_of_the_export(cast: Any, fund: Fund, make_need: Any) -> None:
    disbursement = disburse(cast, fund, make_need("verified"))
    import_debits(cast, fund, (3_000_000, f"chi {shown_reference(disbursement.reference)}"))
    rows = list(ledger_export_rows())
    matched = next(row for row in rows if row["direction"] == "eq")
    assert matched["matches"] == str(disbursement.seq)
    assert chain.verify(rows).ok
    tampered = [dict(row) for row in rows]
    next(row for row in tampered if row["direction"] == "eq")["matches"] = str(disbursement.seq - 1)
    verdict = chain.verify(tampered)
    assert (verdict.ok, verdict.first_bad_seq) == (False, int(matched["seq"]))
    # Entries without a match hash as they did before the field existed.
    plain = next(row for row in rows if not row["matches"])
    assert chain.canonical(plain) == chain.canonical({k: v for k, v in plain.items() if k != "matches"})
    assert "matches" not in json.loads(chain.canonical(plain))
