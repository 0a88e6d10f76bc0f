"""Where a statement import's time goes, phase by phase, and what the ledger table costs PostgreSQL.

    .venv/bin/python bench/import_phases.py                    # 200,000 rows, phases + ledger table variants
    .venv/bin/python bench/import_phases.py --rows 1000000
    .venv/bin/python bench/import_phases.py --phases-only
    .venv/bin/python bench/import_phases.py --reset            # drop the scratch database first

It works in its own scratch database, ``cuutro_bench_import`` (created and migrated here; set
``IMPORT_DATABASE_URL`` for another), so its rows never add to ``cuutro_bench``.

1. **Phases**: imports a statement written by ``bench/import_run.py`` into a fresh fund, in this
   process, with timers around the steps of ``statements.services.statement_import``: reading
   and checking the file, row keys, reconciliation, building the entries (memo, mask), chaining
   and COPYing the ledger rows (the Python hashing runs while PostgreSQL indexes the previous
   rows), COPYing statement lines and review items, and the commit (deferred foreign-key checks);
   for each, the wall time, this process's CPU time and the PostgreSQL backend's CPU time.
2. **Ledger table**: COPYs the same ledger rows into two scratch copies of ``funds_ledgerentry``
   (dropped afterwards) and reads the PostgreSQL backend's CPU time from ``/proc``: the table as
   it was before migration funds 0006 (every index in full, duplicates, generated ``search_tsv``)
   as it was after 0006 (partial indexes, no duplicates, ``search_tsv`` supplied by the COPY) and
   as it is (0007: the amount index covers the fund, the date order and the key).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/cuutro_bench_import"
SCRATCH = "bench_import_scratch"


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000, help="statement rows (200,000)")
    parser.add_argument("--phases-only", action="store_true", help="skip the ledger table variants")
    parser.add_argument("--reset", action="store_true", help="drop the scratch database first")
    return parser.parse_args()


def _backend_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().split()
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def phases(rows: int) -> None:
    from cuutro.funds.models import Fund
    from cuutro.statements import bulk, parsers, services

    order = ("read and check the file", "row keys", "reconcile (references)", "ledger: chain + COPY",
             "  of which: entry data (memo, mask)", "lines + review items: COPY", "commit (deferred FK checks)")  # fmt: skip
    # Per phase: wall time, this process's CPU time (Python) and the PostgreSQL backend's CPU time.
    spent: dict[str, list[float]] = {name: [0.0, 0.0, 0.0] for name in order}
    backend: dict[str, int] = {}

    def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            pid = backend.get("pid")
            started, cpu, pg = time.perf_counter(), time.process_time(), _backend_cpu(pid) if pid else 0.0
            try:
                return function(*args, **kwargs)
            finally:
                totals = spent.setdefault(name, [0.0, 0.0, 0.0])
                totals[0] += time.perf_counter() - started
                totals[1] += time.process_time() - cpu
                totals[2] += (_backend_cpu(pid) - pg) if pid else 0.0

        return wrapper

    from django.db.backends.base import base

    services.read_statement = timed("read and check the file", parsers.read_statement)  # type: ignore[assignment]
    services.row_keys = timed("row keys", parsers.row_keys)  # type: ignore[assignment]
    services._reconcile = timed("reconcile (references)", services._reconcile)  # type: ignore[assignment]
    entry_data = services._entry_data

    def _entry_data(*args: Any) -> Any:  # per row: two clock reads, no /proc read
        started = time.perf_counter()
        try:
            return entry_data(*args)
        finally:
            spent["  of which: entry data (memo, mask)"][0] += time.perf_counter() - started

    services._entry_data = _entry_data  # type: ignore[assignment]
    services.ledger_append_many = timed("ledger: chain + COPY", bulk.ledger_append_many)  # type: ignore[assignment]
    services.insert_rows = timed("lines + review items: COPY", bulk.insert_rows)  # type: ignore[assignment]
    base.BaseDatabaseWrapper.commit = timed("commit (deferred FK checks)", base.BaseDatabaseWrapper.commit)  # type: ignore[method-assign]

    from bench.import_run import write_statement

    stamp = dt.datetime.now(dt.UTC)
    account = f"7{stamp:%y%m%d%H%M%S}"
    fund = Fund.objects.create(
        code=f"phases-{stamp:%Y%m%dT%H%M%S}", name="phases", bank="vcb", account_number=account,
        account_name="BENCH", opens_on=dt.date(2024, 9, 1),
    )  # fmt: skip
    path = Path(__file__).resolve().parent / "var" / f"import-phases-{rows}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_statement(path, rows=rows, days=30, account=account)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend["pid"] = cursor.fetchone()[0]
    pid = backend["pid"]
    started, cpu, pg = time.perf_counter(), time.process_time(), _backend_cpu(pid)
    services.statement_import(actor=None, fund=fund, file=path.read_bytes(), max_bytes=None)
    total, cpu, pg = time.perf_counter() - started, time.process_time() - cpu, _backend_cpu(pid) - pg
    print(f"\nimport of {rows:,} rows: {total:.1f} s, {rows / total:,.0f} rows/s")
    print(f"  {'µs/row':>49s} {'wall':>7s} {'Python':>7s} {'PG CPU':>7s}")
    for name, (wall, python, backend_cpu) in spent.items():
        figures = f"{wall / rows * 1e6:7.1f}" + (f" {python / rows * 1e6:7.1f} {backend_cpu / rows * 1e6:7.1f}" if python else "")
        print(f"  {name:38s} {wall:7.1f} s {figures}")
    print(f"  {'total':38s} {total:7.1f} s {total / rows * 1e6:7.1f} {cpu / rows * 1e6:7.1f} {pg / rows * 1e6:7.1f}")


def ledger_variants(rows: int) -> None:
    from decimal import Decimal

    from django.db import connection, transaction

    from cuutro.funds.models import LedgerEntry
    from cuutro.funds.services import EntryData, public_memo
    from cuutro.statements import bulk

    fund = type("FundStub", (), {"pk": 1, "code": "bench"})()
    head = type("HeadStub", (), {"seq": 10**9, "hash": "0" * 64})()
    names = ("NGUYEN VAN AN", "TRAN THI BINH", "LE VAN CUONG", "PHAM THI DUNG")

    def data() -> Any:
        for n in range(rows):
            name = names[n % 4]
            memo = f"MBVCB.{6_900_000_000 + n}.{n:06d}.{name} chuyen tien ung ho.CT tu {10**12 + n} {name} toi 0011001234567 UB MTTQ"
            yield EntryData(
                kind="credit", direction="in", booked_on=dt.date(2024, 9, 1) + dt.timedelta(days=n * 30 // rows),
                amount=Decimal((10_000, 50_000, 100_000, 500_000)[n % 4]), memo=public_memo(memo), bank_ref=f"5200.{n:07d}",
            )  # fmt: skip

    prepared = [values for _seq, _hash, values in bulk._entry_rows(actor=None, fund=fund, data=data(), head=head, vector=True)]
    fields = [f for f in LedgerEntry._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(f'"{f.column}"' for f in fields)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    # The table before funds 0006: every foreign key indexed in full, the varchar_pattern_ops
    # copies of hash and reference, fund_id and recorded_at on their own, search_tsv generated.
    before = [f"ALTER TABLE {SCRATCH} ADD PRIMARY KEY (id)", f"ALTER TABLE {SCRATCH} ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY",
              f"CREATE UNIQUE INDEX ON {SCRATCH} (seq)", f"CREATE UNIQUE INDEX ON {SCRATCH} (hash)",
              f"CREATE INDEX ON {SCRATCH} (hash varchar_pattern_ops)", f"CREATE UNIQUE INDEX ON {SCRATCH} (reverses_id)",
              f"CREATE INDEX ON {SCRATCH} (fund_id, booked_on, seq)", f"CREATE INDEX ON {SCRATCH} (amount)",
              f"CREATE INDEX ON {SCRATCH} (recorded_at)", f"CREATE INDEX ON {SCRATCH} (recorded_at, seq)",
              f"CREATE INDEX ON {SCRATCH} (reference)", f"CREATE INDEX ON {SCRATCH} (reference varchar_pattern_ops)",
              f"CREATE UNIQUE INDEX ON {SCRATCH} (matches_id) WHERE matches_id IS NOT NULL",
              *(f"CREATE INDEX ON {SCRATCH} ({c})"
                for c in ("fund_id", "item_id", "need_id", "organisation_id", "pledge_id", "recorded_by_id")),
              f"ALTER TABLE {SCRATCH} DROP COLUMN search_tsv",
              f"ALTER TABLE {SCRATCH} ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS "
              "(to_tsvector('simple'::regconfig, regexp_replace(search_key, '[^a-z0-9]+', ' ', 'g'))) STORED",
              f"CREATE INDEX ON {SCRATCH} USING gin (search_tsv)"]  # fmt: skip
    like = f"CREATE TABLE {SCRATCH} (LIKE funds_ledgerentry INCLUDING"
    # funds 0006 indexed the amount alone; 0007 made it (amount, fund_id, booked_on, seq) INCLUDE (id).
    amount_only = [
        f"""DO $$ DECLARE name text; BEGIN
              SELECT indexname INTO name FROM pg_indexes WHERE tablename = '{SCRATCH}' AND indexdef LIKE '%(amount, fund_id%';
              EXECUTE format('DROP INDEX %I', name);
            END $$""",  # noqa: S608 (a constant table name, local benchmark)
        f"CREATE INDEX ON {SCRATCH} (amount)",
    ]
    variants = [
        ("before funds 0006: 19 indexes, generated search_tsv", [f"{like} DEFAULTS)", *before], False),
        ("funds 0006: 15 indexes (6 partial), search_tsv from the app", [f"{like} ALL)", *amount_only], True),
        ("funds 0007: amount index (amount, fund, day, seq) + id", [f"{like} ALL)"], True),
    ]
    print(f"\nCOPY of {rows:,} ledger rows into a scratch copy of funds_ledgerentry (PostgreSQL backend CPU from /proc):")
    for label, ddl, with_vector in variants:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {SCRATCH}")
            for statement in ddl:
                cursor.execute(statement)
        names_ = [f.attname for f in fields] + (["search_tsv"] if with_vector else [])
        extra = ', "search_tsv"' if with_vector else ""
        with transaction.atomic():
            cpu, started = _backend_cpu(pid), time.perf_counter()
            with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {SCRATCH} ({columns}{extra}) FROM STDIN") as copy:
                for values in prepared:
                    copy.write_row([values[name] for name in names_])
            wall, used = time.perf_counter() - started, _backend_cpu(pid) - cpu
            print(f"  {label:48s} {wall / rows * 1e6:6.1f} µs/row wall, {used / rows * 1e6:6.1f} µs/row PostgreSQL CPU")
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {SCRATCH}")


def main() -> int:
    args = _parse()
    os.environ["DATABASE_URL"] = os.environ.get("IMPORT_DATABASE_URL", DEFAULT_URL)
    from bench.common import apply_env, ensure_database

    apply_env()
    os.environ["DATABASE_URL"] = os.environ.get("IMPORT_DATABASE_URL", DEFAULT_URL)
    if args.reset and not os.environ["DATABASE_URL"].rstrip("/").endswith("cuutro_bench_import"):
        raise SystemExit("--reset drops only the cuutro_bench_import scratch database")
    if args.reset:
        import psycopg

        with psycopg.connect(DEFAULT_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS cuutro_bench_import WITH (FORCE)")
    ensure_database()

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    phases(args.rows)
    if not args.phases_only:
        ledger_variants(args.rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
