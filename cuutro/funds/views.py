"""Officer screens of funds: record money and goods movements, fetch their documents."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from cuutro.funds import services
from cuutro.funds.forms import MovementForm
from cuutro.funds.models import Fund, LedgerEntry
from cuutro.funds.permissions import can_manage_fund, manageable_funds
from cuutro.funds.reports import Period, fund_report_pdf, receipt_pdf
from cuutro.funds.selectors import fund_summary, ledger_document, receipt_entry
from cuutro.lib.forms import attach_errors
from cuutro.needs.views import officer_required
from cuutro.pledges.permissions import can_act_for_pledge


@officer_required
def officer_funds(request: HttpRequest) -> HttpResponse:
    funds = [(fund, fund_summary(fund=fund).totals) for fund in manageable_funds(user=request.user)]
    return render(request, "funds/officer_funds.html", {"funds": funds})


@officer_required
def movement_new(request: HttpRequest, code: str) -> HttpResponse:
    fund = get_object_or_404(Fund.objects.select_related("campaign", "campaign__area"), code=code)
    if not can_manage_fund(user=request.user, fund=fund):
        raise PermissionDenied(_("Only the province's relief committee can record movements of this fund."))
    form = MovementForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        data, direction = form.movement()
        try:
            entry = services.movement_record(
                actor=request.user, fund=fund, data=data, direction=direction, document=request.FILES.get("document")
            )
        except ValidationError as exc:
            errors = attach_errors(exc, form)
        else:
            messages.success(request, _("Recorded as entry #%(seq)s of the public ledger.") % {"seq": entry.seq})
            if entry.reference:
                messages.info(
                    request,
                    _("Write %(code)s in the bank transfer's memo: the bank statement is then matched to this entry.")
                    % {"code": services.shown_reference(entry.reference)},
                )
            return redirect("funds:officer_funds")
    return render(
        request,
        "funds/movement_form.html",
        {"fund": fund, "totals": fund_summary(fund=fund).totals, "form": form, "errors": errors},
    )


@officer_required
def entry_document(request: HttpRequest, seq: int) -> FileResponse:
    """The paper behind an entry may name households: officials of the fund only."""
    document = ledger_document(seq=seq)
    if document is None or not can_manage_fund(user=request.user, fund=document.entry.fund):
        raise Http404
    response = FileResponse(document.file.open("rb"))
    response["Cache-Control"] = "private, max-age=3600"
    return response


# ---- public documents ----------------------------------------------------------------------


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def fund_report(request: HttpRequest, code: str) -> HttpResponse:
    """The fund's PDF report for a period (?date_from=YYYY-MM-DD&date_to=…), for anyone."""
    fund = get_object_or_404(Fund, code=code)
    period = Period(date_from=_day(request.GET.get("date_from", "")), date_to=_day(request.GET.get("date_to", "")))
    response = HttpResponse(fund_report_pdf(fund=fund, period=period), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="cuutro-{fund.code}.pdf"'
    return response


@login_required
def receipt(request: HttpRequest, seq: int) -> HttpResponse:
    """A receipt for a transfer matched to a pledge: for its donor's side and the fund's officials."""
    entry = receipt_entry(seq=seq)
    if entry is None or entry.pledge is None:
        raise Http404
    if not (can_act_for_pledge(user=request.user, pledge=entry.pledge) or can_manage_fund(user=request.user, fund=entry.fund)):
        raise Http404
    donor = entry.counterparty or entry.pledge.donor_name
    verify_url = request.build_absolute_uri(reverse("reports:entry_public", args=[entry.seq]))
    response = HttpResponse(receipt_pdf(entry=entry, donor_name=donor, verify_url=verify_url), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="bien-nhan-{entry.seq}.pdf"'
    return response


def entry_public(request: HttpRequest, seq: int) -> HttpResponse:
    """Where a receipt's QR code points: a stable address printed on paper, redirecting to the
    entry's page on the public ledger."""
    entry = get_object_or_404(LedgerEntry, seq=seq)
    return redirect("portal:ledger_entry", seq=entry.seq)
