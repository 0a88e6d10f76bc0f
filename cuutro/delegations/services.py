"""Every write to a relief delegation: registration, the route officials assign or suggest, the
organisation's answer, check-in by QR at a commune and the hand-over.

Each function runs in one transaction that first locks the delegation's row, so two officials
routing the same delegation, or two members recording hand-overs, take turns. The hand-over
goes through the pledge services (pledge, then delivered), so what a delegation gives is counted
exactly like any donor's pledge and is confirmed by the commune on the existing confirmation page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cuutro.accounts.models import Organisation
from cuutro.accounts.selectors import commune_officers_of, is_member_of, relief_committee_of
from cuutro.audit.services import audit_record
from cuutro.delegations.models import (
    ROUTABLE_STATUSES,
    CargoLine,
    Delegation,
    DelegationStatus,
    HandoverLine,
    Stop,
    StopStatus,
)
from cuutro.delegations.permissions import can_act_for_delegation, can_check_in, can_route, can_route_in
from cuutro.geo.models import Area, AreaLevel
from cuutro.lib.codes import code_key, random_code
from cuutro.lib.forms import clean_reason
from cuutro.lib.public_cache import public_data_changed
from cuutro.needs.choices import PUBLIC_STATUSES, quantity_text
from cuutro.needs.models import CatalogueItem, Need, NeedItem
from cuutro.needs.services import PHONE_RE, identity_in_text
from cuutro.notify.services import notify
from cuutro.pledges.choices import ShowAs
from cuutro.pledges.models import Pledge
from cuutro.pledges.services import PledgeData, check_quantity, pledge_create, pledge_deliver

CODE_PREFIX = "DCT"  # đoàn cứu trợ, without the đ: codes are read aloud and typed on any keyboard
MAX_TEXT = 2000
MAX_PREFERRED = 10
MAX_STOPS = 10
MAX_PEOPLE = 2000
MAX_VEHICLES = 500


class DelegationStateError(Exception):
    """The action does not fit the delegation's (or the stop's) current state."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class CargoData:
    item_code: str
    quantity: Decimal | str | int


@dataclass
class DelegationData:
    organisation_id: int | None
    origin: str
    starts_on: date | None
    ends_on: date | None
    leader_name: str
    leader_phone: str
    people: int | None
    vehicles: int | None
    preferred_commune_codes: list[str]
    cargo: list[CargoData]
    note: str = ""


@dataclass
class StopData:
    commune_code: str
    on_date: date | None
    need_codes: list[str] = field(default_factory=list)
    note: str = ""


@dataclass
class HandoverData:
    need_item_id: int
    quantity: Decimal | str | int


# ---- telling people --------------------------------------------------------------------------


