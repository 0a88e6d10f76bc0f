"""The officers' allocation page (issue 5): which delegation's goods should cover which need.

``allocation_problem`` builds the optimiser's input from the database, ``allocation_propose``
solves it (``coordination.optimiser.solve``: exact min-cost flow) and shapes the answer per
delegation, ``allocation_accept`` turns the lines an official accepts into pledges.

What goes in:

* **Offers**: one per cargo line of *goods* of a delegation that is accepted or on route during
  the chosen days and concerns the official (``selectors.delegations_for_officer``). Its quantity
  is what is still on the truck: carried − handed over at stops − held by earlier accepted
  allocations (their pledges while active; a cancelled or expired one gives its quantity back).
  It stands at the commune of the delegation's first assigned stop on or after the first chosen
  day (where it will be), or else its last assigned stop (where it was last). Communes have no
  coordinates: the point is the middle of the commune's published needs' public points, as on
  the delegations' map (``selectors.commune_points``). A delegation whose commune has no point is
  left out, and the page says so.
* **Needs**: one slot per item of an open need (verified or partly pledged) in the official's
  scope (and in the chosen area) that some offer carries and that still misses something, with
  the need's stored priority score and its exact point (officials may use it; the public sees it
  blurred). Needs without a point are left out and counted.
* **Cash is excluded.** Money does not travel on a truck: a delegation's cash goes through the
  funds and cash pledges with a transfer reference, where distance means nothing.

Accepted lines become pledges of the delegation's organisation, recorded by the official on
behalf of the member who registered the delegation (``pledge_create(donor=...)``), so the
organisation holds them, ships and delivers them; a commune officer who did not accept them
confirms. Each accepted line is an ``AllocationLine`` (cargo line → pledge): later runs and the
hand-over page subtract what is still promised from the truck (``AllocationLine.holding``). Each
acceptance records ``delegations.allocation.accepted`` on each delegation concerned, with the
run's parameters and the pledges, and tells the organisation.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cuutro.accounts.models import Role, RoleAssignment
from cuutro.accounts.selectors import is_member_of, is_officer
from cuutro.audit.services import audit_record
from cuutro.coordination.optimiser import NeedSlot, Offer, Solution, haversine_km, solve
from cuutro.delegations.models import ASSIGNED_STOP_STATUSES, AllocationLine, CargoLine, Delegation, DelegationStatus, HandoverLine, Stop
from cuutro.delegations.selectors import commune_points, delegations_for_officer
from cuutro.geo.models import Area
from cuutro.needs.choices import OPEN_STATUSES, Unit, quantity_text
from cuutro.needs.models import NeedItem
from cuutro.needs.selectors import needs_in_scope
from cuutro.needs.services import parse_quantity
from cuutro.notify.services import notify
from cuutro.pledges.choices import ShowAs
from cuutro.pledges.models import Pledge
from cuutro.pledges.services import OverPledgedError, PledgeData, PledgeStateError, pledge_create

ACCEPTED_ACTION = "delegations.allocation.accepted"
# Delegations whose goods can still be steered: routed, or already handing over.
ALLOCATABLE_STATUSES = [DelegationStatus.ACCEPTED, DelegationStatus.ON_ROUTE]
MAX_DAYS = 31
# The optimiser takes 10,000 needs × 500 offers in a few seconds (bench/optimiser_run.py); a
# province's open needs stay far below, but a page must not hang: the highest priorities win.
MAX_NEED_SLOTS = 10_000


class AllocationError(Exception):
    """The accepted lines do not fit what remains: nothing was written; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class AllocationParams:
    date_from: date
    date_to: date
    area: Area | None  # None: every commune the official serves
    distance_weight: Decimal  # priority points one kilometre costs

    def as_data(self) -> dict[str, str]:
        """For the audit log and the form's hidden fields."""
        return {
            "date_from": self.date_from.isoformat(),
            "date_to": self.date_to.isoformat(),
            "area": self.area.code if self.area else "",
            "distance_weight": str(self.distance_weight),
        }


@dataclass(frozen=True)
class NeedRow:
    need_item_id: int
    need_id: int
    need_code: str
    commune_id: int
    commune_name: str
    item_id: int
    item_name: str
    unit: str
    remaining: Decimal
    priority: int
    lat: float
    lon: float


@dataclass(frozen=True)
class OfferRow:
    cargo_id: int
    delegation: Delegation
    item_id: int
    item_name: str
    unit: str
    remaining: Decimal
    commune_name: str  # where the offer stands
    lat: float
    lon: float


