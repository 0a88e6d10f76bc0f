from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "cuutro.demo"
    label = "demo"
    verbose_name = "Demo scenario"
