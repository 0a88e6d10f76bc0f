"""Benchmark the bank-statement import: 1,000,000 rows of a Vietcombank statement into cuutro_bench.

    .venv/bin/python bench/import_run.py                  # 1,000,000 rows, import twice, verify the chain
    .venv/bin/python bench/import_run.py --rows 200000    # smaller
    .venv/bin/python bench/import_run.py --no-verify      # skip verify_ledger (it reads the whole ledger)

Steps: create the database if needed and ``migrate``; create a fresh fund ``bench-stmt-<UTC time>``
(Vietcombank, an account number of its own). The ledger is append-only, so every run gets its own
fund and a re-run adds a new fund's rows instead of doubling anyone's. Write the statement to
``bench/var/import-<rows>.csv`` in Vietcombank's statement layout (title rows with the fund's
account and the opening and closing balances, date and document number in one cell, "1,000,000"
amounts, running balance, detail), 30 days of transfers with memos in the banks' shapes
(MBVCB…, "CT nhanh 247 den: …", diacritics; 1 % name a pledge-like reference "CT 7K3F9Q", which
reconciliation looks up; 2 % are debits). Then, each in its own process with production settings:

1. ``manage.py import_statement FILE --fund CODE``: the measured import (parse, check balances,
   reconcile, chain and write every row: ledger entry, private statement line, review item);
2. the same command again: must add nothing (idempotency at scale), also timed;
3. ``manage.py verify_ledger``: the whole chain recomputed from the stored entries;
4. ``VACUUM ANALYZE funds_ledgerentry`` (``--no-analyze`` skips it): statistics for the planner.

Before the import it waits (``--wait-quiet``) for the machine to be idle, and it reports the CPU
time of the import command, of its PostgreSQL backend and of anything else on the machine.

It checks the counts in the database (rows of the fund's ledger = rows of the file, one statement
line each) and writes bench/results/import-<UTC time>.json. Exit status 1 if any check fails.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import re
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PYTHON, RESULTS_DIR, ROOT, VAR_DIR, apply_env, bench_env, database_url, ensure_database

SEED = 2024
OPENING = 12_345_678_900
NAMES = (
    "NGUYEN VAN AN", "TRAN THI BINH", "LE VAN CUONG", "PHAM THI DUNG", "HOANG VAN EM", "VU THI GIANG", "DANG VAN HAI",
    "BUI THI KIM", "DO VAN LONG", "HO THI MAI", "NGO VAN NAM", "DUONG THI OANH", "LY VAN PHUC", "CONG TY TNHH AN PHAT",
)  # fmt: skip
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="statement rows (1,000,000)")
    parser.add_argument("--days", type=int, default=30, help="days the statement covers (30)")
    parser.add_argument("--no-verify", action="store_true", help="skip manage.py verify_ledger")
    parser.add_argument("--no-analyze", action="store_true", help="skip VACUUM ANALYZE funds_ledgerentry after the import")
    parser.add_argument("--wait-quiet", type=float, default=60, help="before the import wait up to this many seconds "
                        "for the machine to be idle (60; 0 disables)")
    return parser.parse_args()


def write_statement(path: Path, *, rows: int, days: int, account: str) -> dict[str, int]:
    """A Vietcombank statement of ``rows`` transactions; returns its totals."""
    rng = random.Random(SEED)
    start = dt.date(2024, 9, 1)
    per_day = -(-rows // days)
    balance, credits, debits = OPENING, 0, 0
    body: list[list[str]] = []
    for n in range(rows):
        day = start + dt.timedelta(days=n // per_day)
        name = NAMES[n % len(NAMES)]
        roll = rng.random()
        if roll < 0.02:
            amount = rng.choice((5_000_000, 10_000_000, 30_000_000))
            debit, credit = amount, 0
            memo = f"Chi ho tro ho gia dinh theo QD {n % 997}/QD-MTTQ"
        else:
            amount = rng.choice((10_000, 50_000, 100_000, 200_000, 500_000, 1_000_000, 2_000_000))
            debit, credit = 0, amount
            if roll < 0.03:
                code = "".join(rng.choice(CODE_ALPHABET) for _ in range(6))
                memo = f"MBVCB.{rng.randint(10**9, 10**10 - 1)}.CT {code}.{name} chuyen tien"
            elif roll < 0.55:
                memo = (
                    f"MBVCB.{rng.randint(10**9, 10**10 - 1)}.{n % 1_000_000:06d}.{name} chuyen tien ung ho dong bao mien Trung"
                    f".CT tu {rng.randint(10**12, 10**13 - 1)} {name} toi {account} UB MTTQ VN TINH QUANG TRI"
                )
            elif roll < 0.85:
                memo = f"CT nhanh 247 den: {name} ung ho ba con vung lu"
            else:
                memo = f"IBFT Ủng hộ đồng bào bị lũ lụt – {name.title()}"
        balance += credit - debit
        credits += credit
        debits += debit
        body.append([str(n + 1), f"{day:%d/%m/%Y}\n{5200 + n // per_day}.{n:07d}", f"{debit:,}" if debit else "",
                     f"{credit:,}" if credit else "", f"{balance:,}", memo])  # fmt: skip
    last = start + dt.timedelta(days=(rows - 1) // per_day)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerows(
            [
                ["NGÂN HÀNG TMCP NGOẠI THƯƠNG VIỆT NAM (VIETCOMBANK)"],
                ["SAO KÊ TÀI KHOẢN", "", "STATEMENT OF ACCOUNT"],
                ["Tên tài khoản/Account name:", "", "UB MTTQ VN TINH QUANG TRI (BENCH)"],
                ["Số tài khoản/Account number:", "", account],
                ["Loại tiền/Currency:", "", "VND"],
                [f"Từ/ From: {start:%d/%m/%Y} Đến/ To: {last:%d/%m/%Y}"],
                ["Số dư đầu kỳ/ Opening balance:", "", f"{OPENING:,} VND"],
                ["Số dư cuối kỳ/ Closing balance:", "", f"{balance:,} VND"],
                [],
                ["STT/ No.", "Ngày GD/ TNX Date\nSố CT/ Doc No", "Số tiền ghi nợ/ Debit", "Số tiền ghi có/ Credit", "Số dư/ Balance",
                 "Nội dung chi tiết/ Transactions in detail"],
            ]
        )  # fmt: skip
        writer.writerows(body)
        writer.writerow(["Tổng số/ Total", "", f"{debits:,}", f"{credits:,}"])
    return {"credits": credits, "debits": debits, "closing": balance}


def run(command: list[str], env: dict[str, str]) -> tuple[float, str, str, int]:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    return time.perf_counter() - started, done.stdout, done.stderr, done.returncode


def _machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, every core."""
    cpu = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(cpu) - cpu[3] - cpu[4]) / tick, sum(cpu) / tick


