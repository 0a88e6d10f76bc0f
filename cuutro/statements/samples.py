"""Bank statements in the banks' real layouts, written from a list of transactions.

One writer for everything that needs a statement file: the golden files of the import tests
(``tests/data/statements/make_golden.py``) and the demo's funds (``cuutro/demo/money.py``).
Every name, account and amount given to it is invented by its caller. The layouts follow the
banks' exports (``layouts.py`` says where each header comes from): title rows above the table,
bilingual headers with diacritics, dd/mm/yyyy dates, "1,000,000" (Vietcombank), "1.000.000"
(VietinBank) and "1.000.000,00" (BIDV) amounts, Vietcombank's date and document number in one
cell, BIDV newest first and semicolon-separated. XLSX output is byte-for-byte reproducible.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime


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
class Account:
    bank: str  # funds.banks code: vcb, vietinbank or bidv
    number: str
    holder: str


def with_balances(opening: int, txns: Sequence[Txn]) -> list[Txn]:
    """The transactions with the running balance each leaves."""
    balance, out = opening, []
    for txn in txns:
        balance += txn.credit - txn.debit
        out.append(replace(txn, balance=balance))
    return out


def _vcb_money(value: int) -> str:
    return f"{value:,}" if value else ""


def _dot_money(value: int) -> str:
    return f"{value:,}".replace(",", ".") if value else ""


def _bidv_money(value: int) -> str:
    return f"{value:,}".replace(",", ".") + ",00" if value else ""


def _dmy(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _vcb_grid(opening: int, txns: list[Txn], first: date, last: date, account: Account) -> tuple[list[list[object]], dict[str, int]]:
    closing = txns[-1].balance if txns else opening
    grid: list[list[object]] = [
        ["NGÂN HÀNG TMCP NGOẠI THƯƠNG VIỆT NAM (VIETCOMBANK)"],
        ["SAO KÊ TÀI KHOẢN", "", "STATEMENT OF ACCOUNT"],
        ["Tên tài khoản/Account name:", "", account.holder],
        ["Số tài khoản/Account number:", "", account.number],
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
    opening: int, txns: list[Txn], first: date, last: date, account: Account, *, typed: bool
) -> tuple[list[list[object]], dict[str, int]]:
    closing = txns[-1].balance if txns else opening

    def money(value: int) -> object:
        return (value or None) if typed else _dot_money(value)

    grid: list[list[object]] = [
        ["NGÂN HÀNG TMCP CÔNG THƯƠNG VIỆT NAM - VIETINBANK"],
        ["LỊCH SỬ GIAO DỊCH - TRANSACTION HISTORY"],
        ["Số tài khoản / Account No:", account.number],
        ["Tên tài khoản / Account name:", account.holder],
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


def _bidv_grid(opening: int, txns: list[Txn], first: date, last: date, account: Account) -> tuple[list[list[object]], dict[str, int]]:
    closing = txns[-1].balance if txns else opening
    grid: list[list[object]] = [
        ["NGÂN HÀNG TMCP ĐẦU TƯ VÀ PHÁT TRIỂN VIỆT NAM"],
        ["SAO KÊ TÀI KHOẢN / ACCOUNT STATEMENT"],
        ["Số tài khoản / Account number:", account.number],
        ["Chủ tài khoản / Account holder:", account.holder],
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


def grid(account: Account, opening: int, txns: Sequence[Txn], *, typed: bool = False) -> tuple[list[list[object]], dict[str, int]]:
    """The statement's cells, row by row, and the column of each field. ``txns`` oldest first,
    with their balances; ``opening`` the balance before them; ``typed``: numbers and datetimes
    as cells (XLSX) rather than the bank's text."""
    txns = list(txns)
    first = txns[0].booked_on if txns else date(2024, 9, 10)
    last = txns[-1].booked_on if txns else first
    if account.bank == "vcb":
        return _vcb_grid(opening, txns, first, last, account)
    if account.bank == "vietinbank":
        return _vietinbank_grid(opening, txns, first, last, account, typed=typed)
    return _bidv_grid(opening, txns, first, last, account)


def data_row(code: str, index: int, count: int) -> int:
    """The file row (1-based) of transaction ``index`` of a statement of ``count`` transactions."""
    position = count - 1 - index if code == "bidv" else index
    return HEADER_ROW[code] + 1 + position


def render(
    account: Account, fmt: str, opening: int, txns: Sequence[Txn], *, overrides: dict[tuple[int, str], object] | None = None
) -> bytes:
    """The statement file's bytes (``fmt`` csv or xlsx). ``overrides`` sets cells, for tests of
    broken files: {(file row, "credit"): "12a"}."""
    code = account.bank
    cells, columns = grid(account, opening, txns, typed=fmt == "xlsx")
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
