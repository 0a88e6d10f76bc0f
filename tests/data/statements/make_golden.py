#!/usr/bin/env python3
"""Synthetic bank statements in the banks' real layouts: the golden files of the import tests.

    .venv/bin/python tests/data/statements/make_golden.py     # rewrites the files next to it

Every name, account and amount here is invented. The layouts follow the banks' exports (see
``cuutro/statements/layouts.py`` for where each header comes from): title rows above the table,
bilingual headers with diacritics, dd/mm/yyyy dates, "1,000,000" (Vietcombank), "1.000.000"
(VietinBank) and "1.000.000,00" (BIDV) amounts, Vietcombank's date and document number in one
cell, BIDV newest first and semicolon-separated. The tests import this module too: ``render``
builds any window of a bank's transactions, optionally with a corrupted cell.

Only the standard library and openpyxl; the XLSX files are byte-for-byte reproducible.
"""

from __future__ import annotations

import csv
import io
import random
import re
import sys
import zipfile
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Txn:
    booked_on: date
    time: str  # hh:mm:ss, for the banks that print it
    ref: str  # the bank's document / transaction number
    debit: int
    credit: int
    memo: str
    name: str = ""  # counterparty name (VietinBank prints it; Vietcombank does not)
    account: str = ""  # counterparty account, full (VietinBank, BIDV)
    balance: int = 0  # filled in by ``with_balances``


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


def with_balances(opening: int, txns: list[Txn]) -> list[Txn]:
    balance, out = opening, []
    for txn in txns:
        balance += txn.credit - txn.debit
        out.append(replace(txn, balance=balance))
    return out


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


# ---- the three layouts ----------------------------------------------------------------------------


def _vcb_money(value: int) -> str:
    return f"{value:,}" if value else ""


def _dot_money(value: int) -> str:
    return f"{value:,}".replace(",", ".") if value else ""


def _bidv_money(value: int) -> str:
    return f"{value:,}".replace(",", ".") + ",00" if value else ""


