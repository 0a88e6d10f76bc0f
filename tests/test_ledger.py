"""The public ledger: VietQR payloads, the hash chain, append-only storage and tamper evidence."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from cuutro.funds import chain
from cuutro.funds.models import Fund, LedgerEntry
from cuutro.funds.selectors import fund_totals, fund_vietqr, ledger_export_rows, ledger_verify
from cuutro.funds.services import EntryData, entry_reverse, ledger_append, mask_account, public_memo
from cuutro.lib.vietqr import VietQR, VietQRError, crc16_ccitt_false, parse

CHAIN_SCRIPT = Path(__file__).resolve().parent.parent / "cuutro" / "funds" / "chain.py"

# Published by NAPAS/VietQR for BIN 970416, account 257678859, 1,000 đồng, memo "Chuyen tien".
PUBLISHED = (
    "00020101021238530010A0000007270123000697041601092576788590208QRIBFTTA"
    "5303704540410005802VN62150811Chuyen tien6304BBB8"
)


# ---- VietQR --------------------------------------------------------------------------------


def test_the_payload_matches_the_published_sample_and_decodes_back() -> None:
    qr = VietQR(bin="970416", account="257678859", amount=1000, memo="Chuyen tien")
    assert qr.payload() == PUBLISHED
    assert parse(PUBLISHED) == qr


def test_crc16_ccitt_false_check_value() -> None:
    assert crc16_ccitt_false(b"123456789") == 0x29B1  # the catalogue's check value for this CRC


def test_a_changed_character_fails_the_crc() -> None:
    broken = PUBLISHED.replace("1000", "9000")
    with pytest.raises(VietQRError, match="CRC"):
        parse(broken)


def test_memos_must_be_short_ascii() -> None:
    with pytest.raises(VietQRError):
        VietQR(bin="970436", account="0011001234567", amount=5, memo="Ủng hộ lũ lụt").payload()
    with pytest.raises(VietQRError):
        VietQR(bin="970436", account="0011001234567", amount=5, memo="X" * 26).payload()


@hypothesis_settings(max_examples=200, deadline=None)
@given(
    bin_=st.sampled_from(["970436", "970415", "970418", "970405"]),
    account=st.text("0123456789", min_size=6, max_size=19),
    amount=st.none() | st.integers(min_value=1, max_value=10**12),
    memo=st.text("ABCDEFGHJKMNPQRSTUVWXYZ0123456789 ", max_size=25),
)
def test_any_payload_decodes_to_the_same_fields(bin_: str, account: str, amount: int | None, memo: str) -> None:
    qr = VietQR(bin=bin_, account=account, amount=amount, memo=memo)
    assert parse(qr.payload()) == qr


# ---- the chain ----------------------------------------------------------------------------


@pytest.fixture
def fund(db: Any) -> Fund:
    return Fund.objects.create(
        code="demo-vcb", name="Quỹ cứu trợ lũ 2020", bank="vcb", account_number="0011001234567",
        account_name="UB MTTQ VN TINH QUANG TRI", opens_on=date(2020, 10, 6),
    )


def credit(fund: Fund, amount: int, name: str = "NGUYEN VAN AN", memo: str = "ung ho lu lut") -> LedgerEntry:
    return ledger_append(
        actor=None,
        fund=fund,
        data=EntryData(
            kind="credit", direction="in", booked_on=date(2020, 10, 12), amount=Decimal(amount), counterparty=name,
            counterparty_account=mask_account("0071000123456"), memo=public_memo(memo), bank_ref=f"FT{amount}",
        ),
    )


@pytest.fixture
def entries(fund: Fund) -> list[LedgerEntry]:
    made = [credit(fund, 500_000), credit(fund, 2_000_000, "TRAN THI BINH"), credit(fund, 150_000, "CONG TY ABC")]
    made.append(
        ledger_append(
            actor=None, fund=fund,
            data=EntryData(kind="disbursement", direction="out", booked_on=date(2020, 10, 20), amount=Decimal(1_000_000),
                           counterparty="HGĐ-7K3F9", memo="Hỗ trợ sửa nhà"),
        )
    )
    return made


def test_entries_chain_in_order_and_the_chain_verifies(entries: list[LedgerEntry]) -> None:
    stored = list(LedgerEntry.objects.order_by("seq"))
    assert [e.seq for e in stored] == [1, 2, 3, 4]
    assert stored[0].prev_hash == chain.GENESIS
    assert all(later.prev_hash == earlier.hash for earlier, later in itertools.pairwise(stored))
    verdict = ledger_verify()
    assert verdict.ok and verdict.checked == 4


def test_the_fund_balance_follows_the_ledger_and_a_reversal_cancels(fund: Fund, entries: list[LedgerEntry]) -> None:
    totals = fund_totals(fund=fund)
    assert (totals.money_in, totals.money_out, totals.balance) == (2_650_000, 1_000_000, 1_650_000)
    reversal = entry_reverse(actor=None, entry=entries[1], reason="Chuyển nhầm quỹ, đã hoàn lại")
    assert (reversal.direction, reversal.amount, reversal.reverses) == ("out", entries[1].amount, entries[1])
    assert fund_totals(fund=fund).balance == 1_650_000 - 2_000_000
    with pytest.raises(ValidationError):
        entry_reverse(actor=None, entry=entries[1], reason="again")
    with pytest.raises(ValidationError):
        entry_reverse(actor=None, entry=reversal, reason="undo the undo")
    assert ledger_verify().ok


def test_entries_cannot_be_changed_or_deleted_through_django(entries: list[LedgerEntry]) -> None:
    entry = LedgerEntry.objects.get(seq=2)
    entry.memo = "sửa lén"
    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    with pytest.raises(ValueError, match="append-only"):
        entry.delete()
    with pytest.raises(ValueError, match="append-only"):
        LedgerEntry.objects.filter(seq=2).update(memo="x")
    with pytest.raises(ValueError, match="append-only"):
        LedgerEntry.objects.filter(seq=2).delete()


def test_the_database_refuses_an_update_behind_djangos_back(entries: list[LedgerEntry]) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE funds_ledgerentry SET memo = 'x' WHERE seq = 2")
    assert LedgerEntry.objects.get(seq=2).memo == "ung ho lu lut"
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM funds_ledgerentry WHERE seq = 2")
        assert LedgerEntry.objects.filter(seq=2).exists()


def tamper(sql: str, params: list[Any]) -> None:
    """Change stored bytes the way an insider with database access would: triggers off."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # settle the deferred foreign-key checks first
            cursor.execute("ALTER TABLE funds_ledgerentry DISABLE TRIGGER funds_ledgerentry_append_only")
        else:
            cursor.execute("DROP TRIGGER funds_ledgerentry_no_update")
        cursor.execute(sql, params)


