"""Small helpers shared by management commands."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import CommandError


def day_option(value: str) -> dt.date:
    """A ``--today YYYY-MM-DD`` option's value, or a clear error."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--today wants a date as YYYY-MM-DD, not {value!r}.") from None
