"""/api/v1/: thin endpoints over the same services and selectors as the web pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from ninja import File, Form, NinjaAPI, Query, Status, UploadedFile
from ninja.decorators import decorate_view
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer
from pydantic import Field

from cuutro.accounts.selectors import area_in_scope, user_role_assignments
from cuutro.accounts.services import token_authenticate
from cuutro.api import schemas as s
from cuutro.coordination import selectors as coordination
from cuutro.delegations import selectors as delegations
from cuutro.funds import selectors as funds_selectors
from cuutro.funds.forms import LedgerFilterForm
from cuutro.geo.models import Area
from cuutro.geo.selectors import area_children, area_get
from cuutro.lib.public_cache import cache_public
from cuutro.needs import selectors as needs_selectors
from cuutro.needs import services as needs_services
from cuutro.needs.choices import PUBLIC_STATUSES
from cuutro.needs.selectors import NeedFilters, PublicNeed, need_public_view
from cuutro.pledges import selectors as pledges_selectors
from cuutro.pledges import services as pledges_services
from cuutro.pledges.permissions import can_act_for_pledge, can_see_contact
from cuutro.pledges.selectors import PublicPledge, pledge_public_view
from cuutro.statements.selectors import pledge_linked_entries


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_authenticate(secret=token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="Cuutro API",
    version="1",
    description=(
        "Public and official API of the Relief & Charity Portal. Public endpoints need no token; "
        "writes need a bearer token (`manage.py create_token USERNAME`). Errors share one shape: "
        '`{"error": {"code", "message", "fields"}}`, in Vietnamese when Accept-Language asks for it.'
    ),
    urls_namespace="api-v1",
)
TOKEN = BearerToken()


# ---- one error shape ----------------------------------------------------------------------


def error(
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    fields: dict[str, list[str]] | None = None,
    **extra: Any,
) -> HttpResponse:
    return api.create_response(
        request, {"error": {"code": code, "message": message, "fields": fields or {}, **extra}}, status=status
    )


def _loc(loc: tuple[Any, ...] | list[Any]) -> str:
    # Drop ninja's wrapper names ("body", "payload", "query") so fields read like the input.
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "form", "file", "payload", "data", "filters")]
    return ".".join(parts) or "request"


def schema_message(error_type: str) -> str:
    """Our own, translated words for pydantic's error types (its messages are English only)."""
    messages = {
        "missing": _("This field is required."),
        "string_too_long": _("This text is too long."),
        "string_type": _("Enter text."),
        "too_short": _("Add at least one entry."),
        "too_long": _("There are too many entries."),
        "literal_error": _("Choose one of the documented values."),
        "enum": _("Choose one of the documented values."),
        "greater_than_equal": _("This number is out of range."),
        "less_than_equal": _("This number is out of range."),
        "greater_than": _("This number is out of range."),
        "less_than": _("This number is out of range."),
        "bool_parsing": _("Enter true or false."),
        "bool_type": _("Enter true or false."),
        "json_invalid": _("The request body is not valid JSON."),
        "list_type": _("Enter a list."),
        "model_attributes_type": _("Enter an object with the documented fields."),
        "dict_type": _("Enter an object with the documented fields."),
        "model_type": _("Enter an object with the documented fields."),
    }
    numeric = ("decimal", "float", "int", "finite_number")
    if error_type.startswith(numeric):
        return _("Enter a number.")
    return messages.get(error_type, _("This value is not valid."))


@api.exception_handler(NinjaValidationError)
def on_schema_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for item in exc.errors:
        fields.setdefault(_loc(item.get("loc", ())), []).append(schema_message(str(item.get("type", ""))))
    return error(request, 422, "invalid", _("The request is not valid. Check the fields listed."), fields)


@api.exception_handler(DjangoValidationError)
def on_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    fields = {k: [str(m) for m in v] for k, v in exc.message_dict.items()} if hasattr(exc, "error_dict") else {}
    message = _("The request is not valid. Check the fields listed.") if fields else " ".join(exc.messages)
    return error(request, 422, "invalid", message, fields)


@api.exception_handler(needs_services.NeedStateError)
def on_state_error(request: HttpRequest, exc: needs_services.NeedStateError) -> HttpResponse:
    return error(request, 409, "conflict", exc.message)


