"""Read a bank statement file (CSV or XLSX) into checked rows, or refuse it as a whole.

Nothing here touches the database. ``read_statement`` finds the header row under the bank's
title rows, reads every row of the table, checks that each balance follows from the one before
(opening + credits − debits = closing where the statement gives balances) and returns a
``Statement``; any problem raises ``StatementError`` with row-numbered messages, so the
caller saves nothing. Row numbers are the ones a spreadsheet shows (the first row is 1).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from cuutro.lib.formats import group_thousands
from cuutro.statements.layouts import BANK_LAYOUTS, Layout, canon, canon_vietnamese_part

HEADER_SEARCH_ROWS = 60  # banks put a dozen title rows above the table; allow a few more
MAX_ERRORS = 20  # a broken file gets the first problems, not a thousand lines
MAX_AMOUNT = 10**15  # đồng; anything larger is a misread cell


class StatementError(ValueError):
    """The file as a whole is refused; ``messages`` says why, row by row (translated)."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


@dataclass(slots=True)
class Row:
    number: int  # row in the file, as a spreadsheet numbers it
    booked_on: date
    bank_ref: str
    debit: int  # đồng; 0 when the row is a credit
    credit: int
    balance: int | None
    description: str  # as the bank gave it, line breaks kept
    counterparty_name: str
    counterparty_account: str

    @property
    def amount(self) -> int:
        return self.credit or self.debit

    @property
    def direction(self) -> str:
        return "in" if self.credit else "out"


@dataclass
class Statement:
    layout: Layout
    rows: list[Row]  # in the order the money moved (oldest first), whatever the file's order
    opening: int | None  # as stated in the file
    closing: int | None
    account: str  # the account number the title rows name, digits only ("" if none)


# ---- cells ------------------------------------------------------------------------------------

_DATE_RE = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?:[ T]+\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?)?\s*$")
_ISO_RE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?)?\s*$")
_DATE_REF_RE = re.compile(r"^\s*(\d{1,2}[/.\-]\d{1,2}[/.\-]\d{4}(?:[ T]+\d{1,2}:\d{2}(?::\d{2})?)?)\s*(.*?)\s*$", re.DOTALL)
_AMOUNT_JUNK = re.compile(r"(?i)\s|vnd|vnđ|đồng|đ|₫|\u00a0")
_THOUSANDS = {".": re.compile(r"^\d{1,3}(?:\.\d{3})+$"), ",": re.compile(r"^\d{1,3}(?:,\d{3})+$")}
_GROUPED = re.compile(r"\d{1,3}(?:([.,])\d{3})+")  # "1,000,000" or "1.000.000": most cells
_date_cache: dict[str, date] = {}


