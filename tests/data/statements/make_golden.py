#!/usr/bin/env python3
"""Synthetic bank statements in the banks' real layouts: the golden files of the import tests.

    .venv/bin/python tests/data/statements/make_golden.py     # rewrites the files next to it

Every name, account and amount here is invented. The layouts follow the banks' exports (see
``cuutro/statements/layouts.py`` for where each header comes from): title rows above the table,
bilingual headers with diacritics, dd/mm/yyyy dates, "1,000,000" (Vietcombank), "1.000.000"
(VietinBank) and "1.000.000,00" (BIDV) amounts, Vietcombank's date and document number in one
cell, BIDV newest first and semicolon-separated: ``cuutro/statements/samples.py`` writes them,
for the demo too. The tests import this module: ``render`` builds any window of a bank's
transactions, optionally with a corrupted cell.
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from cuutro.statements import samples
from cuutro.statements.samples import Account, Txn, with_balances
from cuutro.statements.samples import data_row as data_row  # the tests read it from here

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Bank:
    code: str
    account: str
    holder: str
    opening: int  # balance before the first transaction of ``master``


D1, D2, D3, D4 = date(2024, 9, 10), date(2024, 9, 11), date(2024, 9, 12), date(2024, 9, 13)

BANKS = {
    "vcb": Bank("vcb", "0011001234567", "UB MTTQ VN TINH QUANG TRI", 1_000_000_000),
    "vietinbank": Bank("vietinbank", "113000123456", "UY BAN MTTQ VIET NAM TINH QUANG TRI", 250_000_000),
    "bidv": Bank("bidv", "12610001122666", "UB MTTQ VN TINH QUANG TRI", 80_000_000),
}

# The pledges the tests create (codes set by the tests) and what each memo shape looks like.
MASTERS: dict[str, list[Txn]] = {
    "vcb": [
        Txn(D1, "08:01:12", "5213.41102", 0, 500_000,
            "MBVCB.6986253876.CT 7K3F9Q.NGUYEN VAN AN chuyen tien.CT tu 0071000123456 NGUYEN VAN AN toi 0011001234567 "
            "UB MTTQ VN TINH QUANG TRI"),
        Txn(D1, "09:14:55", "5213.41877", 0, 2_000_000,
            "MBVCB.6986301122.ung ho dong bao mien Trung.CT tu 0451000765432 TRAN THI BINH toi 0011001234567 UB MTTQ VN TINH QUANG TRI"),
        Txn(D1, "10:30:00", "5213.42010", 0, 200_000, "NGUYENVANDUNGCT5T7Q2VUNGHOLULUT"),
        Txn(D1, "16:45:09", "9914 - 00123", 11_000, 0, "Thu phi dich vu SMS Banking thang 08/2024"),
        Txn(D2, "07:59:41", "5214.10001", 0, 150_000, "IBFT Ung ho ba con vung lu CT 2222ZZ"),
        Txn(D2, "11:20:13", "5214.10452", 0, 5_000_000, "CONG TY TNHH AN PHAT ung ho dong bao bi lu lut tinh Quang Tri"),
        Txn(D2, "15:02:37", "5214.11003", 30_000_000, 0, "Chuyen tien ho tro ho gia dinh bi sap nha theo QD 123/QD-MTTQ"),
        Txn(D3, "06:12:00", "5215.00017", 0, 100_000, "MBVCB.6990011223.CT NGUYEN VAN E chuyen tien ung ho"),
        Txn(D3, "08:40:26", "5215.00233", 0, 1_000_000, "Ủng hộ đồng bào lũ lụt – Hội phụ nữ phường Đông Hà"),
        Txn(D3, "13:13:13", "5215.00871", 0, 300_000, "ung ho mien trung"),
        Txn(D4, "09:00:00", "5216.00005", 0, 400_000, "MBVCB.6991234567.ung ho lu lut.CT tu 0071000999888 LE VAN F"),
        Txn(D4, "10:10:10", "5216.00099", 2_500_000, 0, "Mua gao cuu tro theo HD 45/2024"),
    ],
    "vietinbank": [
        Txn(D1, "08:15:22", "FT24254123456", 0, 300_000, "CT nhanh 247 den: TRAN THI BINH chuyen tien ung ho CT8M4P2R",
            "TRAN THI BINH", "0451000123456"),
        Txn(D1, "12:01:29", "FT24254130077", 0, 1_500_000, "Chuyen tien den tu NAPAS Noi dung: IBFT gop chut tam long cung ba con vung lu",
            "PHAM VAN GIANG", "060129014777"),
        Txn(D2, "00:57:49", "FT24255000311", 0, 100_000, "con mong moi nguoi binh an (CT1111); thoi gian GD:10/09/2024 23:09:00",
            "MAI THI ANH NGOC", "109882673999"),
        Txn(D2, "14:22:10", "FT24255090420", 20_000_000, 0, "Chi ho tro xa Gio Linh theo QD 77/QD-MTTQ", "UBND XA GIO LINH",
            "5100201001234"),
        Txn(D3, "09:30:00", "FT24256004567", 0, 700_000, "CT NHANH 247 DEN: HOANG VAN HAI UNG HO CT-8M4P2R",
            "HOANG VAN HAI", "0021000456789"),
        Txn(D3, "18:05:55", "FT24256011110", 0, 250_000, "ung ho dong bao vung lu", "DO THI KIM", "19034567890123"),
        Txn(D4, "07:07:07", "FT24257000001", 0, 800_000, "CT nhanh 247 den: NGO VAN LAM ung ho", "NGO VAN LAM", "0331000222333"),
    ],
    "bidv": [
        Txn(D1, "00:55:10", "CTLNHIDI000009811425241", 0, 400_000,
            "TKThe :0091000639xxx, tai VCB. MBVCB.6988293532.235166.ung ho ba con lu lut.CT tu 0091000639xxx TRAN THI CAM NHUNG "
            "toi 12610001122666 UB MTTQ VN TINH QUANG TRI tai BIDV -CTLNHIDI000009811425241-1/1-CRE-002", "", "0091000639xxx"),
        Txn(D1, "09:27:00", "BIDV-0910-00042", 0, 2_000_000, "IBFT Ủng hộ đồng bào lũ lụt ct-9h6w3x", "", "2151000333444"),
        Txn(D2, "10:00:00", "BIDV-0911-00007", 15_000_000, 0, "Chi mua tam lop cho ho dan xa Hai Lang", "", "4500123456789"),
        Txn(D2, "23:12:53", "BIDV-0911-00991", 0, 200_000, "1261122666 ung ho mien Trung", "", "7500539123"),
        Txn(D3, "09:24:52", "BIDV-0912-00015", 0, 600_000, "BIDV;12610001122666; vk ck Chiec Luan xin gui chut tam long", "",
            "5002567686001"),
        Txn(D4, "08:00:00", "BIDV-0913-00003", 0, 900_000, "Nop tien mat ung ho lu lut - Doan thanh nien", "", ""),
    ],
}


def window(code: str, first: date, last: date, *, txns: list[Txn] | None = None, opening: int | None = None) -> tuple[int, list[Txn]]:
    """The transactions from ``first`` to ``last`` (inclusive) and the balance before them."""
    bank = BANKS[code]
    every = with_balances(bank.opening if opening is None else opening, MASTERS[code] if txns is None else txns)
    before = [t for t in every if t.booked_on < first]
    start = before[-1].balance if before else (bank.opening if opening is None else opening)
    return start, [t for t in every if first <= t.booked_on <= last]


def random_master(seed: int, days: int, *, start: date = D1) -> list[Txn]:
    """Many plain transactions for property tests: a few a day, credits and some debits."""
    rng = random.Random(seed)
    names = ("NGUYEN VAN AN", "TRAN THI BINH", "LE VAN CUONG", "PHAM THI DUNG", "HOANG VAN EM")
    txns: list[Txn] = []
    for day in range(days):
        booked = start + timedelta(days=day)
        for n in range(rng.randint(0, 4)):
            credit = rng.random() < 0.8
            amount = rng.choice((50_000, 100_000, 200_000, 500_000, 1_000_000, 2_000_000))
            name = rng.choice(names)
            memo = f"MBVCB.{rng.randint(10**9, 10**10 - 1)}.{name} ung ho lu lut" if credit else f"Chi ho tro dot {day}-{n}"
            txns.append(Txn(booked, f"{8 + n:02d}:00:00", f"{5200 + day}.{n:05d}", 0 if credit else amount, amount if credit else 0, memo))
    return txns


# ---- the layouts: cuutro/statements/samples.py writes them ---------------------------------------


def render(
    code: str, fmt: str, opening: int, txns: list[Txn], *, overrides: dict[tuple[int, str], object] | None = None, account: str = ""
) -> bytes:
    """The statement file's bytes for one of ``BANKS``. ``overrides`` sets cells:
    {(file row, "credit"): "12a"}; ``account`` replaces the bank's account number."""
    bank = BANKS[code]
    return samples.render(Account(code, account or bank.account, bank.holder), fmt, opening, txns, overrides=overrides)


# ---- the committed files --------------------------------------------------------------------------

GOLDEN = {
    # name: (bank, first day, last day, formats)
    "vcb_2024-09-10_12": ("vcb", D1, D3, ("csv", "xlsx")),
    "vcb_2024-09-12_13": ("vcb", D3, D4, ("csv",)),
    "vietinbank_2024-09-10_12": ("vietinbank", D1, D3, ("csv", "xlsx")),
    "vietinbank_2024-09-12_13": ("vietinbank", D3, D4, ("csv",)),
    "bidv_2024-09-10_12": ("bidv", D1, D3, ("csv", "xlsx")),
    "bidv_2024-09-12_13": ("bidv", D3, D4, ("csv",)),
}


def golden_bytes(name: str, fmt: str) -> bytes:
    code, first, last, _formats = GOLDEN[name]
    opening, txns = window(code, first, last)
    return render(code, fmt, opening, txns)


def main() -> int:
    for name, (_code, _first, _last, formats) in GOLDEN.items():
        for fmt in formats:
            path = HERE / f"{name}.{fmt}"
            path.write_bytes(golden_bytes(name, fmt))
            sys.stdout.write(f"wrote {path.relative_to(HERE.parent.parent.parent)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
