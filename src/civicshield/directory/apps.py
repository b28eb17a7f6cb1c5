from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "civicshield.directory"
    label = "directory"
    verbose_name = "Directory"