@api.exception_handler(pledges_services.PledgeStateError)
def on_pledge_state_error(request: HttpRequest, exc: pledges_services.PledgeStateError) -> HttpResponse:
    return error(request, 409, exc.code, exc.message)


@api.exception_handler(pledges_services.OverPledgedError)
def on_over_pledged(request: HttpRequest, exc: pledges_services.OverPledgedError) -> HttpResponse:
    # What could be pledged instead, so a client can offer the rest.
    return error(request, 409, exc.code, exc.message, remaining=s.quantity_json(exc.remaining))


@api.exception_handler(PermissionDenied)
def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error(request, 403, "forbidden", str(exc) or _("You are not allowed to do this."))


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error(request, 404, "not_found", _("Not found."))


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error(request, 401, "unauthenticated", _("A valid bearer token is required."))


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error(request, exc.status_code, "error", str(exc))


# ---- shapes -------------------------------------------------------------------------------


def need_out(view: PublicNeed) -> dict[str, Any]:
    return {
        "code": view.code,
        "kind": view.kind,
        "kind_label": view.kind_label,
        "urgency": view.urgency,
        "urgency_label": view.urgency_label,
        "status": view.status,
        "status_label": view.status_label,
        "description": view.description,
        "area": {"code": view.commune_code, "name": view.commune_name},
        "province": {"code": view.province_code, "name": view.province_name} if view.province_code else None,
        "village": view.village_name or None,
        "campaign": {"code": view.campaign_code, "name": view.campaign_name} if view.campaign_code else None,
        "location": {"lat": float(view.latitude), "lng": float(view.longitude)}
        if view.latitude is not None and view.longitude is not None
        else None,
        "verified_at": view.verified_at,
        "items": [
            {
                "id": i.id,
                "item": i.item_code,
                "item_name": i.item_name,
                "category": i.category_code,
                "unit": i.unit,
                "unit_label": i.unit_label,
                "quantity": i.quantity,
                "remaining": i.remaining,
                "pledged": i.pledged,
                "delivered": i.delivered,
                "confirmed": i.confirmed,
            }
            for i in view.items
        ],
        "url": reverse("portal:need_detail", args=[view.code]),
        "damage_level": view.damage_level,
        "damage_label": view.damage_label,
        "priority": view.priority,
        "priority_breakdown": [{"key": p.key, "label": p.label, "points": p.points} for p in view.priority_parts],
    }


def pledge_public_out(view: PublicPledge) -> dict[str, Any]:
    return {
        "code": view.code,
        "donor_name": view.donor_name,
        "item": view.item_code,
        "item_name": view.item_name,
        "unit": view.unit,
        "quantity": view.quantity,
        "status": view.status,
        "status_label": view.status_label,
        "expected_on": view.expected_on,
        "created_at": view.created_at,
        "delivered_at": view.delivered_at,
        "confirmed_at": view.confirmed_at,
    }


def pledge_out(pledge: Any, user: Any) -> dict[str, Any]:
    """A pledge for someone who may open it in full (``pledges_selectors.pledge_get_for_user``)."""
    step = pledges_selectors.pledge_next_step(pledge=pledge, user=user)
    contact = None
    if can_see_contact(user=user, pledge=pledge, need=pledge.need):
        contact = {"contact_name": pledge.contact_name, "contact_phone": pledge.contact_phone, "note": pledge.note}
    return {
        **pledge_public_out(pledge_public_view(pledge)),
        "need": pledge.need.code,
        "need_item": pledge.need_item_id,
        "status_reason": pledge.status_reason,
        "show_as": pledge.show_as,
        "organisation": {"id": pledge.organisation.pk, "name": pledge.organisation.name} if pledge.organisation else None,
        "shipped_at": pledge.shipped_at,
        "closed_at": pledge.closed_at,
        "expires_on": pledge.deadline,
        "contact": contact,
        "next_step": step.text,
        "actions": list(step.actions),
        "url": reverse("pledges:detail", args=[pledge.code]),
        **pledge_payment_out(pledge),
    }


def pledge_payment_out(pledge: Any) -> dict[str, Any]:
    """How a cash pledge is paid and how much has arrived; nulls for goods or without a fund."""
    transfer = funds_selectors.pledge_transfer(pledge=pledge)
    if transfer is None:
        return {"reference": None, "vietqr": None, "amount_received": None, "paid": None}
    return {
        "reference": transfer.reference,
        "vietqr": transfer.vietqr,
        "amount_received": int(pledge.amount_received),
        "paid": pledge.paid_at is not None,
    }


