"""Form helpers shared by the apps' web screens."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def attach_errors(exc: ValidationError, form: forms.Form) -> list[str]:
    """Put a service's field errors next to their inputs; return those with no place."""
    if not hasattr(exc, "error_dict"):
        return list(exc.messages)
    leftovers: list[str] = []
    for key, messages in exc.message_dict.items():
        if key in form.fields:
            for message in messages:
                form.add_error(key, message)
        else:
            leftovers += messages
    return leftovers


MAX_ID_DIGITS = 18  # a bigint; longer numbers are junk, not ids


def parse_id(text: str) -> int | None:
    """A database id typed into a URL or form: ASCII digits only (``"²".isdigit()`` is true, and
    ``int()`` refuses it), positive and bigint-sized; None for anything else."""
    text = (text or "").strip()
    if not text or len(text) > MAX_ID_DIGITS or not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if value > 0 else None


MAX_REASON = 2000


def clean_reason(text: str, *, required: str = "") -> str:
    """A reason given for a decision, trimmed and at most ``MAX_REASON`` characters; ``required``
    is the message when it may not be empty. Raises ``ValidationError`` on the "reason" field."""
    text = (text or "").strip()
    if required and not text:
        raise ValidationError({"reason": [required]})
    if len(text) > MAX_REASON:
        raise ValidationError({"reason": [_("The reason is too long (at most %(max)d characters).") % {"max": MAX_REASON}]})
    return text
