"""Load-test pledge creation: 32 concurrent API clients all pledging against the same 100 hot items.

    .venv/bin/python bench/pledge_run.py                    # 100 items × 20 kg: the run exhausts most of them
    .venv/bin/python bench/pledge_run.py --quantity 100000  # nothing runs out: creation throughput only

Steps: ``bench/pledge_seed.py --quantity N`` (creates or resets the 100 hot items and 32 donor
tokens in cuutro_bench); granian with the same production settings and flags as bench/run.py;
one checked pledge (201) and one checked over-pledge (409 ``over_pledged``); a warm-up; a reset of
the items; then the measured run: wrk with bench/pledge.lua, one donor token per connection, each
request ``POST /api/v1/pledges {"need_item": <one of the 100>, "quantity": 1}``.

Afterwards it checks the database: for every item, the sum of its active pledges ≤ its quantity
(no over-pledge), the item's ``quantity_pledged`` counter equals that sum, each exhausted item's
need is "fully pledged", and the pledge rows are the 201 answers plus at most one per connection
(requests in flight when wrk stops are completed by the server, never counted by wrk). Any failed
check makes the exit status 1. Results go to bench/results/pledges-<UTC time>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BENCH_DIR, GRANIAN, PYTHON, RESULTS_DIR, ROOT, bench_env, compile_catalogues, database_url
from bench.pledge_seed import TARGETS_FILE
from bench.run import HOST, Server, _cpu_percent, _cpu_snapshot, _machine, _version, collectstatic, free_port, wait_quiet

ACTIVE = ("pledged", "in_transit", "delivered", "confirmed")


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quantity", type=int, default=20, help="kg each hot item needs (20: the run exhausts most of them)")
    parser.add_argument("--workers", type=int, default=2, help="granian workers (2: one per core)")
    parser.add_argument("--blocking-threads", type=int, default=4, help="granian --blocking-threads per worker (4, as deployed)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent clients, one donor token each (32)")
    parser.add_argument("--duration", type=int, default=25, help="seconds measured (25)")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up before the reset, not measured (3)")
    parser.add_argument("--cache", choices=("redis", "none"), default="redis",
                        help="redis: as deployed (each pledge bumps the public-cache version there); none: dummy cache")
    parser.add_argument("--wait-quiet", type=float, default=30, help="wait up to this many seconds for an idle machine (30)")
    parser.add_argument("--port", type=int, default=0, help="port for granian (default: a free one)")
    return parser.parse_args()


def seed(env: dict[str, str], *options: str) -> None:
    subprocess.run([str(PYTHON), str(BENCH_DIR / "pledge_seed.py"), *options], cwd=ROOT, env=env, check=True)


def targets() -> tuple[list[str], list[int]]:
    tokens, items = [], []
    for line in TARGETS_FILE.read_text().splitlines():
        kind, _, value = line.partition(" ")
        if kind == "token":
            tokens.append(value)
        elif kind == "item":
            items.append(int(value))
    return tokens, items


def post_pledge(port: int, token: str, item: int, quantity: int) -> tuple[int, dict[str, Any]]:
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        body = json.dumps({"need_item": item, "quantity": quantity})
        conn.request("POST", "/api/v1/pledges", body, {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        conn.close()


def check_endpoint(port: int, tokens: list[str], items: list[int], quantity: int) -> None:
    """One pledge must succeed and one over-pledge must be refused, or the figures mean nothing."""
    status, data = post_pledge(port, tokens[0], items[0], 1)
    if status != 201 or not str(data.get("code", "")).startswith("CT-"):
        raise SystemExit(f"Refusing to benchmark: a pledge answered HTTP {status} {data}")
    status, data = post_pledge(port, tokens[1 % len(tokens)], items[1], quantity + 1)
    if status != 409 or data.get("error", {}).get("code") != "over_pledged":
        raise SystemExit(f"Refusing to benchmark: an over-pledge answered HTTP {status} {data}")


def run_wrk(port: int, *, connections: int, duration: int) -> dict[str, Any]:
    command = [
        "wrk", f"-t{connections}", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s",
        "-s", str(BENCH_DIR / "pledge.lua"), f"http://{HOST}:{port}", "--", str(TARGETS_FILE),
    ]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("WRK_JSON "))
    data = json.loads(line.removeprefix("WRK_JSON "))
    seconds = data["duration_us"] / 1e6
    latency = data["latency_us"]
    return {
        "requests": data["requests"],
        "seconds": seconds,
        "rps": data["requests"] / seconds,
        "status": data["status"],
        "pledges_per_s": data["status"]["201"] / seconds,
        "socket_errors": data["errors"],
        "p50_ms": latency["p50"] / 1000,
        "p90_ms": latency["p90"] / 1000,
        "p99_ms": latency["p99"] / 1000,
        "max_ms": latency["max"] / 1000,
        "timeline": data["timeline"],  # [unix second, 201, 409 over_pledged, other]
        "raw": data,
    }


def phases(timeline: list[list[int]]) -> dict[str, Any]:
    """Pledges per second while every item still had room, and after the first ran out.

    The first and last seconds are partial and left out of the rates."""
    full = timeline[1:-1]
    first_refusal = next((i for i, (_, _, refused, _) in enumerate(full) if refused), None)
    open_part = full if first_refusal is None else full[:first_refusal]
    rest = [] if first_refusal is None else full[first_refusal:]

    def per_second(rows: list[list[int]], columns: tuple[int, ...]) -> float | None:
        return sum(row[c] for row in rows for c in columns) / len(rows) if rows else None

    return {
        "open_seconds": len(open_part),
        "open_pledges_per_s": per_second(open_part, (1,)),
        "open_requests_per_s": per_second(open_part, (1, 2, 3)),
        "after_first_refusal_seconds": len(rest),
        "after_pledges_per_s": per_second(rest, (1,)),
        "after_requests_per_s": per_second(rest, (1, 2, 3)),
    }


def pledge_rows(items: list[int]) -> int:
    import psycopg

    with psycopg.connect(database_url()) as conn:
        row = conn.execute("SELECT count(*) FROM pledges_pledge WHERE need_item_id = ANY(%s)", [items]).fetchone()
    return int(row[0]) if row else 0


def settle(items: list[int], quiet: float = 1.0, limit: float = 20.0) -> int:
    """Wait until the requests still in flight when wrk stopped have finished (wrk does not count
    their answers, but the server completes them): the pledge count stays put for ``quiet`` s."""
    deadline = time.monotonic() + limit
    count = pledge_rows(items)
    while time.monotonic() < deadline:
        time.sleep(quiet)
        now = pledge_rows(items)
        if now == count:
            break
        count = now
    return count


def verify(items: list[int], created: int, connections: int) -> dict[str, Any]:
    """The database after the run: no item over-pledged, counters equal to the pledges' sums."""
    import psycopg

    with psycopg.connect(database_url()) as conn:
        rows = conn.execute(
            """
            SELECT ni.id, ni.quantity, ni.quantity_pledged,
                   COALESCE(SUM(p.quantity) FILTER (WHERE p.status = ANY(%(active)s)), 0) AS active_sum,
                   COUNT(p.id) AS pledges, n.status
            FROM needs_needitem ni
            JOIN needs_need n ON n.id = ni.need_id
            LEFT JOIN pledges_pledge p ON p.need_item_id = ni.id
            WHERE ni.id = ANY(%(items)s)
            GROUP BY ni.id, ni.quantity, ni.quantity_pledged, n.status
            """,
            {"items": items, "active": list(ACTIVE)},
        ).fetchall()
    over = [r[0] for r in rows if r[3] > r[1]]
    mismatched = [r[0] for r in rows if r[2] != r[3]]
    exhausted = [r for r in rows if r[3] == r[1]]
    wrong_status = [r[0] for r in rows if (r[5] == "fully_pledged") != (r[3] == r[1])]
    pledges = sum(r[4] for r in rows)
    # Requests in flight when wrk stopped were completed by the server but never counted by wrk.
    in_flight = pledges - created
    checks = {
        "items": len(rows),
        "pledge_rows": pledges,
        "units_pledged": int(sum(r[3] for r in rows)),
        "units_needed": int(sum(r[1] for r in rows)),
        "items_exhausted": len(exhausted),
        "over_pledged_items": over,
        "counter_mismatches": mismatched,
        "need_status_mismatches": wrong_status,
        "in_flight_at_stop": in_flight,
    }
    checks["ok"] = bool(len(rows) == len(items) and not over and not mismatched and not wrong_status and 0 <= in_flight <= connections)
    return checks


