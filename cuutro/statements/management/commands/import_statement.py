from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cuutro.accounts.models import User
from cuutro.funds.models import Fund
from cuutro.statements.layouts import LAYOUT_CODES, MappingError, parse_mapping
from cuutro.statements.services import statement_import


class Command(BaseCommand):
    help = (
        "Import a bank statement (CSV or XLSX of Vietcombank, VietinBank or BIDV, or another bank with --map) into a fund. "
        "All or nothing; importing the same or an overlapping statement again adds nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the statement file (.csv or .xlsx)")
        parser.add_argument("--fund", required=True, help="the fund's code")
        parser.add_argument("--layout", choices=LAYOUT_CODES, help="the bank's layout (recognised from the header if not given)")
        parser.add_argument("--map", dest="mapping", default="", help='generic layout: "date=Ngày,credit=Có,debit=Nợ,description=Nội dung"')
        parser.add_argument("--user", default="", help="record the import as this user's (who must be allowed to import)")

    def handle(self, *args: Any, **options: Any) -> None:
        fund = Fund.objects.filter(code=options["fund"]).first()
        if fund is None:
            raise CommandError(f"No fund has the code {options['fund']!r}.")
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"No user is called {options['user']!r}.")
        try:
            mapping = parse_mapping(options["mapping"]) if options["mapping"] else None
        except MappingError as exc:
            raise CommandError(str(exc)) from exc
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        started = time.perf_counter()
        try:
            with path.open("rb") as handle:
                result = statement_import(
                    actor=actor, fund=fund, file=handle, layout=options["layout"], mapping=mapping, file_name=path.name, max_bytes=None
                )
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        except ValidationError as exc:
            for message in exc.messages:
                self.stderr.write(message)
            raise CommandError("The statement was not imported: nothing was saved.") from exc
        seconds = time.perf_counter() - started
        rate = result.rows_read / seconds if seconds else 0
        self.stdout.write(
            f"{path.name} → {fund.code} ({result.layout}): {result.rows_read} rows read, {result.rows_new} new, "
            f"{result.rows_duplicate} already imported; {result.credits_matched} credits matched to pledges, "
            f"{result.review_items} to review; {seconds:.1f} s ({rate:,.0f} rows/s)"
        )
        if result.first_seq is not None:
            self.stdout.write(f"ledger entries #{result.first_seq}–#{result.last_seq}")
