"""Expire late pledges, warn donors whose deadline is near, close unanswered hand-over requests.

Run it once a day from cron (e.g. ``15 6 * * * manage.py expire_pledges``), then
``send_notifications`` to deliver what it queued. Safe to run again: every step re-checks the
state under the need's lock, and a donor is never warned twice.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cuutro.lib.commands import day_option
from cuutro.pledges.services import pledges_expire


class Command(BaseCommand):
    help = "Expire undelivered pledges past their deadline, warn donors before, and expire unanswered hand-over requests."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today", type=str, default=None, metavar="YYYY-MM-DD",
            help="expire and warn as if it were this day (default: today in the portal's time zone); "
            "hand-over requests always expire by the clock",
        )

    def handle(self, *args: Any, today: str | None, **options: Any) -> None:
        result = pledges_expire(today=day_option(today) if today else None)
        self.stdout.write(
            f"expired {result.expired} pledge(s), warned {result.warned} donor(s), "
            f"expired {result.handovers_expired} hand-over request(s)"
        )
