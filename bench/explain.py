"""EXPLAIN ANALYZE the SQL that one public search runs, query by query, on the bench database.

    .venv/bin/python bench/explain.py                         # every query variant of run.py
    .venv/bin/python bench/explain.py --q "dong ha" --area 44 --plans
    .venv/bin/python bench/explain.py --ledger [--plans]     # run.py's ledger_name and ledger_amount URLs (issue 4)

It calls the real views (API list and HTML search page) through Django's test client with the
bench settings, records every SQL statement they run, then times each one with
``EXPLAIN (ANALYZE, BUFFERS)``. The summary shows where a request's database time goes.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import apply_env, compile_catalogues


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--q", help="search text (default: every variant of run.py)")
    parser.add_argument("--area", help="area code (province or commune)")
    parser.add_argument("--plans", action="store_true", help="print the full plans, not just timings")
    parser.add_argument("--only", choices=("api", "html"), help="only this view")
    parser.add_argument("--ledger", action="store_true", help="the public ledger searches of run.py (uncached)")
    args = parser.parse_args()

    apply_env()
    if args.ledger:
        import os

        os.environ["CACHE_URL"] = "dummy://"  # every request runs its queries, as run.py --cache none
    compile_catalogues()
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.run import QUERIES

    queries = [(args.q, "province" if len(args.area or "") <= 2 else "commune", args.area or "")] if args.q else QUERIES
    client = Client(HTTP_HOST="127.0.0.1")
    url_groups = []
    for q, scope, code in [] if args.ledger else queries:
        urls = []
        if args.only in (None, "api"):
            urls.append("/api/v1/needs?" + urlencode({"q": q, "area": code}))
        if args.only in (None, "html"):
            urls.append("/needs/?" + urlencode({"q": q, scope: code}))
        url_groups.append(urls)
    if args.ledger:
        from bench.run import ledger_targets

        url_groups = list(ledger_targets().values())
    for urls in url_groups:
        for url in urls:
            client.get(url)  # warm caches
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url)
                elapsed = (time.perf_counter() - started) * 1000
            print(f"\n=== {url}  ->  HTTP {response.status_code}, {elapsed:.1f} ms in-process, "
                  f"{len(captured.captured_queries)} SQL statements")
            total = 0.0
            for entry in captured.captured_queries:
                sql = entry["sql"]
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                    plan = [row[0] for row in cursor.fetchall()]
                execution = next((float(line.split(":")[1].split()[0]) for line in plan if line.startswith("Execution Time")), 0.0)
                total += execution
                short = " ".join(sql.split())
                print(f"  {execution:8.2f} ms  {short[:150]}{'…' if len(short) > 150 else ''}")
                if args.plans:
                    print("      " + "\n      ".join(plan))
            print(f"  {total:8.2f} ms  total execution time in PostgreSQL")
    return 0


if __name__ == "__main__":
    sys.exit(main())