def handover_out(request: Any) -> dict[str, Any]:
    return {
        "id": request.pk,
        "pledge": request.pledge.code,
        "status": request.status,
        "status_label": str(request.get_status_display()),
        "requested_by": request.requested_by.display_name(),
        "organisation": request.organisation.name if request.organisation else None,
        "contact_name": request.contact_name,
        "contact_phone": request.contact_phone,
        "message": request.message,
        "created_at": request.created_at,
        "expires_at": request.expires_at,
        "decided_at": request.decided_at,
        "reason": request.reason,
    }


def pledge_detail_out(pledge: Any, user: Any) -> dict[str, Any]:
    holder = can_act_for_pledge(user=user, pledge=pledge)
    confirmation = getattr(pledge, "confirmation", None) if pledge.confirmed_at else None
    # What was handed to whom may name the household: the officers over the area only.
    officer = area_in_scope(user=user, area=pledge.need.area)
    return {
        **pledge_out(pledge, user),
        "history": [
            {
                "at": entry.at,
                # Names as this caller may know them (a previous holder may be anonymous).
                "actor": None if entry.by_system else {"username": entry.actor_username or None, "name": entry.actor_name},
                "action": entry.action,
                "reason": entry.reason,
            }
            for entry in pledges_selectors.pledge_history_for(pledge=pledge, viewer=user)
        ],
        "handovers": [handover_out(r) for r in pledges_selectors.handovers_visible_to(pledge=pledge, viewer=user)]
        if holder
        else [],
        "confirmation": {
            "evidence_kind": confirmation.evidence_kind,
            "evidence_kind_label": str(confirmation.get_evidence_kind_display()),
            "confirmed_by": confirmation.confirmed_by.display_name(),
            "confirmed_at": confirmation.confirmed_at,
            "received_by": confirmation.received_by,
            "note": confirmation.note,
        }
        if confirmation is not None and officer
        else None,
    }


def fund_out(summary: funds_selectors.FundSummary) -> dict[str, Any]:
    fund = summary.fund
    return {
        "code": fund.code,
        "name": fund.name,
        "campaign": {"code": fund.campaign.code, "name": fund.campaign.name} if fund.campaign else None,
        "bank": {"code": fund.bank, "name": fund.bank_name, "bin": fund.bin},
        "account_number": fund.account_number,
        "account_name": fund.account_name,
        "opens_on": fund.opens_on,
        "closes_on": fund.closes_on,
        "is_default": fund.is_default,
        "receiving": summary.receiving,
        "money_in": int(summary.totals.money_in),
        "money_out": int(summary.totals.money_out),
        "balance": int(summary.totals.balance),
        "vietqr": summary.vietqr,
        "url": reverse("portal:fund_detail", args=[fund.code]),
    }


def _whole(value: Decimal | None) -> int | None:
    return None if value is None else int(value)


def entry_out(entry: Any) -> dict[str, Any]:
    item, need = entry.item, entry.need
    reversal = getattr(entry, "reversed_by", None)
    return {
        "seq": entry.seq,
        "fund": entry.fund.code,
        "kind": entry.kind,
        "kind_label": str(entry.get_kind_display()),
        "direction": entry.direction,
        "amount": _whole(entry.amount),
        "item": item.code if item else None,
        "item_name": item.name if item else None,
        "quantity": entry.quantity,
        "unit": item.unit if item else None,
        "booked_on": entry.booked_on,
        "counterparty": entry.counterparty,
        "counterparty_account": entry.counterparty_account,
        "memo": entry.memo,
        "reference": entry.reference,
        "pledge": entry.pledge.code if entry.pledge else None,
        "need": need.code if need else None,
        "need_url": reverse("portal:need_detail", args=[need.code]) if need and need.status in PUBLIC_STATUSES else None,
        "organisation": entry.organisation.name if entry.organisation else None,
        "bank_ref": entry.bank_ref,
        "document_sha256": entry.document_sha256,
        "reverses": entry.reverses.seq if entry.reverses else None,
        "reversed_by": reversal.seq if reversal else None,
        "recorded_at": entry.recorded_at,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
        "url": reverse("portal:ledger_entry", args=[entry.seq]),
    }


