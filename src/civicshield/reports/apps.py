from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "civicshield.reports"
    label = "reports"
    verbose_name = "Reports"
