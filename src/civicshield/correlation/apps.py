from django.apps import AppConfig


class CorrelationConfig(AppConfig):
    name = "civicshield.correlation"
    label = "correlation"
