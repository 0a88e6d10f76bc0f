"""Load the Quảng Trị flood demo: areas, demo logins, campaigns, ~2,200 needs and ~450 pledges,
each in every state.

Re-running is a quick no-op once the scenario is there, so ``make demo`` can be run any number of
times. It refuses a database holding anything that is not demo data (the demo adds a superuser
whose password is "demo"), unless ``--force``.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from cuutro.demo.money import MoneySummary, money_summary
from cuutro.demo.scenario import DEFAULT_NEEDS, DEFAULT_SEED, DEMO_PASSWORD, demo_blockers, demo_build, demo_loaded, demo_logins

URL = "http://127.0.0.1:8000/"


class Command(BaseCommand):
    help = "Build the deterministic Quảng Trị flood demo scenario (throw-away databases only). Safe to re-run."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
        parser.add_argument("--needs", type=int, default=DEFAULT_NEEDS, help=f"how many needs to record (default {DEFAULT_NEEDS})")
        parser.add_argument("--force", action="store_true", help="run even though the database holds data that is not from the demo")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["needs"] < 0:
            raise CommandError("--needs must be zero or more.")
        # A loaded demo is checked first: a no-op writes nothing, so it needs no protection, and
        # someone who added a user while trying the demo can still run `make demo` again.
        loaded = demo_loaded()
        if loaded:
            self.stdout.write(f"Demo data already loaded ({loaded:,} needs): nothing to do. Delete the database to rebuild it.")
            self._print_funds(money_summary())
        else:
            blockers = demo_blockers()
            if blockers and not options["force"]:
                raise CommandError(
                    "This database holds data that is not from the demo: "
                    + "; ".join(blockers)
                    + ". The demo adds accounts whose password is 'demo', one of them a superuser. "
                    "Run it on an empty, throw-away database (e.g. DATABASE_URL=sqlite:////tmp/demo.sqlite3), "
                    "or pass --force if you really mean it."
                )
            started = time.monotonic()
            call_command("load_areas", stdout=self.stdout)
            summary = demo_build(seed=options["seed"], needs=options["needs"])
            states = ", ".join(f"{count:,} {status}" for status, count in sorted(summary.statuses.items()))
            pledges = ", ".join(f"{count:,} {status}" for status, count in sorted(summary.pledges.items()))
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo scenario built in {time.monotonic() - started:.1f} s: {summary.needs:,} needs ({states or 'none'}), "
                    f"{sum(summary.pledges.values()):,} pledges ({pledges or 'none'}), "
                    f"{summary.handovers} open hand-over request(s), {summary.villages} villages, "
                    f"{summary.convoys.delegations} relief delegations ({summary.convoys.stops} stops, "
                    f"{summary.convoys.handed_over} pledges handed over on arrival)."
                )
            )
            self._print_funds(summary.money)
        self._print_logins()
        self._print_hints()

    def _print_funds(self, money: MoneySummary) -> None:
        if not money.funds:
            return
        rows = [("fund", "bank", "account", "statements", "rows", "in (₫)", "out (₫)", "balance (₫)", "review", "given out")]
        for fund in money.funds:
            rows.append((
                fund.code, fund.bank, fund.account, str(fund.statements), f"{fund.rows_new:,}", f"{fund.money_in:,}",
                f"{fund.money_out:,}", f"{fund.money_in - fund.money_out:,}", str(fund.review_open), str(fund.disbursements),
            ))  # fmt: skip
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        self.stdout.write("")
        for number, row in enumerate(rows):
            self.stdout.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
            if number == 0:
                self.stdout.write("  ".join("-" * width for width in widths))
        if money.paid or money.partly_paid or money.unpaid:
            self.stdout.write(
                f"Cash pledges: {money.paid} paid, {money.partly_paid} partly paid, {money.unpaid} unpaid. "
                f"Statements are imported; demo-province decides open bank entries under {reverse('statements:review')}."
            )

    def _print_logins(self) -> None:
        rows = [("username", "name", "role", "area / organisation"), *demo_logins()]
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        self.stdout.write("")
        for number, row in enumerate(rows):
            self.stdout.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
            if number == 0:
                self.stdout.write("  ".join("-" * width for width in widths))
        self.stdout.write(f"\nPassword for every demo login: {DEMO_PASSWORD}")
        self.stdout.write(f"Open {URL} (start the server with `make demo` or `manage.py runserver`); /admin/ for demo-admin.")

    def _print_hints(self) -> None:
        mine, deliveries = reverse("pledges:mine"), reverse("pledges:officer_deliveries")
        self.stdout.write(
            f"Pledges: demo-org, demo-delegation and demo-donor find theirs in every state under {mine}; "
            "demo-donor has a hand-over request from demo-delegation to answer.\n"
            f"Deliveries: demo-officer, demo-verifier (Phường Đông Hà) and demo-officer-b (Xã Gio Linh) confirm them "
            f"under {deliveries}.\n"
            "Notifications wait in the outbox: `manage.py send_notifications` prints them (the console e-mail backend).\n"
            f"Delegations: the shared calendar and map at {reverse('delegations:calendar')}; demo-province routes them and "
            f"allocates their goods under {reverse('delegations:officer_list')}; what is needed most now: {reverse('coordination:board')}."
        )
