"""Web pages of relief delegations. Thin: forms collect input, ``services`` decide and write,
``selectors`` read. The shared calendar is public and cached; everything else needs a login."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods

from cuutro.accounts.selectors import officer_communes, user_organisations
from cuutro.coordination.optimiser import ProblemError
from cuutro.delegations import allocation, selectors, services
from cuutro.delegations.forms import (
    AllocationForm,
    DelegationForm,
    ReasonForm,
    RouteForm,
    RouteRow,
    allocation_lines,
    handover_lines,
    typed_values,
)
from cuutro.delegations.models import ROUTABLE_STATUSES, Delegation, DelegationStatus, StopStatus
from cuutro.delegations.permissions import can_act_for_delegation, can_check_in, can_route, can_route_in
from cuutro.geo.models import Area
from cuutro.geo.selectors import area_get, communes_in, provinces
from cuutro.lib.forms import attach_errors
from cuutro.lib.public_cache import cache_public
from cuutro.lib.qr import qr_svg
from cuutro.needs import selectors as needs
from cuutro.needs.forms import item_choices
from cuutro.needs.views import officer_required
from cuutro.pledges.services import OverPledgedError, PledgeStateError

ACTION_MESSAGES = {
    "accept_suggestion": gettext_lazy("Delegation %(code)s: you accepted the suggested route."),
    "cancel": gettext_lazy("Delegation %(code)s is cancelled. The communes are told by the calendar."),
    "complete": gettext_lazy("Delegation %(code)s is completed. Thank you."),
}
EXTRA_ROUTE_ROWS = 2


CALENDAR_REACH_DAYS = 366


def _start(request: HttpRequest) -> date:
    # "date_from": a parameter the public cache keys on (lib.public_cache.KEY_PARAMETERS).
    today = timezone.localdate()
    try:
        day = date.fromisoformat(request.GET.get("date_from", "").strip()[:10])
    except ValueError:
        return today
    # A calendar of relief visits: a year either way is plenty (and far dates overflow).
    return day if abs((day - today).days) <= CALENDAR_REACH_DAYS else today


@require_GET
@cache_public
def calendar(request: HttpRequest) -> HttpResponse:
    """The shared calendar and map: who goes where on which day, so convoys spread out."""
    start = _start(request)
    data = selectors.calendar(start=start)
    return render(
        request,
        "delegations/calendar.html",
        {
            "calendar": data,
            "previous": date.fromordinal(start.toordinal() - selectors.CALENDAR_DAYS),
            "next": date.fromordinal(start.toordinal() + selectors.CALENDAR_DAYS),
            "tile_url": settings.MAP_TILE_URL,
            "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        },
    )


# ---- the organisation's side -------------------------------------------------------------------


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "delegations/mine.html",
        {
            "delegations": selectors.delegations_of_user(user=request.user),
            "can_register": bool(user_organisations(user=request.user)),
        },
    )


def _default_province() -> Area | None:
    campaign = needs.campaigns_active().select_related("area__parent").first()
    if campaign is not None and campaign.area is not None:
        return campaign.area if campaign.area.parent is None else campaign.area.parent
    return provinces().first()


@login_required
@require_http_methods(["GET", "POST"])
def delegation_new(request: HttpRequest) -> HttpResponse:
    organisations = user_organisations(user=request.user)
    if not organisations:
        raise PermissionDenied(_("Only members of an organisation can register a delegation."))
    # The province picker sits inside the form: its button ("change_province") only shows the
    # chosen province's communes again, keeping everything typed; it never registers.
    code = (request.POST.get("province") or request.GET.get("province") or "").strip()[:32]
    province = (area_get(code=code) if code else None) or _default_province()
    communes = list(communes_in(area=province)) if province else []
    choices = item_choices()

    def make_form(data: QueryDict | None, initial: dict[str, object]) -> DelegationForm:
        return DelegationForm(data, organisations=organisations, communes=communes, item_choices=choices, initial=initial)

    redisplay = request.method == "POST" and "change_province" in request.POST
    if redisplay:
        form = make_form(None, typed_values(make_form(None, {}), request.POST))
    else:
        form = make_form(request.POST or None, {"starts_on": timezone.localdate(), "ends_on": timezone.localdate()})
    errors: list[str] = []
    if request.method == "POST" and not redisplay and form.is_valid():
        try:
            delegation = services.delegation_register(actor=request.user, data=form.delegation_data())
        except ValidationError as exc:
            errors = attach_errors(exc, form)
        else:
            messages.success(
                request,
                _("Delegation %(code)s is registered. The province or commune will assign your route; check this page.")
                % {"code": delegation.code},
            )
            return redirect("delegations:detail", code=delegation.code)
    return render(
        request,
        "delegations/delegation_form.html",
        {"form": form, "errors": errors, "provinces": provinces(), "province": province},
    )


@login_required
@require_GET
def delegation_detail(request: HttpRequest, code: str) -> HttpResponse:
    delegation = selectors.delegation_get_for_user(user=request.user, code=code)
    member = can_act_for_delegation(user=request.user, delegation=delegation)
    return render(
        request,
        "delegations/delegation_detail.html",
        {
            "delegation": delegation,
            "public": selectors.delegation_public_view(delegation),
            "route": selectors.delegation_route(delegation=delegation),
            "member": member,
            "official": can_route(user=request.user, delegation=delegation),
            "can_cancel": member and delegation.status in ROUTABLE_STATUSES,
            "can_answer": member and delegation.status == DelegationStatus.REDIRECTED,
            "can_complete": delegation.status == DelegationStatus.ON_ROUTE,
            "routable": delegation.status in (*ROUTABLE_STATUSES, DelegationStatus.ON_ROUTE),
            "reason_form": ReasonForm(),
            "offer_query": selectors.cargo_offer_query(delegation=delegation) if member else "",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def delegation_action(request: HttpRequest, code: str, action: str) -> HttpResponse:
    delegation = selectors.delegation_get_for_user(user=request.user, code=code)
    if request.method == "GET":
        return _complete_confirmation(request, delegation, action)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        if action == "accept_suggestion":
            services.delegation_suggestion_accept(actor=request.user, delegation=delegation, reason=reason)
        elif action == "cancel":
            services.delegation_cancel(actor=request.user, delegation=delegation, reason=reason)
        elif action == "complete":
            services.delegation_complete(actor=request.user, delegation=delegation, reason=reason)
        else:
            raise PermissionDenied
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except services.DelegationStateError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, str(ACTION_MESSAGES[action]) % {"code": delegation.code})
    return redirect("delegations:detail", code=delegation.code)


def _complete_confirmation(request: HttpRequest, delegation: Delegation, action: str) -> HttpResponse:
    """The first tap on "Mark as completed": say which stops leave the calendar, then ask again.
    Only ``complete`` has a confirmation page; the other actions are posted from the delegation's page."""
    if action != "complete":
        return HttpResponseNotAllowed(["POST"])
    if delegation.status != DelegationStatus.ON_ROUTE:
        messages.error(request, _("Only a delegation that has arrived somewhere can be marked as completed."))
        return redirect("delegations:detail", code=delegation.code)
    stops = selectors.live_stops(delegation)
    return render(
        request,
        "delegations/complete_confirm.html",
        {
            "delegation": delegation,
            "dropped": [s for s in stops if s.status != StopStatus.CHECKED_IN],
            "visited": [s for s in stops if s.status == StopStatus.CHECKED_IN],
        },
    )


