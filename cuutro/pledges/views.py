"""Web pages of pledges: being written (issue 3)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse


def _todo(*args: Any, **kwargs: Any) -> HttpResponse:
    raise NotImplementedError


my_pledges = pledge_new = pledge_detail = pledge_slip = handover_new = pledge_action = _todo
handover_answer = officer_deliveries = pledge_confirm = _todo
__all__ = ["HttpRequest"]
