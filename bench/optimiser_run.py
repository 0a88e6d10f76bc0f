"""Time the allocation optimiser (issue 5) on 10,000 needs × 500 offers across 5 item types.

    .venv/bin/python bench/optimiser_run.py                       # the acceptance instance, 3 timed runs
    .venv/bin/python bench/optimiser_run.py --distance-weight 0   # no pruning: every same-item pair is an arc
    .venv/bin/python bench/optimiser_run.py --needs 20000 --offers 1000

No database and no server: it generates a seeded instance in Quảng Trị (lat 16.4–17.2,
lon 106.5–107.4) as plain ``NeedSlot``/``Offer`` dataclasses and calls
``cuutro.coordination.optimiser.solve`` directly, the way the officers' page and
``manage.py allocate`` do. The instance:

* needs clustered around 60 commune centres (a few km of spread), priorities 1–100 skewed low
  (most needs are ordinary, a few urgent), quantities 1–60 units with hundredths;
* offers (delegations' goods) arriving at 12 drop-off points (Đông Hà, Quảng Trị town, district
  towns…) with some spread, 100–700 units each, so the supply covers roughly 2/3 of the demand
  and needs compete;
* items drawn uniformly from 5 types, so each item is about 2,000 needs × 100 offers.

Each timed run is the whole ``solve``: validation, distance matrices, pruning, building the flow
network, OR-Tools' min-cost flow and reading the flows back. Memory is measured in a separate run
under ``tracemalloc`` (it slows Python allocations): its peak counts Python and numpy
allocations, not OR-Tools' own C++ memory, so the process's peak RSS (``ru_maxrss``) is
reported too, with the RSS before the first solve for comparison. Results are printed and
written to bench/results/optimiser-<UTC time>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import statistics
import sys
import time
import tracemalloc
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import RESULTS_DIR, ROOT
from bench.run import _machine, wait_quiet
from cuutro.coordination.optimiser import NeedSlot, Offer, Solution, haversine_km, solve

ITEMS = ("gao", "nuoc-uong", "mi-tom", "chan-man", "thuoc")
# Drop-off points where delegations arrive: Đông Hà, Quảng Trị town, Gio Linh, Cam Lộ, Triệu Phong,
# Hải Lăng, Vĩnh Linh, Khe Sanh, Lao Bảo, Cửa Việt, Krông Klang, Hồ Xá (approximate).
DROP_OFFS = (
    (16.816, 107.100), (16.750, 107.190), (16.920, 107.060), (16.800, 106.990), (16.780, 107.160),
    (16.690, 107.230), (17.050, 107.030), (16.630, 106.730), (16.620, 106.590), (16.900, 107.180),
    (16.660, 106.850), (17.060, 107.010),
)


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--needs", type=int, default=10_000, help="need slots (10,000)")
    parser.add_argument("--offers", type=int, default=500, help="offers (500)")
    parser.add_argument("--items", type=int, default=len(ITEMS), help=f"item types, at most {len(ITEMS)} (5)")
    parser.add_argument("--distance-weight", type=float, default=0.5, help="priority points lost per km (0.5)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs (3)")
    parser.add_argument("--seed", type=int, default=2020, help="random seed (2020)")
    parser.add_argument("--wait-quiet", type=float, default=30, help="wait up to this many seconds for an idle machine (30)")
    return parser.parse_args()


def make_instance(*, needs: int, offers: int, items: int, seed: int) -> tuple[list[NeedSlot], list[Offer]]:
    rng = random.Random(seed)
    kinds = ITEMS[:items]

    def inside(lat: float, lon: float) -> tuple[float, float]:
        return min(17.2, max(16.4, lat)), min(107.4, max(106.5, lon))

    communes = [(rng.uniform(16.4, 17.2), rng.uniform(106.5, 107.4)) for _ in range(60)]
    need_slots = []
    for j in range(needs):
        lat, lon = rng.choice(communes)
        lat, lon = inside(rng.gauss(lat, 0.02), rng.gauss(lon, 0.02))
        need_slots.append(
            NeedSlot(
                id=f"N{j:05d}",
                item=rng.choice(kinds),
                quantity=Decimal(rng.randint(100, 6_000)).scaleb(-2),
                priority=round(min(100.0, 1 + rng.expovariate(1 / 20)), 2),
                lat=lat,
                lon=lon,
            )
        )
    offer_list = []
    for i in range(offers):
        lat, lon = rng.choice(DROP_OFFS)
        lat, lon = inside(rng.gauss(lat, 0.01), rng.gauss(lon, 0.01))
        offer_list.append(Offer(id=i, item=rng.choice(kinds), quantity=Decimal(rng.randint(100, 700)), lat=lat, lon=lon))
    return need_slots, offer_list


def profitable_pairs(needs: list[NeedSlot], offers: list[Offer], distance_weight: float) -> tuple[int, int]:
    """(same-item pairs, pairs with a positive profit): the arcs the solver gets after pruning."""
    pairs = profitable = 0
    for item in {n.item for n in needs}:
        item_needs = [n for n in needs if n.item == item]
        item_offers = [o for o in offers if o.item == item]
        if not item_offers:
            continue
        km = haversine_km(
            np.array([o.lat for o in item_offers])[:, None], np.array([o.lon for o in item_offers])[:, None],
            np.array([n.lat for n in item_needs])[None, :], np.array([n.lon for n in item_needs])[None, :],
        )
        profit = np.array([n.priority for n in item_needs])[None, :] - distance_weight * km
        pairs += profit.size
        profitable += int((profit > 0).sum())
    return pairs, profitable


def check(solution: Solution, needs: list[NeedSlot], offers: list[Offer]) -> None:
    """The limits, once more, on the benchmark instance (exactness is the tests' job)."""
    need = {n.id: n for n in needs}
    offer = {o.id: o for o in offers}
    to_need: dict[Any, Decimal] = defaultdict(Decimal)
    from_offer: dict[Any, Decimal] = defaultdict(Decimal)
    for line in solution.allocations:
        assert need[line.need].item == offer[line.offer].item
        to_need[line.need] += line.quantity
        from_offer[line.offer] += line.quantity
    assert all(total <= need[key].quantity for key, total in to_need.items())
    assert all(total <= offer[key].quantity for key, total in from_offer.items())


def main() -> None:
    args = _parse()
    needs, offers = make_instance(needs=args.needs, offers=args.offers, items=args.items, seed=args.seed)
    demand = sum(n.quantity for n in needs)
    supply = sum(o.quantity for o in offers)
    print(f"{len(needs):,} needs × {len(offers):,} offers, {args.items} items; demand {demand:,.2f}, supply {supply:,.2f}; "
          f"distance weight {args.distance_weight}")
    solve(needs[:50], offers[:5], distance_weight=args.distance_weight)  # imports and first-call costs, not measured
    rss_before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    busy = wait_quiet(args.wait_quiet)

    seconds = []
    solution = None
    for _ in range(args.runs):
        started = time.perf_counter()
        solution = solve(needs, offers, distance_weight=args.distance_weight)
        seconds.append(time.perf_counter() - started)
    assert solution is not None
    median = statistics.median(seconds)
    rss_peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    tracemalloc.start()
    traced = solve(needs, offers, distance_weight=args.distance_weight)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert traced == solution, "two runs of the same instance gave different allocations"
    check(solution, needs, offers)
    # Counted after the measurements: its own matrices would otherwise show in the peak RSS.
    pairs, profitable = profitable_pairs(needs, offers, args.distance_weight)

    allocated = sum(line.quantity for line in solution.allocations)
    result = {
        "when": dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ"),
        "machine": _machine(),
        "machine_busy_percent_before": round(busy, 1),
        "instance": {"needs": len(needs), "offers": len(offers), "items": args.items, "seed": args.seed,
                     "distance_weight": args.distance_weight, "demand": str(demand), "supply": str(supply),
                     "same_item_pairs": pairs, "profitable_pairs": profitable},
        "seconds": [round(s, 3) for s in seconds],
        "seconds_median": round(median, 3),
        "tracemalloc_peak_mb": round(traced_peak / 2**20, 1),
        "rss_before_mb": round(rss_before_mb, 1),
        "rss_peak_mb": round(rss_peak_mb, 1),
        "allocations": len(solution.allocations),
        "allocated": str(allocated),
        "objective": round(solution.objective, 3),
    }
    print(f"{pairs:,} same-item pairs, {profitable:,} with a positive profit (the arcs the solver gets)")
    print(f"solve (validate + distances + network + min-cost flow), {args.runs} runs: "
          f"{', '.join(f'{s:.2f}' for s in seconds)} s; median {median:.2f} s (target < 5 s: "
          f"{'met' if median < 5 else 'NOT met'})")
    print(f"peak memory: {result['tracemalloc_peak_mb']} MB traced (Python + numpy); process peak RSS {result['rss_peak_mb']} MB "
          f"({result['rss_before_mb']} MB before the first solve)")
    print(f"{result['allocations']:,} allocation lines, {allocated:,.2f} units allocated "
          f"({allocated / supply:.0%} of the supply), objective {solution.objective:,.1f}")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"optimiser-{result['when']}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"written to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
