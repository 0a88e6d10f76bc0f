"""Web pages of pledges: donors pledge, follow and hand over; commune officers confirm on the
ground. Thin: forms collect input, ``services`` decide and write, ``selectors`` read."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from cuutro.accounts.selectors import area_in_scope, user_organisations
from cuutro.lib.forms import attach_errors
from cuutro.lib.qr import qr_svg
from cuutro.needs import selectors as needs
from cuutro.needs.choices import OPEN_STATUSES, quantity_text
from cuutro.needs.views import officer_required
from cuutro.pledges import selectors, services
from cuutro.pledges.choices import CONFIRMABLE_STATUSES, UNDELIVERED_STATUSES, HandoverStatus
from cuutro.pledges.forms import ConfirmForm, HandoverForm, PledgeForm, ReasonForm
from cuutro.pledges.models import Pledge
from cuutro.pledges.permissions import can_act_for_pledge, can_confirm, can_see_contact, confirm_refusal

ACTION_MESSAGES = {
    "ship": gettext_lazy("Pledge %(code)s is marked as on the way."),
    "deliver": gettext_lazy("Pledge %(code)s is marked as delivered. The commune officer will now check and confirm it."),
    "cancel": gettext_lazy("Pledge %(code)s is cancelled. The quantity is open to other donors again."),
}

# The history of a pledge in plain words (the audit log's dotted names mean nothing to a donor).
HISTORY_LABELS = {
    "pledges.pledge.created": gettext_lazy("pledged"),
    "pledges.pledge.shipped": gettext_lazy("marked it as on the way"),
    "pledges.pledge.delivered": gettext_lazy("marked it as delivered"),
    "pledges.pledge.confirmed": gettext_lazy("confirmed the delivery"),
    "pledges.pledge.cancelled": gettext_lazy("cancelled it"),
    "pledges.pledge.expired": gettext_lazy("it expired (not delivered in time)"),
    "pledges.pledge.handover_requested": gettext_lazy("asked to take it over"),
    "pledges.pledge.handed_over": gettext_lazy("handed it over to another donor"),
    "pledges.pledge.handover_declined": gettext_lazy("declined a request to take it over"),
    "pledges.pledge.handover_expired": gettext_lazy("a request to take it over lapsed unanswered"),
    "pledges.pledge.payment_received": gettext_lazy("the money arrived on the fund's account"),
}


def _history(pledge: Pledge, *, viewer: Any) -> list[tuple[selectors.HistoryEntry, str]]:
    return [
        (entry, str(HISTORY_LABELS.get(entry.action, entry.action)))
        for entry in selectors.pledge_history_for(pledge=pledge, viewer=viewer)
    ]


def _what(pledge: Pledge) -> str:
    return quantity_text(pledge.quantity, pledge.need_item.item.unit)


def _plain(value: Decimal) -> str:
    """A quantity as a form value: 5, 2.5 (never 5.00 or 1E+1)."""
    return f"{value.normalize():f}"


# ---- donors ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def pledge_new(request: HttpRequest, need_code: str) -> HttpResponse:
    need = needs.need_get_public(code=need_code)
    if need is None:
        raise Http404
    public = needs.need_public_view(need)
    if public.code != need_code:
        query = f"?{request.GET.urlencode()}" if request.GET else ""
        return redirect(reverse("pledges:new", args=[public.code]) + query)
    organisations = user_organisations(user=request.user)
    open_items = [i for i in public.items if i.remaining > 0]
    preselected = request.GET.get("item", "")
    if not preselected.isdigit() and len(open_items) == 1:
        preselected = str(open_items[0].id)  # nothing to choose
    initial = {
        "need_item": preselected if preselected.isdigit() else "",
        "expected_on": timezone.localdate() + timedelta(days=3),
        "show_as": "organisation" if organisations else "anonymous",
        "organisation": organisations[0].pk if len(organisations) == 1 else "",
        "contact_name": request.user.display_name(),  # type: ignore[union-attr]
    }
    form = PledgeForm(request.POST or None, items=public.items, organisations=organisations, initial=initial)
    errors: list[str] = []
    offer: dict[str, Any] | None = None
    taking_pledges = public.status in OPEN_STATUSES
    if request.method == "POST" and form.is_valid():
        try:
            pledge = services.pledge_create(actor=request.user, data=form.pledge_data())
        except services.OverPledgedError as exc:
            errors = [exc.message]
            if exc.remaining > 0:
                # One click re-sends the same form with what remains.
                fields = [(k, v) for k, vs in request.POST.lists() if k not in {"csrfmiddlewaretoken", "quantity"} for v in vs]
                item = next(i for i in public.items if i.id == form.cleaned_data["need_item"])
                offer = {"fields": [*fields, ("quantity", _plain(exc.remaining))], "what": quantity_text(exc.remaining, item.unit)}
        except services.PledgeStateError as exc:
            errors = [exc.message]
            taking_pledges = False
        except ValidationError as exc:
            errors = attach_errors(exc, form)
        else:
            messages.success(
                request,
                _("Thank you! Pledge %(code)s is recorded: %(what)s for need %(need)s. Bring it by %(date)s and show the slip.")
                % {"code": pledge.code, "what": _what(pledge), "need": public.code, "date": pledge.expected_on.strftime("%d/%m/%Y")},
            )
            return redirect("pledges:detail", code=pledge.code)
        # What remains has changed under us: show today's figures.
        refreshed = needs.need_get_public(code=public.code)
        if refreshed is not None:
            public = needs.need_public_view(refreshed)
            taking_pledges = taking_pledges and public.status in OPEN_STATUSES
    return render(
        request,
        "pledges/pledge_form.html",
        {
            "need": public,
            "items": [i for i in public.items if i.remaining > 0],
            "form": form,
            "errors": errors,
            "offer": offer,
            "taking_pledges": taking_pledges,
            "has_organisations": bool(organisations),
        },
    )


@login_required
def my_pledges(request: HttpRequest) -> HttpResponse:
    pledges = selectors.pledges_of_user(user=request.user)
    return render(
        request,
        "pledges/my_pledges.html",
        {
            "rows": [(p, selectors.pledge_next_step(pledge=p, user=request.user)) for p in pledges],
            "handovers": selectors.handovers_requested_by(user=request.user)[:20],
        },
    )


@login_required
def pledge_detail(request: HttpRequest, code: str) -> HttpResponse:
    pledge = selectors.pledge_get_for_user(user=request.user, code=code)
    if pledge.code != code:
        return redirect("pledges:detail", code=pledge.code)
    need = pledge.need
    holder = can_act_for_pledge(user=request.user, pledge=pledge)
    handovers = list(selectors.handovers_visible_to(pledge=pledge, viewer=request.user))
    official = area_in_scope(user=request.user, area=need.area)
    return render(
        request,
        "pledges/pledge_detail.html",
        {
            "pledge": pledge,
            "need": need,
            "what": _what(pledge),
            "donor_name": pledge.donor_name,
            "deadline": pledge.deadline,
            "undelivered": pledge.status in UNDELIVERED_STATUSES,
            "next_step": selectors.pledge_next_step(pledge=pledge, user=request.user),
            "holder": holder,
            "show_contact": can_see_contact(user=request.user, pledge=pledge, need=need),
            # What the household's representative said and signed stays with the officials.
            "is_official": official,
            "may_confirm": pledge.status in CONFIRMABLE_STATUSES and can_confirm(user=request.user, pledge=pledge, need=need),
            "confirmation": getattr(pledge, "confirmation", None),
            "open_handover": next((h for h in handovers if h.status == HandoverStatus.OPEN), None),
            "past_handovers": [h for h in handovers if h.status != HandoverStatus.OPEN],
            "history": _history(pledge, viewer=request.user),
        },
    )


@require_POST
@login_required
def pledge_action(request: HttpRequest, code: str, action: str) -> HttpResponse:
    do = services.PLEDGE_ACTIONS.get(action)
    if do is None:
        raise Http404
    pledge = selectors.pledge_get_for_user(user=request.user, code=code)
    form = ReasonForm(request.POST)
    if not form.is_valid():  # e.g. a control character: say so, never act without the reason given
        messages.error(request, " ".join(str(m) for errors in form.errors.values() for m in errors))
        return redirect("pledges:detail", code=pledge.code)
    reason = form.cleaned_data["reason"]
    try:
        do(actor=request.user, pledge=pledge, reason=reason)  # PermissionDenied: 403
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except services.PledgeStateError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, str(ACTION_MESSAGES[action]) % {"code": pledge.code})
    return redirect("pledges:detail", code=pledge.code)


@login_required
def pledge_slip(request: HttpRequest, code: str) -> HttpResponse:
    """The printed slip the donor brings; its QR code opens the officer's confirmation screen."""
    pledge = selectors.pledge_get_for_user(user=request.user, code=code)
    confirm_url = request.build_absolute_uri(reverse("pledges:confirm", args=[pledge.code]))
    qr = qr_svg(confirm_url, title=pledge.code, light=None)
    return render(
        request,
        "pledges/slip.html",
        {
            "pledge": pledge,
            "need": pledge.need,
            "what": _what(pledge),
            "donor_name": pledge.donor_name,
            "confirm_url": confirm_url,
            "qr": qr,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def handover_new(request: HttpRequest, code: str) -> HttpResponse:
    """Someone else asks the holder of a public, undelivered pledge to let them take it over."""
    pledge = selectors.pledge_get_public(code=code)
    if pledge is None:
        raise Http404
    if can_act_for_pledge(user=request.user, pledge=pledge):
        messages.info(request, _("This pledge is already yours."))
        return redirect("pledges:detail", code=pledge.code)
    organisations = user_organisations(user=request.user)
    form = HandoverForm(
        request.POST or None,
        organisations=organisations,
        initial={
            "contact_name": request.user.display_name(),  # type: ignore[union-attr]
            "organisation": organisations[0].pk if len(organisations) == 1 else "",
        },
    )
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            handover = services.handover_request(actor=request.user, pledge=pledge, data=form.handover_data())
        except ValidationError as exc:
            errors = attach_errors(exc, form)
        except services.PledgeStateError as exc:
            errors = [exc.message]
        else:
            messages.success(
                request,
                _("Your request to take over pledge %(code)s was sent to its donor. They have until %(until)s to answer.")
                % {"code": pledge.code, "until": timezone.localtime(handover.expires_at).strftime("%d/%m/%Y %H:%M")},
            )
            return redirect("pledges:mine")
    return render(
        request,
        "pledges/handover_form.html",
        {
            "pledge": selectors.pledge_public_view(pledge),
            "need_code": pledge.need.code,
            "form": form,
            "errors": errors,
            "open_for_handover": pledge.status in UNDELIVERED_STATUSES,
            "already_asked": selectors.handover_open_for(pledge=pledge) is not None,
        },
    )


@require_POST
@login_required
def handover_answer(request: HttpRequest, pk: int, answer: str) -> HttpResponse:
    if answer not in {"accept", "decline"}:
        raise Http404
    handover = selectors.handover_get_for_holder(user=request.user, pk=pk)
    code = handover.pledge.code
    form = ReasonForm(request.POST)
    if not form.is_valid():  # e.g. a control character: say so, never act without the reason given
        messages.error(request, " ".join(str(m) for errors in form.errors.values() for m in errors))
        return redirect("pledges:detail", code=code)
    reason = form.cleaned_data["reason"]
    try:
        if answer == "accept":
            services.handover_accept(actor=request.user, request=handover, reason=reason)
        else:
            services.handover_decline(actor=request.user, request=handover, reason=reason)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("pledges:detail", code=code)
    except services.PledgeStateError as exc:
        messages.error(request, exc.message)
        return redirect("pledges:detail", code=code)
    if answer == "decline":
        messages.success(request, _("You declined the request. Pledge %(code)s stays yours.") % {"code": code})
        return redirect("pledges:detail", code=code)
    messages.success(request, _("Pledge %(code)s is handed over. Thank you for letting someone closer deliver it.") % {"code": code})
    if selectors.pledges_visible_to(user=request.user).filter(pk=handover.pledge_id).exists():
        return redirect("pledges:detail", code=code)
    return redirect("pledges:mine")


# ---- commune officers -----------------------------------------------------------------------


@officer_required
def officer_deliveries(request: HttpRequest) -> HttpResponse:
    lists = selectors.officer_deliveries(user=request.user)

    def rows(pledges: list[Pledge]) -> list[dict[str, Any]]:
        return [
            {"pledge": p, "what": _what(p), "may_confirm": can_confirm(user=request.user, pledge=p, need=p.need)}
            for p in pledges
        ]

    return render(
        request,
        "pledges/officer_deliveries.html",
        {
            # (anchor, heading, what to do, rows): the most pressing first.
            "sections": [
                ("awaiting", _("Delivered – waiting for your confirmation"),
                 _("The donor says these arrived. Check with the recipient, then confirm."), rows(lists.awaiting_confirmation)),
                ("overdue", _("Late: the expected date has passed"),
                 _("Call the donor: are they still coming? If not delivered in time, the pledge expires by itself."), rows(lists.overdue)),
                ("week", _("Expected in the next 7 days"),
                 _("Be ready to receive these and to confirm them on the spot."), rows(lists.expected_this_week)),
            ],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def pledge_confirm(request: HttpRequest, code: str) -> HttpResponse:
    """The slip's QR code lands here: a commune officer confirms on the ground, on a phone."""
    pledge = selectors.pledge_get_for_user(user=request.user, code=code)
    refusal = confirm_refusal(user=request.user, pledge=pledge, need=pledge.need)
    if refusal:
        raise PermissionDenied(refusal)
    form = ConfirmForm(request.POST or None, request.FILES or None, initial={"evidence_kind": "photo"})
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.pledge_confirm(
                actor=request.user,
                pledge=pledge,
                evidence=request.FILES.get("evidence"),
                evidence_kind=d.get("evidence_kind") or "",
                acknowledged=bool(d.get("acknowledged")),
                received_by=d.get("received_by") or "",
                note=d.get("note") or "",
            )
        except ValidationError as exc:
            errors = attach_errors(exc, form)
        except services.PledgeStateError as exc:
            errors = [exc.message]
        else:
            messages.success(
                request,
                _("Delivery %(code)s is confirmed: %(what)s for need %(need)s. Thank you.")
                % {"code": pledge.code, "what": _what(pledge), "need": pledge.need.code},
            )
            return redirect("pledges:detail", code=pledge.code)
    return render(
        request,
        "pledges/confirm.html",
        {
            "pledge": pledge,
            "need": pledge.need,
            "what": _what(pledge),
            "donor_name": pledge.donor_name,
            "confirmable": pledge.status in CONFIRMABLE_STATUSES,
            "form": form,
            "errors": errors,
        },
    )



@officer_required
def confirmation_evidence(request: HttpRequest, code: str) -> FileResponse:
    """The confirmation's photo may show the household: officers over the need's area only."""
    pledge = selectors.pledge_get_for_user(user=request.user, code=code)
    confirmation = getattr(pledge, "confirmation", None) if pledge.confirmed_at else None
    if confirmation is None or not area_in_scope(user=request.user, area=pledge.need.area):
        raise Http404
    response = FileResponse(confirmation.evidence.open("rb"))
    response["Cache-Control"] = "private, max-age=3600"
    return response