@dataclass
class Problem:
    params: AllocationParams
    needs: dict[int, NeedRow]  # by need item id, highest priority first
    offers: dict[int, OfferRow]  # by cargo line id, delegations by first day
    needs_without_point: int = 0
    delegations_without_point: list[str] = field(default_factory=list)
    capped: bool = False  # more need slots than MAX_NEED_SLOTS: the lowest priorities were left out

    def need_slots(self) -> list[NeedSlot]:
        return [
            NeedSlot(id=n.need_item_id, item=n.item_id, quantity=n.remaining, priority=float(n.priority), lat=n.lat, lon=n.lon)
            for n in self.needs.values()
        ]

    def offer_slots(self) -> list[Offer]:
        return [Offer(id=o.cargo_id, item=o.item_id, quantity=o.remaining, lat=o.lat, lon=o.lon) for o in self.offers.values()]


# ---- offers --------------------------------------------------------------------------------


def _location_stop(delegation: Delegation, *, date_from: date) -> Stop | None:
    """Where the delegation's goods stand for the run: its first assigned stop on or after the
    first day, else its last assigned stop."""
    stops = sorted((s for s in delegation.stops.all() if s.status in ASSIGNED_STOP_STATUSES), key=lambda s: (s.on_date, s.pk))
    upcoming = [s for s in stops if s.on_date >= date_from]
    if upcoming:
        return upcoming[0]
    return stops[-1] if stops else None


def allocated_by_cargo(*, delegation_ids: list[int]) -> dict[int, Decimal]:
    """Quantity of each cargo line held by pledges of earlier accepted allocations (active ones:
    a cancelled or expired pledge gives its quantity back to the truck)."""
    rows = (
        AllocationLine.holding()
        .filter(cargo__delegation_id__in=delegation_ids)
        .values("cargo_id")
        .annotate(held=Sum("quantity"))
        .order_by()
    )
    return {row["cargo_id"]: row["held"] or Decimal(0) for row in rows}


def _offers(*, user: Any, params: AllocationParams, cargo_ids: set[int] | None) -> tuple[dict[int, OfferRow], list[str]]:
    delegations = list(
        delegations_for_officer(user=user).filter(
            status__in=ALLOCATABLE_STATUSES, starts_on__lte=params.date_to, ends_on__gte=params.date_from
        )
    )
    located = {d.pk: _location_stop(d, date_from=params.date_from) for d in delegations}
    communes = {s.commune_id: s.commune for s in located.values() if s is not None}
    points = commune_points(communes=list(communes.values()))
    ids = [d.pk for d in delegations]
    handed = {
        row["cargo"]: row["total"]
        for row in HandoverLine.objects.filter(cargo__delegation_id__in=ids).values("cargo").annotate(total=Sum("quantity"))
    }
    held = allocated_by_cargo(delegation_ids=ids)
    offers: dict[int, OfferRow] = {}
    without_point: list[str] = []
    for delegation in delegations:
        stop = located[delegation.pk]
        point = points.get(stop.commune_id) if stop is not None else None
        if stop is None or point is None:
            without_point.append(delegation.code)
            continue
        for cargo in delegation.cargo.all():
            if cargo.item.unit == Unit.VND or (cargo_ids is not None and cargo.pk not in cargo_ids):
                continue
            remaining = cargo.quantity - handed.get(cargo.pk, Decimal(0)) - held.get(cargo.pk, Decimal(0))
            if remaining <= 0:
                continue
            offers[cargo.pk] = OfferRow(
                cargo_id=cargo.pk, delegation=delegation, item_id=cargo.item_id, item_name=cargo.item.name,
                unit=cargo.item.unit, remaining=remaining, commune_name=stop.commune.name, lat=point[0], lon=point[1],
            )
    return offers, without_point


# ---- needs ---------------------------------------------------------------------------------


