"""Officials' screens: import a bank statement, decide the credits reconciliation left open."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from cuutro.funds.forms import MovementForm
from cuutro.funds.models import Fund
from cuutro.funds.selectors import fund_summary
from cuutro.lib.formats import group_thousands
from cuutro.lib.forms import attach_errors
from cuutro.needs.views import officer_required
from cuutro.statements import selectors, services
from cuutro.statements.forms import DecisionForm, ImportForm
from cuutro.statements.layouts import MappingError, parse_mapping
from cuutro.statements.models import QueueStatus, ReviewReason, ReviewStatus
from cuutro.statements.permissions import statement_funds


def _funds_or_403(request: HttpRequest) -> list[Fund]:
    funds = statement_funds(user=request.user)
    if not funds:
        raise PermissionDenied(_("Only the province's relief committee imports bank statements."))
    return funds


def _queue(request: HttpRequest) -> dict[str, Any]:
    queued = selectors.queued_statements(user=request.user)
    waiting = any(q.status == QueueStatus.QUEUED for q in queued)
    return {"queued": queued, "queue_waiting": waiting}


@officer_required
@require_http_methods(["GET", "POST"])
def statements_home(request: HttpRequest) -> HttpResponse:
    funds = _funds_or_403(request)
    if request.method == "GET" and request.GET.get("part") == "queue":  # the queue's own refresh (htmx)
        queue = _queue(request)
        response = render(request, "statements/_queue.html", queue)
        if not queue["queue_waiting"]:
            # The last file is done: reload the whole page once, for the imports table and the
            # review count too (polling stops, since nothing waits any more).
            response["HX-Refresh"] = "true"
        return response
    form = ImportForm(request.POST or None, request.FILES or None, funds=funds)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        fund = next(f for f in funds if f.code == form.cleaned_data["fund"])
        upload = form.cleaned_data["file"]
        try:
            mapping = parse_mapping(form.cleaned_data["mapping"]) if form.cleaned_data["mapping"] else None
            if services.statement_runs_in_background(upload.size):
                services.statement_queue(
                    actor=request.user, fund=fund, file=upload, layout=form.cleaned_data["layout"] or None, mapping=mapping,
                    file_name=upload.name,
                )  # fmt: skip
                messages.success(
                    request,
                    _(
                        "%(file)s is queued: a large statement is imported in the background, usually within a few "
                        "minutes. This page shows the result."
                    )
                    % {"file": upload.name},
                )
                return redirect("statements:home")
            result = services.statement_import(
                actor=request.user, fund=fund, file=upload, layout=form.cleaned_data["layout"] or None, mapping=mapping,
                file_name=upload.name,
            )
        except MappingError as exc:
            form.add_error("mapping", str(exc))
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(
                request,
                _(
                    "%(file)s imported into %(fund)s: %(read)d rows read, %(new)d new, %(known)d already imported; "
                    "%(matched)d credits matched to pledges, %(review)d to review."
                )
                % {
                    "file": upload.name, "fund": fund.name, "read": result.rows_read, "new": result.rows_new,
                    "known": result.rows_duplicate, "matched": result.credits_matched, "review": result.review_items,
                },
            )  # fmt: skip
            return redirect("statements:home")
    return render(
        request,
        "statements/home.html",
        {
            "form": form,
            "errors": errors,
            "imports": selectors.recent_imports(user=request.user),
            **_queue(request),
            "open_count": selectors.review_queue(user=request.user).count(),
        },
    )


@officer_required
def review_queue(request: HttpRequest) -> HttpResponse:
    funds = _funds_or_403(request)
    fund_code, reason = request.GET.get("fund", ""), request.GET.get("reason", "")
    items = selectors.review_queue(user=request.user, fund_code=fund_code, reason=reason)
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "statements/review.html",
        {
            "page": page,
            "funds": funds,
            "fund_code": fund_code,
            "reason": reason,
            "reasons": ReviewReason.choices,
            "querystring": urlencode({"fund": fund_code, "reason": reason}),
        },
    )


DECISIONS = {
    "link": gettext_lazy("Credit #%(seq)s is recorded as the payment of pledge %(pledge)s."),
    "general": gettext_lazy("Credit #%(seq)s is a general donation to the fund."),
    "accept": gettext_lazy("Entry #%(seq)s is accepted as recorded."),
    "same": gettext_lazy("Bank entry #%(seq)s is recorded as the payment of disbursement #%(disbursement)s, counted once."),
}


@officer_required
@require_POST
def review_decide(request: HttpRequest, seq: int, action: str) -> HttpResponse:
    item = selectors.review_item_get_for_official(user=request.user, seq=seq)
    if item is None or action not in DECISIONS:
        raise Http404
    form = DecisionForm(request.POST)
    form.is_valid()
    reason, code = form.cleaned_data.get("reason", ""), form.cleaned_data.get("pledge", "")
    disbursement = form.cleaned_data.get("disbursement", "")
    try:
        if action == "same":
            correction = services.review_debit_same_as(actor=request.user, item=item, disbursement_seq=disbursement, reason=reason)
            disbursement = str(correction.matches.seq if correction.matches else "")
        elif action == "link":
            item = services.review_link_pledge(actor=request.user, item=item, pledge_code=code, reason=reason)
        elif action == "general":
            item = services.review_mark_general(actor=request.user, item=item, reason=reason)
        else:
            item = services.review_accept(actor=request.user, item=item, reason=reason)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, f"#{item.entry_id}: {message}")
    else:
        pledge = item.pledge.code if item.pledge else ""
        messages.success(request, str(DECISIONS[action]) % {"seq": item.entry_id, "pledge": pledge, "disbursement": disbursement})
    return redirect("statements:review")


@officer_required
@require_http_methods(["GET", "POST"])
def review_explain(request: HttpRequest, seq: int) -> HttpResponse:
    """Say what a bank debit paid for: the disbursement form, recorded as the debit's movement."""
    item = selectors.review_item_get_for_official(user=request.user, seq=seq)
    if item is None or item.reason != ReviewReason.DEBIT or item.status != ReviewStatus.OPEN:
        raise Http404
    debit = item.entry
    initial = {"what": "money_out", "amount": group_thousands(debit.amount or 0), "booked_on": debit.booked_on}
    form = MovementForm(request.POST or None, request.FILES or None, initial=initial, money_only=True)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        data, _direction = form.movement()
        try:
            entry = services.review_explain_debit(actor=request.user, item=item, data=data, document=request.FILES.get("document"))
        except ValidationError as exc:
            errors = attach_errors(exc, form)
        else:
            done = _("Recorded as entry #%(seq)s: it says what bank entry #%(debit)s paid for.") % {"seq": entry.seq, "debit": debit.seq}
            messages.success(request, done)
            return redirect("statements:review")
    return render(
        request,
        "funds/movement_form.html",
        {
            "fund": item.fund, "totals": fund_summary(fund=item.fund).totals, "form": form, "errors": errors,
            "debit": debit, "line": getattr(debit, "statement_line", None),
        },
    )
