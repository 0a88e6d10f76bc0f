"""What would the proposed query changes save? Times the SQL of one search, as the app runs it
today and as proposed, on the bench database. Nothing in the app schema changes: the proposal runs
on a copy of needs_need (``bench_whatif_need``, created once, with the same indexes plus a stored
``tsvector`` of the search key and a GIN index on it).

    .venv/bin/python bench/whatif.py            # every query variant of run.py, median of 15 runs
    .venv/bin/python bench/whatif.py --drop     # remove the copy

Compared per variant (all single-client, warm cache, milliseconds of wall time as seen by Python):

    today/count     the COUNT(*) the API and the paginator run (trigram LIKE '% word %')
    today/page      the page query: select_related joins, ORDER BY ... LIMIT 20
    tsv/count       COUNT(*) with search_tsv @@ to_tsquery('simple', 'w1 & w2')
    tsv/count≤1000  the same, capped: SELECT count(*) FROM (... LIMIT 1001)
    tsv/ids         the page's 20 ids only (ORDER BY ... LIMIT 20), then
    tsv/rows        the 20 rows with their area and province by primary key
"""

# ruff: noqa: S608  (the only interpolated identifier is the constant COPY; values are bound parameters)
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import apply_env, compile_catalogues

COPY = "bench_whatif_need"
SETUP = [
    f"CREATE TABLE {COPY} AS SELECT * FROM needs_need",
    f"ALTER TABLE {COPY} ADD PRIMARY KEY (id)",
    f"ALTER TABLE {COPY} ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', search_key)) STORED",
    f"CREATE INDEX {COPY}_tsv ON {COPY} USING gin (search_tsv)",
    f"CREATE INDEX {COPY}_trgm ON {COPY} USING gin (search_key gin_trgm_ops)",
    f"CREATE INDEX {COPY}_path ON {COPY} (area_path varchar_pattern_ops)",
    f"CREATE INDEX {COPY}_order ON {COPY} (status, urgency_rank DESC, verified_at DESC)",
    f"CREATE INDEX {COPY}_code_key ON {COPY} (code_key)",
    f"VACUUM (ANALYZE) {COPY}",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--drop", action="store_true")
    args = parser.parse_args()
    apply_env()
    compile_catalogues()
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.run import QUERIES
    from cuutro.geo.models import Area
    from cuutro.lib.text import fold, search_terms
    from cuutro.needs.services import SEARCH_WORD_RE

    with connection.cursor() as cursor:
        if args.drop:
            cursor.execute(f"DROP TABLE IF EXISTS {COPY}")
            print(f"dropped {COPY}")
            return 0
        cursor.execute("SELECT to_regclass(%s)", [COPY])
        if cursor.fetchone()[0] is None:
            started = time.perf_counter()
            for statement in SETUP:
                cursor.execute(statement)
            print(f"created {COPY} in {time.perf_counter() - started:.1f} s")

    def timed(sql: str, params: list | None = None) -> float:
        samples = []
        with connection.cursor() as cursor:
            for _ in range(args.runs + 2):
                started = time.perf_counter()
                cursor.execute(sql, params)
                cursor.fetchall()
                samples.append((time.perf_counter() - started) * 1000)
        return statistics.median(samples[2:])

    client = Client(HTTP_HOST="127.0.0.1")
    columns = ["today/count", "today/page", "tsv/count", "tsv/count≤1000", "tsv/ids", "tsv/rows"]
    print(f"{'query':<22}" + "".join(f"{c:>16}" for c in columns) + f"{'today':>10}{'proposed':>10}")
    for q, _scope, code in QUERIES:
        url = "/api/v1/needs?" + urlencode({"q": q, "area": code})
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        statements = [e["sql"] for e in captured.captured_queries]
        today_count = next(s for s in statements if s.startswith('SELECT COUNT(*)'))
        today_page = next(s for s in statements if s.startswith('SELECT "needs_need"."id"'))

        path = Area.objects.get(code=code).path
        terms = SEARCH_WORD_RE.findall(" ".join(search_terms(q)))
        tsquery = " & ".join(terms)
        code_key = fold(q).upper().replace(" ", "")
        where = (
            "status = 'verified' AND area_path LIKE %s AND "
            "(search_tsv @@ to_tsquery('simple', %s) OR code_key = %s)"
        )
        params = [path + "%", tsquery, code_key]
        ids_sql = f"SELECT id FROM {COPY} WHERE {where} ORDER BY urgency_rank DESC, verified_at DESC, id DESC LIMIT 20"
        with connection.cursor() as cursor:
            cursor.execute(ids_sql, params)
            ids = [row[0] for row in cursor.fetchall()]
        rows_sql = (
            f"SELECT n.*, a.*, p.* FROM {COPY} n JOIN geo_area a ON a.id = n.area_id "
            "LEFT JOIN geo_area p ON p.id = a.parent_id WHERE n.id = ANY(%s)"
        )
        figures = [
            timed(today_count),
            timed(today_page),
            timed(f"SELECT count(*) FROM {COPY} WHERE {where}", params),
            timed(f"SELECT count(*) FROM (SELECT 1 FROM {COPY} WHERE {where} LIMIT 1001) s", params),
            timed(ids_sql, params),
            timed(rows_sql, [ids]),
        ]
        today = figures[0] + figures[1]
        proposed = figures[3] + figures[4] + figures[5]
        print(f"{q + ' @' + code:<22}" + "".join(f"{f:>16.2f}" for f in figures) + f"{today:>10.2f}{proposed:>10.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