TRACE_STEP_LABELS = {
    "received": _lazy("Received by the fund"),
    "allocated": _lazy("Allocated to a need"),
    "delivered": _lazy("Delivered"),
    "confirmed": _lazy("Confirmed by the commune"),
}


def trace_out(trail: funds_selectors.Trail) -> dict[str, Any]:
    need = trail.need
    return {
        "reference": trail.reference,
        "pledge": pledge_public_out(trail.pledge) if trail.pledge else None,
        "need": {"code": need.code, "url": reverse("portal:need_detail", args=[need.code]) if need.public else None} if need else None,
        "is_cash": trail.is_cash,
        "pledged_amount": _whole(trail.pledged_amount),
        "amount_received": int(trail.amount_received),
        "paid": trail.paid,
        "received": [entry_out(e) for e in trail.received],
        "disbursements": [entry_out(e) for e in trail.disbursements],
        "steps": [{"step": st.step, "label": str(TRACE_STEP_LABELS[st.step]), "done": st.done, "at": st.at} for st in trail.steps],
    }


def area_out(area: Area) -> dict[str, Any]:
    return {
        "code": area.code,
        "name": area.name,
        "level": area.level,
        "division_type": area.division_type,
        "parent": area.parent.code if area.parent else None,
    }


# ---- public endpoints ---------------------------------------------------------------------


@api.get("/areas", response=list[s.AreaOut], tags=["public"], summary="Administrative areas, one level at a time")
@decorate_view(cache_public)
def areas(request: HttpRequest, parent: str | None = None) -> list[dict[str, Any]]:
    parent_area = None
    if parent:
        parent_area = area_get(code=parent)
        if parent_area is None:
            raise Http404
    return [area_out(a) for a in area_children(parent=parent_area).select_related("parent")]


@api.get("/catalogue", response=list[s.CatalogueItemOut], tags=["public"], summary="Items that can be needed")
@decorate_view(cache_public)
def catalogue(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "code": i.code,
            "name": i.name,
            "name_vi": i.name_vi,
            "name_en": i.name_en,
            "unit": i.unit,
            "unit_label": str(i.get_unit_display()),
            "category": i.category.code,
            "category_name": i.category.name,
        }
        for i in needs_selectors.catalogue()
    ]


class NeedQuery(s.Schema):
    q: str = ""
    area: str = ""
    category: str = ""
    status: str = ""
    urgency: str = ""
    kind: str = ""
    campaign: str = ""
    sort: Literal["", "priority", "urgency", "newest"] = Field("", description="priority (the default), urgency or newest")


def _filters(query: NeedQuery) -> NeedFilters:
    return NeedFilters(**query.dict())


@api.get("/needs", response=s.NeedListOut, tags=["public"], summary="Search published needs")
@decorate_view(cache_public)
def needs_list(
    request: HttpRequest,
    filters: Query[NeedQuery],
    limit: int = Query(20, ge=1, le=settings.CUUTRO_API_MAX_LIMIT),
    offset: int = Query(0, ge=0, le=1_000_000),
) -> dict[str, Any]:
    needs = needs_selectors.need_list_public(filters=_filters(filters))
    return {"count": needs.count(), "items": [need_out(view) for view in needs[offset : offset + limit]]}


@api.get(
    "/needs/points",
    response=s.NeedPointsOut,
    tags=["public"],
    summary="Map points of published needs",
    url_name="needs_points",
)
@decorate_view(cache_public)
def needs_points(
    request: HttpRequest, filters: Query[NeedQuery], limit: int = Query(5000, ge=1, le=20000)
) -> dict[str, Any]:
    points = needs_selectors.need_points_public(filters=_filters(filters), limit=limit)
    return {"count": len(points), "items": points}


@api.get("/needs/{code}", response=s.NeedOut, tags=["public"], summary="One published need")
@decorate_view(cache_public)
def needs_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    need = needs_selectors.need_get_public(code=code)
    if need is None:
        raise Http404
    return need_out(need_public_view(need))