def _needs(
    *, user: Any, params: AllocationParams, item_ids: set[int], need_item_ids: set[int] | None
) -> tuple[dict[int, NeedRow], int, bool]:
    scope = needs_in_scope(user=user).filter(status__in=OPEN_STATUSES)
    if params.area is not None:
        scope = scope.filter(area_path__startswith=params.area.path)
    items = NeedItem.objects.filter(need__in=scope, item_id__in=item_ids, quantity__gt=F("quantity_pledged")).exclude(
        item__unit=Unit.VND
    )
    if need_item_ids is not None:
        items = items.filter(pk__in=need_item_ids)
    without_point = (
        items.filter(Q(need__latitude__isnull=True) | Q(need__longitude__isnull=True)).values("need_id").distinct().count()
    )
    located = (
        items.filter(need__latitude__isnull=False, need__longitude__isnull=False)
        .select_related("need__area", "item")
        .order_by("-need__priority", "need_id", "pk")
    )
    rows: dict[int, NeedRow] = {}
    for ni in located[: MAX_NEED_SLOTS + 1]:
        if len(rows) == MAX_NEED_SLOTS:
            return rows, without_point, True
        need = ni.need
        assert need.latitude is not None
        assert need.longitude is not None
        rows[ni.pk] = NeedRow(
            need_item_id=ni.pk, need_id=need.pk, need_code=need.code, commune_id=need.area_id, commune_name=need.area.name,
            item_id=ni.item_id, item_name=ni.item.name, unit=ni.item.unit, remaining=ni.remaining,
            priority=need.priority, lat=float(need.latitude), lon=float(need.longitude),
        )
    return rows, without_point, False


def allocation_problem(
    *, user: Any, params: AllocationParams, cargo_ids: set[int] | None = None, need_item_ids: set[int] | None = None
) -> Problem:
    """The optimiser's input for an official's run (see the module's docstring). ``cargo_ids``
    and ``need_item_ids`` narrow it to the lines an acceptance names."""
    offers, delegations_without_point = _offers(user=user, params=params, cargo_ids=cargo_ids)
    needs, needs_without_point, capped = _needs(
        user=user, params=params, item_ids={o.item_id for o in offers.values()}, need_item_ids=need_item_ids
    )
    return Problem(
        params=params, needs=needs, offers=offers, needs_without_point=needs_without_point,
        delegations_without_point=delegations_without_point, capped=capped,
    )


# ---- the proposal --------------------------------------------------------------------------


@dataclass(frozen=True)
class ProposalLine:
    need: NeedRow
    offer: OfferRow
    quantity: Decimal
    km: float
    limit: Decimal  # the most this line may take: what the need and the offer still have

    @property
    def key(self) -> str:
        return f"{self.need.need_item_id}-{self.offer.cargo_id}"

    @property
    def quantity_input(self) -> str:
        """For the number box: 30, 12.5 (no thousands separator, a decimal point)."""
        return _plain(self.quantity)

    @property
    def limit_input(self) -> str:
        return _plain(self.limit)


def _plain(quantity: Decimal) -> str:
    return f"{quantity.normalize():f}" if quantity else "0"


@dataclass
class DelegationGroup:
    delegation: Delegation
    commune_name: str
    lines: list[ProposalLine]
    left: list[str]  # what stays on the truck, in words


@dataclass
class Proposal:
    problem: Problem
    solution: Solution
    groups: list[DelegationGroup]

    @property
    def objective(self) -> float:
        return self.solution.objective

    @property
    def line_count(self) -> int:
        return sum(len(g.lines) for g in self.groups)


def _km(need: NeedRow, offer: OfferRow) -> float:
    return float(haversine_km(offer.lat, offer.lon, need.lat, need.lon))


def allocation_propose(*, user: Any, params: AllocationParams) -> Proposal:
    problem = allocation_problem(user=user, params=params)
    solution = solve(problem.need_slots(), problem.offer_slots(), distance_weight=float(params.distance_weight))
    by_delegation: dict[int, list[ProposalLine]] = defaultdict(list)
    used: dict[int, Decimal] = defaultdict(Decimal)
    for line in solution.allocations:
        need, offer = problem.needs[int(line.need)], problem.offers[int(line.offer)]
        used[offer.cargo_id] += line.quantity
        by_delegation[offer.delegation.pk].append(
            ProposalLine(need=need, offer=offer, quantity=line.quantity, km=_km(need, offer), limit=min(need.remaining, offer.remaining))
        )
    groups: list[DelegationGroup] = []
    seen: set[int] = set()
    for offer in problem.offers.values():
        delegation = offer.delegation
        if delegation.pk in seen:
            continue
        seen.add(delegation.pk)
        own = [o for o in problem.offers.values() if o.delegation.pk == delegation.pk]
        groups.append(
            DelegationGroup(
                delegation=delegation,
                commune_name=offer.commune_name,
                lines=sorted(by_delegation[delegation.pk], key=lambda p: (-p.need.priority, p.need.need_code, p.offer.item_name)),
                left=[
                    f"{quantity_text(o.remaining - used[o.cargo_id], o.unit)} {o.item_name}"
                    for o in own
                    if o.remaining - used[o.cargo_id] > 0
                ],
            )
        )
    return Proposal(problem=problem, solution=solution, groups=groups)


# ---- accepting -----------------------------------------------------------------------------


