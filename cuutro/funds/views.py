"""Officer screens of funds: record money and goods movements, fetch their documents."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from cuutro.funds import services
from cuutro.funds.forms import MovementForm
from cuutro.funds.models import Fund, LedgerDocument
from cuutro.funds.permissions import can_manage_fund, manageable_funds
from cuutro.funds.selectors import fund_totals
from cuutro.lib.forms import attach_errors
from cuutro.needs.views import officer_required


@officer_required
def officer_funds(request: HttpRequest) -> HttpResponse:
    funds = [(fund, fund_totals(fund=fund)) for fund in manageable_funds(user=request.user)]
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
            return redirect("funds:officer_funds")
    return render(
        request,
        "funds/movement_form.html",
        {"fund": fund, "totals": fund_totals(fund=fund), "form": form, "errors": errors},
    )


@officer_required
def entry_document(request: HttpRequest, seq: int) -> FileResponse:
    """The paper behind an entry may name households: officials of the fund only."""
    document = LedgerDocument.objects.select_related("entry__fund__campaign__area").filter(entry__seq=seq).first()
    if document is None or not can_manage_fund(user=request.user, fund=document.entry.fund):
        raise Http404
    response = FileResponse(document.file.open("rb"))
    response["Cache-Control"] = "private, max-age=3600"
    return response
