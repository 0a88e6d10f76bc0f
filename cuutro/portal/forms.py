"""Forms of the public pages: the ledger's filters and the "where did my money go" lookup."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cuutro.funds.selectors import SEARCH_MAX_CHARS, LedgerFilters, parse_amount

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"]
class AmountField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
        super().__init__(required=False, max_length=40, widget=widget, **kwargs)

    def clean(self, value: Any) -> Decimal | None:  # type: ignore[override]
        text = super().clean(value)
        if not text:
            return None
        amount = parse_amount(text)
        if amount is None:
            raise forms.ValidationError(_("Enter an amount in đồng, e.g. 500.000."))
        return amount


class LastDigitsField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "size": 6})
        super().__init__(required=False, max_length=40, widget=widget, **kwargs)

    def clean(self, value: Any) -> str:
        text = super().clean(value)
        digits = "".join(ch for ch in text if ch.isdigit())
        if text and len(digits) < 3:
            raise forms.ValidationError(_("Enter at least the last 3 digits of the account."))
        return digits[-4:]  # accounts are published masked: only the last four remain


def _date_field(label: Any) -> forms.DateField:
    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    return forms.DateField(label=label, required=False, input_formats=DATE_FORMATS, widget=widget)


class LedgerFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Name or memo (accents optional)"), required=False, strip=True,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("e.g. nguyen van an")}),
    )
    amount = AmountField(label=_("Amount (đồng, exact)"))
    date_from = _date_field(_("From"))
    date_to = _date_field(_("To"))
    reference = forms.CharField(
        label=_("Transfer reference"), required=False, max_length=40, strip=True,
        widget=forms.TextInput(attrs={"placeholder": "CT 7K3F9Q", "autocapitalize": "characters"}),
    )
    account = LastDigitsField(label=_("Last digits of the account"))
    direction = forms.ChoiceField(
        label=_("Direction"), required=False, choices=[("", _("In and out")), ("in", _("Money in")), ("out", _("Money out"))]
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned

    def filters(self) -> LedgerFilters:
        data = self.cleaned_data
        return LedgerFilters(
            q=(data.get("q") or "")[:SEARCH_MAX_CHARS],
            amount=data.get("amount"),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            reference=data.get("reference") or "",
            account=data.get("account") or "",
            direction=data.get("direction") or "",
        )


class TraceForm(forms.Form):
    """A reference code, or what the donor's banking app shows: day, amount, account digits.

    The day is ``date_from``: the ledger's filter names are the public cache's key parameters,
    and the search does start from that day (banks book up to a few days later)."""

    reference = forms.CharField(
        label=_("Transfer reference"), required=False, max_length=40, strip=True,
        widget=forms.TextInput(attrs={"placeholder": "CT 7K3F9Q", "autocapitalize": "characters"}),
    )
    date_from = _date_field(_("Day of the transfer"))
    amount = AmountField(label=_("Amount (đồng)"))
    account = LastDigitsField(label=_("Last digits of your account"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("reference"):
            return cleaned
        by_transfer = [cleaned.get("date_from"), cleaned.get("amount"), cleaned.get("account")]
        if any(by_transfer) and not all(by_transfer) and not self.errors:
            raise forms.ValidationError(_("Give the day, the amount and the last digits of the account together."))
        return cleaned

    @property
    def asked(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return bool(data.get("reference") or (data.get("date_from") and data.get("amount") and data.get("account")))