def main() -> int:
    args = _parse()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk")
    env = bench_env()
    env["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    env["CACHE_URL"] = "dummy://" if args.cache == "none" else env["CACHE_URL"]

    seed(env, "--quantity", str(args.quantity))
    tokens, items = targets()
    compile_catalogues()
    collectstatic(env)
    print(f"{len(items)} hot items × {args.quantity:,} kg, {len(tokens)} donor tokens; granian --workers {args.workers} "
          f"--blocking-threads {args.blocking_threads}; wrk {args.connections} connections, {args.warmup} s warm-up + "
          f"{args.duration} s; cache {args.cache}", flush=True)

    port = args.port or free_port()
    with Server(workers=args.workers, port=port, env=env, blocking_threads=args.blocking_threads) as server:
        check_endpoint(port, tokens, items, args.quantity)
        run_wrk(port, connections=args.connections, duration=args.warmup)
        settle(items)
        seed(env, "--reset-only")  # the warm-up's pledges (and the checked one) go away
        idle_busy = wait_quiet(args.wait_quiet) if args.wait_quiet > 0 else None
        before = _cpu_snapshot(server.process.pid if server.process else None)
        result = run_wrk(port, connections=args.connections, duration=args.duration)
        after = _cpu_snapshot(server.process.pid if server.process else None)
        settle(items)
    result["cpu"] = _cpu_percent(before, after, result["seconds"])
    result["machine_busy_before_pct"] = idle_busy
    result["phases"] = phases(result["timeline"])
    checks = verify(items, result["status"]["201"], args.connections)

    status, cpu, ph = result["status"], result["cpu"], result["phases"]
    print(f"\n{'items×kg':>10} {'requests':>9} {'req/s':>8} {'201':>7} {'201/s':>7} {'409':>7} {'other':>5} "
          f"{'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7} {'max ms':>7} {'cpu% srv/pg/cl/oth':>19}")
    print(f"{len(items)}×{args.quantity:<6} {result['requests']:>9,} {result['rps']:>8.1f} {status['201']:>7,} "
          f"{result['pledges_per_s']:>7.1f} {status['409_over_pledged']:>7,} {status['409_other'] + status['other']:>5} "
          f"{result['p50_ms']:>7.1f} {result['p90_ms']:>7.1f} {result['p99_ms']:>7.1f} {result['max_ms']:>7.1f} "
          + "/".join(f"{cpu.get(k, 0):.0f}" for k in ("server", "postgres", "client", "other")).rjust(19))
    if ph["after_first_refusal_seconds"]:
        print(f"phases: every item open for {ph['open_seconds']} s at {ph['open_pledges_per_s']:.1f} pledges/s; "
              f"after the first item ran out ({ph['after_first_refusal_seconds']} s): {ph['after_pledges_per_s']:.1f} pledges/s "
              f"in {ph['after_requests_per_s']:.1f} req/s")
    else:
        print(f"phases: no item ran out; {ph['open_pledges_per_s']:.1f} pledges/s over {ph['open_seconds']} full seconds")
    # wrk files every non-2xx answer (the 409s) under "status"; the others are real socket errors.
    socket_errors = {k: v for k, v in result["socket_errors"].items() if k != "status" and v}
    if socket_errors:
        print(f"socket errors: {socket_errors}")
    print(f"\ndatabase check: {checks['items']} items, {checks['pledge_rows']:,} pledge rows for {status['201']:,} answers 201 "
          f"(+{checks['in_flight_at_stop']} completed after wrk stopped); {checks['units_pledged']:,} of {checks['units_needed']:,} kg "
          f"pledged; {checks['items_exhausted']} items exhausted; over-pledged items: {len(checks['over_pledged_items'])}; "
          f"counters ≠ sums: {len(checks['counter_mismatches'])}; need status wrong: {len(checks['need_status_mismatches'])} "
          f"-> {'OK' if checks['ok'] else 'FAILED'}")

    report = {
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": _machine(),
        "versions": {"granian": _version([str(GRANIAN), "--version"]), "wrk": _version(["wrk", "-v"])},
        "settings": {**vars(args), "database_url": database_url()},
        "result": result,
        "checks": checks,
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"pledges-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"results: {out.relative_to(ROOT)}")
    return 0 if checks["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
