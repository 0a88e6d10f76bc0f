from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "cuutro.api"
    label = "api"
    verbose_name = "API"
