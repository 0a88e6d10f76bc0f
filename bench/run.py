"""Load-test public search under a real WSGI server (granian) against the seeded bench database.

    .venv/bin/python bench/seed.py                  # once: 100,000 verified needs in cuutro_bench
    .venv/bin/python bench/run.py                   # granian --workers 2 and 3, 16 connections
    .venv/bin/python bench/run.py --workers 2 --duration 30 --per-query

For each granian worker count it starts ``granian --interface wsgi cuutro.wsgi:application`` on a
free port with production settings (DEBUG=false, manifest static storage after collectstatic, a
long SECRET_KEY, ALLOWED_HOSTS=127.0.0.1), waits for /healthz, checks that every benchmarked URL
answers 200 with real results (API ``count`` > 0, HTML result cards present), then for each
target runs a warm-up and a measured run with 16 concurrent keep-alive connections:

    trivial  GET /healthz                               the ceiling: same server, same middleware
    api      GET /api/v1/needs?q=...&area=...           5 query variants, rotated
    html     GET /needs/?q=...&province=|commune=...    5 query variants, rotated
    ledger_name    GET /api/v1/funds/{code}/entries?q=<name fragment>   5 variants (issue 4)
    ledger_amount  GET /api/v1/funds/{code}/entries?amount=<đồng>       5 variants (issue 4)

The load generator is wrk (``apt-get install -y wrk``) with bench/rotate.lua rotating the paths;
without wrk a Python generator (threads + http.client) is used, which competes much harder with
the server for the machine's 2 cores, so its figures are pessimistic. Results are printed and
written to bench/results/<timestamp>.json.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    BENCH_DIR,
    GRANIAN,
    PYTHON,
    RESULTS_DIR,
    ROOT,
    VAR_DIR,
    bench_env,
    compile_catalogues,
    database_url,
)

HOST = "127.0.0.1"
P99_TARGET_MS = 100.0
RATIO_TARGET = 0.5  # issue 2's needs search only; issue 4's ledger search targets p99 alone
P99_ONLY = ("ledger_name", "ledger_amount")


def meets_target(target: str, p99_ms: float, ratio: float | None) -> bool:
    """Issue 2 (needs search): p99 <= 100 ms and at least half the trivial view's req/s.
    Issue 4 (ledger search): p99 <= 100 ms."""
    if p99_ms > P99_TARGET_MS:
        return False
    return target.strip().split("[")[0] in P99_ONLY or (ratio or 0) >= RATIO_TARGET  # "  ledger_amount[2]": one variant


NEEDS_EXPECTED = 100_000

# Realistic searches: with and without diacritics, a province or a commune, broad and narrow.
# 44 Quảng Trị and 46 Huế hold most needs; 19333 is Phường Đông Hà (Quảng Trị), 19495 Xã Gio Linh.
QUERIES: list[tuple[str, str, str]] = [  # (q, "province" | "commune", area code)
    ("tôn lợp", "province", "44"),
    ("dong ha", "province", "44"),
    ("gao", "commune", "19333"),
    ("sat lo", "province", "46"),
    ("hoc sinh", "province", "42"),
]


def api_path(q: str, scope: str, code: str) -> str:
    return "/api/v1/needs?" + urlencode({"q": q, "area": code})


def html_path(q: str, scope: str, code: str) -> str:
    return "/needs/?" + urlencode({"q": q, scope: code})


TARGETS: dict[str, list[str]] = {
    "trivial": ["/healthz"],
    "api": [api_path(*query) for query in QUERIES],
    "html": [html_path(*query) for query in QUERIES],
}


def ledger_targets() -> dict[str, list[str]]:
    """Public ledger searches (issue 4) on the bench database's largest fund: five name fragments
    and five amounts taken from its own entries (validation prints how many each finds)."""
    import psycopg

    with psycopg.connect(database_url()) as conn:
        row = conn.execute(
            "SELECT f.code, f.id FROM funds_fund f JOIN funds_ledgerentry e ON e.fund_id = f.id "
            "GROUP BY f.code, f.id ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()
        if row is None:
            sys.exit("The bench database has no ledger entries: run bench/import_run.py first.")
        code, fund_id = row
        amounts = [r[0] for r in conn.execute(
            "SELECT amount FROM funds_ledgerentry WHERE fund_id = %s AND amount IS NOT NULL "
            "ORDER BY seq LIMIT 5 OFFSET 5000", [fund_id]).fetchall()]
    # Name fragments as people type them: without diacritics, lower case, a given name or two
    # words of a full name (statements carry the sender's name in the memo).
    fragments = ["dang van hai", "bui thi kim", "do van long", "van hai", "thi kim"]
    base = f"/api/v1/funds/{code}/entries?"
    return {
        "ledger_name": [base + urlencode({"q": fragment}) for fragment in fragments],
        "ledger_amount": [base + urlencode({"amount": str(int(amount))}) for amount in amounts],
    }


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", default="2,3", help="granian worker counts to compare, comma-separated (2,3)")
    parser.add_argument("--connections", type=int, default=16, help="concurrent keep-alive connections (16)")
    parser.add_argument("--duration", type=int, default=20, help="seconds measured per target (20)")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per target, not measured (3)")
    parser.add_argument("--targets", default="trivial,api,html", help="which targets, comma-separated")
    parser.add_argument("--tool", choices=("auto", "wrk", "python"), default="auto", help="load generator (auto: wrk if installed)")
    parser.add_argument("--wrk-threads", type=int, default=1, help="wrk threads (1: leave the cores to the server)")
    parser.add_argument("--blocking-threads", type=int, default=4, help="granian --blocking-threads per worker (4, as deployed)")
    parser.add_argument("--per-query", action="store_true", help="also measure every query variant on its own")
    parser.add_argument("--per-query-duration", type=int, default=8, help="seconds per variant with --per-query (8)")
    parser.add_argument("--wait-quiet", type=float, default=30, help="before each target wait up to this many seconds "
                        "for the machine to be idle (30; 0 disables)")
    parser.add_argument("--settings", default="bench.settings", help="DJANGO_SETTINGS_MODULE (bench.settings)")
    parser.add_argument("--cache", choices=("redis", "none"), default="redis",
                        help="redis: the portal's public-read cache in Redis, as in production; "
                        "none: every request runs the search (the cold path)")
    parser.add_argument("--port", type=int, default=0, help="port for granian (default: a free one)")
    return parser.parse_args()


# --- preparation -----------------------------------------------------------------------------


def check_database() -> dict[str, Any]:
    import psycopg

    try:
        with psycopg.connect(database_url()) as conn:
            verified = conn.execute("SELECT count(*) FROM needs_need WHERE status = 'verified'").fetchone()[0]  # type: ignore[index]
            items = conn.execute("SELECT count(*) FROM needs_needitem").fetchone()[0]  # type: ignore[index]
            communes = conn.execute("SELECT count(*) FROM geo_area WHERE level = 'commune'").fetchone()[0]  # type: ignore[index]
            version = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
    except (psycopg.OperationalError, psycopg.errors.UndefinedTable) as exc:
        sys.exit(f"The bench database is not ready ({exc}).\nRun: .venv/bin/python bench/seed.py")
    if verified < NEEDS_EXPECTED:
        print(f"WARNING: only {verified:,} verified needs (expected {NEEDS_EXPECTED:,}); run bench/seed.py", file=sys.stderr)
    return {"verified_needs": verified, "need_items": items, "communes": communes, "postgres": version}


def collectstatic(env: dict[str, str]) -> None:
    subprocess.run(
        [str(PYTHON), "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def get(port: int, path: str, timeout: float = 10.0) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


class Server:
    """granian serving cuutro.wsgi:application; stopped by its own process-group id."""

    def __init__(self, *, workers: int, port: int, env: dict[str, str], blocking_threads: int | None) -> None:
        self.workers = workers
        self.port = port
        command = [
            str(GRANIAN), "--interface", "wsgi", "--host", HOST, "--port", str(port),
            "--workers", str(workers), "--no-access-log", "--log-level", "warning",
        ]
        if blocking_threads:
            command += ["--blocking-threads", str(blocking_threads)]
        self.command = [*command, "cuutro.wsgi:application"]
        self.log_path = VAR_DIR / f"granian-w{workers}.log"
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            self.command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"granian exited with {self.process.returncode}; see {self.log_path}")
            with contextlib.suppress(OSError):
                if get(self.port, "/healthz", timeout=2)[0] == 200:
                    # Every worker imports Django lazily: hit it a few times so all are up.
                    for _ in range(4 * self.workers):
                        get(self.port, "/healthz")
                    return self
            time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"granian did not answer /healthz within 60 s; see {self.log_path}")

    def __exit__(self, *exc: object) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)  # the group we created for it
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def validate(port: int, paths: list[str], *, fatal: bool = True) -> dict[str, Any]:
    """Every benchmarked URL must answer 200 with real results, or the figures mean nothing.

    Before the load a failure stops everything; after it (``fatal=False``) the problems are
    returned under "problems" so the figures already measured are still written, flagged."""
    found: dict[str, Any] = {}
    problems = []
    for path in paths:
        status, body = get(port, path)
        if status != 200:
            problems.append(f"{path}: HTTP {status}")
            continue
        if path.startswith("/api/"):
            data = json.loads(body)
            count, shown = data.get("count", 0), len(data.get("items", []))
            if count <= 0 or shown <= 0:
                problems.append(f"{path}: count={count}, items={shown}")
            found[path] = {"count": count, "items": shown, "bytes": len(body)}
        elif path.startswith("/needs/"):
            text = body.decode()
            cards = text.count('class="card need-card"')
            match = re.search(r'<section id="results".*?<strong>[^<]*?(\d[\d.,]*)', text, re.S)
            count = int(re.sub(r"\D", "", match.group(1))) if match else None
            if cards <= 0:
                problems.append(f"{path}: no result cards")
            found[path] = {"count": count, "items": cards, "bytes": len(body)}
        else:
            found[path] = {"bytes": len(body)}
    if problems and fatal:
        raise SystemExit("Refusing to benchmark error or empty pages:\n  " + "\n  ".join(problems))
    if problems:
        found["problems"] = problems
    return found


# --- CPU accounting (who used the 2 cores: server, database, load generator) -----------------


def _cpu_snapshot(server_pid: int | None) -> dict[str, Any]:
    """CPU seconds used so far by each process of granian's tree and each PostgreSQL backend of the
    bench database, by the load generator, and by the whole machine (to spot other work running
    during a measurement)."""
    import resource

    ticks = os.sysconf("SC_CLK_TCK")
    database = database_url().rsplit("/", 1)[-1]
    parents: dict[int, int] = {}
    usage: dict[int, tuple[str, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        comm = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        pid = int(entry.name)
        parents[pid] = int(fields[1])
        usage[pid] = (comm, (int(fields[11]) + int(fields[12])) / ticks)

    def under_server(pid: int) -> bool:
        while pid > 1:
            if pid == server_pid:
                return True
            pid = parents.get(pid, 0)
        return False

    def bench_backend(pid: int) -> bool:
        # "postgres: 15/main: postgres cuutro_bench 127.0.0.1(51234) idle": only our database.
        try:
            title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            return False
        return f" {database} " in title

    procs: dict[int, tuple[str, float]] = {}
    for pid, (comm, seconds) in usage.items():
        if server_pid and under_server(pid):
            procs[pid] = ("server", seconds)
        elif comm.startswith("postgres") and bench_backend(pid):
            procs[pid] = ("postgres", seconds)
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # finished wrk runs
    cpu = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    return {
        "procs": procs,
        "client": own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime,
        "machine": (sum(cpu) - cpu[3] - cpu[4]) / ticks,  # all but idle and iowait
    }


def _machine_busy(seconds: float = 1.0) -> float:
    """Percent of all cores busy over ``seconds`` (100% = every core)."""

    def sample() -> tuple[int, int]:
        cpu = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
        return sum(cpu), cpu[3] + cpu[4]

    total0, idle0 = sample()
    time.sleep(seconds)
    total1, idle1 = sample()
    return 100 * (1 - (idle1 - idle0) / max(1, total1 - total0))


def wait_quiet(max_wait: float, threshold: float = 15.0) -> float:
    """Wait (up to ``max_wait`` s) until the machine is idle: other work on these 2 cores (tests,
    builds) would be measured as slowness. Returns the last busy percentage seen."""
    deadline = time.monotonic() + max_wait
    busy = _machine_busy()
    while busy > threshold and time.monotonic() < deadline:
        busy = _machine_busy()
    return busy


def _cpu_percent(before: dict[str, Any], after: dict[str, Any], seconds: float) -> dict[str, float]:
    """Per-group CPU % over a run. Per process, so a backend that appears (new connection) counts
    from zero; one that exits during the run is lost (a slight underestimate, never negative)."""
    cpu = {"server": 0.0, "postgres": 0.0}
    for pid, (group, used) in after["procs"].items():
        previous = before["procs"].get(pid)
        cpu[group] += used - (previous[1] if previous and previous[0] == group else 0.0)
    cpu["client"] = after["client"] - before["client"]
    cpu["machine"] = after["machine"] - before["machine"]
    cpu = {k: 100 * v / seconds for k, v in cpu.items()}
    cpu["other"] = max(0.0, cpu["machine"] - cpu["server"] - cpu["postgres"] - cpu["client"])
    return cpu


# --- load generators -------------------------------------------------------------------------


def run_wrk(port: int, paths: list[str], *, connections: int, duration: int, threads: int) -> dict[str, Any]:
    command = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s",
        "-s", str(BENCH_DIR / "rotate.lua"), f"http://{HOST}:{port}", "--", *paths,
    ]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("WRK_JSON "))
    data = json.loads(line.removeprefix("WRK_JSON "))
    errors = sum(data["errors"].values()) + data["non200"] - data["errors"]["status"]
    return {
        "requests": data["requests"],
        "seconds": data["duration_us"] / 1e6,
        "rps": data["requests"] / (data["duration_us"] / 1e6),
        "p50_ms": data["latency_us"]["p50"] / 1000,
        "p90_ms": data["latency_us"]["p90"] / 1000,
        "p99_ms": data["latency_us"]["p99"] / 1000,
        "max_ms": data["latency_us"]["max"] / 1000,
        "mean_ms": data["latency_us"]["mean"] / 1000,
        "errors": max(errors, data["non200"]),
        "bytes": data["bytes"],
        "raw": data,
    }


def run_python(port: int, paths: list[str], *, connections: int, duration: int, threads: int = 0) -> dict[str, Any]:
    """Closed-loop load: one thread per connection, keep-alive, perf_counter timing."""
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections
    sizes = [0] * connections
    start_gate = threading.Barrier(connections + 1)
    stop_at = [0.0]

    def worker(index: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=10)
        i = index
        mine = latencies[index]
        start_gate.wait()
        while True:
            path = paths[i % len(paths)]
            i += 1
            t0 = time.perf_counter()
            if t0 >= stop_at[0]:
                break
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                body = response.read()
                if response.status != 200:
                    errors[index] += 1
                sizes[index] += len(body)
                mine.append(time.perf_counter() - t0)
            except (OSError, http.client.HTTPException):
                errors[index] += 1
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=10)
        conn.close()

    pool = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(connections)]
    for thread in pool:
        thread.start()
    began = time.perf_counter()
    stop_at[0] = began + duration
    start_gate.wait()
    for thread in pool:
        thread.join()
    seconds = time.perf_counter() - began
    values = sorted(v for per in latencies for v in per)

    def pct(p: float) -> float:
        return values[min(len(values) - 1, max(0, round(p / 100 * len(values)) - 1))] * 1000 if values else float("nan")

    return {
        "requests": len(values),
        "seconds": seconds,
        "rps": len(values) / seconds,
        "p50_ms": pct(50),
        "p90_ms": pct(90),
        "p99_ms": pct(99),
        "max_ms": values[-1] * 1000 if values else float("nan"),
        "mean_ms": statistics.fmean(values) * 1000 if values else float("nan"),
        "errors": sum(errors),
        "bytes": sum(sizes),
    }


# --- main ------------------------------------------------------------------------------------


def _tail(path: Path, lines: int = 3) -> list[str]:
    try:
        return path.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return []


def _version(command: list[str]) -> str:
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)
    except OSError:
        return ""
    return (result.stdout or result.stderr).strip().splitlines()[0] if (result.stdout or result.stderr) else ""


def _machine() -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cores": os.cpu_count(), "cpu": model, "memory_gb": round(mem_gb, 1), "kernel": platform.release(),
            "python": platform.python_version()}


def _row(target: str, workers: int, result: dict[str, Any], trivial_rps: float | None) -> str:
    ratio = result["rps"] / trivial_rps if trivial_rps else float("nan")
    verdict = ""
    if target != "trivial" and not target.startswith("  "):
        verdict = "PASS" if meets_target(target, result["p99_ms"], ratio) else "MISS"
    cpu = result.get("cpu", {})
    cpu_text = "/".join(f"{cpu.get(k, 0):.0f}" for k in ("server", "postgres", "client", "other")) if cpu else ""
    return (
        f"{target:<26} {workers:>7} {result['requests']:>8,} {result['rps']:>9.1f} {result['p50_ms']:>8.1f} "
        f"{result['p99_ms']:>8.1f} {result['errors']:>6} {ratio:>7.2f} {cpu_text:>18}  {verdict}"
    )


HEADER = (
    f"{'target':<26} {'workers':>7} {'requests':>8} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6} "
    f"{'ratio':>7} {'cpu% srv/pg/cl/oth':>18}"
)


def main() -> int:
    args = _parse()
    env = bench_env()
    env["DJANGO_SETTINGS_MODULE"] = args.settings
    env["CACHE_URL"] = "dummy://" if args.cache == "none" else env["CACHE_URL"]
    tool = args.tool
    if tool == "auto":
        tool = "wrk" if shutil.which("wrk") else "python"
    if tool == "wrk" and not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk (or use --tool python)")
    if tool == "python":
        print("NOTE: Python load generator: it competes with the server for the 2 cores; prefer wrk.", file=sys.stderr)
    load = run_wrk if tool == "wrk" else run_python
    targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    if any(t.startswith("ledger_") for t in targets):
        TARGETS.update(ledger_targets())
    worker_counts = [int(w) for w in args.workers.split(",") if w.strip()]

    data = check_database()
    compile_catalogues()
    t0 = time.perf_counter()
    collectstatic(env)
    print(f"collectstatic: {time.perf_counter() - t0:.1f} s; database: {data['verified_needs']:,} verified needs, "
          f"{data['need_items']:,} items, {data['communes']:,} communes (PostgreSQL {data['postgres']})")
    print(f"load: {tool}, {args.connections} connections, {args.warmup} s warm-up + {args.duration} s per target\n")

    report: dict[str, Any] = {
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": _machine(),
        "database": data,
        "versions": {"granian": _version([str(GRANIAN), "--version"]), "wrk": _version(["wrk", "-v"]) if tool == "wrk" else "",
                     "django": _version([str(PYTHON), "-c", "import django; print(django.__version__)"])},
        "settings": {"tool": tool, "connections": args.connections, "duration_s": args.duration, "warmup_s": args.warmup,
                     "wrk_threads": args.wrk_threads if tool == "wrk" else None, "blocking_threads": args.blocking_threads,
                     "debug": env["DEBUG"], "database_url": database_url(), "settings_module": args.settings,
                     "cache": args.cache},
        "targets": {name: TARGETS[name] for name in targets},
        "runs": [],
    }
    lines = [HEADER]
    print(HEADER, flush=True)
    for workers in worker_counts:
        port = args.port or free_port()
        with Server(workers=workers, port=port, env=env, blocking_threads=args.blocking_threads) as server:
            checked = validate(port, [p for name in targets for p in TARGETS[name]])
            report.setdefault("validated", {}).update(checked)
            trivial_rps = None
            measured: list[tuple[str, list[str]]] = [(name, TARGETS[name]) for name in targets]
            if args.per_query:
                measured += [(f"  {name}[{i}]", [path]) for name in targets if name != "trivial"
                             for i, path in enumerate(TARGETS[name])]
            for name, paths in measured:
                duration = args.per_query_duration if name.startswith("  ") else args.duration
                idle_busy = wait_quiet(args.wait_quiet) if args.wait_quiet > 0 else None
                if idle_busy is not None and idle_busy > 15:
                    print(f"  (machine still {idle_busy:.0f}% busy before {name.strip()}: figures may be disturbed)", flush=True)
                load(port, paths, connections=args.connections, duration=args.warmup, threads=args.wrk_threads)
                before = _cpu_snapshot(server.process.pid if server.process else None)
                result = load(port, paths, connections=args.connections, duration=duration, threads=args.wrk_threads)
                after = _cpu_snapshot(server.process.pid if server.process else None)
                result["cpu"] = _cpu_percent(before, after, result["seconds"])
                result["machine_busy_before_pct"] = idle_busy
                if name == "trivial":
                    trivial_rps = result["rps"]
                result["ratio_to_trivial"] = result["rps"] / trivial_rps if trivial_rps else None
                result["pass"] = (
                    None if name == "trivial" else
                    meets_target(name, result["p99_ms"], result["ratio_to_trivial"])
                )
                report["runs"].append({"target": name.strip(), "workers": workers, "paths": paths, **result})
                line = _row(name, workers, result, trivial_rps)
                lines.append(line)
                print(line, flush=True)
            # The same URLs must still answer properly after the load (no error pages at the end).
            after = validate(port, [p for name in targets for p in TARGETS[name]], fatal=False)
            if "problems" in after:
                note = (f"WARNING: after the load with {workers} workers: " + "; ".join(after["problems"])
                        + f" (see {server.log_path.relative_to(ROOT)})")
                report.setdefault("post_load_problems", {})[str(workers)] = {"problems": after["problems"],
                                                                             "log_tail": _tail(server.log_path)}
                lines.append(note)
                print(note, flush=True)
    report["finished_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    report["table"] = lines

    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"\nratio = req/s / trivial req/s of the same server; targets: p99 <= {P99_TARGET_MS:.0f} ms, and ratio >= "
          f"{RATIO_TARGET} for the needs search (issue 2); "
          "cpu% = CPU used during the run by granian / PostgreSQL (bench DB) / load generator / anything else "
          "on the machine (200% = both cores; 'other' > ~10% means the figures are disturbed)")
    print("validated result counts (first request of each URL):")
    for path, info in report["validated"].items():
        if isinstance(info, dict) and "count" in info:
            print(f"  {info['count']!s:>6} found, {info['items']:>2} shown, {info['bytes']:>6} bytes  {path}")
    print(f"results: {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
