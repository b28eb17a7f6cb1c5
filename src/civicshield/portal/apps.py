from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "civicshield.portal"
    label = "portal"
    verbose_name = "Public portal"
