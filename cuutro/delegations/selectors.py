"""Reads of relief delegations: the shared calendar and map (public: never the leader's contact),
a delegation's own page with the coordination advice per stop, the officials' list, the QR
check-in and the hand-over choices."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from cuutro.accounts.selectors import officer_scopes, user_organisations
from cuutro.coordination.selectors import Advice, offer_advice
from cuutro.delegations.models import (
    ASSIGNED_STOP_STATUSES,
    PLANNED_STATUSES,
    CargoLine,
    Delegation,
    DelegationStatus,
    HandoverLine,
    Stop,
    StopStatus,
)
from cuutro.delegations.permissions import can_view_delegation
from cuutro.geo.models import Area
from cuutro.needs.choices import OPEN_FILTER, quantity_text
from cuutro.needs.selectors import NeedFilters, PublicNeed, need_points_public_by_area, need_public_view, need_search_public

CALENDAR_DAYS = 14
# Stops shown on a delegation's route (withdrawn ones are history only).
LIVE_STOP_STATUSES = [StopStatus.PROPOSED, *ASSIGNED_STOP_STATUSES]


def _with_relations(qs: QuerySet[Delegation]) -> QuerySet[Delegation]:
    return qs.select_related("organisation").prefetch_related(
        "preferred_communes",
        Prefetch("cargo", queryset=CargoLine.objects.select_related("item")),
        Prefetch("stops", queryset=Stop.objects.select_related("commune", "checked_in_by", "assigned_by").order_by("on_date", "pk")),
    )


def cargo_summary(delegation: Delegation) -> list[str]:
    """What it brings in words: "Mì ăn liền: 200 thùng", "Tiền sửa chữa nhà: 50.000.000 VND". The item's
    name first: "Bộ quần áo: 300 bộ", never "300 bộ Bộ quần áo"."""
    return [f"{c.item.name}: {quantity_text(c.quantity, c.item.unit)}" for c in delegation.cargo.all()]


# ---- public: the shared calendar and map ---------------------------------------------------


@dataclass(frozen=True)
class PublicDelegation:
    """What anyone may see of a delegation: who, when, where, how many and what. No contact."""

    code: str
    organisation_name: str
    origin: str
    starts_on: date
    ends_on: date
    people: int
    vehicles: int
    status: str
    status_label: str
    cargo: list[str]
    preferred: list[str]


def delegation_public_view(delegation: Delegation) -> PublicDelegation:
    return PublicDelegation(
        code=delegation.code,
        organisation_name=delegation.organisation.name,
        origin=delegation.origin,
        starts_on=delegation.starts_on,
        ends_on=delegation.ends_on,
        people=delegation.people,
        vehicles=delegation.vehicles,
        status=delegation.status,
        status_label=str(delegation.get_status_display()),
        cargo=cargo_summary(delegation),
        preferred=sorted(a.name for a in delegation.preferred_communes.all()),
    )


@dataclass
class CalendarCell:
    """One commune on one day, and the delegations assigned (or suggested) there."""

    on_date: date
    area_code: str
    area_name: str
    assigned: list[PublicDelegation] = field(default_factory=list)
    suggested: list[PublicDelegation] = field(default_factory=list)

    @property
    def conflict(self) -> bool:
        """Two convoys would converge on one commune on one day."""
        return len(self.assigned) > 1


@dataclass
class CalendarDay:
    on_date: date
    cells: list[CalendarCell]


@dataclass
class Calendar:
    start: date
    end: date
    days: list[CalendarDay]
    waiting: list[PublicDelegation]  # registered, no route yet: their wishes, so others can steer clear
    points: list[dict[str, Any]]  # one map marker per commune-day

    @property
    def conflicts(self) -> list[CalendarCell]:
        return [c for d in self.days for c in d.cells if c.conflict]


def commune_points(*, communes: list[Area]) -> dict[int, tuple[float, float]]:
    """Where to put a commune on the map: the middle of its published needs' public points
    (household points are already blurred there). A commune with no located need has no marker."""
    return {
        area_id: (round(sum(lat for lat, _lng in found) / len(found), 4), round(sum(lng for _lat, lng in found) / len(found), 4))
        for area_id, found in need_points_public_by_area(areas=communes[:100]).items()
        if found
    }


def calendar(*, start: date, days: int = CALENDAR_DAYS) -> Calendar:
    end = start + timedelta(days=days - 1)
    stops = (
        Stop.objects.filter(on_date__range=(start, end), status__in=LIVE_STOP_STATUSES, delegation__status__in=PLANNED_STATUSES)
        .select_related("commune", "delegation__organisation")
        .prefetch_related("delegation__cargo__item", "delegation__preferred_communes")
        .order_by("on_date", "commune__name", "delegation__code")
    )
    cells: dict[tuple[date, int], CalendarCell] = {}
    views: dict[int, PublicDelegation] = {}
    communes: dict[int, Area] = {}
    for stop in stops:
        view = views.get(stop.delegation_id)
        if view is None:
            view = views[stop.delegation_id] = delegation_public_view(stop.delegation)
        cell = cells.get((stop.on_date, stop.commune_id))
        if cell is None:
            cell = cells[(stop.on_date, stop.commune_id)] = CalendarCell(stop.on_date, stop.commune.code, stop.commune.name)
        (cell.suggested if stop.status == StopStatus.PROPOSED else cell.assigned).append(view)
        communes[stop.commune_id] = stop.commune
    by_day: dict[date, list[CalendarCell]] = defaultdict(list)
    for cell in cells.values():
        by_day[cell.on_date].append(cell)
    waiting = _with_relations(
        Delegation.objects.filter(status=DelegationStatus.SUBMITTED, starts_on__lte=end, ends_on__gte=start)
    ).order_by("starts_on", "code")
    where = commune_points(communes=list(communes.values()))
    points = []
    for (on_date, area_id), cell in cells.items():
        if area_id in where:
            lat, lng = where[area_id]
            points.append({
                "lat": lat, "lng": lng, "date": on_date.strftime("%d/%m/%Y"), "commune": cell.area_name, "code": cell.area_code,
                "delegations": [d.organisation_name for d in cell.assigned + cell.suggested], "conflict": cell.conflict,
            })
    return Calendar(
        start=start,
        end=end,
        days=[CalendarDay(d, by_day[d]) for d in sorted(by_day)],
        waiting=[delegation_public_view(d) for d in waiting],
        points=points,
    )


# ---- a delegation's own page -----------------------------------------------------------------


def delegation_get_for_user(*, user: Any, code: str) -> Delegation:
    """The delegation if the user is its organisation's member or an official concerned; 404
    otherwise, so outsiders learn nothing (not even that the code exists)."""
    delegation = _with_relations(Delegation.objects.filter(code=code.strip().upper())).first()
    if delegation is None or not can_view_delegation(user=user, delegation=delegation):
        raise Http404
    return delegation


def delegations_of_user(*, user: Any) -> QuerySet[Delegation]:
    organisations = [o.pk for o in user_organisations(user=user)]
    return _with_relations(Delegation.objects.filter(organisation_id__in=organisations)).order_by("-starts_on", "-pk")


def delegations_for_officer(*, user: Any) -> QuerySet[Delegation]:
    """Delegations that asked for, or are routed to, a commune in the user's official scopes."""
    scopes = officer_scopes(user=user)
    if not scopes:
        return Delegation.objects.none()
    condition = Q()
    for scope in scopes:
        condition |= Q(preferred_communes__path__startswith=scope.path) | Q(stops__commune__path__startswith=scope.path)
    ids = Delegation.objects.filter(condition).values("pk")
    return _with_relations(Delegation.objects.filter(pk__in=ids)).order_by("starts_on", "pk")