@api.get(
    "/needs/{code}/pledges",
    response=s.PledgePublicListOut,
    tags=["public"],
    summary="Who pledged what for a published need",
    url_name="need_pledges",
)
@decorate_view(cache_public)
def needs_pledges(request: HttpRequest, code: str) -> dict[str, Any]:
    need = needs_selectors.need_get_public(code=code)
    if need is None:
        raise Http404
    pledges = pledges_selectors.pledges_public_for_need(need_id=need.pk)
    return {"count": len(pledges), "items": [pledge_public_out(p) for p in pledges]}


# ---- funds and the public ledger ----------------------------------------------------------


@api.get("/funds", response=list[s.FundOut], tags=["ledger"], summary="Funds: bank accounts, totals and VietQR")
@decorate_view(cache_public)
def funds_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [fund_out(summary) for summary in funds_selectors.fund_summaries()]


def _fund(code: str) -> Any:
    fund = funds_selectors.fund_get(code=code)
    if fund is None:
        raise Http404
    return fund


@api.get("/funds/{code}", response=s.FundOut, tags=["ledger"], summary="One fund, with its balance and totals in and out")
@decorate_view(cache_public)
def funds_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    return fund_out(funds_selectors.fund_summary(fund=_fund(code)))


class LedgerQuery(s.Schema):
    """Checked by the portal's ledger form (``funds.forms.LedgerFilterForm``) once the types are
    (dates here only as YYYY-MM-DD, where the page also takes dd/mm/yyyy)."""

    q: str = ""
    amount: str = Field("", description="exact, in whole đồng: 500000, or as printed, 500.000")
    date_from: dt.date | None = None
    date_to: dt.date | None = Field(None, description="not before date_from")
    reference: str = Field("", description="at most 40 characters")
    account: str = Field("", description="at least the last 3 digits (only the last 4 are published)")
    direction: Literal["", "in", "out"] = ""


def _ledger_filters(query: LedgerQuery) -> funds_selectors.LedgerFilters:
    """The same form as the portal's ledger page: the same checks, messages and filters."""
    form = LedgerFilterForm(data={name: value for name, value in query.model_dump().items() if value not in (None, "")})
    if not form.is_valid():
        raise DjangoValidationError(form.errors.as_data())
    return form.filters()


@api.get(
    "/funds/{code}/entries",
    response=s.EntryListOut,
    tags=["ledger"],
    summary="A fund's ledger entries, newest first, with filters",
)
@decorate_view(cache_public)
def funds_entries(
    request: HttpRequest,
    code: str,
    filters: Query[LedgerQuery],
    limit: int = Query(20, ge=1, le=settings.CUUTRO_API_MAX_LIMIT),
    offset: int = Query(0, ge=0, le=1_000_000),
) -> dict[str, Any]:
    """`q`: words of the counterparty's name or of the memo, accents and case ignored, each a whole
    word (`nguyen van an`); `amount`: exact, in đồng; `date_from`/`date_to`: booking dates as
    YYYY-MM-DD, inclusive; `reference`: a pledge's transfer reference, any spacing (`CT 7K3F9Q`); `account`:
    the last digits of the other side's account (at least 3). A filter the ledger page refuses
    is refused here too, with the same message (422, the field named). `count` stops at 1,000
    (paging with `offset` goes on past it); for everything, download the exports
    (`/funds/{code}/ledger.csv`, `.xlsx`, `.jsonl`)."""
    entries = funds_selectors.ledger_list(filters=_ledger_filters(filters), fund=_fund(code))
    return {"count": entries.count(), "items": [entry_out(e) for e in entries[offset : offset + limit]]}


@api.get("/ledger/head", response=s.LedgerHeadOut, tags=["ledger"], summary="The hash chain's head, now and at the end of each day")
@decorate_view(cache_public)
def ledger_head(request: HttpRequest) -> dict[str, Any]:
    """Check a downloaded ledger (`/ledger/ledger.jsonl`) with `/ledger/chain.py`; a head noted
    earlier must still be found in it: the entry with that `seq` carries that `hash`."""
    head = funds_selectors.ledger_head()
    daily = [{"date": day.day, "seq": day.seq, "hash": day.hash} for day in funds_selectors.ledger_daily_heads()]
    return {"seq": head.seq, "hash": head.hash, "daily": daily}


