"""Benchmark the supply–need board (issue 5) with 100,000 needs: the public page, the API, a
commune's section and the pledge form's advice fragment, under granian like bench/run.py.

    .venv/bin/python bench/board_run.py                          # seed if needed, then measure
    .venv/bin/python bench/board_run.py --cache none             # no public cache at all
    .venv/bin/python bench/board_run.py --cache redis-pages      # as if the board's paths were cached (see below)
    .venv/bin/python bench/board_run.py --only-inprocess         # the refresh and selector timings only

Steps:

1. Its own database, ``cuutro_bench_board`` (``DATABASE_URL`` overrides), because step 3 pledges
   part of the needs and the search benchmark's ``cuutro_bench`` must keep its verified ones.
2. ``bench/seed.py --needs 100000`` into it while it holds fewer published needs (it counts
   verified needs only: do not run seed.py on this database by hand after step 3).
3. Coverage, once: a deterministic share of the needs gets pledges, written straight into the
   need items' counters with SQL, and each need's status follows from them exactly as
   ``needs.services.coverage_status`` says (about 40 % untouched, 25 % partly pledged, 20 % fully
   pledged, 10 % delivered, 5 % closed). No pledge rows: the board reads only the counters, and
   ``tests/test_board.py`` checks that the counters are the pledges' sums. Plus 300 active
   "please do not send more" notices in random communes. The database triggers mark every
   commune touched; then a full refresh builds the board (timed).
4. In-process timings: the full refresh, the refresh after one pledge-like counter change, and
   each benchmarked URL through Django's test client.
5. granian (``--workers 2 --blocking-threads 4`` by default, as deployed), every URL checked (200, lines
   shown), then for each target a warm-up and a measured wrk run (16 connections), as run.py
   does; the URLs are checked again after the load. Results in bench/results/board-<time>.json.

``--cache``: ``redis`` is the deployment as it is (Redis as the shared cache); the middleware
serves cached responses only under ``cuutro.middleware.PUBLIC_PREFIXES``, which does not yet
list ``/needed/`` and ``/api/v1/board``, so the board is rendered on every request.
``redis-pages`` serves the app through ``bench.board_run:application``, which adds the two
prefixes first: what the one-line change to the middleware would give. ``none``: no cache.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PYTHON, RESULTS_DIR, ROOT, bench_env, compile_catalogues, database_url, ensure_database
from bench.run import (
    GRANIAN,
    HEADER,
    Server,
    _cpu_percent,
    _cpu_snapshot,
    _machine,
    _row,
    _version,
    collectstatic,
    free_port,
    get,
    run_python,
    run_wrk,
    validate,
    wait_quiet,
)

BOARD_DATABASE = "postgres://postgres@127.0.0.1:5432/cuutro_bench_board"
NEEDS = 100_000
SEED = 5
NOTICES = 300
BOARD_PREFIXES = ("/needed/", "/api/v1/board")

TARGETS: dict[str, list[str]] = {
    "trivial": ["/healthz"],
    # The public page: everything, a province, a commune, a category, a status.
    "board_html": [
        "/needed/", "/needed/?province=44", "/needed/?province=44&commune=19333", "/needed/?category=cash",
        "/needed/?status=enough",
    ],
    "board_api": [
        "/api/v1/board", "/api/v1/board?area=44", "/api/v1/board?area=19333", "/api/v1/board?category=cash&limit=100",
        "/api/v1/board?status=enough",
    ],
    # Communes' sections: Đông Hà (the busiest), Gio Linh, and three of Huế's.
    "commune_html": ["/needed/19333/", "/needed/19495/", "/needed/20194/", "/needed/19774/", "/needed/20035/"],
    # What the pledge form loads (never publicly cached: the cache keys know no "item").
    "advice": [
        "/needed/advice/?area=19333&item=instant-noodles", "/needed/advice/?area=19333&item=roofing-sheet",
        "/needed/advice/?area=44&category=cash", "/needed/advice/?area=19495&item=rice",
        "/needed/advice/?area=20194&item=clothes-set",
    ],
}


def application(environ: Any, start_response: Any) -> Any:
    """WSGI entry for ``--cache redis-pages``: the app with the board's paths among the public
    cache's prefixes (``granian ... bench.board_run:application``)."""
    global _app
    if _app is None:
        from django.core.wsgi import get_wsgi_application

        import cuutro.middleware

        cuutro.middleware.PUBLIC_PREFIXES = (*cuutro.middleware.PUBLIC_PREFIXES, *BOARD_PREFIXES)
        _app = get_wsgi_application()
    return _app(environ, start_response)


