from django.apps import AppConfig


class CuutroConfig(AppConfig):
    name = "cuutro"
    verbose_name = "Cuutro"

    def ready(self) -> None:
        from cuutro import checks  # noqa: F401  (registers the system checks)