def export(path: Path) -> None:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in ledger_export_rows()), encoding="utf-8")


def standalone(path: Path) -> subprocess.CompletedProcess[str]:
    # -I: isolated, no site-packages, no project on the path: only the standard library.
    return subprocess.run([sys.executable, "-I", str(CHAIN_SCRIPT), str(path)], capture_output=True, text=True, check=False)


def test_the_standalone_script_agrees_with_the_command_on_an_intact_chain(entries: list[LedgerEntry], tmp_path: Path) -> None:
    export(tmp_path / "ledger.jsonl")
    result = standalone(tmp_path / "ledger.jsonl")
    assert result.returncode == 0 and result.stdout.strip() == "OK: 4 entries, the chain is intact"
    call_command("verify_ledger")  # raises CommandError on a mismatch


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("amount", 5_000_000),
        ("counterparty", "NGUYEN VAN ANH"),
        ("memo", "ung ho lu lut."),
        ("booked_on", "2020-10-13"),
        ("direction", "out"),
        ("counterparty_account", "••••3457"),
        ("bank_ref", "FT2000001"),
    ],
)
def test_changing_any_stored_field_is_found_at_that_entry(
    entries: list[LedgerEntry], tmp_path: Path, column: str, value: Any
) -> None:
    tamper(f"UPDATE funds_ledgerentry SET {column} = %s WHERE seq = 2", [value])  # noqa: S608 - fixed column names
    verdict = ledger_verify()
    assert (verdict.ok, verdict.first_bad_seq) == (False, 2)
    with pytest.raises(CommandError, match="entry #2"):
        call_command("verify_ledger")
    export(tmp_path / "ledger.jsonl")
    result = standalone(tmp_path / "ledger.jsonl")
    assert result.returncode == 1 and "MISMATCH at entry #2" in result.stdout


def test_rewriting_an_entry_and_its_hash_breaks_the_next_link(entries: list[LedgerEntry], tmp_path: Path) -> None:
    """An insider who also recomputes entry 2's hash still breaks entry 3's link."""
    from cuutro.funds.services import entry_content

    entry = LedgerEntry.objects.select_related("fund").get(seq=2)
    content = {**entry_content(entry), "amount": "20000"}
    forged = chain.entry_hash(entry.prev_hash, content)
    tamper("UPDATE funds_ledgerentry SET amount = 20000, hash = %s WHERE seq = 2", [forged])
    assert ledger_verify().first_bad_seq == 3
    export(tmp_path / "ledger.jsonl")
    assert "MISMATCH at entry #3" in standalone(tmp_path / "ledger.jsonl").stdout


