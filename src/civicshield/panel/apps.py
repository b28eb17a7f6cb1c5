from django.apps import AppConfig


class PanelConfig(AppConfig):
    name = "civicshield.panel"
    label = "panel"