@dataclass(frozen=True)
class AcceptLine:
    need_item_id: int
    cargo_id: int
    quantity: Decimal | str


def _line_quantity(value: Decimal | str) -> Decimal | None:
    try:
        quantity = parse_quantity(value, cash=False)
    except ValueError:
        return None
    if quantity is None or quantity < 0 or quantity != quantity.quantize(Decimal("0.01")):
        return None
    return quantity


def _donor(delegation: Delegation) -> Any:
    """Who holds the pledges for the organisation: the member who registered the delegation, or
    (if they have left it) its longest-standing active member."""
    if delegation.created_by.is_active and is_member_of(user=delegation.created_by, organisation_id=delegation.organisation_id):
        return delegation.created_by
    assignment = (
        RoleAssignment.objects.filter(role=Role.ORG_MEMBER, organisation_id=delegation.organisation_id, user__is_active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return assignment.user if assignment else None


def _expected_on(*, delegation: Delegation, need: NeedRow) -> date:
    """The day of the delegation's stop in the need's commune, else its last day; never in the
    past, never beyond what a pledge may promise."""
    today = timezone.localdate()
    stops = [s for s in delegation.stops.all() if s.status in ASSIGNED_STOP_STATUSES and s.commune_id == need.commune_id]
    stop = next((s for s in sorted(stops, key=lambda s: s.on_date) if s.on_date >= today), None)
    day = stop.on_date if stop is not None else delegation.ends_on
    return min(max(day, today), today + timedelta(days=settings.PLEDGE_MAX_LEAD_DAYS))


def _label(need: NeedRow, offer: OfferRow) -> str:
    return f"{need.need_code} · {need.item_name} ← {offer.delegation.code}"


@transaction.atomic
def allocation_accept(
    *, actor: Any, params: AllocationParams, lines: list[AcceptLine], proposed_objective: float | None = None
) -> list[Pledge]:
    """Turn the lines an official accepted (as proposed or adjusted) into pledges, all or none.

    Every line is checked again against what remains now, the same way the page built the
    problem: the delegations concerned are locked first (hand-overs lock them too, so the
    cargo's remainder cannot move meanwhile), then each pledge takes its need's lock in
    ``pledge_create``, which refuses to over-pledge. Any refusal rolls everything back and
    raises ``AllocationError`` naming the line and what remains.
    """
    if not is_officer(user=actor):
        raise PermissionDenied(_("Only officials can accept an allocation."))
    wanted: list[tuple[AcceptLine, Decimal]] = []
    for line in lines:
        quantity = _line_quantity(line.quantity)
        if quantity is None:
            raise AllocationError(_("Enter each quantity as a number with at most two decimal places, or 0 to leave the line out."))
        if quantity > 0:
            wanted.append((line, quantity))
    if not wanted:
        raise AllocationError(_("Select at least one line with a quantity greater than zero."))

    cargo_ids = {line.cargo_id for line, _q in wanted}
    delegation_ids = sorted(set(CargoLine.objects.filter(pk__in=cargo_ids).values_list("delegation_id", flat=True)))
    list(Delegation.objects.select_for_update().filter(pk__in=delegation_ids).order_by("pk").values_list("pk", flat=True))
    problem = allocation_problem(user=actor, params=params, cargo_ids=cargo_ids, need_item_ids={line.need_item_id for line, _q in wanted})

    offered: dict[int, Decimal] = defaultdict(Decimal)
    needed: dict[int, Decimal] = defaultdict(Decimal)
    checked: list[tuple[NeedRow, OfferRow, Decimal]] = []
    for line, quantity in wanted:
        need, offer = problem.needs.get(line.need_item_id), problem.offers.get(line.cargo_id)
        if need is None or offer is None or need.item_id != offer.item_id:
            raise AllocationError(
                _(
                    "One of the lines is no longer available (the need was covered or closed, or the delegation changed). "
                    "Run the allocation again."
                )
            )
        offered[offer.cargo_id] += quantity
        needed[need.need_item_id] += quantity
        if needed[need.need_item_id] > need.remaining:
            raise AllocationError(
                _("%(line)s: only %(remaining)s remain to be covered; the selected lines ask for %(asked)s. Nothing was accepted.")
                % {"line": _label(need, offer), "remaining": quantity_text(need.remaining, need.unit),
                   "asked": quantity_text(needed[need.need_item_id], need.unit)}
            )
        if offered[offer.cargo_id] > offer.remaining:
            raise AllocationError(
                _(
                    "%(line)s: the delegation has only %(remaining)s of %(item)s left to allocate; "
                    "the selected lines ask for %(asked)s. Nothing was accepted."
                )
                % {"line": _label(need, offer), "remaining": quantity_text(offer.remaining, offer.unit), "item": offer.item_name,
                   "asked": quantity_text(offered[offer.cargo_id], offer.unit)}
            )
        checked.append((need, offer, quantity))

    parameters = params.as_data()
    made: dict[int, list[dict[str, str]]] = defaultdict(list)
    pledges: list[Pledge] = []
    donors: dict[int, Any] = {}
    objective = 0.0
    # Each pledge locks its need: in one order (by need), so concurrent acceptances and pledges
    # on the same needs cannot deadlock.
    checked.sort(key=lambda line: (line[0].need_id, line[0].need_item_id, line[1].cargo_id))
    for need, offer, quantity in checked:
        delegation = offer.delegation
        if delegation.pk not in donors:
            donors[delegation.pk] = _donor(delegation)
            if donors[delegation.pk] is None:
                raise AllocationError(
                    _("%(organisation)s has no active member to hold the pledges. Nothing was accepted.")
                    % {"organisation": delegation.organisation.name}
                )
        note = _(
            "Allocation accepted: relief delegation %(code)s brings this, %(start)s–%(end)s (distance weight %(weight)s points per km)."
        ) % {
            "code": delegation.code, "start": f"{params.date_from:%d/%m/%Y}", "end": f"{params.date_to:%d/%m/%Y}",
            "weight": params.distance_weight,
        }
        try:
            pledge = pledge_create(
                actor=actor,
                donor=donors[delegation.pk],
                data=PledgeData(
                    need_item_id=need.need_item_id,
                    quantity=quantity,
                    contact_name=delegation.leader_name,
                    contact_phone=delegation.leader_phone,
                    expected_on=_expected_on(delegation=delegation, need=need),
                    show_as=ShowAs.ORGANISATION,
                    organisation_id=delegation.organisation_id,
                    note=note,
                ),
            )
        except OverPledgedError as exc:
            # Someone pledged the same need after the check above: the need's lock decided.
            raise AllocationError(
                _("%(line)s: only %(remaining)s remain to be covered; you asked for %(asked)s. Nothing was accepted.")
                % {"line": _label(need, offer), "remaining": quantity_text(exc.remaining, need.unit),
                   "asked": quantity_text(quantity, need.unit)}
            ) from exc
        except PledgeStateError as exc:
            raise AllocationError(f"{_label(need, offer)}: {exc.message}") from exc
        for stop in delegation.stops.all():
            if stop.status in ASSIGNED_STOP_STATUSES and stop.commune_id == need.commune_id:
                stop.needs.add(need.need_id)  # the commune sees it among the stop's planned needs
        AllocationLine.objects.create(cargo_id=offer.cargo_id, pledge=pledge, quantity=quantity, accepted_by=actor)
        pledges.append(pledge)
        objective += float(quantity) * (need.priority - float(params.distance_weight) * _km(need, offer))
        made[delegation.pk].append({
            "pledge": pledge.code, "cargo": str(offer.cargo_id), "need": need.need_code, "item": str(need.item_id),
            "quantity": str(quantity),
        })

    for pk, entries in made.items():
        delegation = next(o.delegation for o in problem.offers.values() if o.delegation.pk == pk)
        notify(
            recipient=donors[pk],
            kind="allocation_accepted",
            subject=gettext_lazy("The province allocated goods of delegation %(code)s to needs"),
            body=gettext_lazy(
                "The province's relief committee asks delegation %(code)s to cover these needs with what it carries; "
                "they are recorded as pledges of %(organisation)s: %(pledges)s.\n"
                "Deliver them as agreed, or cancel a pledge with a reason if you cannot: %(link)s"
            ),
            context={
                "code": delegation.code, "organisation": delegation.organisation.name,
                "pledges": ", ".join(e["pledge"] for e in entries),
                "link": settings.SITE_URL.rstrip("/") + reverse("delegations:detail", args=[delegation.code]),
            },
            dedupe_key=f"allocation:{delegation.code}:{entries[0]['pledge']}",
        )  # fmt: skip
        audit_record(
            actor=actor,
            action=ACCEPTED_ACTION,
            target=delegation,
            reason=_("Allocation accepted"),
            data={
                **parameters,
                "objective": round(objective, 6),  # of all the lines accepted now, as they were accepted
                "proposed_objective": None if proposed_objective is None else round(proposed_objective, 6),
                "pledges": [e["pledge"] for e in entries],
                "lines": entries,
            },
        )
    return pledges
