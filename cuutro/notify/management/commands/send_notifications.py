from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cuutro.lib.commands import add_loop_arguments, repeat
from cuutro.notify.services import notifications_send


class Command(BaseCommand):
    help = "Send the notifications waiting in the outbox (run it from cron, or with --loop)."

    def add_arguments(self, parser: CommandParser) -> None:
        add_loop_arguments(parser, limit=200, what="notifications")

    def handle(self, *args: Any, limit: int, loop: int, **options: Any) -> None:
        def once() -> None:
            result = notifications_send(limit=limit)
            self.stdout.write(f"sent {result.sent}, no address {result.skipped}, failed {result.failed}")

        repeat(loop, once)
