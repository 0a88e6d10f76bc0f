"""PDF documents of the money: a fund's report for a period, and a donor's receipt.

fpdf2 with the vendored DejaVu Sans (fonts/), so Vietnamese renders the same on every machine
without system fonts. A report holds at most REPORT_MAX_ROWS entries; the CSV, XLSX and JSON
Lines exports carry any number.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import segno
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from cuutro.funds.models import Direction, Fund, LedgerEntry, LedgerHead
from cuutro.lib.formats import group_thousands

FONTS = Path(__file__).resolve().parent / "fonts"
REPORT_MAX_ROWS = 5000


def _money(value: Decimal | None) -> str:
    return f"{group_thousands(value)} ₫" if value is not None else ""


class _Document(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_title(title)
        self.set_creator("Cuutro")
        self.set_auto_page_break(auto=True, margin=15)
        self.alias_nb_pages()
        self.add_page()

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("DejaVu", "", 7)
        self.cell(0, 5, _("Page %(page)s of %(pages)s") % {"page": self.page_no(), "pages": "{nb}"}, align="C")

    def heading(self, text: str, size: int = 14) -> None:
        self.set_font("DejaVu", "B", size)
        self.para(size * 0.5, text)
        self.ln(1)

    def para(self, height: float, text: str) -> None:
        """A paragraph across the page; the next one starts at the left margin below it."""
        self.multi_cell(0, height, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def line_of(self, label: str, value: str) -> None:
        self.set_font("DejaVu", "B", 9)
        self.cell(45, 5.5, label)
        self.set_font("DejaVu", "", 9)
        self.para(5.5, value)

    def output_bytes(self) -> bytes:
        return bytes(self.output())


@dataclass(frozen=True)
class Period:
    date_from: date | None = None
    date_to: date | None = None


def report_entries(*, fund: Fund, period: Period) -> QuerySet[LedgerEntry]:
    entries = LedgerEntry.objects.filter(fund=fund).select_related("item", "need", "reverses").order_by("seq")
    if period.date_from:
        entries = entries.filter(booked_on__gte=period.date_from)
    if period.date_to:
        entries = entries.filter(booked_on__lte=period.date_to)
    return entries


def fund_report_pdf(*, fund: Fund, period: Period) -> bytes:
    """The fund's movements in the period, totals, and the chain head to verify them against."""
    entries = report_entries(fund=fund, period=period)
    rows = list(entries[: REPORT_MAX_ROWS + 1])
    head = LedgerHead.objects.filter(pk=1).first()
    money = [e for e in rows[:REPORT_MAX_ROWS] if e.amount is not None]
    money_in = sum((e.amount for e in money if e.direction == Direction.IN and e.amount), Decimal(0))
    money_out = sum((e.amount for e in money if e.direction == Direction.OUT and e.amount), Decimal(0))

    pdf = _Document(_("Report of fund %(name)s") % {"name": fund.name})
    pdf.heading(_("Report of fund %(name)s") % {"name": fund.name})
    pdf.line_of(_("Bank"), fund.bank_name)
    pdf.line_of(_("Account"), f"{fund.account_number} · {fund.account_name}")
    span = " – ".join(d.strftime("%d/%m/%Y") if d else "…" for d in (period.date_from, period.date_to))
    pdf.line_of(_("Period"), span)
    pdf.line_of(_("Money in"), _money(money_in))
    pdf.line_of(_("Money out"), _money(money_out))
    pdf.line_of(_("Generated"), timezone.localtime().strftime("%d/%m/%Y %H:%M"))
    if head is not None:
        pdf.line_of(_("Ledger head"), f"#{head.seq} {head.hash}")
    pdf.ln(3)

    widths = (12, 20, 26, 28, 50, 54)
    headers = (_("No."), _("Date"), _("In / out"), _("Amount"), _("Who"), _("Memo"))
    pdf.set_font("DejaVu", "B", 8)
    for width, text in zip(widths, headers, strict=True):
        pdf.cell(width, 6, text, border=1)
    pdf.ln()
    pdf.set_font("DejaVu", "", 7)
    for entry in rows[:REPORT_MAX_ROWS]:
        unit = entry.item.unit if entry.item else ""
        what = _money(entry.amount) if entry.amount is not None else f"{group_thousands(entry.quantity or 0)} {unit}"
        cells = (
            str(entry.seq),
            entry.booked_on.strftime("%d/%m/%Y"),
            str(entry.get_direction_display()),
            what,
            (entry.counterparty or "")[:40],
            (entry.memo or "")[:45],
        )
        for width, text in zip(widths, cells, strict=True):
            pdf.cell(width, 5, text, border=1)
        pdf.ln()
    if len(rows) > REPORT_MAX_ROWS:
        pdf.ln(2)
        pdf.set_font("DejaVu", "", 8)
        cut = _("Only the first %(n)s entries are in this PDF. The CSV, Excel and JSON exports hold them all.")
        pdf.para(5, cut % {"n": REPORT_MAX_ROWS})
    pdf.ln(3)
    pdf.set_font("DejaVu", "", 8)
    pdf.para(
        4.5,
        _(
            "Every entry is chained by SHA-256 to the one before it. Download the ledger export and chain.py "
            "from the portal and run “python3 chain.py ledger.jsonl” to check that nothing was changed."
        ),
    )
    return pdf.output_bytes()


def receipt_pdf(*, entry: LedgerEntry, donor_name: str, verify_url: str) -> bytes:
    """A receipt for a transfer received (Decree 93 lets a donor ask for one), with a QR code of
    the public address where anyone can check the entry."""
    pdf = _Document(_("Receipt for donation"))
    pdf.heading(_("Receipt for donation"), size=16)
    pdf.line_of(_("Received into"), f"{entry.fund.name} ({entry.fund.bank_name})")
    pdf.line_of(_("From"), donor_name)
    pdf.line_of(_("Amount"), _money(entry.amount))
    pdf.line_of(_("Date"), entry.booked_on.strftime("%d/%m/%Y"))
    if entry.reference:
        pdf.line_of(_("Reference"), entry.pledge.transfer_reference if entry.pledge else entry.reference)
    pdf.line_of(_("Ledger entry"), f"#{entry.seq}")
    pdf.line_of(_("Entry hash"), entry.hash)
    pdf.ln(4)
    buffer = io.BytesIO()
    segno.make(verify_url, error="m").save(buffer, kind="png", scale=6, border=2)
    buffer.seek(0)
    pdf.image(buffer, w=40)
    pdf.set_font("DejaVu", "", 8)
    pdf.para(4.5, _("Scan to see this entry in the public ledger: %(url)s") % {"url": verify_url})
    return pdf.output_bytes()



