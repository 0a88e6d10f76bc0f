"""The column layouts of the banks' statement exports, and the generic one with a column mapping.

Headers are compared in a canonical form (``canon``): folded (no diacritics, đ → d), lower case,
words of letters and digits only. "Số tiền ghi nợ/\\nDebit" becomes "so tien ghi no debit"; a
header also matches when only its Vietnamese part (before "/") does, so "Nợ / Debit" matches
"no". Where each header comes from is said next to the layout; they are the banks' own words,
bilingual as the banks print them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from cuutro.lib.text import fold

_WORDS = re.compile(r"[a-z0-9]+")

# The fields a layout can name. ``date_ref`` is Vietcombank's single cell "dd/mm/yyyy\nDOC NO".
FIELDS = ("date", "value_date", "date_ref", "ref", "debit", "credit", "amount", "balance", "description", "name", "account")
MAPPABLE = ("date", "ref", "debit", "credit", "amount", "balance", "description", "name", "account")


def canon(text: object) -> str:
    return " ".join(_WORDS.findall(fold(str(text or ""))))


def canon_vietnamese_part(text: object) -> str:
    """The part of a bilingual header before its first "/" ("Nợ / Debit" → "no")."""
    return canon(str(text or "").split("/", 1)[0])


@dataclass(frozen=True)
class Layout:
    code: str  # what --layout takes: vcb, vietinbank, bidv, generic
    variant: str  # which of the bank's exports (a bank may have several)
    bank: str | None  # funds.banks code; None for the generic layout
    columns: dict[str, tuple[str, ...]]  # field → accepted headers, canonical
    required: frozenset[str]
    label: str = ""
    # Banks write a few summary rows under the table; the first cell tells them apart.
    footer_words: tuple[str, ...] = field(
        default=("tong", "total", "cong", "so du cuoi ky", "closing balance", "so du dau ky", "opening balance")
    )


def _h(*headers: str) -> tuple[str, ...]:
    return tuple(canon(h) for h in headers)


# Vietcombank, "SAO KÊ TÀI KHOẢN / STATEMENT OF ACCOUNT" (the account statement the Front published
# in September 2024, and VCB's business export "Vietcombank_Account_Statement.xlsx"): title rows
# with the account number and opening balance, then STT, date and document number in ONE cell
# ("04/09/2024\n5285 - 82284"), debit, credit, balance, detail. Amounts are text, "1,000,000".
VCB_STATEMENT = Layout(
    code="vcb",
    variant="statement",
    bank="vcb",
    label="Vietcombank – Sao kê tài khoản / Statement of account",
    columns={
        "date_ref": _h("Ngày GD/ TNX Date Số CT/ Doc No", "Ngày/ TNX Date Số CT/ Doc No", "Ngày1/ TNX Date/ Số CT/ Doc No"),
        "value_date": _h("Ngày hiệu lực/ Effective date", "Ngày hiệu lực2/ Effective date"),
        "debit": _h("Số tiền ghi nợ/ Debit", "Số tiền ghi nợ"),
        "credit": _h("Số tiền ghi có/ Credit", "Số tiền ghi có"),
        "balance": _h("Số dư/ Balance", "Số dư"),
        "description": _h("Nội dung chi tiết/ Transactions in detail", "Nội dung chi tiết"),
    },
    required=frozenset({"date_ref", "debit", "credit", "description"}),
)

# Vietcombank, VCB Digibank "Tra cứu giao dịch" export: Ngày giao dịch, Số tham chiếu, Số tiền ghi
# nợ, Số tiền ghi có, Mô tả; a "Tổng" row closes the table. No running balance.
VCB_DIGIBANK = Layout(
    code="vcb",
    variant="digibank",
    bank="vcb",
    label="Vietcombank – VCB Digibank",
    columns={
        "date": _h("Ngày giao dịch"),
        "ref": _h("Số tham chiếu"),
        "debit": _h("Số tiền ghi nợ"),
        "credit": _h("Số tiền ghi có"),
        "balance": _h("Số dư"),
        "description": _h("Mô tả"),
    },
    required=frozenset({"date", "ref", "debit", "credit", "description"}),
)

# VietinBank, eFAST "LỊCH SỬ GIAO DỊCH - TRANSACTION HISTORY": bilingual headers (Ngày giao dịch /
# Transaction date, Mô tả giao dịch / Transaction description, Nợ / Debit, Có / Credit, Số dư /
# Balance, Số giao dịch / Transaction number), date and time in one cell, amounts "1.000.000";
# the counterparty's name and (partly masked) account in their own columns, as in the statement
# of the Front's VietinBank account published in September 2024.
VIETINBANK = Layout(
    code="vietinbank",
    variant="efast",
    bank="vietinbank",
    label="VietinBank – eFAST",
    columns={
        "date": _h("Ngày giao dịch / Transaction date", "Ngày hạch toán / Accounting date", "Ngày phát sinh / Transaction date"),
        "ref": _h("Số giao dịch / Transaction number", "Số giao dịch"),
        "description": _h("Mô tả giao dịch / Transaction description", "Mô tả giao dịch", "Chi tiết giao dịch"),
        "debit": _h("Nợ / Debit", "Nợ"),
        "credit": _h("Có / Credit", "Có"),
        "balance": _h("Số dư / Balance", "Số dư TK / Account balance", "Số dư"),
        "name": _h("Tên đối ứng / Counterparty name", "Tên đối ứng", "Tên tài khoản đối ứng"),
        "account": _h("Số TK đối ứng / Counterparty account", "Số TK đối ứng", "Tài khoản đối ứng"),
    },
    required=frozenset({"date", "description", "debit", "credit"}),
)

# BIDV, account statement export (BIDV iBank / SmartBanking): "NGÀY HIỆU LỰC", "GHI NỢ", "GHI CÓ",
# "SỐ DƯ", "MÔ TẢ" with English below the Vietnamese, the description before the amounts,
# amounts "1.000.000,00", date and time "dd/mm/yyyy hh:mm:ss", the counterparty's account.
BIDV = Layout(
    code="bidv",
    variant="statement",
    bank="bidv",
    label="BIDV – Sao kê tài khoản",
    columns={
        "date": _h("Ngày hiệu lực / Effective date", "Ngày hiệu lực"),
        "ref": _h("Số tham chiếu / Reference No.", "Số tham chiếu", "Số CT / Doc No"),
        "description": _h("Mô tả / Description", "Mô tả", "Nội dung giao dịch"),
        "debit": _h("Ghi nợ / Debit", "Ghi nợ", "Phát sinh nợ"),
        "credit": _h("Ghi có / Credit", "Ghi có", "Phát sinh có"),
        "balance": _h("Số dư / Balance", "Số dư"),
        "name": _h("Tên TK đối ứng / Counterparty name", "Tên tài khoản đối ứng", "Tên TK đối ứng"),
        "account": _h("Số TK đối ứng / Counterparty account", "Tài khoản đối ứng", "Số TK đối ứng"),
    },
    required=frozenset({"date", "description", "debit", "credit"}),
)

BANK_LAYOUTS = (VCB_STATEMENT, VCB_DIGIBANK, VIETINBANK, BIDV)
LAYOUT_CODES = ("vcb", "vietinbank", "bidv", "generic")
LAYOUT_CHOICES = [
    ("", _("Recognise it")),
    ("vcb", "Vietcombank"),
    ("vietinbank", "VietinBank"),
    ("bidv", "BIDV"),
    ("generic", _("Another bank (column mapping)")),
]


class MappingError(ValueError):
    pass


def generic_layout(mapping: dict[str, str]) -> Layout:
    """A layout from an officer's column mapping, e.g. {"date": "Ngày", "credit": "Có", …}."""
    unknown = sorted(set(mapping) - set(MAPPABLE))
    if unknown:
        raise MappingError(
            str(_("Unknown column name(s) in the mapping: %(names)s. Use %(known)s."))
            % {"names": ", ".join(unknown), "known": ", ".join(MAPPABLE)}
        )
    missing = [name for name in ("date", "description") if not mapping.get(name)]
    if not (mapping.get("credit") or mapping.get("amount")):
        missing.append("credit")
    if missing:
        raise MappingError(str(_("The mapping must name the columns %(names)s.")) % {"names": ", ".join(missing)})
    return Layout(
        code="generic",
        variant="mapping",
        bank=None,
        label=str(_("Column mapping")),
        columns={name: (canon(header),) for name, header in mapping.items() if header},
        required=frozenset(name for name, header in mapping.items() if header),
    )


def parse_mapping(text: str) -> dict[str, str]:
    """``date=Ngày,credit=Có,debit=Nợ`` → {"date": "Ngày", …}."""
    mapping: dict[str, str] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        name, sep, header = part.partition("=")
        if not sep or not header.strip():
            raise MappingError(str(_("Write the mapping as name=Column header, separated by commas: %(part)s")) % {"part": part.strip()})
        mapping[name.strip().lower()] = header.strip()
    return mapping
