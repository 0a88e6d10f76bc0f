from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NeedsConfig(AppConfig):
    name = "cuutro.needs"
    label = "needs"
    verbose_name = _("Needs")

    def ready(self) -> None:
        from django.core.checks import register
        from django.db.models.signals import post_delete, post_save

        from cuutro.lib.public_cache import public_data_changed
        from cuutro.needs.models import Campaign, CatalogueItem, Category
        from cuutro.needs.priority import check_weights

        register(check_weights)

        # The admin edits these directly (no service); public pages show their names, so an
        # edit drops the cached public pages. Cache invalidation is all these receivers do.
        def changed(**kwargs: object) -> None:
            public_data_changed()

        for model in (Category, CatalogueItem, Campaign):
            post_save.connect(changed, sender=model, dispatch_uid=f"public-cache-{model.__name__}-save")
            post_delete.connect(changed, sender=model, dispatch_uid=f"public-cache-{model.__name__}-delete")