def live_stops(delegation: Delegation) -> list[Stop]:
    return [s for s in delegation.stops.all() if s.status in LIVE_STOP_STATUSES]


@dataclass(frozen=True)
class CargoAdvice:
    cargo: CargoLine
    advice: Advice


@dataclass(frozen=True)
class StopView:
    stop: Stop
    advice: list[CargoAdvice]
    needs: list[PublicNeed]  # the specific needs the commune asked it to cover
    others: list[str]  # other delegations assigned to the same commune on the same day
    handed_over: list[HandoverLine]


def route_advice(*, area: Area, cargo: list[CargoLine]) -> list[CargoAdvice]:
    """Per item the delegation carries: is it still needed in ``area`` (coordination's advice:
    urgent / needed / enough / too much, and where else it is still missing)?"""
    return [CargoAdvice(cargo=c, advice=offer_advice(area=area, item=c.item)) for c in cargo]


def stop_conflicts(*, stop: Stop) -> list[str]:
    """Organisations of other delegations assigned to the same commune on the same day."""
    others = (
        Stop.objects.filter(on_date=stop.on_date, commune_id=stop.commune_id, status__in=ASSIGNED_STOP_STATUSES)
        .exclude(delegation_id=stop.delegation_id)
        .exclude(delegation__status=DelegationStatus.CANCELLED)
        .select_related("delegation__organisation")
        .order_by("delegation__code")
    )
    return [f"{s.delegation.organisation.name} ({s.delegation.code})" for s in others]


