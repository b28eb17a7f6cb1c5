from django.apps import AppConfig


class VocabConfig(AppConfig):
    name = "civicshield.vocab"
    label = "vocab"
    verbose_name = "Shared vocabulary"