@api.get("/trace/{reference}", response=s.TraceOut, tags=["ledger"], summary="Where a pledge's money went, by its transfer reference")
@decorate_view(cache_public)
def trace(request: HttpRequest, reference: str) -> dict[str, Any]:
    """Received (the transfers under the reference) → allocated (the pledge and its need) →
    delivered → confirmed, and what the fund gave that need. Households appear only by code."""
    trail = funds_selectors.ledger_trace(reference=reference, linked=lambda pledge: pledge_linked_entries(pledge=pledge))
    if trail is None:
        raise Http404
    return trace_out(trail)


# ---- authenticated endpoints --------------------------------------------------------------


@api.get("/me", response=s.MeOut, auth=TOKEN, tags=["account"], summary="Who the token belongs to")
def me(request: HttpRequest) -> dict[str, Any]:
    user: Any = request.user
    return {
        "username": user.username,
        "name": user.display_name(),
        "roles": [
            {
                "role": a.role,
                "role_label": str(a.get_role_display()),
                "area": a.area.code if a.area else None,
                "area_name": a.area.name if a.area else None,
                "organisation": a.organisation.name if a.organisation else None,
            }
            for a in user_role_assignments(user=user)
        ],
    }


def _need_data(payload: s.NeedIn) -> needs_services.NeedData:
    b = payload.beneficiary
    return needs_services.NeedData(
        area_code=payload.area,
        kind=payload.kind,
        urgency=payload.urgency,
        description=payload.description,
        items=[needs_services.NeedItemData(item_code=i.item, quantity=i.quantity) for i in payload.items],
        beneficiary=needs_services.BeneficiaryData(**b.dict()) if b else None,
        village_code=payload.village,
        latitude=payload.latitude,
        longitude=payload.longitude,
        campaign_code=payload.campaign,
        damage_level=payload.damage_level,
    )


def _reload(request: HttpRequest, need: Any) -> dict[str, Any]:
    fresh = needs_selectors.need_get_for_officer(user=request.user, code=need.code)
    return {**need_out(need_public_view(fresh)), "status_reason": fresh.status_reason}


@api.post("/needs", response={201: s.OfficerNeedOut}, auth=TOKEN, tags=["officers"], summary="Record a need")
def needs_create(request: HttpRequest, payload: s.NeedIn) -> Status[dict[str, Any]]:
    need = needs_services.need_create(actor=request.user, data=_need_data(payload), submit=payload.submit)
    return Status(201, _reload(request, need))


@api.put("/needs/{code}", response=s.OfficerNeedOut, auth=TOKEN, tags=["officers"], summary="Edit a need")
def needs_update(request: HttpRequest, code: str, payload: s.NeedIn) -> dict[str, Any]:
    need = needs_selectors.need_get_for_officer(user=request.user, code=code)
    need = needs_services.need_update(actor=request.user, need=need, data=_need_data(payload), submit=payload.submit)
    return _reload(request, need)




@api.post(
    "/needs/{code}/{action}",
    response=s.OfficerNeedOut,
    auth=TOKEN,
    tags=["officers"],
    summary="Move a need through its workflow: submit, verify, reject or cancel",
)
def needs_transition(request: HttpRequest, code: str, action: str, payload: s.ReasonIn | None = None) -> dict[str, Any]:
    transition = needs_services.NEED_TRANSITIONS.get(action)
    if transition is None:
        raise Http404
    need = needs_selectors.need_get_for_officer(user=request.user, code=code)
    # The body is optional: submit and verify need no reason, so a bare POST must do.
    need = transition(actor=request.user, need=need, reason=payload.reason if payload else "")
    return _reload(request, need)


# ---- pledges ------------------------------------------------------------------------------


def _pledge(request: HttpRequest, code: str) -> dict[str, Any]:
    # Reload through the access helper: the answer shows what this caller may see, as a GET would.
    return pledge_detail_out(pledges_selectors.pledge_get_for_user(user=request.user, code=code), request.user)


@api.post("/pledges", response={201: s.PledgeDetailOut}, auth=TOKEN, tags=["pledges"], summary="Pledge part of a need item")
def pledges_create(request: HttpRequest, payload: s.PledgeIn) -> Status[dict[str, Any]]:
    """Refused with 409 `over_pledged` when more than what remains is asked for; the error then
    carries `remaining`, what could be pledged instead."""
    pledge = pledges_services.pledge_create(
        actor=request.user,
        data=pledges_services.PledgeData(
            need_item_id=payload.need_item,
            quantity=payload.quantity,
            contact_name=payload.contact_name,
            contact_phone=payload.contact_phone,
            expected_on=payload.expected_on,
            show_as=payload.show_as,
            organisation_id=payload.organisation,
            note=payload.note,
        ),
    )
    # The service returns the pledge with its need, item and organisation loaded, and the caller
    # is its holder: answer from it rather than reloading (the reload cost as much as the pledge).
    return Status(201, pledge_detail_out(pledge, request.user))