def route_conflicts(*, delegation: Delegation) -> list[tuple[Stop, list[str]]]:
    """The delegation's assigned stops that share their commune and day with other delegations,
    each with those others (what the official who just routed it should hear about)."""
    stops = (
        Stop.objects.filter(delegation=delegation, status__in=ASSIGNED_STOP_STATUSES)
        .select_related("commune")
        .order_by("on_date", "pk")
    )
    return [(stop, others) for stop in stops if (others := stop_conflicts(stop=stop))]


def delegation_route(*, delegation: Delegation) -> list[StopView]:
    cargo = list(delegation.cargo.all())
    views = []
    for stop in live_stops(delegation):
        needs = [need_public_view(n) for n in need_search_public(filters=NeedFilters()).filter(pk__in=stop.needs.values("pk"))]
        handed = stop_handovers(stop=stop)
        views.append(
            StopView(
                stop=stop,
                advice=route_advice(area=stop.commune, cargo=cargo) if stop.status != StopStatus.CHECKED_IN else [],
                needs=needs,
                others=stop_conflicts(stop=stop) if stop.status in ASSIGNED_STOP_STATUSES else [],
                handed_over=handed,
            )
        )
    return views


def stop_handovers(*, stop: Stop) -> list[HandoverLine]:
    return list(HandoverLine.objects.filter(stop=stop).select_related("pledge__need", "cargo__item"))


def stop_get(*, delegation: Delegation, code: str) -> Stop:
    stop = next((s for s in live_stops(delegation) if s.code == code.strip().upper()), None)
    if stop is None:
        raise Http404
    return stop


def stop_get_by_token(*, token: str) -> Stop | None:
    return (
        Stop.objects.filter(token=token.strip().upper())
        .select_related("commune", "delegation__organisation", "checked_in_by")
        .first()
    )


# ---- officials: the route form ---------------------------------------------------------------


def open_needs_in(*, area: Area, limit: int = 15) -> list[PublicNeed]:
    """Published needs of a commune that still miss something, highest priority first."""
    return [need_public_view(n) for n in need_search_public(filters=NeedFilters(area=area.code, status=OPEN_FILTER))[:limit]]


# ---- the hand-over ---------------------------------------------------------------------------


@dataclass(frozen=True)
class HandoverChoice:
    need_item_id: int
    need_code: str
    urgency_label: str
    village: str  # public: helps the delegation find the household on the ground
    remaining: Decimal
    remaining_text: str
    asked: bool  # one of the needs the commune assigned to this stop


@dataclass(frozen=True)
class HandoverGroup:
    cargo: CargoLine
    left: Decimal  # brought less already handed over
    left_text: str
    choices: list[HandoverChoice]


def handover_groups(*, stop: Stop) -> list[HandoverGroup]:
    """For each item the delegation brought: the open needs of the stop's commune that still
    miss it (public view: need codes only), the needs assigned to the stop first."""
    delegation = stop.delegation
    assigned = set(stop.needs.values_list("code", flat=True))
    needs = sorted(
        (need_public_view(n) for n in need_search_public(filters=NeedFilters(area=stop.commune.code, status=OPEN_FILTER))[:200]),
        key=lambda n: n.code not in assigned,
    )
    groups = []
    for cargo in delegation.cargo.select_related("item").prefetch_related("handovers"):
        left = cargo.quantity - cargo.committed()
        choices = [
            HandoverChoice(
                need_item_id=item.id, need_code=need.code, urgency_label=need.urgency_label, village=need.village_name,
                remaining=item.remaining, remaining_text=quantity_text(item.remaining, item.unit), asked=need.code in assigned,
            )
            for need in needs
            for item in need.items
            if item.item_code == cargo.item.code and item.remaining > 0
        ]
        groups.append(HandoverGroup(cargo=cargo, left=left, left_text=quantity_text(left, cargo.item.unit), choices=choices))
    return groups


def cargo_offer_query(*, delegation: Delegation, rows: int = 4) -> str:
    """What the delegation still has on its trucks, as the recommendations page's query string
    (``item_0=rice&quantity_0=1500&…``), so it can ask where to take it."""
    params: dict[str, str] = {}
    n = 0
    for cargo in delegation.cargo.select_related("item").prefetch_related("handovers"):
        left = cargo.quantity - cargo.committed()
        if n < rows and left > 0:
            params[f"item_{n}"], params[f"quantity_{n}"] = cargo.item.code, f"{left.normalize():f}"
            n += 1
    return urlencode(params)
