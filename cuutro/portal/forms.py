"""Forms of the public pages: the "where did my money go" lookup. The ledger's filters are
``funds.forms.LedgerFilterForm``: the API reads its query with the same form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cuutro.funds.forms import AmountField, LastDigitsField, date_field


class TraceForm(forms.Form):
    """A reference code, or what the donor's banking app shows: day, amount, account digits.

    The day is ``date_from``: the ledger's filter names are the public cache's key parameters,
    and the search does start from that day (banks book up to a few days later)."""

    reference = forms.CharField(
        label=_("Transfer reference"), required=False, max_length=40, strip=True,
        widget=forms.TextInput(attrs={"placeholder": "CT 7K3F9Q", "autocapitalize": "characters"}),
    )
    date_from = date_field(_("Day of the transfer"))
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
