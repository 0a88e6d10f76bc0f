"""Write one UTC day of the public ledger as machine-readable files (run daily from cron).

Files, in DIR: ledger-YYYY-MM-DD.jsonl (the day's entries, checkable with chain.py against the
previous day's head), ledger-YYYY-MM-DD.csv (the same for spreadsheets) and
head-YYYY-MM-DD.txt ("SEQ HASH" of the day's last entry, the value to publish and keep).
Re-running for a day rewrites the same content.
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cuutro.funds import chain
from cuutro.funds.models import LedgerEntry
from cuutro.funds.selectors import ledger_entries
from cuutro.funds.services import export_row


class Command(BaseCommand):
    help = "Write one UTC day of the public ledger (JSON Lines, CSV and its head hash) into a directory."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", help="where to write the files")
        parser.add_argument("--day", help="YYYY-MM-DD, UTC (default: yesterday)")

    def handle(self, *args: Any, directory: str, day: str | None, **options: Any) -> None:
        try:
            when = date.fromisoformat(day) if day else datetime.now(UTC).date() - timedelta(days=1)
        except ValueError:
            raise CommandError("--day must be a date like 2026-11-29") from None
        start = datetime.combine(when, time.min, tzinfo=UTC)
        entries = ledger_entries().filter(recorded_at__gte=start, recorded_at__lt=start + timedelta(days=1))
        before = LedgerEntry.objects.filter(recorded_at__lt=start).order_by("-seq").values("seq", "hash").first()
        after = (before["seq"], before["hash"]) if before else (0, chain.GENESIS)
        target = Path(directory)
        target.mkdir(parents=True, exist_ok=True)
        stem = f"ledger-{when.isoformat()}"
        count, last = 0, after
        with (target / f"{stem}.jsonl").open("w", encoding="utf-8") as jsonl, (target / f"{stem}.csv").open(
            "w", encoding="utf-8-sig", newline=""
        ) as sheet:
            writer = csv.DictWriter(sheet, fieldnames=chain.EXPORT_FIELDS)
            writer.writeheader()
            for entry in entries.iterator(chunk_size=2000):
                row = export_row(entry)
                jsonl.write(json.dumps(row, ensure_ascii=False) + "\n")
                writer.writerow(row)
                count, last = count + 1, (entry.seq, entry.hash)
        (target / f"head-{when.isoformat()}.txt").write_text(f"{last[0]} {last[1]}\n", encoding="utf-8")
        self.stdout.write(f"{when.isoformat()}: {count} entries after #{after[0]}; head #{last[0]} {last[1]}")
