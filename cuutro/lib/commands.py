"""Small helpers shared by management commands."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable

from django.core.management.base import CommandError, CommandParser
from django.db import close_old_connections

logger = logging.getLogger(__name__)


def day_option(value: str) -> dt.date:
    """A ``--today YYYY-MM-DD`` option's value, or a clear error."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--today wants a date as YYYY-MM-DD, not {value!r}.") from None


def add_loop_arguments(parser: CommandParser, *, limit: int, what: str) -> None:
    """``--limit`` (at most this many ``what`` per run) and ``--loop SECONDS`` (keep running)."""
    parser.add_argument("--limit", type=int, default=limit, help=f"at most this many {what} per run")
    parser.add_argument("--loop", type=int, default=0, metavar="SECONDS", help="keep running, pausing SECONDS between runs")


def repeat(loop: int, once: Callable[[], None]) -> None:
    """Run ``once``; with ``loop`` > 0, again after every ``loop`` seconds until stopped. A loop
    outlives a dropped database connection or a failed run (logged), as a cron job would."""
    if not loop:
        once()
        return
    while True:
        close_old_connections()
        try:
            once()
        except Exception:
            logger.exception("a run of a looping command failed; the next one follows")
        time.sleep(loop)
