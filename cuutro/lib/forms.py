"""Form helpers shared by the apps' web screens."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


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
