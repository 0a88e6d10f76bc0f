"""The allocation optimiser (issue 5): exact against an independent LP, within every quantity limit,
and the ``allocate`` command end to end."""

from __future__ import annotations

import io
import json
import math
import random
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from scipy.optimize import linprog

from cuutro.coordination.optimiser import (
    NeedSlot,
    Offer,
    ProblemError,
    Solution,
    haversine_km,
    problem_from_json,
    solution_to_json,
    solve,
)

REPO = Path(__file__).resolve().parent.parent
ITEMS = ("rice", "water", "noodles")


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """The assertions quote the English source messages."""
    with translation.override("en"):
        yield


# --- an independent reference: great-circle km and the LP, written here from the problem's text


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Spherical law of cosines (not the module's haversine), on the same 6371.0088 km sphere."""
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    cosine = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return 6371.0088 * math.acos(max(-1.0, min(1.0, cosine)))


def linprog_optimum(problem: dict[str, Any]) -> float:
    """max Σ x·(p − w·d) over every same-item (need, offer) pair, s.t. Σ per need ≤ its quantity,
    Σ per offer ≤ its quantity, x ≥ 0: HiGHS through scipy, with no pruning and no scaling."""
    needs, offers, w = problem["needs"], problem["offers"], float(problem["distance_weight"])
    pairs = [(j, i) for j, n in enumerate(needs) for i, o in enumerate(offers) if n["item"] == o["item"]]
    if not pairs:
        return 0.0
    profit = np.array(
        [
            float(needs[j]["priority"]) - w * great_circle_km(needs[j]["lat"], needs[j]["lon"], offers[i]["lat"], offers[i]["lon"])
            for j, i in pairs
        ]
    )
    rows = np.zeros((len(needs) + len(offers), len(pairs)))
    for column, (j, i) in enumerate(pairs):
        rows[j, column] = 1
        rows[len(needs) + i, column] = 1
    limits = [float(n["quantity"]) for n in needs] + [float(o["quantity"]) for o in offers]
    result = linprog(-profit, A_ub=rows, b_ub=limits, bounds=(0, None), method="highs")
    assert result.status == 0, result.message
    return -float(result.fun)


def random_problem(seed: int) -> dict[str, Any]:
    """Quảng Trị-sized instances: 1–14 needs, 1–8 offers, up to 3 items, hundredths in the quantities,
    some large quantities, a distance weight that prunes from nothing to almost everything."""
    rng = random.Random(seed)
    items = ITEMS[: rng.randint(1, 3)]
    big = rng.random() < 0.3

    def quantity() -> Decimal:
        if big:
            return Decimal(rng.randint(1, 2_000_000)).scaleb(-2) * rng.choice([1, 100])
        return Decimal(rng.randint(1, 5_000)).scaleb(-2)

    def place() -> tuple[float, float]:
        return round(rng.uniform(16.4, 17.2), 5), round(rng.uniform(106.5, 107.4), 5)

    needs = []
    for j in range(rng.randint(1, 14)):
        lat, lon = place()
        priority = round(rng.uniform(0, 100), 3)
        needs.append({"id": f"N{j}", "item": rng.choice(items), "quantity": quantity(), "priority": priority, "lat": lat, "lon": lon})
    offers = []
    for i in range(rng.randint(1, 8)):
        lat, lon = place()
        offers.append({"id": i, "item": rng.choice(items), "quantity": quantity(), "lat": lat, "lon": lon})
    return {"needs": needs, "offers": offers, "distance_weight": rng.choice([0, 0.05, 0.3, 1.0, rng.uniform(0, 3)])}


def assert_within_limits(problem: dict[str, Any], solution: Solution) -> None:
    needs = {n["id"]: n for n in problem["needs"]}
    offers = {o["id"]: o for o in problem["offers"]}
    to_need: dict[Any, Decimal] = defaultdict(Decimal)
    from_offer: dict[Any, Decimal] = defaultdict(Decimal)
    for line in solution.allocations:
        assert line.quantity > 0
        assert line.quantity == line.quantity.quantize(Decimal("0.01"))
        assert needs[line.need]["item"] == offers[line.offer]["item"]
        to_need[line.need] += line.quantity
        from_offer[line.offer] += line.quantity
    for need_id, total in to_need.items():
        assert total <= needs[need_id]["quantity"], need_id
    for offer_id, total in from_offer.items():
        assert total <= offers[offer_id]["quantity"], offer_id


def recomputed_objective(problem: dict[str, Any], solution: Solution) -> float:
    needs = {n["id"]: n for n in problem["needs"]}
    offers = {o["id"]: o for o in problem["offers"]}
    w = float(problem["distance_weight"])
    total = 0.0
    for line in solution.allocations:
        need, offer = needs[line.need], offers[line.offer]
        total += float(line.quantity) * (need["priority"] - w * great_circle_km(need["lat"], need["lon"], offer["lat"], offer["lon"]))
    return total


def solve_problem(problem: dict[str, Any]) -> Solution:
    needs, offers, w = problem_from_json(problem)
    return solve(needs, offers, distance_weight=w)


# --- exactness and limits


@pytest.mark.parametrize("seed", range(40))
def test_the_objective_equals_an_independent_linear_programme_within_a_thousandth(seed: int) -> None:
    problem = random_problem(seed)
    solution = solve_problem(problem)
    expected = linprog_optimum(problem)
    assert solution.objective >= 0
    assert solution.objective == pytest.approx(expected, rel=1e-3, abs=1e-9)
    # The reported objective is what the allocations are worth, not the solver's rounded costs.
    assert recomputed_objective(problem, solution) == pytest.approx(solution.objective, rel=1e-9, abs=1e-9)
    assert_within_limits(problem, solution)


def test_a_large_instance_with_many_competing_needs_still_equals_the_linear_programme() -> None:
    rng = random.Random(5)
    problem = {
        "needs": [
            {"id": j, "item": rng.choice(ITEMS[:2]), "quantity": Decimal(rng.randint(1, 9_999)).scaleb(-2),
             "priority": rng.uniform(0, 50), "lat": rng.uniform(16.4, 17.2), "lon": rng.uniform(106.5, 107.4)}
            for j in range(120)
        ],
        "offers": [
            {"id": f"O{i}", "item": rng.choice(ITEMS[:2]), "quantity": Decimal(rng.randint(100, 90_000)).scaleb(-2),
             "lat": rng.uniform(16.4, 17.2), "lon": rng.uniform(106.5, 107.4)}
            for i in range(30)
        ],
        "distance_weight": 0.4,
    }
    solution = solve_problem(problem)
    assert solution.objective == pytest.approx(linprog_optimum(problem), rel=1e-3)
    assert_within_limits(problem, solution)
    assert len(solution.allocations) > 30  # the instance really is a competition, not a trivial one


def test_the_haversine_distance_matches_known_great_circle_lengths() -> None:
    quarter_of_the_equator = math.pi / 2 * 6371.0088
    assert float(haversine_km(0.0, 0.0, 0.0, 90.0)) == pytest.approx(quarter_of_the_equator, rel=1e-12)
    assert float(haversine_km(0.0, 0.0, 0.0, 1.0)) == pytest.approx(111.19508, rel=1e-6)
    # Đông Hà → Huế, checked against the law of cosines (and about 66 km as the crow flies).
    dong_ha, hue = (16.8163, 107.1003), (16.4637, 107.5909)
    assert float(haversine_km(*dong_ha, *hue)) == pytest.approx(great_circle_km(*dong_ha, *hue), rel=1e-9)
    assert 60 < float(haversine_km(*dong_ha, *hue)) < 70


# --- hand-checked cases


def need(id: str, item: str = "rice", quantity: str = "10", priority: float = 10, lat: float = 16.8, lon: float = 107.1) -> NeedSlot:
    return NeedSlot(id=id, item=item, quantity=Decimal(quantity), priority=priority, lat=lat, lon=lon)


def offer(id: str, item: str = "rice", quantity: str = "10", lat: float = 16.8, lon: float = 107.1) -> Offer:
    return Offer(id=id, item=item, quantity=Decimal(quantity), lat=lat, lon=lon)


def lines(solution: Solution) -> list[tuple[Any, Any, str]]:
    return [(a.need, a.offer, str(a.quantity)) for a in solution.allocations]


def test_a_far_offer_with_a_high_distance_weight_stays_unallocated() -> None:
    # Đông Hà need, Hà Nội offer (about 550 km): 550 km × 0.1 outweighs a priority of 10.
    far = solve([need("N1", priority=10)], [offer("O1", lat=21.03, lon=105.85)], distance_weight=0.1)
    assert far.allocations == ()
    assert far.objective == 0
    near = solve([need("N1", priority=10)], [offer("O1", lat=21.03, lon=105.85)], distance_weight=0.001)
    assert lines(near) == [("N1", "O1", "10.00")]


def test_two_needs_competing_for_one_offer_go_to_the_higher_priority() -> None:
    solution = solve(
        [need("low", quantity="8", priority=3), need("high", quantity="8", priority=7)], [offer("O1", quantity="10")], distance_weight=0.5
    )
    assert lines(solution) == [("low", "O1", "2.00"), ("high", "O1", "8.00")]
    assert solution.objective == pytest.approx(8 * 7 + 2 * 3)


def test_the_nearer_offer_is_used_first_and_the_farther_one_only_for_the_rest() -> None:
    solution = solve(
        [need("N1", quantity="15", priority=20)],
        [offer("far", quantity="10", lat=16.9), offer("near", quantity="10", lat=16.81)],
        distance_weight=0.1,
    )
    assert lines(solution) == [("N1", "far", "5.00"), ("N1", "near", "10.00")]


def test_goods_only_go_to_needs_of_the_same_item() -> None:
    solution = solve(
        [need("rice-need", item="rice", priority=50), need("water-need", item="water", quantity="3", priority=1)],
        [offer("water-offer", item="water", quantity="100")],
        distance_weight=0,
    )
    assert lines(solution) == [("water-need", "water-offer", "3.00")]


def test_hundredths_are_kept_exactly() -> None:
    offers = [offer("O1", quantity="0.05"), offer("O2", item="water", quantity="1")]
    solution = solve([need("N1", quantity="0.03")], offers, distance_weight=0)
    assert lines(solution) == [("N1", "O1", "0.03")]
    assert solution_to_json(solution) == {"allocations": [{"need": "N1", "offer": "O1", "quantity": 0.03}], "objective": 0.3}


def test_nothing_to_allocate_is_an_empty_solution() -> None:
    assert solve([], [], distance_weight=1) == Solution(allocations=(), objective=0.0)
    assert solve([need("N1", quantity="0")], [offer("O1")], distance_weight=0).allocations == ()


# --- validation


def valid_problem() -> dict[str, Any]:
    return {
        "needs": [{"id": "N-1", "item": "rice", "quantity": 10, "priority": 5, "lat": 16.8, "lon": 107.1}],
        "offers": [{"id": "O-1", "item": "rice", "quantity": 4, "lat": 16.7, "lon": 107.0}],
        "distance_weight": 0.2,
    }


def spoilt(path: str, value: Any) -> dict[str, Any]:
    """valid_problem() with one field replaced (or removed when value is ...): path like "needs.0.quantity"."""
    problem = valid_problem()
    *parents, last = path.split(".")
    node: Any = problem
    for key in parents:
        node = node[int(key)] if key.isdigit() else node[key]
    if value is ...:
        del node[int(last) if last.isdigit() else last]
    else:
        node[int(last) if last.isdigit() else last] = value
    return problem


@pytest.mark.parametrize(
    ("problem", "message"),
    [
        ([], "The problem must be a JSON object"),
        (spoilt("offers", ...), "The problem has no “offers”."),
        (spoilt("needs", {"id": 1}), "“needs” must be a list."),
        (spoilt("needs.0", "N-1"), "needs[0] must be an object."),
        (spoilt("needs.0.item", ...), 'needs[0] (id "N-1") has no “item”.'),
        (spoilt("needs.0.id", ...), "needs[0] has no “id”."),
        (spoilt("offers.0.id", True), "offers[0]: “id” must be a text or a whole number."),
        (spoilt("needs.0.quantity", -1), 'needs[0] (id "N-1"): the quantity must not be negative.'),
        (spoilt("offers.0.quantity", Decimal("1.005")), 'offers[0] (id "O-1"): the quantity has more than 2 decimal places.'),
        (spoilt("offers.0.quantity", "lots"), 'offers[0] (id "O-1"): “quantity” must be a number.'),
        (spoilt("offers.0.quantity", 10**12), 'offers[0] (id "O-1"): the quantity is too large.'),
        (spoilt("needs.0.priority", "urgent"), 'needs[0] (id "N-1"): “priority” must be a number.'),
        (spoilt("needs.0.priority", float("nan")), 'needs[0] (id "N-1"): “priority” must be a number.'),
        (spoilt("needs.0.priority", -2), 'needs[0] (id "N-1"): the priority must not be negative.'),
        (spoilt("needs.0.lat", 91), 'needs[0] (id "N-1"): the latitude must be between -90 and 90.'),
        (spoilt("offers.0.lon", -180.5), 'offers[0] (id "O-1"): the longitude must be between -180 and 180.'),
        (spoilt("distance_weight", -0.1), "The distance weight must be a number, 0 or more."),
        (spoilt("distance_weight", None), "The distance weight must be a number, 0 or more."),
    ],
)
def test_a_malformed_problem_is_refused_naming_the_entry(problem: Any, message: str) -> None:
    with pytest.raises(ProblemError) as caught:
        problem_from_json(problem)
    assert message in str(caught.value)


def test_a_duplicate_id_names_both_entries() -> None:
    problem = valid_problem()
    problem["needs"].append(dict(problem["needs"][0]))
    with pytest.raises(ProblemError, match=r'needs\[1\] \(id "N-1"\): the id is already used by needs\[0\]\.'):
        problem_from_json(problem)


def test_a_need_and_an_offer_may_share_an_id_and_numbers_may_be_strings() -> None:
    problem = valid_problem()
    problem["offers"][0]["id"] = "N-1"
    problem["offers"][0]["quantity"] = "4.50"
    needs, offers, w = problem_from_json(problem)
    assert offers[0].quantity == Decimal("4.50")
    assert lines(solve(needs, offers, distance_weight=w)) == [("N-1", "N-1", "4.50")]


def test_solve_validates_dataclasses_from_code_too() -> None:
    with pytest.raises(ProblemError, match=r'offers\[0\] \(id "O1"\): the quantity must not be negative'):
        solve([need("N1")], [offer("O1", quantity="-1")], distance_weight=0)
    with pytest.raises(ProblemError, match="more than 2 decimal places"):
        solve([need("N1", quantity="0.001")], [], distance_weight=0)


def test_the_error_is_translated_into_vietnamese_when_the_catalogue_has_it() -> None:
    # Only that it goes through gettext: the English source is the fallback until translated.
    with translation.override("vi"), pytest.raises(ProblemError) as caught:
        problem_from_json(spoilt("needs.0.lat", 91))
    assert 'needs[0] (id "N-1")' in str(caught.value)


# --- the command


def write(tmp_path: Path, content: str | dict[str, Any]) -> str:
    path = tmp_path / "problem.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content, default=str), encoding="utf-8")
    return str(path)


def run_allocate(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("allocate", *args, stdout=out)
    return json.loads(out.getvalue())


def test_the_command_prints_the_solution_as_json(tmp_path: Path) -> None:
    problem = random_problem(7)
    printed = run_allocate(write(tmp_path, problem))
    assert set(printed) == {"allocations", "objective"}
    assert printed["objective"] == pytest.approx(linprog_optimum(problem), rel=1e-3)
    assert printed == solution_to_json(solve_problem(problem))
    for line in printed["allocations"]:
        assert set(line) == {"need", "offer", "quantity"}
        assert isinstance(line["quantity"], int | float)


def test_the_command_reads_a_hand_written_problem_with_decimals_exactly(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '{"needs": [{"id": "A", "item": "gạo", "quantity": 0.1, "priority": 4, "lat": 16.8, "lon": 107.1},'
        ' {"id": "B", "item": "gạo", "quantity": 2, "priority": 9, "lat": 16.8, "lon": 107.1}],'
        ' "offers": [{"id": 1, "item": "gạo", "quantity": 2.05, "lat": 16.8, "lon": 107.1}], "distance_weight": 1}',
    )
    assert run_allocate(path, "--indent", "0") == {
        "allocations": [{"need": "A", "offer": 1, "quantity": 0.05}, {"need": "B", "offer": 1, "quantity": 2}],
        "objective": 18.2,
    }


def test_the_command_reads_standard_input(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(valid_problem())))
    printed = run_allocate("-")
    assert printed["allocations"] == [{"need": "N-1", "offer": "O-1", "quantity": 4}]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"needs": [', "problem.json is not valid JSON (line 1, column 12): Expecting value"),
        ("[1, 2]", "The problem must be a JSON object"),
        (json.dumps(spoilt("offers.0.lat", ...)), 'offers[0] (id "O-1") has no “lat”.'),
        (json.dumps(spoilt("needs.0.quantity", -5)), 'needs[0] (id "N-1"): the quantity must not be negative.'),
    ],
)
def test_the_command_refuses_a_bad_file_with_a_clear_message(tmp_path: Path, content: str, message: str) -> None:
    with pytest.raises(CommandError) as caught:
        call_command("allocate", write(tmp_path, content), stdout=io.StringIO())
    assert message in str(caught.value)


def test_the_command_refuses_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"Cannot read .*nowhere\.json"):
        call_command("allocate", str(tmp_path / "nowhere.json"), stdout=io.StringIO())


def test_a_bad_file_exits_non_zero_without_a_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, json.dumps(spoilt("needs.0.quantity", -5)))
    done = subprocess.run([sys.executable, "manage.py", "allocate", path], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert 'CommandError: needs[0] (id "N-1")' in done.stderr  # the rest is in the site's language
    assert done.stdout == ""
