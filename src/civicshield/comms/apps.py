from django.apps import AppConfig


class CommsConfig(AppConfig):
    name = "civicshield.comms"
    label = "comms"