def _link(code: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("delegations:detail", args=[code])


def _tell_officials(delegation: Delegation, communes: list[Area]) -> None:
    """A registered delegation waits for a route: tell the commune officers of the communes it
    asks for and the province's relief committee (each person once)."""
    people: dict[int, Any] = {}
    for area in communes:
        for user in [*commune_officers_of(area=area), *relief_committee_of(area=area)]:
            people.setdefault(user.pk, user)
    for user in people.values():
        notify(
            recipient=user,
            kind="delegation_registered",
            subject=gettext_lazy("Relief delegation %(code)s asks for a route"),
            body=gettext_lazy(
                "%(organisation)s plans to come from %(origin)s, %(start)s–%(end)s, with %(people)s people, "
                "and asks to visit: %(communes)s.\nAssign a route or suggest another place: %(link)s"
            ),
            context={
                "code": delegation.code, "organisation": delegation.organisation.name, "origin": delegation.origin,
                "start": f"{delegation.starts_on:%d/%m/%Y}", "end": f"{delegation.ends_on:%d/%m/%Y}",
                "people": delegation.people, "communes": ", ".join(a.name for a in communes), "link": _link(delegation.code),
            },
            dedupe_key=f"delegation-registered:{delegation.code}",
        )  # fmt: skip


def _tell_delegation(delegation: Delegation, *, proposed: bool, reason: str, version: int) -> None:
    """Its route was assigned, or another place suggested: tell whoever registered it."""
    notify(
        recipient=delegation.created_by,
        kind="delegation_suggested" if proposed else "delegation_routed",
        subject=gettext_lazy("Another place is suggested for delegation %(code)s")
        if proposed
        else gettext_lazy("Delegation %(code)s has its route"),
        body=gettext_lazy("%(message)s\nSee the route, the QR codes for the arrival and what is still needed where: %(link)s"),
        context={"code": delegation.code, "message": reason or "—", "link": _link(delegation.code)},
        dedupe_key=f"delegation-route:{delegation.code}:{version}",
    )


# ---- registration ----------------------------------------------------------------------------


def _new_code() -> str:
    while True:
        code = f"{CODE_PREFIX}-{random_code(6)}"
        if not Delegation.objects.filter(code=code).exists():
            return code


def _text(value: str, *, name: str, errors: dict[str, list[str]], required: str = "", limit: int = 200) -> str:
    value = (value or "").strip()
    if required and not value:
        errors.setdefault(name, []).append(required)
    elif len(value) > limit:
        errors.setdefault(name, []).append(_("This is too long (at most %(max)d characters).") % {"max": limit})
    return value


def _count(value: int | None, *, name: str, errors: dict[str, list[str]], low: int, high: int, message: str) -> int:
    if value is None or not low <= value <= high:
        errors.setdefault(name, []).append(message)
        return 0
    return value


def _cargo(lines: list[CargoData], errors: dict[str, list[str]]) -> list[tuple[CatalogueItem, Decimal]]:
    items = {i.code: i for i in CatalogueItem.objects.filter(active=True, code__in=[c.item_code for c in lines])}
    found: list[tuple[CatalogueItem, Decimal]] = []
    seen: set[str] = set()
    for line in lines:
        item = items.get(line.item_code)
        if item is None:
            errors.setdefault("cargo", []).append(_("Choose an item from the list."))
            continue
        if item.code in seen:
            errors.setdefault("cargo", []).append(
                _("%(item)s is listed twice: put the whole quantity on one line.") % {"item": item.name}
            )
            continue
        seen.add(item.code)
        quantity, problem = check_quantity(line.quantity, cash=item.is_cash)
        if quantity is None:
            errors.setdefault("cargo", []).append(f"{item.name}: {problem}")
            continue
        found.append((item, quantity))
    if not lines:
        errors.setdefault("cargo", []).append(_("List at least one item or amount of money you bring."))
    return found


def _communes(codes: list[str], errors: dict[str, list[str]], *, name: str) -> list[Area]:
    codes = list(dict.fromkeys(c.strip() for c in codes if c.strip()))
    areas = list(Area.objects.filter(code__in=codes, level=AreaLevel.COMMUNE, valid_to__isnull=True))
    if len(areas) != len(codes):
        errors.setdefault(name, []).append(_("Choose communes from the list."))
    return areas


def delegation_register(*, actor: Any, data: DelegationData) -> Delegation:
    """An organisation member registers a planned visit; it waits for an official to assign a route."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("Log in to register a delegation."))
    if not is_member_of(user=actor, organisation_id=data.organisation_id):
        raise PermissionDenied(_("You can only register a delegation for an organisation you belong to."))
    errors: dict[str, list[str]] = {}
    origin = _text(data.origin, name="origin", errors=errors, required=_("Say where the delegation comes from."))
    if origin and identity_in_text(origin, None):  # the calendar publishes it
        errors.setdefault("origin", []).append(_("Where it comes from is public: do not write a phone or ID number in it."))
    leader_name = _text(data.leader_name, name="leader_name", errors=errors, required=_("Enter the leader's name."), limit=150)
    phone = re.sub(r"[\s.\-]", "", data.leader_phone or "")
    if not PHONE_RE.match(phone):
        errors.setdefault("leader_phone", []).append(_("Enter a Vietnamese phone number, e.g. 0912345678."))
    note = _text(data.note, name="note", errors=errors, limit=MAX_TEXT)
    people = _count(data.people, name="people", errors=errors, low=1, high=MAX_PEOPLE,
                    message=_("Enter how many people travel (at least 1)."))
    vehicles = _count(data.vehicles, name="vehicles", errors=errors, low=0, high=MAX_VEHICLES,
                      message=_("Enter how many vehicles (0 if none)."))
    today = timezone.localdate()
    if data.starts_on is None:
        errors.setdefault("starts_on", []).append(_("Enter the first day of the visit."))
    elif data.starts_on < today:
        errors.setdefault("starts_on", []).append(_("The first day cannot be in the past."))
    elif data.starts_on > today + timedelta(days=settings.PLEDGE_MAX_LEAD_DAYS):
        errors.setdefault("starts_on", []).append(
            _("Register visits at most %(days)d days ahead.") % {"days": settings.PLEDGE_MAX_LEAD_DAYS}
        )
    if data.ends_on is None:
        errors.setdefault("ends_on", []).append(_("Enter the last day of the visit."))
    elif data.starts_on is not None and data.ends_on < data.starts_on:
        errors.setdefault("ends_on", []).append(_("The last day cannot be before the first day."))
    elif data.starts_on is not None and (data.ends_on - data.starts_on).days >= 14:
        errors.setdefault("ends_on", []).append(_("A visit lasts at most 14 days: register a longer one as two visits."))
    communes: list[Area] = []
    if not data.preferred_commune_codes:
        errors.setdefault("preferred_communes", []).append(_("Choose at least one commune you would like to visit."))
    elif len(data.preferred_commune_codes) > MAX_PREFERRED:
        errors.setdefault("preferred_communes", []).append(_("Choose at most %(max)d communes.") % {"max": MAX_PREFERRED})
    else:
        communes = _communes(data.preferred_commune_codes, errors, name="preferred_communes")
    cargo = _cargo(data.cargo, errors)
    if errors:
        raise ValidationError(errors)
    assert data.starts_on is not None
    assert data.ends_on is not None

    with transaction.atomic():
        delegation = Delegation.objects.create(
            code=_new_code(),
            organisation=Organisation.objects.get(pk=int(data.organisation_id or 0)),
            created_by=actor,
            origin=origin,
            starts_on=data.starts_on,
            ends_on=data.ends_on,
            leader_name=leader_name,
            leader_phone=phone,
            note=note,
            people=people,
            vehicles=vehicles,
        )
        delegation.preferred_communes.set(communes)
        CargoLine.objects.bulk_create(CargoLine(delegation=delegation, item=i, quantity=q) for i, q in cargo)
        audit_record(
            actor=actor,
            action="delegations.delegation.registered",
            target=delegation,
            data={
                "to": DelegationStatus.SUBMITTED,
                "communes": [a.code for a in communes],
                "cargo": {i.code: str(q) for i, q in cargo},
            },
        )
        public_data_changed()  # the shared calendar lists registered delegations
        _tell_officials(delegation, communes)
    return delegation


# ---- the route -------------------------------------------------------------------------------


def _lock(delegation: Delegation) -> Delegation:
    return Delegation.objects.select_for_update().select_related("organisation").get(pk=delegation.pk)


def _clean_stops(*, actor: Any, delegation: Delegation, stops: list[StopData]) -> list[tuple[Area, date, list[Need], str]]:
    errors: dict[str, list[str]] = {}
    if not stops:
        raise ValidationError({"stops": [_("Choose at least one commune and its date.")]})
    if len(stops) > MAX_STOPS:
        raise ValidationError({"stops": [_("A route has at most %(max)d stops.") % {"max": MAX_STOPS}]})
    areas = {a.code: a for a in _communes([s.commune_code for s in stops], errors, name="stops")}
    cleaned = []
    seen: set[tuple[str, date]] = set()
    for stop in stops:
        area = areas.get(stop.commune_code.strip())
        if area is None:
            continue
        if not can_route_in(user=actor, area=area):
            raise PermissionDenied(
                _("You can only assign stops in the communes you serve: %(area)s is not one of them.") % {"area": area.name}
            )
        if stop.on_date is None or not delegation.starts_on <= stop.on_date <= delegation.ends_on:
            errors.setdefault("stops", []).append(
                _("%(area)s: choose a day between %(start)s and %(end)s, when the delegation travels.")
                % {"area": area.name, "start": f"{delegation.starts_on:%d/%m/%Y}", "end": f"{delegation.ends_on:%d/%m/%Y}"}
            )
            continue
        if (area.code, stop.on_date) in seen:
            errors.setdefault("stops", []).append(_("%(area)s is listed twice on the same day.") % {"area": area.name})
            continue
        seen.add((area.code, stop.on_date))
        keys = {code_key(c) for c in stop.need_codes if c.strip()}
        needs = list(Need.objects.filter(code_key__in=keys, area=area, status__in=PUBLIC_STATUSES))
        if len(needs) != len(keys):
            errors.setdefault("stops", []).append(
                _("%(area)s: choose only published needs of this commune.") % {"area": area.name}
            )
            continue
        note = stop.note.strip()
        if len(note) > MAX_TEXT:
            errors.setdefault("stops", []).append(_("This is too long (at most %(max)d characters).") % {"max": MAX_TEXT})
            continue
        cleaned.append((area, stop.on_date, needs, note))
    if errors:
        raise ValidationError(errors)
    return cleaned


def _stop_tokens() -> tuple[str, str]:
    while True:
        code, token = random_code(6), random_code(24)  # 24 of 31 symbols: about 119 bits
        if not Stop.objects.filter(code=code).exists() and not Stop.objects.filter(token=token).exists():
            return code, token


def _route(*, actor: Any, delegation: Delegation, stops: list[StopData], proposed: bool, reason: str) -> Delegation:
    reason = clean_reason(reason, required=_("Tell the delegation why you suggest another place or day.") if proposed else "")
    delegation = _lock(delegation)
    if not can_route(user=actor, delegation=delegation):
        raise PermissionDenied(_("This delegation did not ask to visit a commune you serve."))
    allowed = list(ROUTABLE_STATUSES) if proposed else [*ROUTABLE_STATUSES, DelegationStatus.ON_ROUTE]
    if delegation.status not in allowed:
        raise DelegationStateError(
            _("This delegation is “%(status)s”: its route can no longer change.") % {"status": delegation.get_status_display()}
        )
    cleaned = _clean_stops(actor=actor, delegation=delegation, stops=stops)
    new_status = StopStatus.PROPOSED if proposed else StopStatus.ACCEPTED
    # The actor's part of the route is replaced; stops in other officials' communes stay theirs.
    # A stop of the same commune is updated in place, so a QR code already printed keeps working.
    current = {
        s.commune_id: s
        for s in delegation.stops.filter(status__in=[StopStatus.PROPOSED, StopStatus.ACCEPTED]).select_related("commune")
        if can_route_in(user=actor, area=s.commune)
    }
    written = []
    for area, on_date, needs, note in cleaned:
        stop = current.pop(area.pk, None)
        if stop is None:
            code, token = _stop_tokens()
            stop = Stop(delegation=delegation, code=code, token=token, commune=area)
        stop.on_date, stop.note, stop.status, stop.assigned_by = on_date, note, new_status, actor
        stop.save()
        stop.needs.set(needs)
        written.append({"stop": stop.code, "commune": area.code, "date": on_date.isoformat(), "needs": [n.code for n in needs]})
    withdrawn = [s.code for s in current.values()]
    Stop.objects.filter(pk__in=[s.pk for s in current.values()]).update(status=StopStatus.WITHDRAWN)
    to = delegation.status
    if delegation.status != DelegationStatus.ON_ROUTE:
        waiting = delegation.stops.filter(status=StopStatus.PROPOSED).exists()
        to = DelegationStatus.REDIRECTED if waiting else DelegationStatus.ACCEPTED
    event = _move(
        delegation, actor=actor, to=to, action="suggested" if proposed else "accepted", reason=reason,
        stops=written, withdrawn=withdrawn,
    )  # fmt: skip
    _tell_delegation(delegation, proposed=proposed, reason=reason, version=event.pk)
    return delegation


@transaction.atomic
def delegation_accept(*, actor: Any, delegation: Delegation, stops: list[StopData], reason: str = "") -> Delegation:
    """An official accepts the delegation with the stops of its route in the communes they serve
    (the province committee: any commune of the province; a commune officer: their own)."""
    return _route(actor=actor, delegation=delegation, stops=stops, proposed=False, reason=reason)


@transaction.atomic
def delegation_suggest(*, actor: Any, delegation: Delegation, stops: list[StopData], reason: str) -> Delegation:
    """An official suggests another place or day; the organisation accepts it or withdraws."""
    return _route(actor=actor, delegation=delegation, stops=stops, proposed=True, reason=reason)


def _require_member(actor: Any, delegation: Delegation) -> None:
    if not can_act_for_delegation(user=actor, delegation=delegation):
        raise PermissionDenied(_("Only a member of the delegation's organisation can do this."))


def _move(delegation: Delegation, *, actor: Any, to: str, action: str, reason: str, **data: Any) -> Any:
    """The delegation's new status and why: saved, audited (from → to, and ``data``), and the
    public calendar told. Returns the audit event."""
    before = delegation.status
    delegation.status, delegation.status_reason = to, reason
    delegation.save(update_fields=["status", "status_reason", "updated_at"])
    event = audit_record(
        actor=actor, action=f"delegations.delegation.{action}", target=delegation, reason=reason,
        data={"from": before, "to": to, **data},
    )  # fmt: skip
    public_data_changed()
    return event


@transaction.atomic
def delegation_suggestion_accept(*, actor: Any, delegation: Delegation, reason: str = "") -> Delegation:
    """The organisation agrees to the suggested stops: they become its route."""
    delegation = _lock(delegation)
    _require_member(actor, delegation)
    if delegation.status != DelegationStatus.REDIRECTED:
        raise DelegationStateError(_("There is no suggestion waiting for your answer."))
    stops = list(delegation.stops.filter(status=StopStatus.PROPOSED).values_list("code", flat=True))
    delegation.stops.filter(status=StopStatus.PROPOSED).update(status=StopStatus.ACCEPTED)
    _move(delegation, actor=actor, to=DelegationStatus.ACCEPTED, action="suggestion_accepted", reason=clean_reason(reason), stops=stops)
    return delegation


@transaction.atomic
def delegation_cancel(*, actor: Any, delegation: Delegation, reason: str) -> Delegation:
    """The organisation withdraws its visit before arriving; its stops leave the calendar."""
    reason = clean_reason(reason, required=_("Say why the delegation does not come."))
    delegation = _lock(delegation)
    _require_member(actor, delegation)
    if delegation.status not in ROUTABLE_STATUSES:
        raise DelegationStateError(
            _("This delegation is “%(status)s”: it can no longer be cancelled.") % {"status": delegation.get_status_display()}
        )
    delegation.stops.exclude(status=StopStatus.CHECKED_IN).update(status=StopStatus.WITHDRAWN)
    _move(delegation, actor=actor, to=DelegationStatus.CANCELLED, action="cancelled", reason=reason)
    return delegation


@transaction.atomic
def delegation_complete(*, actor: Any, delegation: Delegation, reason: str = "") -> Delegation:
    """The visit is over (the organisation, or an official concerned, says so); stops not
    visited leave the calendar."""
    delegation = _lock(delegation)
    if not (can_act_for_delegation(user=actor, delegation=delegation) or can_route(user=actor, delegation=delegation)):
        raise PermissionDenied(_("Only the delegation or the officials concerned can do this."))
    if delegation.status != DelegationStatus.ON_ROUTE:
        raise DelegationStateError(_("Only a delegation that has arrived somewhere can be marked as completed."))
    withdrawn = list(delegation.stops.exclude(status=StopStatus.CHECKED_IN).values_list("code", flat=True))
    delegation.stops.exclude(status=StopStatus.CHECKED_IN).update(status=StopStatus.WITHDRAWN)
    _move(delegation, actor=actor, to=DelegationStatus.COMPLETED, action="completed", reason=clean_reason(reason), withdrawn=withdrawn)
    return delegation


# ---- arrival and hand-over -------------------------------------------------------------------


def _lock_stop(stop: Stop) -> tuple[Stop, Delegation]:
    """Lock the delegation first (the one lock order), then reload the stop."""
    delegation = _lock(stop.delegation)
    return Stop.objects.select_for_update(of=("self",)).select_related("commune").get(pk=stop.pk), delegation


@transaction.atomic
def stop_check_in(*, actor: Any, stop: Stop) -> Stop:
    """A commune officer of the stop's commune records the delegation's arrival (the QR code)."""
    stop, delegation = _lock_stop(stop)
    if not can_check_in(user=actor, stop=stop):
        raise PermissionDenied(_("Only a commune officer of %(area)s can record this arrival.") % {"area": stop.commune.name})
    if stop.status == StopStatus.CHECKED_IN:
        raise DelegationStateError(_("This arrival is already recorded."))
    if stop.status != StopStatus.ACCEPTED or delegation.status in (DelegationStatus.CANCELLED, DelegationStatus.COMPLETED):
        raise DelegationStateError(_("This stop is not on the delegation's agreed route: ask the province committee."))
    stop.status = StopStatus.CHECKED_IN
    stop.checked_in_by = actor
    stop.checked_in_at = timezone.now()
    stop.save(update_fields=["status", "checked_in_by", "checked_in_at"])
    before = delegation.status
    delegation.status = DelegationStatus.ON_ROUTE
    delegation.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor, action="delegations.stop.checked_in", target=stop,
        reason=_("Arrived in %(area)s") % {"area": stop.commune.name},
        data={"delegation": delegation.code, "commune": stop.commune.code, "planned": stop.on_date.isoformat(), "from": before},
    )
    public_data_changed()
    return stop


def _handover_lines(
    *, stop: Stop, delegation: Delegation, lines: list[HandoverData]
) -> list[tuple[NeedItem, CargoLine, Decimal]]:
    """Check what is handed over against the cargo: each line goes to a published need of the
    stop's commune, and no item is handed over beyond what the delegation brought."""
    lines = [line for line in lines if str(line.quantity).strip() not in ("", "0")]
    if not lines:
        raise ValidationError({"lines": [_("Enter the quantity handed over for at least one need.")]})
    items = {
        ni.pk: ni
        for ni in NeedItem.objects.filter(
            pk__in=[line.need_item_id for line in lines], need__area=stop.commune, need__status__in=PUBLIC_STATUSES
        ).select_related("item", "need")
    }
    cargo = {c.item_id: c for c in delegation.cargo.select_related("item")}
    errors: list[str] = []  # about no line in particular
    marked: dict[str, list[str]] = {}  # "q-<need item id>" (a line), "item-<item id>" (an item's lines)
    given: dict[int, Decimal] = {}
    found = []
    for line in lines:
        need_item = items.get(line.need_item_id)
        if need_item is None:
            errors.append(_("Choose needs of %(area)s from the list.") % {"area": stop.commune.name})
            continue
        carried = cargo.get(need_item.item_id)
        if carried is None:
            marked.setdefault(f"q-{need_item.pk}", []).append(_("The delegation did not bring %(item)s.") % {"item": need_item.item.name})
            continue
        quantity, problem = check_quantity(line.quantity, cash=need_item.item.is_cash)
        if quantity is None:
            marked.setdefault(f"q-{need_item.pk}", []).append(problem)
            continue
        given[carried.pk] = given.get(carried.pk, Decimal(0)) + quantity
        found.append((need_item, carried, quantity))
    for carried in cargo.values():
        if carried.pk not in given:
            continue
        before = carried.committed()  # handed over already, or allocated to needs by an official
        if before + given[carried.pk] > carried.quantity:
            marked.setdefault(f"item-{carried.item_id}", []).append(
                _(
                    "The delegation brought %(brought)s of %(item)s; %(before)s of it is handed over or allocated to needs "
                    "already: %(asked)s more is too much."
                )
                % {
                    "brought": quantity_text(carried.quantity, carried.item.unit),
                    "item": carried.item.name,
                    "before": quantity_text(before, carried.item.unit),
                    "asked": quantity_text(given[carried.pk], carried.item.unit),
                }
            )
    if errors or marked:
        raise ValidationError({**({"lines": errors} if errors else {}), **marked})
    return found


@transaction.atomic
def stop_handover(*, actor: Any, stop: Stop, lines: list[HandoverData]) -> list[Pledge]:
    """Record what the delegation handed over at a stop it checked in at.

    Each line becomes a pledge of the delegation's organisation (``pledge_create``, which refuses
    more than a need still misses with ``OverPledgedError``) marked delivered at once
    (``pledge_deliver``); the commune's officers then confirm each one with a photo on the usual
    confirmation page. Nothing is written unless every line goes through. The actor is a member
    of the delegation's organisation, never the officer: whoever gives cannot confirm.
    """
    stop, delegation = _lock_stop(stop)
    _require_member(actor, delegation)
    if stop.status != StopStatus.CHECKED_IN:
        raise DelegationStateError(_("A commune officer must record your arrival (the QR code) before the hand-over."))
    found = _handover_lines(stop=stop, delegation=delegation, lines=lines)
    reason = _("Handed over by relief delegation %(code)s in %(area)s.") % {"code": delegation.code, "area": stop.commune.name}
    pledges = []
    # Each pledge locks its need: always in the same order (by need), so that concurrent
    # hand-overs and pledges on the same needs cannot deadlock.
    for need_item, carried, quantity in sorted(found, key=lambda line: (line[0].need_id, line[0].pk)):
        pledge = pledge_create(
            actor=actor,
            data=PledgeData(
                need_item_id=need_item.pk,
                quantity=quantity,
                contact_name=delegation.leader_name,
                contact_phone=delegation.leader_phone,
                expected_on=timezone.localdate(),
                show_as=ShowAs.ORGANISATION,
                organisation_id=delegation.organisation_id,
                note=reason,
            ),
        )
        pledge = pledge_deliver(actor=actor, pledge=pledge, reason=reason)
        HandoverLine.objects.create(stop=stop, cargo=carried, pledge=pledge, quantity=quantity, created_by=actor)
        pledges.append(pledge)
    audit_record(
        actor=actor, action="delegations.stop.handed_over", target=stop, reason=reason,
        data={"delegation": delegation.code, "pledges": [p.code for p in pledges]},
    )
    return pledges