def parse_date(value: Any) -> date:
    """A statement date: dd/mm/yyyy (time allowed), yyyy-mm-dd, or a spreadsheet date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "")
    cached = _date_cache.get(text)
    if cached is not None:
        return cached
    match = _DATE_RE.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
    else:
        match = _ISO_RE.match(text)
        if not match:
            raise ValueError(text)
        year, month, day = (int(g) for g in match.groups())
    parsed = date(year, month, day)  # ValueError on 31/02/2024
    if len(_date_cache) < 10_000:
        _date_cache[text] = parsed
    return parsed


def parse_amount(value: Any) -> int:
    """Whole đồng from "1,000,000", "1.000.000", "1.000.000,00", "1,000,000.00", 1000000 or
    1000000.0; an empty cell is 0. A fraction of a đồng is refused (ValueError)."""
    if value is None:
        return 0
    if isinstance(value, bool):
        raise ValueError(str(value))
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(str(value))
        return int(value)
    if isinstance(value, Decimal):
        if value != value.to_integral_value():
            raise ValueError(str(value))
        return int(value)
    text = str(value)
    if text.isdigit():
        return int(text)
    grouped = _GROUPED.fullmatch(text)
    if grouped:
        return int(text.replace(grouped.group(1), ""))
    text = _AMOUNT_JUNK.sub("", text)
    sign = 1
    if text and text[0] in "+-":
        sign = -1 if text[0] == "-" else 1
        text = text[1:]
    if text in ("", "-"):
        return 0
    if text.isdigit():
        return sign * int(text)
    dot, comma = text.rfind("."), text.rfind(",")
    if dot < 0 and comma < 0:
        raise ValueError(value)
    if dot >= 0 and comma >= 0:
        decimal_mark = "." if dot > comma else ","
        whole, fraction = text.rsplit(decimal_mark, 1)
        thousands = "," if decimal_mark == "." else "."
        if not _THOUSANDS[thousands].match(whole) and not whole.isdigit():
            raise ValueError(value)
    else:
        mark = "." if dot >= 0 else ","
        if text.count(mark) > 1 or len(text) - text.rfind(mark) - 1 == 3:
            if not _THOUSANDS[mark].match(text):
                raise ValueError(value)
            return sign * int(text.replace(mark, ""))
        whole, fraction = text.split(mark)
    if not whole.replace(".", "").replace(",", "").isdigit() or not fraction.isdigit() or len(fraction) > 2:
        raise ValueError(value)
    if int(fraction):
        raise ValueError(value)  # no minor unit in đồng
    return sign * int(whole.replace(".", "").replace(",", ""))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# ---- reading files ----------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1258")  # Windows Vietnamese, what older exports use


def _csv_rows(data: bytes) -> tuple[list[list[Any]], Iterator[list[Any]]]:
    """The first rows (to find the header) and an iterator over all rows, with the delimiter
    that makes a known header appear (comma, semicolon or tab)."""
    text = _decode(data)
    sample = text[:200_000]
    best = ","
    best_width = -1
    for delimiter in (",", ";", "\t"):
        head = list(_limit(csv.reader(io.StringIO(sample), delimiter=delimiter), HEADER_SEARCH_ROWS))
        width = max((sum(1 for cell in row if cell.strip()) for row in head), default=0)
        if width > best_width:
            best, best_width = delimiter, width
    reader = csv.reader(io.StringIO(text), delimiter=best)
    return list(_limit(csv.reader(io.StringIO(sample), delimiter=best), HEADER_SEARCH_ROWS)), reader


def _limit(rows: Iterable[list[Any]], count: int) -> Iterator[list[Any]]:
    for index, row in enumerate(rows):
        if index >= count:
            return
        yield row


def _xlsx_rows(data: bytes) -> tuple[list[list[Any]], Iterator[list[Any]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise StatementError([_("The file looks like an Excel workbook but cannot be opened: %(error)s") % {"error": exc}]) from exc
    sheet = book.worksheets[0]

    def rows() -> Iterator[list[Any]]:
        for values in sheet.iter_rows(values_only=True):
            yield list(values)

    head = list(_limit(rows(), HEADER_SEARCH_ROWS))
    return head, rows()


def _open(data: bytes) -> tuple[list[list[Any]], Iterator[list[Any]]]:
    if data.startswith(b"PK\x03\x04"):
        return _xlsx_rows(data)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise StatementError([_("This is an old Excel file (.xls). Open it in Excel and save it as .xlsx or CSV, then import that.")])
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise StatementError([_("This file is neither a CSV nor an Excel (.xlsx) statement.")])
    return _csv_rows(data)


# ---- the header -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    layout: Layout
    row_index: int  # 0-based
    columns: dict[str, int]  # field → column index


def _match_header(layout: Layout, cells: list[Any]) -> dict[str, int] | None:
    forms = [(canon(cell), canon_vietnamese_part(cell)) for cell in cells]
    found: dict[str, int] = {}
    for name, accepted in layout.columns.items():
        for index, (full, vietnamese) in enumerate(forms):
            if index in found.values() or not full:
                continue
            if full in accepted or vietnamese in accepted:
                found[name] = index
                break
    return found if layout.required <= found.keys() else None


def find_header(head: list[list[Any]], layouts: Iterable[Layout]) -> Header | None:
    """The first row that carries every required column of a layout (the layout naming the most
    columns wins when two fit the same row)."""
    for row_index, cells in enumerate(head):
        best: Header | None = None
        for layout in layouts:
            columns = _match_header(layout, cells)
            if columns is not None and (best is None or len(columns) > len(best.columns)):
                best = Header(layout=layout, row_index=row_index, columns=columns)
        if best is not None:
            return best
    return None


# ---- title and footer rows --------------------------------------------------------------------

_OPENING = ("so du dau ky", "opening balance", "du dau ky", "so du dau")
_CLOSING = ("so du cuoi ky", "closing balance", "du cuoi ky", "so du cuoi")
_ACCOUNT = ("so tai khoan", "account number", "account no", "so tk")
_NUMBER_TOKEN = re.compile(r"\d[\d.\-]*\d")


def _labelled_value(cells: list[Any], labels: tuple[str, ...]) -> tuple[bool, list[str]]:
    """Whether a cell of the row starts with one of ``labels``; and the texts after it (the rest of
    that cell after a colon, then the following cells)."""
    for index, cell in enumerate(cells):
        text = _text(cell)
        form = canon(text)
        if form and any(form.startswith(label) for label in labels):
            after_colon = text.split(":", 1)[1].strip() if ":" in text else ""
            rest = [after_colon] if after_colon else []
            return True, rest + [_text(c) for c in cells[index + 1 :] if _text(c)]
    return False, []


def _balance_in(cells: list[Any], labels: tuple[str, ...]) -> int | None:
    found, texts = _labelled_value(cells, labels)
    if not found:
        return None
    for text in texts:
        try:
            return parse_amount(text)
        except ValueError:
            continue
    return None


def _account_in(cells: list[Any]) -> str:
    found, texts = _labelled_value(cells, _ACCOUNT)
    if not found:
        return ""
    for text in texts:
        for token in _NUMBER_TOKEN.findall(text):
            digits = token.replace(".", "").replace("-", "")
            if 6 <= len(digits) <= 19:
                return digits
    return ""


def _is_footer(layout: Layout, cells: list[Any]) -> bool:
    for cell in cells:
        if cell is None or cell == "":
            continue
        if not isinstance(cell, str) or cell[:1].isdigit():
            return False  # a row number, a date or an amount: a transaction
        form = canon(cell)
        if form:
            return any(form == word or form.startswith(word + " ") for word in layout.footer_words)
    return False


# ---- the table ----------------------------------------------------------------------------------


def _cell(cells: list[Any], index: int | None) -> Any:
    if index is None or index >= len(cells):
        return None
    return cells[index]


def _money(value: Any, row: int, column: str, errors: list[str], *, signed: bool = False) -> int:
    try:
        amount = parse_amount(value)
    except (ValueError, InvalidOperation):
        message = _("Row %(row)d: the %(column)s “%(value)s” is not an amount in whole đồng.")
        errors.append(message % {"row": row, "column": column, "value": _text(value)})
        return 0
    if abs(amount) > MAX_AMOUNT or (amount < 0 and not signed):
        message = _("Row %(row)d: the %(column)s “%(value)s” is not a plausible amount.")
        errors.append(message % {"row": row, "column": column, "value": _text(value)})
        return 0
    return amount


def _column_names() -> dict[str, str]:
    return {"debit": _("debit"), "credit": _("credit"), "amount": _("amount"), "balance": _("balance")}


def read_statement(data: bytes, *, layouts: Iterable[Layout] = BANK_LAYOUTS) -> Statement:
    """Parse and check a whole statement; raise ``StatementError`` (nothing partial) if anything
    is wrong. ``layouts`` are the ones to try (one when the officer chose it)."""
    layouts = list(layouts)
    head, all_rows = _open(data)
    header = find_header(head, layouts)
    if header is None:
        known = ", ".join(sorted({layout.label or layout.code for layout in layouts}))
        raise StatementError(
            [
                _(
                    "The layout of this file is not recognised: no row carries the columns of %(layouts)s. "
                    "Choose the bank, or map the columns (date=…, credit=…, debit=…, description=…)."
                )
                % {"layouts": known}
            ]
        )
    layout, columns = header.layout, header.columns
    names = _column_names()
    errors: list[str] = []
    rows: list[Row] = []
    opening = closing = None
    account = ""
    in_footer = False
    col = columns.get
    i_date, i_value_date, i_date_ref, i_ref = col("date"), col("value_date"), col("date_ref"), col("ref")
    i_debit, i_credit, i_amount, i_balance = col("debit"), col("credit"), col("amount"), col("balance")
    i_desc, i_name, i_account = col("description"), col("name"), col("account")
    first_data = header.row_index + 1

    for index, cells in enumerate(all_rows):
        number = index + 1
        if index < first_data:
            if index < header.row_index:  # title rows: account, balances
                opening = opening if opening is not None else _balance_in(cells, _OPENING)
                closing = closing if closing is not None else _balance_in(cells, _CLOSING)
                account = account or _account_in(cells)
            continue
        if len(errors) >= MAX_ERRORS:
            errors.append(_("… and more: the file stops being checked after %(count)d problems.") % {"count": MAX_ERRORS})
            break
        if not any(_text(cell) for cell in cells):
            continue
        if in_footer or _is_footer(layout, cells):
            in_footer = True
            opening = opening if opening is not None else _balance_in(cells, _OPENING)
            closing = closing if closing is not None else _balance_in(cells, _CLOSING)
            continue

        raw_date = _cell(cells, i_date if i_date is not None else i_date_ref)
        bank_ref = _text(_cell(cells, i_ref))
        if i_date_ref is not None:
            match = _DATE_REF_RE.match(_text(raw_date))
            raw_date, bank_ref = (match.group(1), " ".join(match.group(2).split())) if match else (raw_date, "")
        if i_value_date is not None and _text(_cell(cells, i_value_date)):
            raw_date = _cell(cells, i_value_date)
        description = _text(_cell(cells, i_desc))
        amounts = [_cell(cells, i) for i in (i_debit, i_credit, i_amount) if i is not None]
        if not _text(raw_date) and not any(_text(a) for a in amounts) and description and rows:
            # A memo that ran over into the next row (some exports wrap long memos so).
            rows[-1].description += f"\n{description}"
            continue
        problems = len(errors)
        try:
            booked_on = parse_date(raw_date)
        except ValueError:
            errors.append(_("Row %(row)d: “%(value)s” is not a date (dd/mm/yyyy).") % {"row": number, "value": _text(raw_date)})
            continue
        debit = _money(_cell(cells, i_debit), number, names["debit"], errors) if i_debit is not None else 0
        credit = _money(_cell(cells, i_credit), number, names["credit"], errors) if i_credit is not None else 0
        if i_amount is not None:
            signed = _money(_cell(cells, i_amount), number, names["amount"], errors, signed=True)
            if signed > 0 and not credit:
                credit = signed
            elif signed < 0 and not debit:
                debit = -signed
        balance = None
        if i_balance is not None and _text(_cell(cells, i_balance)):
            balance = _money(_cell(cells, i_balance), number, names["balance"], errors, signed=True)
        if debit and credit:
            errors.append(_("Row %(row)d: a row is either a debit or a credit, not both.") % {"row": number})
            continue
        if len(errors) > problems:
            continue  # an amount of this row was already reported
        if not debit and not credit:
            errors.append(_("Row %(row)d: there is no amount (neither debit nor credit).") % {"row": number})
            continue
        rows.append(
            Row(
                number=number,
                booked_on=booked_on,
                bank_ref=bank_ref[:64],
                debit=debit,
                credit=credit,
                balance=balance,
                description=description,
                counterparty_name=_text(_cell(cells, i_name))[:200],
                counterparty_account=_text(_cell(cells, i_account))[:40],
            )
        )

    if errors:
        raise StatementError(errors)
    if not rows:
        raise StatementError([_("The statement has no transactions under its header row.")])
    rows = _in_time_order(rows, opening)
    errors = check_balances(rows, opening=opening, closing=closing)
    if errors:
        raise StatementError(errors)
    return Statement(layout=layout, rows=rows, opening=opening, closing=closing, account=account)


# ---- balances -----------------------------------------------------------------------------------


def _amount_text(value: int) -> str:
    return group_thousands(value)


def check_balances(rows: list[Row], *, opening: int | None, closing: int | None) -> list[str]:
    """Each stated balance must be the one before plus its credit minus its debit, and the
    opening balance plus all credits minus all debits the closing one."""
    errors: list[str] = []
    previous = opening
    for row in rows:
        expected = None if previous is None else previous + row.credit - row.debit
        if row.balance is None:
            previous = expected
            continue
        if expected is not None and expected != row.balance:
            errors.append(
                _("Row %(row)d: the balance %(balance)s does not follow: %(previous)s + %(credit)s − %(debit)s = %(expected)s.")
                % {
                    "row": row.number,
                    "balance": _amount_text(row.balance),
                    "previous": _amount_text(previous or 0),
                    "credit": _amount_text(row.credit),
                    "debit": _amount_text(row.debit),
                    "expected": _amount_text(expected),
                }
            )
            if len(errors) >= MAX_ERRORS:
                break
        previous = row.balance
    if errors:
        return errors
    credits = sum(row.credit for row in rows)
    debits = sum(row.debit for row in rows)
    if opening is not None and closing is not None and opening + credits - debits != closing:
        errors.append(
            _(
                "The closing balance %(closing)s does not follow: "
                "opening %(opening)s + credits %(credits)s − debits %(debits)s = %(expected)s."
            )
            % {
                "closing": _amount_text(closing),
                "opening": _amount_text(opening),
                "credits": _amount_text(credits),
                "debits": _amount_text(debits),
                "expected": _amount_text(opening + credits - debits),
            }
        )
    elif closing is not None and rows[-1].balance is not None and rows[-1].balance != closing:
        errors.append(
            _("The closing balance %(closing)s is not the balance after the last row, %(last)s.")
            % {"closing": _amount_text(closing), "last": _amount_text(rows[-1].balance)}
        )
    return errors


def _in_time_order(rows: list[Row], opening: int | None) -> list[Row]:
    """Banks list newest first or oldest first. Newest first shows as falling dates or, within a
    single day, as balances that only follow when read from the bottom."""
    if rows[0].booked_on > rows[-1].booked_on:
        return rows[::-1]
    if rows[0].booked_on == rows[-1].booked_on and len(rows) > 1 and check_balances(rows, opening=opening, closing=None):
        backwards = rows[::-1]
        if not check_balances(backwards, opening=opening, closing=None):
            return backwards
    return rows


# ---- identity of a row --------------------------------------------------------------------------


def row_keys(rows: list[Row]) -> list[str]:
    """A key per row that is the same whichever statement (or format) the row comes from.

    With the bank's document number: day, number, direction and amount. Without: day,
    direction, amount, balance and the memo. Rows identical in all of these (two gifts of
    100.000 đ with the same memo on one day, in an export without numbers or balances) are told
    apart by their order within the day: the second such row is "…|2", in every statement that
    covers that day.
    """
    seen: dict[str, int] = {}
    keys: list[str] = []
    for row in rows:
        if row.bank_ref:
            material = f"r|{row.booked_on.isoformat()}|{row.bank_ref}|{row.direction}|{row.amount}"
        else:
            memo = " ".join(row.description.split())
            balance = "" if row.balance is None else str(row.balance)
            material = f"d|{row.booked_on.isoformat()}|{row.direction}|{row.amount}|{balance}|{memo}"
        count = seen.get(material, 0) + 1
        seen[material] = count
        if count > 1:
            material = f"{material}|{count}"
        keys.append(hashlib.sha256(material.encode("utf-8")).hexdigest()[:40])
    return keys
