from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GeoConfig(AppConfig):
    name = "cuutro.geo"
    label = "geo"
    verbose_name = _("Administrative areas")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from cuutro.geo.models import Area
        from cuutro.lib.public_cache import public_data_changed

        # A name edited in the admin shows on public pages: drop the cached ones.
        def changed(**kwargs: object) -> None:
            public_data_changed()

        post_save.connect(changed, sender=Area, dispatch_uid="public-cache-area-save")
