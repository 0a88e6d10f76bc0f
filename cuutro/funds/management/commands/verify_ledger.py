from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cuutro.funds.selectors import ledger_verify


class Command(BaseCommand):
    help = "Recompute the public ledger's hash chain and name the first entry that does not match."

    def handle(self, *args: Any, **options: Any) -> None:
        verdict = ledger_verify()
        if not verdict.ok:
            raise CommandError(str(verdict))
        self.stdout.write(str(verdict))
