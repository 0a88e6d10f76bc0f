"""The allocation optimiser (issue 5): which offer should cover which need, and how much.

Given open needs and a batch of offers (several delegations' goods), find the allocation that
maximises

    Σ quantity × (priority − distance_weight × great-circle km between the need and the offer)

with allocations only between equal items, never more than a need's or an offer's quantity.

This is a transportation problem, solved exactly as a min-cost flow with Google OR-Tools
(``SimpleMinCostFlow``, a cost-scaling push-relabel algorithm in C++). For each item:

    source ──s_i──▶ offer i ──min(s_i, d_j), cost −profit_ij──▶ need j ──d_j──▶ sink
    source ──────────────── bypass, cost 0, capacity Σ s_i ─────────────────▶ sink

The source supplies every offer's quantity; whatever is not worth sending takes the bypass, so no
unprofitable flow is forced. Only arcs with a positive profit can carry flow in an optimum (a
unit on an arc with profit ≤ 0 could take the bypass instead at no loss), so the others are never
built.

The solver works in integers: quantities (Decimals with at most 2 decimal places, as in the app)
are counted in hundredths, and each arc's profit is rounded to an int64 on a grid fine enough for
the result to stay within a hair of the exact optimum (see ``_cost_resolution``). The reported
objective is recomputed from the real (float) profits, never from the rounded costs.

This module is pure: no Django models, so the officers' page, the ``allocate`` command and the
benchmark call it with plain dataclasses. Bad input raises ``ProblemError`` with a translated
message that names the offending entry.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
from django.utils.translation import gettext as _
from ortools.graph.python.min_cost_flow import SimpleMinCostFlow

# IUGG mean Earth radius (km). The haversine formula on this sphere is within about 0.5 % of the
# ellipsoidal distance: far closer than the distance penalty's own precision.
EARTH_RADIUS_KM = 6371.0088
# Quantities are counted in hundredths (the app's Decimal fields have 2 decimal places).
QUANTITY_SCALE = 100
# Large enough for any relief batch, small enough that the sum of all quantities in hundredths
# cannot overflow the solver's int64 supplies.
MAX_QUANTITY = Decimal(10) ** 9
_INT64_MAX = np.iinfo(np.int64).max

Id = str | int


class ProblemError(ValueError):
    """The problem is malformed; the message (translated) names the offending entry."""


@dataclass(frozen=True, slots=True)
class NeedSlot:
    """What is still missing of one item of one need, and where."""

    id: Id
    item: Id
    quantity: Decimal
    priority: float
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Offer:
    """Goods one delegation (or donor) brings, and where they are now."""

    id: Id
    item: Id
    quantity: Decimal
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Allocation:
    need: Id
    offer: Id
    quantity: Decimal


@dataclass(frozen=True, slots=True)
class Solution:
    """Allocations sorted by the needs' order in the input, then the offers' order."""

    allocations: tuple[Allocation, ...]
    objective: float


# --------------------------------------------------------------------------------------- solving


def solve(needs: Sequence[NeedSlot], offers: Sequence[Offer], *, distance_weight: float) -> Solution:
    """The allocation that maximises Σ quantity × (priority − distance_weight × km); exact."""
    validate(needs, offers, distance_weight=distance_weight)
    by_item_needs: dict[Id, list[int]] = {}
    by_item_offers: dict[Id, list[int]] = {}
    for position, need in enumerate(needs):
        if need.quantity > 0:
            by_item_needs.setdefault(need.item, []).append(position)
    for position, offer in enumerate(offers):
        if offer.quantity > 0:
            by_item_offers.setdefault(offer.item, []).append(position)

    lines: list[tuple[int, int, int]] = []  # (need position, offer position, hundredths)
    objective = 0.0
    # Items are independent problems: solving them one by one keeps each graph (and the
    # memory of its distance matrix) small, and lets each use the finest cost grid it can.
    for item, need_positions in by_item_needs.items():
        offer_positions = by_item_offers.get(item)
        if not offer_positions:
            continue
        item_lines, item_objective = _solve_item(
            [needs[p] for p in need_positions], [offers[p] for p in offer_positions], float(distance_weight)
        )
        objective += item_objective
        lines.extend((need_positions[j], offer_positions[i], flow) for j, i, flow in item_lines)

    lines.sort()
    allocations = tuple(
        Allocation(need=needs[j].id, offer=offers[i].id, quantity=Decimal(flow).scaleb(-2)) for j, i, flow in lines
    )
    return Solution(allocations=allocations, objective=objective)


def _solve_item(needs: list[NeedSlot], offers: list[Offer], distance_weight: float) -> tuple[list[tuple[int, int, int]], float]:
    """Solve one item: (need index, offer index, hundredths) lines and their exact objective."""
    num_offers, num_needs = len(offers), len(needs)
    demand = np.array([_hundredths(n.quantity) for n in needs], dtype=np.int64)
    supply = np.array([_hundredths(o.quantity) for o in offers], dtype=np.int64)
    source, sink = num_offers + num_needs, num_offers + num_needs + 1
    # No arc earns more than the highest priority (distances are ≥ 0): that is the top of the grid.
    top_priority = max(n.priority for n in needs)
    if top_priority <= 0:
        return [], 0.0
    scale = _cost_resolution(num_offers + num_needs + 2) / float(top_priority)
    offer_of_arc, need_of_arc, arc_profit = _profitable_arcs(needs, offers, distance_weight, min_profit=0.5 / scale)
    if offer_of_arc.size == 0:
        return [], 0.0
    cost = -np.rint(arc_profit * scale).astype(np.int64)

    flow_solver = SimpleMinCostFlow()
    total_supply = int(supply.sum())
    # Arcs in this order: source → offers, offers → needs (the pairs), needs → sink, the bypass.
    offer_nodes = np.arange(num_offers, dtype=np.int32)
    need_nodes = np.arange(num_offers, source, dtype=np.int32)
    tails = np.concatenate([np.full(num_offers, source, np.int32), offer_of_arc, need_nodes, np.array([source], np.int32)])
    need_of_arc_node = need_of_arc + np.int32(num_offers)
    heads = np.concatenate([offer_nodes, need_of_arc_node, np.full(num_needs, sink, np.int32), np.array([sink], np.int32)])
    capacities = np.concatenate([supply, np.minimum(supply[offer_of_arc], demand[need_of_arc]), demand, np.array([total_supply], np.int64)])
    costs = np.concatenate([np.zeros(num_offers, np.int64), cost, np.zeros(num_needs + 1, np.int64)])
    del cost
    arcs = flow_solver.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs)
    del tails, heads, capacities, costs
    flow_solver.set_nodes_supplies(np.array([source, sink], dtype=np.int32), np.array([total_supply, -total_supply], dtype=np.int64))
    status = flow_solver.solve()
    if status != SimpleMinCostFlow.OPTIMAL:
        # Cannot happen within _cost_resolution's bounds (the bypass makes every instance
        # feasible): a programming error, not the user's.
        raise RuntimeError(f"min-cost flow solver failed with status {status}")

    pair_arcs = np.asarray(arcs, dtype=np.int32)[num_offers : num_offers + offer_of_arc.size]
    flows = np.asarray(flow_solver.flows(pair_arcs), dtype=np.int64)
    used = np.nonzero(flows)[0]
    objective = float(np.dot(flows[used].astype(np.float64) / QUANTITY_SCALE, arc_profit[used]))
    lines = [(int(need_of_arc[a]), int(offer_of_arc[a]), int(flows[a])) for a in used]
    return lines, objective


def _profitable_arcs(
    needs: list[NeedSlot], offers: list[Offer], distance_weight: float, *, min_profit: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(offer index, need index, profit per unit) of every pair earning at least ``min_profit``.

    Only positive profits can carry flow in an optimum; a profit below the cost grid's half step
    would round to 0 and is left out rather than let the solver place indifferent flow on it.
    The offers × needs matrix is computed in slices of about 2^18 pairs so that a batch with a
    single item (say 10,000 × 500) does not hold several full-size temporary matrices at once.
    """
    need_lat = np.array([n.lat for n in needs], dtype=np.float64)
    need_lon = np.array([n.lon for n in needs], dtype=np.float64)
    priority = np.array([n.priority for n in needs], dtype=np.float64)
    offer_lat = np.array([o.lat for o in offers], dtype=np.float64)
    offer_lon = np.array([o.lon for o in offers], dtype=np.float64)
    rows = max(1, 2**18 // len(needs))
    offer_parts, need_parts, profit_parts = [], [], []
    for first in range(0, len(offers), rows):
        last = min(first + rows, len(offers))
        km = haversine_km(offer_lat[first:last, None], offer_lon[first:last, None], need_lat[None, :], need_lon[None, :])
        profit = priority[None, :] - distance_weight * km
        offer_part, need_part = np.nonzero(profit >= min_profit)
        profit_parts.append(profit[offer_part, need_part])
        offer_parts.append((offer_part + first).astype(np.int32))
        need_parts.append(need_part.astype(np.int32))
    return np.concatenate(offer_parts), np.concatenate(need_parts), np.concatenate(profit_parts)


def _cost_resolution(num_nodes: int) -> int:
    """The integer an item's highest priority (the largest possible profit) is scaled to.

    Why this size: rounding each unit profit moves the objective by at most
    (total flow) × (largest profit) / resolution, so the grid should be as fine as the solver
    allows. OR-Tools multiplies costs by (n + 1) and its node potentials can drift to about
    4·n·(n + 1) times the largest cost; it refuses costs whose potentials could overflow int64.
    Keeping 8·(n + 1)² × resolution under 2^63 leaves a safety factor of two. For an item with
    2,000 needs and 100 offers that is about 2.6·10^11, so with (say) 10^7 hundredths of flow the
    worst-case error is below 4·10^-5 of the largest profit per unit, and in practice far less.
    """
    return max(1, min(2**52, _INT64_MAX // (8 * (num_nodes + 1) ** 2)))


def haversine_km(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> Any:
    """Great-circle distance in km on a sphere of radius ``EARTH_RADIUS_KM`` (numpy-broadcast)."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    half_dphi = (phi2 - phi1) / 2
    half_dlambda = np.radians(np.asarray(lon2) - np.asarray(lon1)) / 2
    h = np.sin(half_dphi) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(half_dlambda) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def _hundredths(quantity: Decimal) -> int:
    return int(quantity.scaleb(2))


# ------------------------------------------------------------------------------------ validation


def validate(needs: Sequence[NeedSlot], offers: Sequence[Offer], *, distance_weight: float) -> None:
    """Refuse what the solver cannot honour: negative or too precise quantities, bad coordinates…"""
    if not _is_finite_number(distance_weight) or distance_weight < 0:
        raise ProblemError(_("The distance weight must be a number, 0 or more."))
    groups: tuple[tuple[str, Sequence[NeedSlot | Offer]], ...] = (("needs", needs), ("offers", offers))
    for kind, entries in groups:
        seen: dict[Id, str] = {}
        for position, entry in enumerate(entries):
            label = _label(kind, position, entry.id)
            if not isinstance(entry.quantity, Decimal) or not entry.quantity.is_finite():
                raise ProblemError(_("%(entry)s: “%(field)s” must be a number.") % {"entry": label, "field": "quantity"})
            if entry.quantity < 0:
                raise ProblemError(_("%(entry)s: the quantity must not be negative.") % {"entry": label})
            if entry.quantity > MAX_QUANTITY:
                raise ProblemError(_("%(entry)s: the quantity is too large.") % {"entry": label})
            if entry.quantity != entry.quantity.quantize(Decimal("0.01")):
                raise ProblemError(_("%(entry)s: the quantity has more than 2 decimal places.") % {"entry": label})
            fields: list[tuple[str, float]] = [("lat", entry.lat), ("lon", entry.lon)]
            if isinstance(entry, NeedSlot):
                fields.insert(0, ("priority", entry.priority))
            for field, value in fields:
                if not _is_finite_number(value):
                    raise ProblemError(_("%(entry)s: “%(field)s” must be a number.") % {"entry": label, "field": field})
            if isinstance(entry, NeedSlot) and entry.priority < 0:
                raise ProblemError(_("%(entry)s: the priority must not be negative.") % {"entry": label})
            if not -90 <= entry.lat <= 90:
                raise ProblemError(_("%(entry)s: the latitude must be between -90 and 90.") % {"entry": label})
            if not -180 <= entry.lon <= 180:
                raise ProblemError(_("%(entry)s: the longitude must be between -180 and 180.") % {"entry": label})
            if entry.id in seen:
                raise ProblemError(_("%(entry)s: the id is already used by %(other)s.") % {"entry": label, "other": seen[entry.id]})
            seen[entry.id] = f"{kind}[{position}]"


def _label(kind: str, position: int, entry_id: object) -> str:
    """Where an entry is in the problem, as a JSON path an analyst can find: needs[3] (id "N-7")."""
    if entry_id is None:
        return f"{kind}[{position}]"
    return f"{kind}[{position}] (id {json.dumps(entry_id, ensure_ascii=False)})"


def _is_finite_number(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return False
    try:
        return math.isfinite(float(value))
    except (OverflowError, ValueError):  # an integer beyond float's range
        return False


# ------------------------------------------------------------------------------------------ JSON


def problem_from_json(data: object) -> tuple[list[NeedSlot], list[Offer], float]:
    """Parse ``{"needs": [...], "offers": [...], "distance_weight": w}`` into (needs, offers, w).

    Numbers may be JSON numbers (parse with ``parse_float=Decimal`` to keep quantities exact) or
    numeric strings; ids and items are strings or whole numbers. Unknown fields are ignored.
    """
    if not isinstance(data, Mapping):
        raise ProblemError(_("The problem must be a JSON object with “needs”, “offers” and “distance_weight”."))
    for field in ("needs", "offers", "distance_weight"):
        if field not in data:
            raise ProblemError(_("The problem has no “%(field)s”.") % {"field": field})
    for field in ("needs", "offers"):
        if not isinstance(data[field], list):
            raise ProblemError(_("“%(field)s” must be a list.") % {"field": field})
    weight = data["distance_weight"]
    if isinstance(weight, str):
        weight = _decimal_or_none(weight)
    if not _is_finite_number(weight):
        raise ProblemError(_("The distance weight must be a number, 0 or more."))
    distance_weight = float(weight)

    needs = [
        NeedSlot(
            id=_identifier(entry, "id", label),
            item=_identifier(entry, "item", label),
            quantity=_quantity(entry, label),
            priority=_float(entry, "priority", label),
            lat=_float(entry, "lat", label),
            lon=_float(entry, "lon", label),
        )
        for entry, label in _entries(data["needs"], "needs")
    ]
    offers = [
        Offer(
            id=_identifier(entry, "id", label),
            item=_identifier(entry, "item", label),
            quantity=_quantity(entry, label),
            lat=_float(entry, "lat", label),
            lon=_float(entry, "lon", label),
        )
        for entry, label in _entries(data["offers"], "offers")
    ]
    validate(needs, offers, distance_weight=distance_weight)
    return needs, offers, distance_weight


def solution_to_json(solution: Solution) -> dict[str, Any]:
    """``{"allocations": [{"need", "offer", "quantity"}], "objective"}`` with plain JSON numbers."""
    return {
        "allocations": [
            {"need": line.need, "offer": line.offer, "quantity": _json_number(line.quantity)} for line in solution.allocations
        ],
        # The objective is a sum of float products: more digits than this would be noise.
        "objective": round(solution.objective, 6),
    }


def _entries(raw: list[Any], kind: str) -> Iterable[tuple[Mapping[str, Any], str]]:
    for position, entry in enumerate(raw):
        if not isinstance(entry, Mapping):
            raise ProblemError(_("%(entry)s must be an object.") % {"entry": f"{kind}[{position}]"})
        entry_id = entry.get("id")
        yield entry, _label(kind, position, entry_id if isinstance(entry_id, str | int) and not isinstance(entry_id, bool) else None)


def _present(entry: Mapping[str, Any], field: str, label: str) -> Any:
    if field not in entry or entry[field] is None:
        raise ProblemError(_("%(entry)s has no “%(field)s”.") % {"entry": label, "field": field})
    return entry[field]


def _identifier(entry: Mapping[str, Any], field: str, label: str) -> Id:
    value = _present(entry, field, label)
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise ProblemError(_("%(entry)s: “%(field)s” must be a text or a whole number.") % {"entry": label, "field": field})
    return value


def _quantity(entry: Mapping[str, Any], label: str) -> Decimal:
    value = _present(entry, "quantity", label)
    number: Decimal | None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, Decimal | int | str):
        number = _decimal_or_none(str(value))
    elif isinstance(value, float):
        number = Decimal(repr(value))  # the shortest decimal that reads back as this float: 0.1 → 0.1
    else:
        number = None
    if number is None or not number.is_finite():
        raise ProblemError(_("%(entry)s: “%(field)s” must be a number.") % {"entry": label, "field": "quantity"})
    return number


def _float(entry: Mapping[str, Any], field: str, label: str) -> float:
    value = _present(entry, field, label)
    if isinstance(value, str):
        value = _decimal_or_none(value)
    if not _is_finite_number(value):
        raise ProblemError(_("%(entry)s: “%(field)s” must be a number.") % {"entry": label, "field": field})
    return float(value)


def _decimal_or_none(text: str) -> Decimal | None:
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _json_number(quantity: Decimal) -> int | float:
    # Hundredths print exactly as floats (12.35 → 12.35); whole quantities print without ".0".
    return int(quantity) if quantity == quantity.to_integral_value() else float(quantity)
