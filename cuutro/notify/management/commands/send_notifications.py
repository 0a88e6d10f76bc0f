from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cuutro.notify.services import notifications_send


class Command(BaseCommand):
    help = "Send the notifications waiting in the outbox (run it from cron, or with --loop)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=200, help="at most this many per run")
        parser.add_argument("--loop", type=int, default=0, metavar="SECONDS", help="keep running, pausing SECONDS between runs")

    def handle(self, *args: Any, limit: int, loop: int, **options: Any) -> None:
        while True:
            result = notifications_send(limit=limit)
            self.stdout.write(f"sent {result.sent}, no address {result.skipped}, failed {result.failed}")
            if not loop:
                return
            time.sleep(loop)
