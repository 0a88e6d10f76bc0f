"""Importing statements into a fund: golden files, idempotency, all-or-nothing, reconciliation of
credits with cash pledges, anonymity, and nothing private reaching the public ledger."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.utils import translation

from cuutro.audit.models import AuditEvent
from cuutro.funds.models import LedgerEntry
from cuutro.funds.selectors import fund_totals, ledger_export_rows, ledger_verify
from cuutro.funds.services import EntryData, export_row, ledger_append
from cuutro.pledges.models import Pledge
from cuutro.pledges.services import pledge_cancel
from cuutro.statements.bulk import ledger_append_many
from cuutro.statements.models import ReviewItem, ReviewReason, StatementImport, StatementLine
from cuutro.statements.services import ANONYMOUS_DONOR, statement_import
from tests.data.statements import make_golden
from tests.data.statements.support import HERE, golden, make_fund, make_funds, make_pledges


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """The assertions quote the English source messages."""
    with translation.override("en"):
        yield


D1, D3, D4 = make_golden.D1, make_golden.D3, make_golden.D4


@pytest.fixture
def funds(cast: Any) -> dict[str, Any]:
    return make_funds(cast)


@pytest.fixture
def pledges(cast: Any, make_need: Any, make_pledge: Any) -> dict[str, Any]:
    return make_pledges(cast, make_need, make_pledge)


def entries_of(fund: Any) -> list[LedgerEntry]:
    return list(LedgerEntry.objects.filter(fund=fund).order_by("seq"))


def counts() -> tuple[int, int, int, int, int]:
    return (
        LedgerEntry.objects.count(), StatementLine.objects.count(), StatementImport.objects.count(),
        ReviewItem.objects.count(), AuditEvent.objects.count(),
    )  # fmt: skip


# ---- golden files ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("bank", ["vcb", "vietinbank", "bidv"])
def test_a_golden_statement_imports_exactly_its_rows(funds: dict[str, Any], bank: str, fmt: str) -> None:
    fund = funds[bank]
    opening, txns = make_golden.window(bank, D1, D3)
    result = statement_import(actor=None, fund=fund, file=golden(f"{bank}_2024-09-10_12.{fmt}"))
    assert (result.rows_read, result.rows_new, result.rows_duplicate) == (len(txns), len(txns), 0)
    assert result.layout.startswith(bank)
    assert (result.opening, result.closing) == (opening, txns[-1].balance)
    entries = entries_of(fund)
    assert [(e.booked_on, e.direction, e.amount, e.bank_ref) for e in entries] == [
        (t.booked_on, "in" if t.credit else "out", Decimal(t.credit or t.debit), t.ref) for t in txns
    ]
    assert {e.kind for e in entries if e.direction == "in"} == {"credit"} and {e.kind for e in entries if e.direction == "out"} == {"debit"}
    lines = list(StatementLine.objects.filter(fund=fund).order_by("ledger_entry_id"))
    assert [(line.balance, line.credit, line.debit, line.ledger_entry_id) for line in lines] == [
        (t.balance, t.credit, t.debit, e.seq) for t, e in zip(txns, entries, strict=True)
    ]
    totals = fund_totals(fund=fund)
    assert (totals.money_in, totals.money_out) == (sum(t.credit for t in txns), sum(t.debit for t in txns))
    assert opening + totals.balance == txns[-1].balance  # the fund's ledger follows the bank
    record = StatementImport.objects.get(fund=fund)
    assert (record.opening_balance, record.closing_balance, record.first_day, record.last_day) == (opening, txns[-1].balance, D1, D3)
    assert ledger_verify().ok


def test_the_vietcombank_golden_statement_in_numbers(funds: dict[str, Any]) -> None:
    fund = funds["vcb"]
    result = statement_import(actor=None, fund=fund, file=golden("vcb_2024-09-10_12.csv"))
    assert (result.rows_read, result.rows_new) == (10, 10)
    totals = fund_totals(fund=fund)
    assert (totals.money_in, totals.money_out) == (9_250_000, 30_011_000)
    first = entries_of(fund)[0]
    assert (first.booked_on, first.amount, first.bank_ref, first.counterparty_account) == (date(2024, 9, 10), 500_000, "5213.41102", "")
    assert first.memo == (
        "MBVCB.•••••••876.CT 7K3F9Q.NGUYEN VAN AN chuyen tien.CT tu ••••••••••456 NGUYEN VAN AN toi ••••••••••567 UB MTTQ VN TINH QUANG TRI"
    )
    # No pledge CT-7K3F9Q exists in this test: the reference is typed right but names nobody.
    assert ReviewItem.objects.get(entry=first).reason == ReviewReason.UNKNOWN_REFERENCE


@pytest.mark.parametrize("bank", ["vcb", "vietinbank", "bidv"])
def test_importing_again_in_either_format_adds_nothing(funds: dict[str, Any], bank: str) -> None:
    fund = funds[bank]
    statement_import(actor=None, fund=fund, file=golden(f"{bank}_2024-09-10_12.csv"))
    before = counts()
    seqs = [e.seq for e in entries_of(fund)]
    again = statement_import(actor=None, fund=fund, file=golden(f"{bank}_2024-09-10_12.csv"))
    other_format = statement_import(actor=None, fund=fund, file=golden(f"{bank}_2024-09-10_12.xlsx"))
    for result in (again, other_format):
        assert (result.rows_new, result.rows_duplicate, result.review_items) == (0, result.rows_read, 0)
    assert [e.seq for e in entries_of(fund)] == seqs
    ledger, lines, imports, review, _audit = counts()
    assert (ledger, lines, imports, review) == (before[0], before[1], before[2] + 2, before[3])  # two more import records, nothing else


@pytest.mark.parametrize("bank", ["vcb", "vietinbank", "bidv"])
def test_an_overlapping_statement_adds_only_the_new_day(funds: dict[str, Any], bank: str) -> None:
    fund = funds[bank]
    statement_import(actor=None, fund=fund, file=golden(f"{bank}_2024-09-10_12.csv"))
    result = statement_import(actor=None, fund=fund, file=golden(f"{bank}_2024-09-12_13.csv"))
    _opening, later = make_golden.window(bank, D3, D4)
    day4 = [t for t in later if t.booked_on == D4]
    assert (result.rows_read, result.rows_new, result.rows_duplicate) == (len(later), len(day4), len(later) - len(day4))
    assert [(e.booked_on, e.bank_ref) for e in entries_of(fund)][-len(day4):] == [(t.booked_on, t.ref) for t in day4]
    _opening, everything = make_golden.window(bank, D1, D4)
    assert Counter(e.bank_ref for e in entries_of(fund)) == Counter(t.ref for t in everything)
    assert ledger_verify().ok


def test_a_file_with_one_corrupt_row_imports_nothing_and_names_the_row(funds: dict[str, Any]) -> None:
    opening, txns = make_golden.window("vcb", D1, D3)
    row = make_golden.data_row("vcb", 6, len(txns))
    data = make_golden.render("vcb", "csv", opening, txns, overrides={(row, "debit"): "12a"})
    before = counts()
    with pytest.raises(ValidationError) as refused:
        statement_import(actor=None, fund=funds["vcb"], file=data)
    assert refused.value.messages == [f"Row {row}: the debit “12a” is not an amount in whole đồng."]
    assert counts() == before


def test_a_balance_that_does_not_follow_imports_nothing(funds: dict[str, Any]) -> None:
    opening, txns = make_golden.window("bidv", D1, D3)
    row = make_golden.data_row("bidv", 1, len(txns))
    data = make_golden.render("bidv", "csv", opening, txns, overrides={(row, "balance"): "1.000,00"})
    before = counts()
    with pytest.raises(ValidationError) as refused:
        statement_import(actor=None, fund=funds["bidv"], file=data)
    assert refused.value.messages[0].startswith(f"Row {row}: the balance 1.000 does not follow")
    assert counts() == before


def test_a_statement_of_another_bank_or_account_is_refused(funds: dict[str, Any], cast: Any) -> None:
    with pytest.raises(ValidationError, match="is held at"):
        statement_import(actor=None, fund=funds["bidv"], file=golden("vcb_2024-09-10_12.csv"))
    elsewhere = make_fund("vcb-khac", "vcb", account="0011009999999")
    with pytest.raises(ValidationError, match="This statement is for account …4567, not the account of fund vcb-khac"):
        statement_import(actor=None, fund=elsewhere, file=golden("vcb_2024-09-10_12.csv"))
    assert not LedgerEntry.objects.exists()


def test_an_unknown_layout_name_and_a_bad_mapping_are_refused(funds: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="Unknown layout"):
        statement_import(actor=None, fund=funds["vcb"], file=golden("vcb_2024-09-10_12.csv"), layout="acb")
    with pytest.raises(ValidationError, match="not recognised"):
        statement_import(actor=None, fund=funds["vcb"], file=golden("vcb_2024-09-10_12.csv"), layout="bidv")
    with pytest.raises(ValidationError, match="must name the columns"):
        statement_import(actor=None, fund=funds["vcb"], file=b"x", mapping={"date": "Ngày"})


def test_only_the_funds_officials_may_import(funds: dict[str, Any], cast: Any) -> None:
    for outsider in (cast.officer, cast.donor, cast.outsider):
        with pytest.raises(PermissionDenied):
            statement_import(actor=outsider, fund=funds["vcb"], file=golden("vcb_2024-09-10_12.csv"))
    result = statement_import(actor=cast.province_member, fund=funds["vcb"], file=golden("vcb_2024-09-10_12.csv"))
    assert result.statement_import.imported_by == cast.province_member
    event = AuditEvent.objects.get(action="statements.import.created")
    assert event.actor == cast.province_member
    assert (event.data["rows_new"], event.data["first_seq"], event.data["last_seq"]) == (10, 1, 10)


# ---- reconciliation ---------------------------------------------------------------------------------


def import_all_golden(by_bank: dict[str, Any]) -> None:
    for bank in ("vcb", "vietinbank", "bidv"):
        statement_import(actor=None, fund=by_bank[bank], file=golden(f"{bank}_2024-09-10_12.csv"))


def review_reasons(fund: Any) -> list[tuple[str, str]]:
    items = ReviewItem.objects.filter(fund=fund).select_related("entry").order_by("entry_id")
    return [(item.entry.bank_ref, item.reason) for item in items]


def test_credits_are_matched_to_pledges_whatever_the_memo_looks_like(funds: dict[str, Any], pledges: dict[str, Any]) -> None:
    import_all_golden(funds)
    paid = {code: Pledge.objects.get(pk=p.pk) for code, p in pledges.items()}
    # "MBVCB.….CT 7K3F9Q.…" 500.000, exactly what was pledged: paid.
    assert (paid["CT-7K3F9Q"].amount_received, paid["CT-7K3F9Q"].paid_at is not None) == (500_000, True)
    # "CT nhanh 247 den: … CT8M4P2R" 300.000, then "CT NHANH 247 DEN: … CT-8M4P2R" 700.000: paid in two.
    assert (paid["CT-8M4P2R"].amount_received, paid["CT-8M4P2R"].paid_at is not None) == (1_000_000, True)
    # "IBFT Ủng hộ đồng bào lũ lụt ct-9h6w3x": lower case, dash, diacritics around it.
    assert (paid["CT-9H6W3X"].amount_received, paid["CT-9H6W3X"].paid_at is not None) == (2_000_000, True)
    # "NGUYENVANDUNGCT5T7Q2VUNGHOLULUT": every space stripped.
    assert (paid["CT-5T7Q2V"].amount_received, paid["CT-5T7Q2V"].paid_at is not None) == (200_000, True)
    matched = LedgerEntry.objects.filter(pledge__isnull=False).order_by("seq")
    assert [(e.reference, e.amount) for e in matched] == [
        ("CT7K3F9Q", 500_000), ("CT5T7Q2V", 200_000), ("CT8M4P2R", 300_000), ("CT8M4P2R", 700_000), ("CT9H6W3X", 2_000_000),
    ]  # fmt: skip
    payments = AuditEvent.objects.filter(action="pledges.pledge.payment_received").order_by("pk")
    assert [e.data["ledger_entry"] for e in payments] == [e.seq for e in matched]


def test_what_reconciliation_cannot_settle_goes_to_review(funds: dict[str, Any], pledges: dict[str, Any]) -> None:
    import_all_golden(funds)
    unmatched, unknown, mismatch = ReviewReason.UNMATCHED, ReviewReason.UNKNOWN_REFERENCE, ReviewReason.AMOUNT_MISMATCH
    debit = ReviewReason.DEBIT  # money out that no disbursement explains yet
    assert review_reasons(funds["vcb"]) == [
        ("5213.41877", unmatched),  # no reference at all
        ("9914 - 00123", debit),
        ("5214.10001", unknown),  # "CT 2222ZZ": a reference, but of no pledge
        ("5214.10452", unmatched),
        ("5214.11003", debit),
        ("5215.00017", unmatched),  # "CT NGUYEN VAN E": CT for chuyển tiền, then a name
        ("5215.00233", unmatched),
        ("5215.00871", unmatched),
    ]
    assert review_reasons(funds["vietinbank"]) == [
        ("FT24254123456", mismatch),  # 300.000 of the 1.000.000 pledged (recorded all the same)
        ("FT24254130077", unmatched),
        ("FT24255000311", unmatched),  # "(CT1111)": the campaign code of 2024, not a pledge
        ("FT24255090420", debit),
        ("FT24256011110", unmatched),
    ]
    assert review_reasons(funds["bidv"]) == [
        ("CTLNHIDI000009811425241", unmatched), ("BIDV-0911-00007", debit), ("BIDV-0911-00991", unmatched),
        ("BIDV-0912-00015", unmatched),
    ]  # fmt: skip
    mismatch_item = ReviewItem.objects.get(reason=mismatch)
    assert (mismatch_item.pledge, mismatch_item.reference) == (pledges["CT-8M4P2R"], "CT8M4P2R")
    # Debits wait for what they paid for, never for a pledge.
    debits = ReviewItem.objects.filter(entry__direction="out")
    assert {(item.reason, item.pledge_id) for item in debits} == {(debit, None)} and debits.count() == 4


def test_money_for_a_cancelled_pledge_is_recorded_and_reviewed(funds: dict[str, Any], pledges: dict[str, Any], cast: Any) -> None:
    pledge_cancel(actor=cast.donor, pledge=pledges["CT-9H6W3X"], reason="Đã chuyển qua kênh khác")
    statement_import(actor=None, fund=funds["bidv"], file=golden("bidv_2024-09-10_12.csv"))
    item = ReviewItem.objects.get(reason=ReviewReason.PLEDGE_CLOSED)
    assert (item.pledge, item.entry.amount, item.entry.reference) == (pledges["CT-9H6W3X"], 2_000_000, "CT9H6W3X")
    assert Pledge.objects.get(pk=pledges["CT-9H6W3X"].pk).amount_received == 2_000_000


def test_a_donor_who_chose_anonymity_is_anonymous_in_the_ledger(funds: dict[str, Any], pledges: dict[str, Any]) -> None:
    import_all_golden(funds)
    anonymous = LedgerEntry.objects.get(reference="CT7K3F9Q")
    # Neither the name nor a memo that carries it: the bank wrote "NGUYEN VAN AN" in the memo.
    assert (anonymous.counterparty, anonymous.counterparty_account, anonymous.memo) == (ANONYMOUS_DONOR, "", "CT 7K3F9Q")
    assert "NGUYEN VAN AN" not in anonymous.search_key.upper()
    named = LedgerEntry.objects.filter(reference="CT8M4P2R").order_by("seq")
    assert [(e.counterparty, e.counterparty_account) for e in named] == [("TRAN THI BINH", "••••3456"), ("HOANG VAN HAI", "••••6789")]
    line = StatementLine.objects.get(ledger_entry=anonymous)  # the raw row keeps what the bank gave, privately
    assert "NGUYEN VAN AN" in line.description


def test_no_full_account_number_reaches_the_public_ledger(funds: dict[str, Any], pledges: dict[str, Any]) -> None:
    import_all_golden(funds)
    for bank in ("vcb", "vietinbank", "bidv"):
        statement_import(actor=None, fund=funds[bank], file=golden(f"{bank}_2024-09-12_13.csv"))
    accounts = {t.account for txns in make_golden.MASTERS.values() for t in txns if t.account}
    accounts |= {bank.account for bank in make_golden.BANKS.values()}
    accounts |= {"0071000123456", "0451000765432", "0071000999888", "6986253876", "0091000639"}  # inside memos
    public = json.dumps(list(ledger_export_rows()), ensure_ascii=False)
    search_keys = " ".join(LedgerEntry.objects.values_list("search_key", flat=True))
    for account in accounts:
        assert account not in public, account
        assert account not in search_keys, account
    # The private rows do keep them, for the officials.
    assert StatementLine.objects.filter(counterparty_account="0451000123456").exists()


# ---- the bulk path is the one-by-one path -----------------------------------------------------------


def test_appending_in_bulk_chains_exactly_like_one_by_one(funds: dict[str, Any], pledges: dict[str, Any]) -> None:
    fund = funds["vcb"]
    data = [
        EntryData(kind="credit", direction="in", booked_on=date(2024, 9, 10), amount=Decimal(500_000), counterparty="Nhà hảo tâm",
                  counterparty_account="••••1234", memo="Ủng hộ CT 7K3F9Q", reference="CT7K3F9Q", pledge=pledges["CT-7K3F9Q"],
                  bank_ref="5213.1"),
        EntryData(kind="debit", direction="out", booked_on=date(2024, 9, 11), amount=Decimal(11_000), memo="Phí SMS", bank_ref="9914 - 1"),
        EntryData(kind="credit", direction="in", booked_on=date(2024, 9, 12), amount=Decimal(2_000_000), counterparty="ĐỖ THỊ ĐÀO",
                  memo="  ung   ho  ", bank_ref=""),
    ]  # fmt: skip
    one_by_one = [ledger_append(actor=None, fund=fund, data=item) for item in data]
    in_bulk = ledger_append_many(actor=None, fund=fund, data=data)
    assert in_bulk == [4, 5, 6]
    bulk_entries = list(LedgerEntry.objects.filter(seq__in=in_bulk).order_by("seq"))
    for single, bulk in zip(one_by_one, bulk_entries, strict=True):
        a, b = export_row(single), export_row(bulk)
        for key in ("seq", "recorded_at", "prev_hash", "hash"):
            a.pop(key), b.pop(key)
        assert a == b
        assert single.search_key == bulk.search_key
    assert bulk_entries[0].prev_hash == one_by_one[-1].hash
    verdict = ledger_verify()
    assert (verdict.ok, verdict.checked) == (True, 6)
    single = ledger_append(actor=None, fund=fund, data=data[1])  # the head moved to the bulk's end
    assert (single.seq, single.prev_hash) == (7, bulk_entries[-1].hash)


# ---- the command ------------------------------------------------------------------------------------


def test_the_command_imports_and_prints_the_counts(funds: dict[str, Any]) -> None:
    out = StringIO()
    call_command("import_statement", str(HERE / "vietinbank_2024-09-10_12.xlsx"), "--fund", "lu-vietinbank", stdout=out)
    assert "6 rows read, 6 new, 0 already imported; 0 credits matched to pledges, 6 to review" in out.getvalue()
    out = StringIO()
    later = str(HERE / "vietinbank_2024-09-12_13.csv")
    call_command("import_statement", later, "--fund", "lu-vietinbank", "--layout", "vietinbank", stdout=out)
    assert "3 rows read, 1 new, 2 already imported" in out.getvalue()


def test_the_command_refuses_a_corrupt_file_saying_which_row(funds: dict[str, Any], tmp_path: Path) -> None:
    opening, txns = make_golden.window("vcb", D1, D3)
    path = tmp_path / "broken.csv"
    row = make_golden.data_row("vcb", 3, len(txns))
    path.write_bytes(make_golden.render("vcb", "csv", opening, txns, overrides={(row, "date"): "32/09/2024\n5214.1"}))
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was saved"):
        call_command("import_statement", str(path), "--fund", "lu-vcb", stderr=err)
    assert f"Row {row}: “32/09/2024" in err.getvalue()
    assert not LedgerEntry.objects.exists()


def test_the_command_takes_a_column_mapping(funds: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "khac.csv"
    path.write_text("Ngày;Số CT;Có;Nợ;Nội dung\n10/09/2024;A1;100.000;;ung ho\n11/09/2024;A2;;50.000;chi\n", encoding="utf-8")
    out = StringIO()
    mapping = "date=Ngày,ref=Số CT,credit=Có,debit=Nợ,description=Nội dung"
    call_command("import_statement", str(path), "--fund", "lu-bidv", "--map", mapping, stdout=out)
    assert "2 rows read, 2 new" in out.getvalue() and "(generic:mapping)" in out.getvalue()
    with pytest.raises(CommandError, match="Write the mapping as name=Column header"):
        call_command("import_statement", str(path), "--fund", "lu-bidv", "--map", "Ngày")


def test_money_out_publishes_neither_the_recipient_nor_the_bank_memo(funds: dict[str, Any]) -> None:
    """A transfer out may go to a household: the statement line keeps who and why, privately."""
    statement_import(actor=None, fund=funds["vietinbank"], file=golden("vietinbank_2024-09-10_12.csv"))
    debit = next(e for e in entries_of(funds["vietinbank"]) if e.direction == "out")
    line = StatementLine.objects.get(ledger_entry_id=debit.seq)
    assert "UBND XA GIO LINH" in line.counterparty_name and "Gio Linh" in line.description  # kept, privately
    assert (debit.counterparty, debit.counterparty_account, debit.memo) == ("", "", "")
    assert "gio linh" not in debit.search_key
