from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoordinationConfig(AppConfig):
    """Relief delegations, the supply–need board, priorities and the allocation optimiser (issue 5)."""

    name = "cuutro.coordination"
    label = "coordination"
    verbose_name = _("Coordination")
