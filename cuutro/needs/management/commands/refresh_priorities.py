"""Recompute the stored priority of every need (see ``cuutro/needs/priority.py``).

Run it once a day from cron, just after midnight (e.g. ``5 0 * * * manage.py refresh_priorities``):
the days a need has waited grow by one, and search sorts by the stored score. Run it also after
changing NEED_PRIORITY_WEIGHTS. Safe to run again: needs already right are not written.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cuutro.lib.commands import day_option
from cuutro.needs.services import need_priority_refresh


class Command(BaseCommand):
    help = "Recompute every need's priority score (days waiting grow each day; weights may have changed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today", type=str, default=None, metavar="YYYY-MM-DD",
            help="count the days waiting up to this day (default: today in the portal's time zone)",
        )

    def handle(self, *args: Any, today: str | None, **options: Any) -> None:
        changed = need_priority_refresh(today=day_option(today) if today else None)
        self.stdout.write(f"updated the priority of {changed} need(s)")
