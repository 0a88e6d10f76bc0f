from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cuutro.lib.commands import add_loop_arguments, repeat
from cuutro.statements.services import statement_queue_process


class Command(BaseCommand):
    help = "Import the large statements uploaded on the page, oldest first (run it from cron, or with --loop)."

    def add_arguments(self, parser: CommandParser) -> None:
        add_loop_arguments(parser, limit=10, what="files")

    def handle(self, *args: Any, limit: int, loop: int, **options: Any) -> None:
        def once() -> None:
            for item in statement_queue_process(limit=limit):
                self.stdout.write(f"{item.fund.code} {item.file_name}: {item.status}")

        repeat(loop, once)
