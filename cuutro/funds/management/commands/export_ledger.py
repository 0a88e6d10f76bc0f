from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cuutro.funds.selectors import ledger_export_rows


class Command(BaseCommand):
    help = "Write the public ledger as JSON Lines (one entry per line), the file chain.py checks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="where to write, or - for standard output")

    def handle(self, *args: Any, path: str, **options: Any) -> None:
        count = 0
        handle = self.stdout if path == "-" else open(path, "w", encoding="utf-8")  # noqa: SIM115
        try:
            for row in ledger_export_rows():
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
                count += 1
        finally:
            if handle is not self.stdout:
                handle.close()
        if path != "-":
            self.stdout.write(f"{count} entries written to {path}")