def _dmy(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _vcb_grid(opening: int, txns: list[Txn], first: date, last: date, bank: Bank) -> tuple[list[list[object]], dict[str, int]]:
    closing = txns[-1].balance if txns else opening
    grid: list[list[object]] = [
        ["NGÂN HÀNG TMCP NGOẠI THƯƠNG VIỆT NAM (VIETCOMBANK)"],
        ["SAO KÊ TÀI KHOẢN", "", "STATEMENT OF ACCOUNT"],
        ["Tên tài khoản/Account name:", "", bank.holder],
        ["Số tài khoản/Account number:", "", bank.account],
        ["Loại tiền/Currency:", "", "VND"],
        [f"Từ/ From: {_dmy(first)} Đến/ To: {_dmy(last)}"],
        ["Số dư đầu kỳ/ Opening balance:", "", f"{opening:,} VND"],
        ["Số dư cuối kỳ/ Closing balance:", "", f"{closing:,} VND"],
        [],
        ["STT/ No.", "Ngày GD/ TNX Date\nSố CT/ Doc No", "Số tiền ghi nợ/ Debit", "Số tiền ghi có/ Credit", "Số dư/ Balance",
         "Nội dung chi tiết/ Transactions in detail"],
    ]
    columns = {"date": 1, "ref": 1, "debit": 2, "credit": 3, "balance": 4, "memo": 5}
    for n, txn in enumerate(txns, 1):
        grid.append(
            [str(n), f"{_dmy(txn.booked_on)}\n{txn.ref}", _vcb_money(txn.debit), _vcb_money(txn.credit), f"{txn.balance:,}", txn.memo]
        )
    grid += [
        ["Tổng số/ Total", "", _vcb_money(sum(t.debit for t in txns)) or "0", _vcb_money(sum(t.credit for t in txns)) or "0"],
        [],
        ["Postal address: 198 TRAN QUANG KHAI AVENUE HANOI - S.R. VIETNAM", "", "Swift : BFTV VNVX"],
    ]
    return grid, columns


def _vietinbank_grid(
    opening: int, txns: list[Txn], first: date, last: date, bank: Bank, *, typed: bool
) -> tuple[list[list[object]], dict[str, int]]:
    closing = txns[-1].balance if txns else opening

    def money(value: int) -> object:
        return (value or None) if typed else _dot_money(value)

    grid: list[list[object]] = [
        ["NGÂN HÀNG TMCP CÔNG THƯƠNG VIỆT NAM - VIETINBANK"],
        ["LỊCH SỬ GIAO DỊCH - TRANSACTION HISTORY"],
        ["Số tài khoản / Account No:", bank.account],
        ["Tên tài khoản / Account name:", bank.holder],
        ["Từ ngày / From date:", _dmy(first), "Đến ngày / To date:", _dmy(last)],
        ["Số dư đầu kỳ / Opening balance:", opening if typed else _dot_money(opening) or "0"],
        [],
        ["STT / No.", "Ngày giao dịch / Transaction date", "Số giao dịch / Transaction number", "Mô tả giao dịch / Transaction description",
         "Nợ / Debit", "Có / Credit", "Số dư / Balance", "Tên đối ứng / Counterparty name", "Số TK đối ứng / Counterparty account"],
    ]
    columns = {"date": 1, "ref": 2, "memo": 3, "debit": 4, "credit": 5, "balance": 6, "name": 7, "account": 8}
    for n, txn in enumerate(txns, 1):
        when: object = f"{_dmy(txn.booked_on)} {txn.time}"
        if typed:
            hour, minute, second = (int(part) for part in txn.time.split(":"))
            when = datetime(txn.booked_on.year, txn.booked_on.month, txn.booked_on.day, hour, minute, second)  # noqa: DTZ001 - a cell
        grid.append([n, when, txn.ref, txn.memo, money(txn.debit), money(txn.credit),
                     txn.balance if typed else _dot_money(txn.balance), txn.name, txn.account])
    grid += [[], ["Số dư cuối kỳ / Closing balance:", closing if typed else _dot_money(closing) or "0"]]
    return grid, columns


def _bidv_grid(opening: int, txns: list[Txn], first: date, last: date, bank: Bank) -> tuple[list[list[object]], dict[str, int]]:
    closing = txns[-1].balance if txns else opening
    grid: list[list[object]] = [
        ["NGÂN HÀNG TMCP ĐẦU TƯ VÀ PHÁT TRIỂN VIỆT NAM"],
        ["SAO KÊ TÀI KHOẢN / ACCOUNT STATEMENT"],
        ["Số tài khoản / Account number:", bank.account],
        ["Chủ tài khoản / Account holder:", bank.holder],
        ["Từ ngày / From:", _dmy(first), "Đến ngày / To:", _dmy(last)],
        [],
        ["STT / No.", "Ngày hiệu lực / Effective date", "Số tham chiếu / Reference No.", "Mô tả / Description", "Ghi nợ / Debit",
         "Ghi có / Credit", "Số dư / Balance", "Số TK đối ứng / Counterparty account"],
    ]
    columns = {"date": 1, "ref": 2, "memo": 3, "debit": 4, "credit": 5, "balance": 6, "account": 7}
    # BIDV lists the newest transaction first.
    for n, txn in enumerate(reversed(txns), 1):
        grid.append([str(n), f"{_dmy(txn.booked_on)} {int(txn.time[:2])}{txn.time[2:]}", txn.ref, txn.memo, _bidv_money(txn.debit),
                     _bidv_money(txn.credit), _bidv_money(txn.balance), txn.account])
    grid += [
        [],
        ["Số dư đầu kỳ / Opening balance", "", "", "", "", "", _bidv_money(opening) or "0,00"],
        ["Tổng phát sinh / Total", "", "", "", _bidv_money(sum(t.debit for t in txns)) or "0,00",
         _bidv_money(sum(t.credit for t in txns)) or "0,00"],
        ["Số dư cuối kỳ / Closing balance", "", "", "", "", "", _bidv_money(closing) or "0,00"],
    ]
    return grid, columns


HEADER_ROW = {"vcb": 10, "vietinbank": 8, "bidv": 7}  # 1-based row of each layout's header


def grid(code: str, opening: int, txns: list[Txn], *, typed: bool = False, account: str = "") -> tuple[list[list[object]], dict[str, int]]:
    first = txns[0].booked_on if txns else D1
    last = txns[-1].booked_on if txns else D1
    bank = replace(BANKS[code], account=account) if account else BANKS[code]
    if code == "vcb":
        return _vcb_grid(opening, txns, first, last, bank)
    if code == "vietinbank":
        return _vietinbank_grid(opening, txns, first, last, bank, typed=typed)
    return _bidv_grid(opening, txns, first, last, bank)


def data_row(code: str, index: int, count: int) -> int:
    """The file row (1-based) of transaction ``index`` of a statement of ``count`` transactions."""
    position = count - 1 - index if code == "bidv" else index
    return HEADER_ROW[code] + 1 + position


def render(
    code: str, fmt: str, opening: int, txns: list[Txn], *, overrides: dict[tuple[int, str], object] | None = None, account: str = ""
) -> bytes:
    """The statement file's bytes. ``overrides`` sets cells: {(file row, "credit"): "12a"};
    ``account`` replaces the bank's account number in the title rows."""
    cells, columns = grid(code, opening, txns, typed=fmt == "xlsx", account=account)
    for (row, column), value in (overrides or {}).items():
        line = cells[row - 1]
        index = columns[column]
        line.extend([""] * (index + 1 - len(line)))
        line[index] = value
    if fmt == "csv":
        return _csv(code, cells)
    return _xlsx(code, cells)


def _csv(code: str, cells: list[list[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if code == "bidv" else ",", lineterminator="\r\n")
    for line in cells:
        writer.writerow(["" if value is None else value for value in line])
    text = buffer.getvalue()
    # Vietcombank's CSV carries a byte-order mark (Excel needs it to read UTF-8).
    return ("\ufeff" + text).encode("utf-8") if code == "vcb" else text.encode("utf-8")


FIXED = (2024, 9, 14, 0, 0, 0)


def _xlsx(code: str, cells: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = {"vcb": "Vietcombank_Account_Statement", "vietinbank": "TransactionHistory", "bidv": "SaoKe"}[code]
    for line in cells:
        sheet.append(line)
    book.properties.creator = "Cuutro golden files"
    raw = io.BytesIO()
    book.save(raw)
    # Same bytes on every run: fixed zip timestamps and document dates.
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>2024-09-14T00:00:00Z", data)
            target.writestr(zipfile.ZipInfo(info.filename, date_time=FIXED), data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


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
