from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from cuutro.coordination.optimiser import ProblemError, problem_from_json, solution_to_json, solve


class Command(BaseCommand):
    help = (
        "Compute the allocation of offers to needs that maximises Σ quantity × (priority − distance_weight × km), "
        'exactly, from a JSON problem {"needs": [...], "offers": [...], "distance_weight": w}; print the solution as JSON.'
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("problem", help="the problem's JSON file, or - for standard input")
        parser.add_argument("--indent", type=int, default=2, help="indentation of the printed JSON (2; 0 for one line)")

    def handle(self, *args: Any, **options: Any) -> None:
        source = options["problem"]
        name = "<stdin>" if source == "-" else source
        try:
            text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(_("Cannot read %(path)s: %(error)s") % {"path": name, "error": exc}) from exc
        try:
            # Decimal keeps quantities exact (0.1 stays 0.1, so "at most 2 decimal places" is checkable).
            data = json.loads(text, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            raise CommandError(
                _("%(path)s is not valid JSON (line %(line)s, column %(column)s): %(error)s")
                % {"path": name, "line": exc.lineno, "column": exc.colno, "error": exc.msg}
            ) from exc
        except (ValueError, RecursionError) as exc:  # e.g. an integer of more than 4,300 digits, absurd nesting
            raise CommandError(_("%(path)s is not valid JSON: %(error)s") % {"path": name, "error": exc}) from exc
        try:
            needs, offers, distance_weight = problem_from_json(data)
        except ProblemError as exc:
            raise CommandError(str(exc)) from exc
        solution = solve(needs, offers, distance_weight=distance_weight)
        indent = options["indent"] or None
        self.stdout.write(json.dumps(solution_to_json(solution), ensure_ascii=False, indent=indent))
