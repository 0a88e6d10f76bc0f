"""The public face of the money: funds, the ledger and its search, "where did my money go", the
chain's head, and the exports. Everything here is public by construction (see funds.models);
the pages still read only through funds.selectors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cuutro.funds import chain
from cuutro.funds import selectors as funds
from cuutro.funds.forms import LedgerFilterForm
from cuutro.lib.public_cache import cache_public
from cuutro.lib.qr import qr_svg
from cuutro.needs.choices import PUBLIC_STATUSES
from cuutro.portal.exports import XLSX_MAX_ROWS, csv_stream, jsonl_stream, xlsx_stream
from cuutro.portal.forms import TraceForm
from cuutro.portal.views import paging_querystring
from cuutro.statements.selectors import pledge_linked_entries

EXPORT_COLUMNS = list(chain.EXPORT_FIELDS)
EXPORT_FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jsonl": "application/x-ndjson; charset=utf-8",
}
PUBLIC_NEED_STATUSES = {str(status) for status in PUBLIC_STATUSES}


def linked_credits(pledge: Any) -> Any:
    """Credits an official tied to the pledge by hand, for its trail (see funds.ledger_trace)."""
    return pledge_linked_entries(pledge=pledge)


def _fund(code: str) -> Any:
    fund = funds.fund_get(code=code)
    if fund is None:
        raise Http404
    return fund


def _summary_context(summary: funds.FundSummary) -> dict[str, Any]:
    return {"summary": summary, "fund": summary.fund, "qr": qr_svg(summary.vietqr, title=summary.fund.code)}


@require_GET
@cache_public
def fund_list(request: HttpRequest) -> HttpResponse:
    summaries = funds.fund_summaries()
    return render(
        request,
        "portal/funds.html",
        {"funds": [_summary_context(s) for s in summaries], "has_entries": funds.ledger_head().seq > 0},
    )


def _ledger_page(request: HttpRequest, fund: Any) -> dict[str, Any]:
    form = LedgerFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return {"form": form, "page": None, "entries": [], "querystring": paging_querystring(request)}
    filters = form.filters() if form.is_bound else funds.LedgerFilters()
    # The lazy list offers what Paginator uses (count() and slices), not the full protocol.
    entries: Any = funds.ledger_list(filters=filters, fund=fund)
    page = Paginator(entries, settings.CUUTRO_PAGE_SIZE).get_page(request.GET.get("page"))
    return {
        "form": form,
        "filtered": filters.active,
        "page": page,
        "entries": page.object_list,
        "capped": entries.capped,
        "querystring": paging_querystring(request),
        "public_need_statuses": PUBLIC_NEED_STATUSES,
    }


@require_GET
@cache_public
def fund_detail(request: HttpRequest, code: str) -> HttpResponse:
    fund = _fund(code)
    context = {**_summary_context(funds.fund_summary(fund=fund)), **_ledger_page(request, fund)}
    return render(request, "portal/fund_detail.html", context)


@require_GET
@cache_public
def ledger_search(request: HttpRequest) -> HttpResponse:
    """The whole ledger, every fund, with the same filters as a fund's page."""
    return render(request, "portal/ledger.html", {**_ledger_page(request, None), "head": funds.ledger_head()})


@require_GET
@cache_public
def ledger_entry(request: HttpRequest, seq: int) -> HttpResponse:
    entry = funds.ledger_entry_get(seq=seq)
    if entry is None:
        raise Http404
    return render(request, "portal/ledger_entry.html", {"entry": entry, "public_need_statuses": PUBLIC_NEED_STATUSES})


@require_GET
@cache_public
def ledger_trace(request: HttpRequest) -> HttpResponse:
    """"Where did my money go": by reference, or by day + amount + last digits of the account."""
    form = TraceForm(request.GET or None)
    trails: list[funds.Trail] = []
    asked = form.is_bound and form.is_valid() and form.asked
    if asked:
        data = form.cleaned_data
        if data.get("reference"):
            trail = funds.ledger_trace(reference=data["reference"], linked=linked_credits)
            trails = [trail] if trail else []
        else:
            trails = funds.ledger_trace_transfer(
                booked_on=data["date_from"], amount=data["amount"], account=data["account"], linked=linked_credits
            )
    return render(
        request,
        "portal/trace.html",
        {"form": form, "asked": asked, "trails": trails, "public_need_statuses": PUBLIC_NEED_STATUSES},
    )


@require_GET
@cache_public
def ledger_head(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/ledger_head.html",
        {"head": funds.ledger_head(), "daily": funds.ledger_daily_heads(), "genesis": chain.GENESIS},
    )


CHAIN_SCRIPT = Path(chain.__file__)


@require_GET
@cache_public
def chain_script(request: HttpRequest) -> HttpResponse:
    """The standalone checker, exactly the file the portal computes hashes with."""
    response = HttpResponse(CHAIN_SCRIPT.read_text(encoding="utf-8"), content_type="text/x-python; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="chain.py"'
    return response


# ---- exports ---------------------------------------------------------------------------------


def _typed(row: dict[str, str]) -> list[Any]:
    """An exported row with numbers and dates as such, for a spreadsheet."""
    cells: list[Any] = []
    for column in EXPORT_COLUMNS:
        value = row.get(column, "")
        if value and column in ("seq", "reverses"):
            cells.append(int(value))
        elif value and column in ("amount", "quantity"):
            cells.append(Decimal(value))
        elif value and column == "booked_on":
            cells.append(date.fromisoformat(value))
        else:
            cells.append(value)
    return cells


def _export(request: HttpRequest, fund: Any, fmt: str) -> HttpResponseBase:
    if fmt not in EXPORT_FORMATS:
        raise Http404
    form = LedgerFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        problems = "; ".join(f"{name}: {' '.join(str(e) for e in errors)}" for name, errors in form.errors.items())
        return HttpResponseBadRequest(problems, content_type="text/plain; charset=utf-8")
    filters = form.filters() if form.is_bound else funds.LedgerFilters()
    if fmt == "xlsx" and funds.ledger_export_exceeds(filters=filters, fund=fund, limit=XLSX_MAX_ROWS):
        message = _("More entries match than a spreadsheet can hold. Narrow the dates, or download CSV or JSON Lines.")
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
    rows = funds.ledger_export_rows_filtered(filters=filters, fund=fund)
    body: Iterator[Any]
    if fmt == "csv":
        body = csv_stream(EXPORT_COLUMNS, ([row.get(c, "") for c in EXPORT_COLUMNS] for row in rows))
    elif fmt == "xlsx":
        body = xlsx_stream(EXPORT_COLUMNS, (_typed(row) for row in rows), sheet=fund.code if fund else "ledger")
    else:
        body = jsonl_stream(rows)
    response = StreamingHttpResponse(body, content_type=EXPORT_FORMATS[fmt])
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="cuutro-ledger-{fund.code if fund else "all"}-{stamp}.{fmt}"'
    return response


@require_GET
def fund_export(request: HttpRequest, code: str, fmt: str) -> HttpResponseBase:
    """A fund's entries matching the page's filters, in chain order, as CSV, XLSX or JSON Lines."""
    return _export(request, _fund(code), fmt)


@require_GET
def ledger_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    """The whole ledger (or what matches the filters); unfiltered JSON Lines is the file that
    ``chain.py`` verifies end to end."""
    return _export(request, None, fmt)