@login_required
@require_GET
def stop_qr(request: HttpRequest, code: str, stop: str) -> HttpResponse:
    """The printable QR code of one stop: the commune officer scans it on arrival."""
    delegation = selectors.delegation_get_for_user(user=request.user, code=code)
    found = selectors.stop_get(delegation=delegation, code=stop)
    if found.status not in (StopStatus.ACCEPTED, StopStatus.CHECKED_IN):
        messages.error(request, _("This stop is only a suggestion: accept it first, then print its QR code."))
        return redirect("delegations:detail", code=delegation.code)
    check_in_url = request.build_absolute_uri(reverse("delegations:check_in", args=[found.token]))
    return render(
        request,
        "delegations/stop_qr.html",
        {
            "delegation": delegation,
            "public": selectors.delegation_public_view(delegation),
            "stop": found,
            "check_in_url": check_in_url,
            "qr": qr_svg(check_in_url, title=found.code, light=None),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def check_in(request: HttpRequest, token: str) -> HttpResponse:
    """The stop's QR code lands here: a commune officer of that commune records the arrival."""
    stop = selectors.stop_get_by_token(token=token)
    if stop is None:
        return render(request, "delegations/check_in.html", {"stop": None}, status=404)
    delegation = stop.delegation
    officer = can_check_in(user=request.user, stop=stop)
    if not officer and not can_act_for_delegation(user=request.user, delegation=delegation):
        raise PermissionDenied(_("Only a commune officer of %(area)s can record this arrival.") % {"area": stop.commune.name})
    error = ""
    if request.method == "POST":
        try:
            services.stop_check_in(actor=request.user, stop=stop)
        except services.DelegationStateError as exc:
            error = exc.message
        else:
            messages.success(
                request,
                _("The arrival of %(organisation)s in %(area)s is recorded. They can now record what they hand over.")
                % {"organisation": delegation.organisation.name, "area": stop.commune.name},
            )
            return redirect("delegations:check_in", token=stop.token)
    return render(
        request,
        "delegations/check_in.html",
        {
            "stop": stop,
            "delegation": delegation,
            "public": selectors.delegation_public_view(delegation),
            "officer": officer,
            "error": error,
            "handed_over": selectors.stop_handovers(stop=stop),
        },
    )


def _summary(marked: dict[str, list[str]], groups: list[selectors.HandoverGroup]) -> list[tuple[str, str]]:
    """The messages for the top of the page, each with the anchor of its line ("q-<need item
    id>") or item ("item-<id>"); a line's message is named by its need and item there, while
    beside the line it stands alone."""
    labels = {f"q-{c.need_item_id}": f"{c.need_code} · {g.cargo.item.name}: " for g in groups for c in g.choices}
    return [(labels.get(key, "") + text, "" if key == "lines" else key) for key, texts in marked.items() for text in texts]


@login_required
@require_http_methods(["GET", "POST"])
def handover(request: HttpRequest, code: str, stop: str) -> HttpResponse:
    """The delegation records what it handed over at a stop: each line becomes a delivered pledge."""
    delegation = selectors.delegation_get_for_user(user=request.user, code=code)
    found = selectors.stop_get(delegation=delegation, code=stop)
    if not can_act_for_delegation(user=request.user, delegation=delegation):
        raise PermissionDenied(_("Only a member of the delegation's organisation can do this."))
    groups = selectors.handover_groups(stop=found)
    # What went wrong: "lines" (the whole), a line ("q-<need item id>") or an item ("item-<id>").
    marked: dict[str, list[str]] = {}
    remaining_offer = None
    if request.method == "POST":
        ids = [c.need_item_id for g in groups for c in g.choices]
        try:
            pledges = services.stop_handover(actor=request.user, stop=found, lines=handover_lines(request.POST, need_item_ids=ids))
        except ValidationError as exc:
            marked = exc.message_dict if hasattr(exc, "error_dict") else {"lines": exc.messages}
        except OverPledgedError as exc:
            remaining_offer = exc.remaining
            marked = {f"q-{exc.need_item_id}" if exc.need_item_id is not None else "lines": [exc.message]}
        except (services.DelegationStateError, PledgeStateError) as exc:
            marked = {"lines": [exc.message]}
        else:
            messages.success(
                request,
                ngettext(
                    "Hand-over recorded: %(count)d pledge marked delivered (%(codes)s). The commune officer confirms it with a photo.",
                    "Hand-over recorded: %(count)d pledges marked delivered (%(codes)s). The commune officer confirms each one with a photo.",  # noqa: E501 - one message
                    len(pledges),
                )
                % {"count": len(pledges), "codes": ", ".join(p.code for p in pledges)},
            )
            return redirect(reverse("delegations:detail", args=[delegation.code]) + f"#stop-{found.code}")
    return render(
        request,
        "delegations/handover.html",
        {
            "delegation": delegation,
            "stop": found,
            "groups": groups,
            # The summary at the top links each message to its line ("q-…") or item ("item-…").
            "errors": _summary(marked, groups),
            "row_errors": {int(key[2:]): value for key, value in marked.items() if key.startswith("q-")},
            "item_errors": {int(key[5:]): value for key, value in marked.items() if key.startswith("item-")},
            "remaining_offer": remaining_offer,
            "checked_in": found.status == StopStatus.CHECKED_IN,
            "values": {c.need_item_id: request.POST.get(f"q-{c.need_item_id}", "") for g in groups for c in g.choices},
        },
    )


# ---- officials ---------------------------------------------------------------------------------


@officer_required
@require_GET
def officer_list(request: HttpRequest) -> HttpResponse:
    found = list(selectors.delegations_for_officer(user=request.user))
    waiting = [d for d in found if d.status in (DelegationStatus.SUBMITTED, DelegationStatus.REDIRECTED)]
    planned = [d for d in found if d.status in (DelegationStatus.ACCEPTED, DelegationStatus.ON_ROUTE)]
    past = [d for d in found if d.status in (DelegationStatus.COMPLETED, DelegationStatus.CANCELLED)][-30:]
    return render(request, "delegations/officer_list.html", {"waiting": waiting, "planned": planned, "past": past})


def _route_rows(*, user: object, delegation: Delegation, mine: list[Area]) -> list[RouteRow]:
    stops = {s.commune_id: s for s in selectors.live_stops(delegation) if can_route_in(user=user, area=s.commune)}
    fixed: dict[int, Area] = {s.commune_id: s.commune for s in stops.values()}
    for area in sorted(delegation.preferred_communes.all(), key=lambda a: a.name):
        if can_route_in(user=user, area=area):
            fixed.setdefault(area.pk, area)
    rows = []
    for number, area in enumerate(fixed.values()):
        stop = stops.get(area.pk)
        rows.append(
            RouteRow(
                prefix=f"s{number}",
                commune=area,
                needs=selectors.open_needs_in(area=area),
                on_date=stop.on_date if stop else delegation.starts_on,
                checked=stop is not None or not stops,
                need_codes=list(stop.needs.values_list("code", flat=True)) if stop else [],
                note=stop.note if stop else "",
            )
        )
    if len(mine) > len(fixed):
        for extra in range(EXTRA_ROUTE_ROWS):
            rows.append(RouteRow(prefix=f"x{extra}", commune=None, needs=[], on_date=delegation.starts_on, checked=False, need_codes=[]))
    return rows


@officer_required
@require_http_methods(["GET", "POST"])
def route(request: HttpRequest, code: str) -> HttpResponse:
    """Accept a delegation with a route in the communes one serves, or suggest another."""
    delegation = selectors.delegation_get_for_user(user=request.user, code=code)
    if not can_route(user=request.user, delegation=delegation):
        raise PermissionDenied(_("This delegation did not ask to visit a commune you serve."))
    mine = officer_communes(user=request.user)
    rows = _route_rows(user=request.user, delegation=delegation, mine=mine)
    form = RouteForm(request.POST or None, rows=rows, communes=mine)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        suggest = request.POST.get("action") == "suggest"
        try:
            if suggest:
                services.delegation_suggest(
                    actor=request.user, delegation=delegation, stops=form.stops(), reason=form.cleaned_data["reason"]
                )
            else:
                services.delegation_accept(
                    actor=request.user, delegation=delegation, stops=form.stops(), reason=form.cleaned_data["reason"]
                )
        except ValidationError as exc:
            errors = attach_errors(exc, form)
        except services.DelegationStateError as exc:
            errors = [exc.message]
        else:
            if suggest:
                messages.success(request, _("Your suggestion was sent to delegation %(code)s.") % {"code": delegation.code})
            else:
                messages.success(request, _("Delegation %(code)s is accepted with its route.") % {"code": delegation.code})
            for stop, others in selectors.route_conflicts(delegation=delegation):
                messages.warning(
                    request,
                    _(
                        "%(area)s on %(day)s also expects %(others)s. "
                        "Two delegations in one commune on one day: consider another day or commune."
                    )
                    % {"area": stop.commune.name, "day": f"{stop.on_date:%d/%m/%Y}", "others": ", ".join(others)},
                )
            return redirect("delegations:detail", code=delegation.code)
    return render(
        request,
        "delegations/route.html",
        {
            "delegation": delegation,
            "public": selectors.delegation_public_view(delegation),
            "form": form,
            "rows": form.bound_rows(),
            "errors": errors,
            "routable": delegation.status in (*ROUTABLE_STATUSES, DelegationStatus.ON_ROUTE),
        },
    )


def _proposed_objective(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


@officer_required
@require_http_methods(["GET", "POST"])
def allocate(request: HttpRequest) -> HttpResponse:
    """The allocation optimiser for officials: propose which delegation's goods cover which
    needs in their scope, then accept (or adjust) lines, which become the organisations' pledges."""
    source = request.POST if request.method == "POST" else request.GET
    form = AllocationForm(
        source if "date_from" in source else None,
        communes=officer_communes(user=request.user),
        initial={"date_from": timezone.localdate()},
    )
    proposal = None
    errors: list[str] = []
    values: dict[str, str] = {}
    ticked: set[str] | None = None
    if form.is_bound and form.is_valid():
        params = form.params()
        if request.method == "POST":
            lines = allocation_lines(request.POST)
            try:
                pledges = allocation.allocation_accept(
                    actor=request.user, params=params, lines=lines,
                    proposed_objective=_proposed_objective(request.POST.get("objective", "")),
                )
            except allocation.AllocationError as exc:
                errors = [exc.message]
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(count)d pledge recorded for the delegation's organisation: %(codes)s. "
                        "It ships and delivers it; the commune confirms.",
                        "%(count)d pledges recorded for the delegations' organisations: %(codes)s. "
                        "They ship and deliver them; the commune confirms.",
                        len(pledges),
                    )
                    % {"count": len(pledges), "codes": ", ".join(p.code for p in pledges)},
                )
                query = QueryDict(mutable=True)
                query.update(params.as_data())
                return redirect(reverse("delegations:allocate") + "?" + query.urlencode())
            values = {key: request.POST.get(f"q-{key}", "") for key in request.POST.getlist("line")}
            ticked = set(request.POST.getlist("use"))
        try:
            proposal = allocation.allocation_propose(user=request.user, params=params)
        except ProblemError as exc:
            errors.append(str(exc))
    return render(
        request,
        "delegations/allocate.html",
        {"form": form, "proposal": proposal, "errors": errors, "values": values, "ticked": ticked},
    )