@api.get("/pledges", response=s.PledgeListOut, auth=TOKEN, tags=["pledges"], summary="My pledges, newest first")
def pledges_mine(
    request: HttpRequest,
    limit: int = Query(20, ge=1, le=settings.CUUTRO_API_MAX_LIMIT),
    offset: int = Query(0, ge=0, le=1_000_000),
) -> dict[str, Any]:
    pledges = pledges_selectors.pledges_of_user(user=request.user)
    return {"count": pledges.count(), "items": [pledge_out(p, request.user) for p in pledges[offset : offset + limit]]}


@api.get("/pledges/{code}", response=s.PledgeDetailOut, auth=TOKEN, tags=["pledges"], summary="One of my pledges, or one in my area")
def pledges_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    return _pledge(request, code)


# Declared before /pledges/{code}/{action}, which would otherwise take these paths.
@api.post(
    "/pledges/{code}/confirm",
    response=s.PledgeDetailOut,
    auth=TOKEN,
    tags=["officers"],
    summary="Confirm a delivery on the ground (multipart: a photo and the recipient's acknowledgement)",
)
def pledges_confirm(
    request: HttpRequest, code: str, payload: Form[s.ConfirmIn], evidence: File[UploadedFile | None] = None
) -> dict[str, Any]:
    """For a commune officer of the need's commune who is not on the giving side of the pledge."""
    pledge = pledges_selectors.pledge_get_for_user(user=request.user, code=code)
    pledges_services.pledge_confirm(
        actor=request.user,
        pledge=pledge,
        evidence=evidence,
        evidence_kind=payload.evidence_kind,
        acknowledged=payload.acknowledged,
        received_by=payload.received_by,
        note=payload.note,
    )
    return _pledge(request, code)


@api.post(
    "/pledges/{code}/handover",
    response={201: s.HandoverOut},
    auth=TOKEN,
    tags=["pledges"],
    summary="Ask the holder of a pledge to hand it over to you",
)
def pledges_handover(request: HttpRequest, code: str, payload: s.HandoverIn) -> Status[dict[str, Any]]:
    pledge = pledges_selectors.pledge_get_public(code=code)
    if pledge is None:
        raise Http404
    handover = pledges_services.handover_request(
        actor=request.user,
        pledge=pledge,
        data=pledges_services.HandoverData(
            contact_name=payload.contact_name,
            contact_phone=payload.contact_phone,
            organisation_id=payload.organisation,
            message=payload.message,
        ),
    )
    return Status(201, handover_out(handover))


@api.post(
    "/pledges/{code}/{action}",
    response=s.PledgeDetailOut,
    auth=TOKEN,
    tags=["pledges"],
    summary="The donor moves a pledge on: ship, deliver or cancel (cancel needs a reason)",
)
def pledges_transition(request: HttpRequest, code: str, action: str, payload: s.ReasonIn | None = None) -> dict[str, Any]:
    transition = pledges_services.PLEDGE_ACTIONS.get(action)
    if transition is None:
        raise Http404
    pledge = pledges_selectors.pledge_get_for_user(user=request.user, code=code)
    transition(actor=request.user, pledge=pledge, reason=payload.reason if payload else "")
    return _pledge(request, code)


@api.post(
    "/handovers/{handover_id}/{answer}",
    response=s.HandoverOut,
    auth=TOKEN,
    tags=["pledges"],
    summary="The holder answers a hand-over request: accept or decline",
)
def handovers_answer(request: HttpRequest, handover_id: int, answer: str, payload: s.ReasonIn | None = None) -> dict[str, Any]:
    answers = {"accept": pledges_services.handover_accept, "decline": pledges_services.handover_decline}
    if answer not in answers:
        raise Http404
    handover = pledges_selectors.handover_get_for_holder(user=request.user, pk=handover_id)
    answers[answer](actor=request.user, request=handover, reason=payload.reason if payload else "")
    # Read back through the pledge: after "accept" the caller no longer holds it.
    return handover_out(pledges_selectors.handovers_for_pledge(pledge=handover.pledge).get(pk=handover.pk))


