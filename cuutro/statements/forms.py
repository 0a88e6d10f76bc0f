from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cuutro.funds.models import Fund
from cuutro.statements.layouts import LAYOUT_CHOICES


class ImportForm(forms.Form):
    fund = forms.ChoiceField(label=_("Fund"))
    file = forms.FileField(
        label=_("Statement file (CSV or Excel .xlsx)"),
        help_text=_("As the bank's online banking exports it: Vietcombank, VietinBank or BIDV are recognised by their columns."),
    )
    layout = forms.ChoiceField(label=_("Bank layout"), choices=LAYOUT_CHOICES, required=False)
    mapping = forms.CharField(
        label=_("Column mapping (another bank)"),
        required=False,
        max_length=500,
        help_text=_(
            "The columns' headers as the file writes them, "
            "e.g. date=Ngày GD,credit=Có,debit=Nợ,balance=Số dư,description=Nội dung,ref=Số CT"
        ),
    )

    def __init__(self, *args: Any, funds: list[Fund], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["fund"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(fund.code, f"{fund.name} – {fund.bank_name.split(' ')[0]} {fund.account_number}") for fund in funds]


class DecisionForm(forms.Form):
    pledge = forms.CharField(label=_("Pledge code"), required=False, max_length=20, help_text=_("e.g. CT-7K3F9Q"))
    reason = forms.CharField(label=_("Why"), required=False, max_length=1000, widget=forms.TextInput)
    disbursement = forms.CharField(label=_("Disbursement entry number"), required=False, max_length=20)
