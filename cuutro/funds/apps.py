from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundsConfig(AppConfig):
    name = "cuutro.funds"
    label = "funds"
    verbose_name = _("Funds and the public ledger")