# ---- the supply–need board (coordination) -------------------------------------------------


class BoardQuery(s.Schema):
    area: str = Field("", description="a province or commune code")
    category: str = Field("", description="a category code, e.g. building-materials")
    status: Literal["", "urgent", "needed", "enough", "oversupplied"] = ""


def board_line_out(line: coordination.BoardLine) -> dict[str, Any]:
    return {
        "area": line.area_code,
        "area_name": line.area_name,
        "province": line.province_code,
        "province_name": line.province_name,
        "category": line.category_code,
        "category_name": line.category_name,
        "unit": line.unit,
        "unit_label": line.unit_label,
        "items": list(line.item_names),
        "needed": line.needed,
        "pledged": line.pledged,
        "delivered": line.delivered,
        "confirmed": line.confirmed,
        "gap": line.gap,
        "needs_waiting": line.waiting,
        "status": line.status,
        "status_label": line.status_label,
        "notices": [
            {
                "area": n.area_code, "subject": n.subject, "category": n.category_code, "item": n.item_code or None,
                "reason": n.reason, "reason_label": n.reason_label, "message": n.message, "posted_at": n.posted_at,
            }
            for n in line.notices
        ],
        "url": reverse("coordination:commune", args=[line.area_code]),
    }


@api.get(
    "/board",
    response=s.BoardOut,
    tags=["public"],
    summary="The supply–need board: needed, pledged, delivered, confirmed and gap by commune and category",
)
@decorate_view(cache_public)
def board(
    request: HttpRequest,
    filters: Query[BoardQuery],
    limit: int = Query(20, ge=1, le=settings.CUUTRO_API_MAX_LIMIT),
    offset: int = Query(0, ge=0, le=1_000_000),
) -> dict[str, Any]:
    """The most needed first: urgent (a critical need still waits), needed, enough (everything
    asked for is pledged), oversupplied (the commune says so); then by the share still missing.
    Figures of published needs only; units are never added up (one line per unit)."""
    # The middleware keeps the whole answer per public data version; the count is cached too.
    lines = coordination.board_list(filters=coordination.BoardFilters(**filters.dict()))
    return {"count": lines.count(), "items": [board_line_out(line) for line in lines[offset : offset + limit]]}


# ---- relief delegations (the shared calendar) ------------------------------------------------


def delegation_out(view: delegations.PublicDelegation) -> dict[str, Any]:
    return {
        "code": view.code, "organisation": view.organisation_name, "origin": view.origin, "starts_on": view.starts_on,
        "ends_on": view.ends_on, "people": view.people, "vehicles": view.vehicles, "status": view.status,
        "status_label": view.status_label, "cargo": view.cargo, "preferred_communes": view.preferred,
    }  # fmt: skip


class DelegationQuery(s.Schema):
    date_from: dt.date | None = Field(None, description="first day (default: today)")
    days: int = Field(delegations.CALENDAR_DAYS, ge=1, le=31)


@api.get(
    "/delegations",
    response=s.DelegationCalendarOut,
    tags=["public"],
    summary="Relief delegations by day and commune (the shared calendar), so convoys spread out",
)
@decorate_view(cache_public)
def delegations_calendar(request: HttpRequest, query: Query[DelegationQuery]) -> dict[str, Any]:
    """Where each routed (or suggested) delegation goes on each day, with a conflict flag where
    two convoys would meet in one commune, and the delegations still waiting for a route."""
    found = delegations.calendar(start=query.date_from or timezone.localdate(), days=query.days)
    views: dict[str, delegations.PublicDelegation] = {}
    stops = []
    for day in found.days:
        for cell in day.cells:
            for view in cell.assigned + cell.suggested:
                views[view.code] = view
            stops.append({
                "date": cell.on_date, "commune": cell.area_code, "commune_name": cell.area_name,
                "assigned": [v.code for v in cell.assigned], "suggested": [v.code for v in cell.suggested],
                "conflict": cell.conflict,
            })  # fmt: skip
    return {
        "date_from": found.start, "date_to": found.end, "stops": stops,
        "delegations": [delegation_out(v) for v in views.values()], "waiting": [delegation_out(v) for v in found.waiting],
    }  # fmt: skip