class _BackendCpu(threading.Thread):
    """Samples the CPU time of the bench database's PostgreSQL backends while a command runs
    (its backend ends with the command, so the last sample counts; up to 0.2 s are lost)."""

    def __init__(self, database: str) -> None:
        super().__init__(daemon=True)
        self.database, self.seen, self.done = database, dict[int, float](), threading.Event()

    def run(self) -> None:
        import psycopg

        with psycopg.connect(database_url(), autocommit=True) as conn:
            own = conn.info.backend_pid
            while not self.done.wait(0.2):
                for (pid,) in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> %s", [self.database, own]):
                    try:
                        fields = Path(f"/proc/{pid}/stat").read_text().split()
                    except OSError:
                        continue
                    self.seen[pid] = (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> float:
        self.done.set()
        self.join()
        return sum(self.seen.values())


def measured(command: list[str], env: dict[str, str]) -> tuple[tuple[float, str, str, int], dict[str, float]]:
    """Run ``command``; also its CPU time (Python), its PostgreSQL backend's, and the machine's."""
    sampler = _BackendCpu(database_url().rsplit("/", 1)[-1])
    sampler.start()
    children, (busy, total) = resource.getrusage(resource.RUSAGE_CHILDREN), _machine_cpu()
    result = run(command, env)
    after, (busy_after, total_after) = resource.getrusage(resource.RUSAGE_CHILDREN), _machine_cpu()
    python = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
    postgres = sampler.stop()
    machine = busy_after - busy
    cpu = {
        "python_s": round(python, 1), "postgres_s": round(postgres, 1), "machine_busy_s": round(machine, 1),
        "other_s": round(max(0.0, machine - python - postgres), 1), "machine_cores": round((total_after - total) / result[0], 2),
    }  # fmt: skip
    return result, cpu


def main() -> int:
    args = _parse()
    apply_env()
    env = bench_env()
    ensure_database()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", interactive=False, verbosity=0)
    from cuutro.funds.models import Fund, LedgerEntry
    from cuutro.statements.models import ReviewItem, StatementLine

    stamp = dt.datetime.now(dt.UTC)
    code = f"bench-stmt-{stamp:%Y%m%dT%H%M%S}"
    account = f"9{stamp:%y%m%d%H%M%S}"  # 13 digits, new every run: one fund per account and bank
    fund = Fund.objects.create(
        code=code, name=f"Bench statement import {stamp:%Y-%m-%d %H:%M}", bank="vcb", account_number=account,
        account_name="UB MTTQ VN TINH QUANG TRI (BENCH)", opens_on=dt.date(2024, 9, 1),
    )  # fmt: skip
    ledger_before = LedgerEntry.objects.count()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / f"import-{args.rows}.csv"
    started = time.perf_counter()
    totals = write_statement(path, rows=args.rows, days=args.days, account=account)
    generated = time.perf_counter() - started
    print(f"fund {code}; statement {path.relative_to(ROOT)}: {args.rows:,} rows, {path.stat().st_size / 2**20:.0f} MB, "
          f"written in {generated:.1f} s")  # fmt: skip
    connection.close()

    manage = [str(PYTHON), "manage.py"]
    if args.wait_quiet > 0:
        from bench.run import wait_quiet

        busy = wait_quiet(args.wait_quiet)
        print(f"machine {busy:.0f}% busy before the import" + ("; figures may be disturbed" if busy > 15 else ""))
    first, cpu = measured([*manage, "import_statement", str(path), "--fund", code], env)
    print(f"import:    {first[0]:.1f} s wall  {first[1].strip()}")
    per_row = {k: round(v / args.rows * 1e6, 1) for k, v in cpu.items() if k.endswith("_s")}
    print(f"           CPU µs/row: Python {per_row['python_s']}, PostgreSQL {per_row['postgres_s']}, "
          f"other work on the machine {per_row['other_s']} ({cpu['machine_cores']} cores)")
    if first[3] != 0:
        print(first[2][-3000:])
        return 1
    second = run([*manage, "import_statement", str(path), "--fund", code], env)
    print(f"re-import: {second[0]:.1f} s wall  {second[1].strip()}")
    verify = (0.0, "skipped", "", 0) if args.no_verify else run([*manage, "verify_ledger"], env)
    print(f"verify:    {verify[0]:.1f} s wall  {verify[1].strip()}{verify[2].strip()}")
    analyze = 0.0
    if not args.no_analyze:  # the planner needs statistics of the new rows (bench/README.md)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE funds_ledgerentry")
        analyze = time.perf_counter() - started
        print(f"VACUUM ANALYZE funds_ledgerentry: {analyze:.1f} s")

    entries = LedgerEntry.objects.filter(fund=fund)
    checks = {
        "ledger rows of the fund = statement rows": entries.count() == args.rows,
        "one private statement line per entry": StatementLine.objects.filter(fund=fund).count() == args.rows,
        "no other ledger rows added": LedgerEntry.objects.count() == ledger_before + args.rows,
        "re-import added nothing": f"0 new, {args.rows} already imported" in second[1],
        "chain verifies": args.no_verify or (verify[3] == 0 and verify[1].startswith("OK")),
    }
    review = ReviewItem.objects.filter(fund=fund).count()
    match = re.search(r"\(([\d,]+) rows/s\)", first[1])
    rate = int(match.group(1).replace(",", "")) if match else 0
    wall_rate = round(args.rows / first[0])
    for name, ok in checks.items():
        print(f"  [{'ok' if ok else 'FAILED'}] {name}")
    print(f"import: {rate:,} rows/s inside the command, {wall_rate:,} rows/s wall (with Python start-up); target 20,000")

    report: dict[str, Any] = {
        "at": stamp.isoformat(),
        "database": database_url().rsplit("@", 1)[-1],
        "fund": code,
        "rows": args.rows,
        "file_mb": round(path.stat().st_size / 2**20, 1),
        "totals": totals,
        "review_items": review,
        "import": {"wall_s": round(first[0], 2), "rows_per_s_command": rate, "rows_per_s_wall": wall_rate, "output": first[1].strip(),
                   "cpu": cpu, "cpu_us_per_row": per_row},
        "vacuum_analyze_s": round(analyze, 1),
        "reimport": {"wall_s": round(second[0], 2), "output": second[1].strip()},
        "verify": {"wall_s": round(verify[0], 2), "output": verify[1].strip(), "ledger_entries": LedgerEntry.objects.count()},
        "checks": checks,
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"import-{stamp:%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"results: {out.relative_to(ROOT)}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
