from django.apps import AppConfig


class ReadinessConfig(AppConfig):
    name = "civicshield.readiness"
    label = "readiness"
    verbose_name = "Elections and readiness"
