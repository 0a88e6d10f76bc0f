"""Bank statements of the demo's funds, written in memory in each bank's real CSV layout.

The same layouts as the import tests' golden files (``tests/data/statements/make_golden.py``,
which the package must not import; ``cuutro/statements/layouts.py`` says where each header comes
from): title rows above the table with the account, bilingual headers with diacritics,
dd/mm/yyyy dates; Vietcombank's date and document number in one cell, "1,000,000" amounts and a
byte-order mark; VietinBank's "1.000.000" amounts with the counterparty's name and account in
their own columns; BIDV newest first, semicolon-separated, "1.000.000,00" amounts. Standard
library only; the demo imports these bytes through ``statements.services.statement_import``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Txn:
    booked_on: date
    time: str  # hh:mm:ss
    ref: str  # the bank's document / transaction number
    debit: int
    credit: int
    memo: str
    name: str = ""  # counterparty name (VietinBank prints it)
    account: str = ""  # counterparty account (VietinBank, BIDV)


@dataclass(frozen=True)
class Account:
    bank: str  # funds.banks code: vcb, vietinbank or bidv
    number: str
    holder: str


def _dmy(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _comma(value: int) -> str:
    return f"{value:,}" if value else ""


def _dot(value: int) -> str:
    return f"{value:,}".replace(",", ".") if value else ""


def _bidv(value: int) -> str:
    return f"{value:,}".replace(",", ".") + ",00" if value else ""


def _balances(opening: int, txns: Sequence[Txn]) -> list[int]:
    balance, out = opening, []
    for txn in txns:
        balance += txn.credit - txn.debit
        out.append(balance)
    return out


def _vcb(account: Account, opening: int, txns: Sequence[Txn], first: date, last: date) -> list[list[str]]:
    balances = _balances(opening, txns)
    closing = balances[-1] if balances else opening
    grid = [
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
    ]  # fmt: skip
    for n, (txn, balance) in enumerate(zip(txns, balances, strict=True), 1):
        grid.append([str(n), f"{_dmy(txn.booked_on)}\n{txn.ref}", _comma(txn.debit), _comma(txn.credit), f"{balance:,}", txn.memo])
    grid += [
        ["Tổng số/ Total", "", _comma(sum(t.debit for t in txns)) or "0", _comma(sum(t.credit for t in txns)) or "0"],
        [],
        ["Postal address: 198 TRAN QUANG KHAI AVENUE HANOI - S.R. VIETNAM", "", "Swift : BFTV VNVX"],
    ]
    return grid


def _vietinbank(account: Account, opening: int, txns: Sequence[Txn], first: date, last: date) -> list[list[str]]:
    balances = _balances(opening, txns)
    closing = balances[-1] if balances else opening
    grid = [
        ["NGÂN HÀNG TMCP CÔNG THƯƠNG VIỆT NAM - VIETINBANK"],
        ["LỊCH SỬ GIAO DỊCH - TRANSACTION HISTORY"],
        ["Số tài khoản / Account No:", account.number],
        ["Tên tài khoản / Account name:", account.holder],
        ["Từ ngày / From date:", _dmy(first), "Đến ngày / To date:", _dmy(last)],
        ["Số dư đầu kỳ / Opening balance:", _dot(opening) or "0"],
        [],
        ["STT / No.", "Ngày giao dịch / Transaction date", "Số giao dịch / Transaction number", "Mô tả giao dịch / Transaction description",
         "Nợ / Debit", "Có / Credit", "Số dư / Balance", "Tên đối ứng / Counterparty name", "Số TK đối ứng / Counterparty account"],
    ]  # fmt: skip
    for n, (txn, balance) in enumerate(zip(txns, balances, strict=True), 1):
        grid.append([str(n), f"{_dmy(txn.booked_on)} {txn.time}", txn.ref, txn.memo, _dot(txn.debit), _dot(txn.credit),
                     _dot(balance) or "0", txn.name, txn.account])  # fmt: skip
    grid += [[], ["Số dư cuối kỳ / Closing balance:", _dot(closing) or "0"]]
    return grid


def _bidv_grid(account: Account, opening: int, txns: Sequence[Txn], first: date, last: date) -> list[list[str]]:
    balances = _balances(opening, txns)
    closing = balances[-1] if balances else opening
    grid = [
        ["NGÂN HÀNG TMCP ĐẦU TƯ VÀ PHÁT TRIỂN VIỆT NAM"],
        ["SAO KÊ TÀI KHOẢN / ACCOUNT STATEMENT"],
        ["Số tài khoản / Account number:", account.number],
        ["Chủ tài khoản / Account holder:", account.holder],
        ["Từ ngày / From:", _dmy(first), "Đến ngày / To:", _dmy(last)],
        [],
        ["STT / No.", "Ngày hiệu lực / Effective date", "Số tham chiếu / Reference No.", "Mô tả / Description", "Ghi nợ / Debit",
         "Ghi có / Credit", "Số dư / Balance", "Số TK đối ứng / Counterparty account"],
    ]  # fmt: skip
    # BIDV lists the newest transaction first, its hour without a leading zero.
    rows = list(zip(txns, balances, strict=True))[::-1]
    for n, (txn, balance) in enumerate(rows, 1):
        grid.append([str(n), f"{_dmy(txn.booked_on)} {int(txn.time[:2])}{txn.time[2:]}", txn.ref, txn.memo, _bidv(txn.debit),
                     _bidv(txn.credit), _bidv(balance) or "0,00", txn.account])  # fmt: skip
    grid += [
        [],
        ["Số dư đầu kỳ / Opening balance", "", "", "", "", "", _bidv(opening) or "0,00"],
        ["Tổng phát sinh / Total", "", "", "", _bidv(sum(t.debit for t in txns)) or "0,00", _bidv(sum(t.credit for t in txns)) or "0,00"],
        ["Số dư cuối kỳ / Closing balance", "", "", "", "", "", _bidv(closing) or "0,00"],
    ]
    return grid


GRIDS = {"vcb": _vcb, "vietinbank": _vietinbank, "bidv": _bidv_grid}


def render_csv(account: Account, opening: int, txns: Sequence[Txn]) -> bytes:
    """The CSV export of ``txns`` (oldest first) on ``account``, ``opening`` the balance before them."""
    first = txns[0].booked_on if txns else date.today()  # noqa: DTZ011 - an empty statement's heading only
    last = txns[-1].booked_on if txns else first
    cells = GRIDS[account.bank](account, opening, txns, first, last)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if account.bank == "bidv" else ",", lineterminator="\r\n")
    writer.writerows(cells)
    text = buffer.getvalue()
    # Vietcombank's CSV carries a byte-order mark (Excel needs it to read UTF-8).
    return ("\ufeff" + text).encode("utf-8") if account.bank == "vcb" else text.encode("utf-8")


def statement_name(account: Account, first: date, last: date) -> str:
    return f"{account.bank}_{account.number[-4:]}_{first:%Y-%m-%d}_{last:%Y-%m-%d}.csv"