_app: Any = None


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--needs", type=int, default=NEEDS, help="published needs wanted (100000)")
    parser.add_argument("--cache", choices=("redis", "redis-pages", "none"), default="redis")
    parser.add_argument("--targets", default="trivial,board_html,board_api,commune_html,advice")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--blocking-threads", type=int, default=4)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--tool", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--wait-quiet", type=float, default=30)
    parser.add_argument("--only-inprocess", action="store_true", help="skip the server and the load")
    parser.add_argument("--settings", default="bench.settings", help="DJANGO_SETTINGS_MODULE (bench.settings)")
    return parser.parse_args()


# --- preparation -----------------------------------------------------------------------------


def _published(conn: Any) -> int:
    row = conn.execute(
        "SELECT count(*) FROM needs_need WHERE status IN ('verified', 'partially_pledged', 'fully_pledged', 'delivered', 'closed')"
    ).fetchone()
    return int(row[0])


def seed(env: dict[str, str], needs: int) -> None:
    import psycopg

    ensure_database()
    with psycopg.connect(database_url()) as conn:
        try:
            published = _published(conn)
        except psycopg.errors.UndefinedTable:
            published = 0
    if published < needs:
        print(f"seeding: {published:,} published needs, {needs:,} wanted (bench/seed.py)", flush=True)
        subprocess.run([str(PYTHON), "bench/seed.py", "--needs", str(needs)], cwd=ROOT, env=env, check=True)
    else:
        print(f"database: {published:,} published needs", flush=True)
    # seed.py migrates, but only when it seeds: the board's own tables may be newer.
    subprocess.run([str(PYTHON), "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)


# Shares of needs by coverage, in per cent of the needs (the rest stays untouched).
COVER_SQL = """
WITH pick AS (
  SELECT id, (id * 2654435761) %% 100 AS bucket, ((id * 40503) %% 80 + 10) / 100.0 AS part FROM needs_need
  WHERE status = 'verified'
)
UPDATE needs_needitem i SET
  quantity_pledged = CASE WHEN p.bucket >= 65 THEN i.quantity ELSE floor(i.quantity * p.part) END,
  quantity_delivered = CASE WHEN p.bucket >= 85 THEN i.quantity WHEN p.bucket >= 65 THEN floor(i.quantity * p.part)
                            ELSE floor(floor(i.quantity * p.part) / 2) END,
  quantity_confirmed = CASE WHEN p.bucket >= 95 THEN i.quantity WHEN p.bucket >= 85 THEN floor(i.quantity * p.part)
                            ELSE 0 END
FROM pick p WHERE p.id = i.need_id AND p.bucket >= %(untouched)s
"""
# needs.services.coverage_status, in SQL.
STATUS_SQL = """
UPDATE needs_need n SET status = CASE
    WHEN c.all_confirmed THEN 'closed' WHEN c.all_delivered THEN 'delivered'
    WHEN c.all_pledged THEN 'fully_pledged' WHEN c.any_pledged THEN 'partially_pledged' ELSE 'verified' END
FROM (SELECT need_id, bool_and(quantity_confirmed >= quantity) AS all_confirmed,
             bool_and(quantity_delivered >= quantity) AS all_delivered, bool_and(quantity_pledged >= quantity) AS all_pledged,
             bool_or(quantity_pledged > 0) AS any_pledged
      FROM needs_needitem GROUP BY need_id) c
WHERE c.need_id = n.id AND n.status = 'verified'
"""


def cover() -> dict[str, Any]:
    """Pledge part of the needs (once) and post notices; then build the board. Django set up."""
    from django.db import connection, transaction
    from django.db.models import Count

    from cuutro.accounts.models import User
    from cuutro.coordination.models import BoardCell, SupplyNotice
    from cuutro.coordination.services import _notice_code, board_refresh
    from cuutro.geo.models import Area, AreaLevel
    from cuutro.needs.models import CatalogueItem, Category, Need, NeedItem

    info: dict[str, Any] = {}
    if not NeedItem.objects.filter(quantity_pledged__gt=0).exists():
        t0 = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(COVER_SQL, {"untouched": 40})
            info["items_pledged"] = cursor.rowcount
            cursor.execute(STATUS_SQL)
            info["needs_moved"] = cursor.rowcount
        print(f"coverage: {info['items_pledged']:,} items pledged, {info['needs_moved']:,} needs moved "
              f"({time.perf_counter() - t0:.1f} s)", flush=True)
    if not SupplyNotice.objects.exists():
        rng = random.Random(SEED)
        officer = User.objects.get(username="bench-officer")
        communes = list(Area.objects.filter(level=AreaLevel.COMMUNE, valid_to__isnull=True).order_by("code"))
        clothing, noodles = Category.objects.get(code="clothing"), CatalogueItem.objects.get(code="instant-noodles")
        notices = []
        for area in rng.sample(communes, NOTICES):  # bench shortcut: no service, no audit event
            by_item = rng.random() < 0.5
            notices.append(SupplyNotice(
                code=_notice_code(), area=area, category=None if by_item else clothing, item=noodles if by_item else None,
                reason=rng.choice(["enough", "oversupplied"]), message="Xin gửi tiền sửa nhà thay vì mì và quần áo.",
                created_by=officer,
            ))  # fmt: skip
        SupplyNotice.objects.bulk_create(notices)
        from cuutro.coordination.services import board_mark

        board_mark(area_ids=[n.area_id for n in notices])
    t0 = time.perf_counter()
    board_refresh(full=True)
    info["full_refresh_s"] = round(time.perf_counter() - t0, 3)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    info["needs_by_status"] = dict(Need.objects.values_list("status").annotate(n=Count("pk")).order_by())
    info["board_lines"] = BoardCell.objects.count()
    info["lines_by_status"] = dict(BoardCell.objects.values_list("status").annotate(n=Count("pk")).order_by())
    return info


def inprocess(paths: list[str]) -> dict[str, Any]:
    """Timings inside one process: refreshes, and each URL through the test client with the cache
    off (what a miss costs)."""
    from django.db import connection, transaction
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    from cuutro.coordination.services import board_refresh
    from cuutro.needs.models import NeedItem

    timings: dict[str, Any] = {}
    t0 = time.perf_counter()
    board_refresh(full=True)
    timings["full_refresh_ms"] = round((time.perf_counter() - t0) * 1000, 1)
    # One pledge-like change in Phường Đông Hà (the busiest commune), then the refresh it costs.
    item = NeedItem.objects.filter(need__area__code="19333", need__status="verified").order_by("pk").first()
    assert item is not None
    runs = []
    for _ in range(5):
        with transaction.atomic():
            NeedItem.objects.filter(pk=item.pk).update(quantity_pledged=1 - item.quantity_pledged)  # 0 <-> 1
            item.refresh_from_db()
        t0 = time.perf_counter()
        assert board_refresh() == 1
        runs.append((time.perf_counter() - t0) * 1000)
    NeedItem.objects.filter(pk=item.pk).update(quantity_pledged=0)
    board_refresh()
    timings["one_commune_refresh_ms"] = round(sorted(runs)[len(runs) // 2], 1)
    client = Client(HTTP_ACCEPT_LANGUAGE="vi", HTTP_HOST="127.0.0.1")
    per_url = {}
    cold = override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}})
    cold.enable()  # every request computes: the figures of a miss
    for path in paths:
        client.get(path)  # warm
        samples = []
        for _ in range(7):
            with CaptureQueriesContext(connection) as queries:
                t0 = time.perf_counter()
                response = client.get(path)
                samples.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        per_url[path] = {"median_ms": round(sorted(samples)[3], 1), "queries": len(queries)}
    cold.disable()
    timings["urls"] = per_url
    with connection.cursor() as cursor:  # the refreshes above left dead rows behind
        cursor.execute("VACUUM (ANALYZE) coordination_boardcell")
    return timings


def check(port: int, paths: list[str], *, fatal: bool = True) -> dict[str, Any]:
    """run.validate for the API; for the pages: 200 with board lines (or advice) on them."""
    found = validate(port, [p for p in paths if not p.startswith("/needed/")], fatal=fatal)
    problems = list(found.pop("problems", []))
    for path in (p for p in paths if p.startswith("/needed/")):
        status, body = get(port, path)
        text = body.decode()
        shown = text.count('class="card board-line"') + text.count('class="advice msg')
        if status != 200 or shown <= 0:
            problems.append(f"{path}: HTTP {status}, {shown} lines")
        match = re.search(r'id="lines-h">([\d.,]+)', text)
        found[path] = {"count": int(re.sub(r"\D", "", match.group(1))) if match else None, "items": shown, "bytes": len(body)}
    if problems and fatal:
        raise SystemExit("Refusing to benchmark error or empty pages:\n  " + "\n  ".join(problems))
    if problems:
        found["problems"] = problems
    return found


def main() -> int:
    args = _parse()
    os.environ.setdefault("DATABASE_URL", BOARD_DATABASE)
    env = bench_env()
    env["DJANGO_SETTINGS_MODULE"] = args.settings
    env["CACHE_URL"] = "dummy://" if args.cache == "none" else env["CACHE_URL"]
    targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    compile_catalogues()
    seed(env, args.needs)

    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    report: dict[str, Any] = {
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": _machine(),
        "database_url": database_url(),
        "cache": args.cache,
        "data": cover(),
    }
    print(json.dumps(report["data"], indent=1, default=str), flush=True)
    collectstatic(env)  # DEBUG=false pages need the manifest, in-process too
    report["inprocess"] = inprocess([p for name in targets if name != "trivial" for p in TARGETS[name]])
    print("in-process, every request computed (no cache), median of 7:")
    print(f"  full refresh {report['inprocess']['full_refresh_ms']} ms; one commune after a change "
          f"{report['inprocess']['one_commune_refresh_ms']} ms")
    for path, t in report["inprocess"]["urls"].items():
        print(f"  {t['median_ms']:>7.1f} ms  {t['queries']:>3} queries  {path}")
    if args.only_inprocess:
        return _write(report)

    tool = args.tool if args.tool != "auto" else ("wrk" if shutil.which("wrk") else "python")
    load = run_wrk if tool == "wrk" else run_python
    port = free_port()
    server = Server(workers=args.workers, port=port, env=env, blocking_threads=args.blocking_threads)
    if args.cache == "redis-pages":
        server.command = [*server.command[:-1], "bench.board_run:application"]
    report["settings"] = {"tool": tool, "workers": args.workers, "blocking_threads": args.blocking_threads,
                          "connections": args.connections, "duration_s": args.duration, "warmup_s": args.warmup,
                          "granian": _version([str(GRANIAN), "--version"])}
    report["runs"] = []
    lines = [HEADER]
    print("\n" + HEADER, flush=True)
    with server:
        report["validated"] = check(port, [p for name in targets for p in TARGETS[name]])
        trivial_rps = None
        for name in targets:
            paths = TARGETS[name]
            busy = wait_quiet(args.wait_quiet) if args.wait_quiet > 0 else None
            load(port, paths, connections=args.connections, duration=args.warmup, threads=1)
            before = _cpu_snapshot(server.process.pid if server.process else None)
            result = load(port, paths, connections=args.connections, duration=args.duration, threads=1)
            after = _cpu_snapshot(server.process.pid if server.process else None)
            result["cpu"] = _cpu_percent(before, after, result["seconds"])
            result["machine_busy_before_pct"] = busy
            result.pop("raw", None)
            if name == "trivial":
                trivial_rps = result["rps"]
            report["runs"].append({"target": name, "paths": paths, **result})
            line = _row(name, args.workers, result, trivial_rps)
            lines.append(line)
            print(line, flush=True)
        after_load = check(port, [p for name in targets for p in TARGETS[name]], fatal=False)
        if "problems" in after_load:
            report["post_load_problems"] = after_load["problems"]
            print("WARNING after the load: " + "; ".join(after_load["problems"]), flush=True)
    report["table"] = lines
    print("(PASS/MISS: run.py's search targets, p99 <= 100 ms and >= half the trivial req/s; the board has no target of its own)")
    return _write(report)


def _write(report: dict[str, Any]) -> int:
    report["finished_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"board-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str))
    print(f"results: {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
