from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatementsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "cuutro.statements"
    verbose_name = _("Bank statements")
