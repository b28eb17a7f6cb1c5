from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "civicshield.core"
    label = "core"
    verbose_name = "Core"
