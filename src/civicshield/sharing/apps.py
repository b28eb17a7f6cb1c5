from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "civicshield.sharing"
    label = "sharing"
    verbose_name = "Sharing"