def test_a_changed_byte_in_an_export_file_is_found_too(entries: list[LedgerEntry], tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    export(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace("CONG TY ABC", "CONG TY ABD")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert "MISMATCH at entry #3" in standalone(path).stdout
    del lines[1]  # a dropped line is found as well
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert "MISMATCH at entry #2" in standalone(path).stdout


def test_public_forms_hide_account_numbers_and_long_digit_runs() -> None:
    assert mask_account("0071 000 123 456") == "••••3456"
    assert public_memo("CT 7K3F9Q ung ho, lh 0912 345 678, TK 0071000123456") == (
        "CT 7K3F9Q ung ho, lh •••••••678, TK ••••••••••456"
    )
    assert public_memo("MBVCB.6986253876.CT7K3F9Q.ung ho") == "MBVCB.•••••••876.CT7K3F9Q.ung ho"


def test_a_fund_gets_a_reusable_vietqr_and_a_pledge_one_with_amount_and_reference(fund: Fund) -> None:
    standing = parse(fund_vietqr(fund=fund))
    assert (standing.bin, standing.account, standing.amount, standing.memo) == ("970436", "0011001234567", None, "")
    one = parse(fund_vietqr(fund=fund, amount=500_000, memo="CT 7K3F9Q"))
    assert (one.amount, one.memo) == (500_000, "CT 7K3F9Q")


def test_a_cash_pledge_pays_into_its_campaigns_fund_by_vietqr_and_records_money_received(
    cast: Any, make_need: Any, make_pledge: Any
) -> None:
    from cuutro.funds.selectors import pledge_transfer
    from cuutro.needs.services import NeedItemData
    from cuutro.pledges.services import PledgeStateError, pledge_record_payment

    fund = Fund.objects.create(
        code="lu-2020", name="Quỹ lũ 2020", campaign=cast.campaign, bank="bidv", account_number="12010000123456",
        account_name="UB MTTQ TINH QUANG TRI", opens_on=date(2020, 10, 6),
    )
    need = make_need("verified", campaign_code=cast.campaign.code, items=[NeedItemData("cash-house-repair", "5.000.000")])
    pledge = make_pledge(need, item="cash-house-repair", quantity=3_000_000)
    transfer = pledge_transfer(pledge=pledge)
    assert transfer is not None and transfer.fund == fund and transfer.reference == pledge.code.replace("-", " ")
    decoded = parse(transfer.vietqr)
    assert (decoded.bin, decoded.account, decoded.amount, decoded.memo) == ("970418", "12010000123456", 3_000_000, transfer.reference)
    pledge_record_payment(actor=None, pledge=pledge, amount=Decimal(1_000_000), entry_seq=7)
    pledge.refresh_from_db()
    assert (pledge.amount_received, pledge.paid_at) == (1_000_000, None)
    pledge_record_payment(actor=None, pledge=pledge, amount=Decimal(2_000_000), entry_seq=8)
    pledge.refresh_from_db()
    assert pledge.amount_received == 3_000_000 and pledge.paid_at is not None
    goods = make_pledge(need=make_need("verified"), quantity=2)
    assert pledge_transfer(pledge=goods) is None
    with pytest.raises(PledgeStateError):
        pledge_record_payment(actor=None, pledge=goods, amount=Decimal(5), entry_seq=9)


def test_a_days_dump_checks_against_the_previous_days_head(fund: Fund, tmp_path: Path) -> None:
    """The daily files: each day's JSON Lines verifies with chain.py from the day before's head."""
    from datetime import UTC, datetime
    from unittest import mock

    days = [datetime(2026, 11, 27, 10, tzinfo=UTC), datetime(2026, 11, 28, 9, tzinfo=UTC)]
    for moment, amounts in zip(days, [(100_000, 200_000), (300_000, 400_000, 500_000)], strict=True):
        with mock.patch("django.utils.timezone.now", return_value=moment):
            for amount in amounts:
                credit(fund, amount)
    for moment in days:
        call_command("dump_ledger_day", str(tmp_path), f"--day={moment.date().isoformat()}")
    first_head = (tmp_path / "head-2026-11-27.txt").read_text().split()
    assert first_head[0] == "2" and first_head[1] == LedgerEntry.objects.get(seq=2).hash
    second = tmp_path / "ledger-2026-11-28.jsonl"
    assert [json.loads(line)["seq"] for line in second.read_text().splitlines()] == ["3", "4", "5"]
    assert "seq,fund,kind" in (tmp_path / "ledger-2026-11-28.csv").read_text(encoding="utf-8-sig")
    ok = subprocess.run(
        [sys.executable, "-I", str(CHAIN_SCRIPT), str(second), f"{first_head[0]}:{first_head[1]}"],
        capture_output=True, text=True, check=False,
    )
    assert ok.returncode == 0 and ok.stdout.strip() == "OK: 3 entries, the chain is intact"
    wrong = subprocess.run(
        [sys.executable, "-I", str(CHAIN_SCRIPT), str(second), f"2:{'f' * 64}"], capture_output=True, text=True, check=False
    )
    assert wrong.returncode == 1 and "MISMATCH at entry #3" in wrong.stdout

