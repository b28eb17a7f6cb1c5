"""Enumerations of the shared kernel: roles and the surfaces an action comes from."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    COORDINATOR = "coordinator", _("Coordinator")
    ANALYST = "analyst", _("Analyst")
    CONTRIBUTOR = "contributor", _("Contributor")
    PANEL = "panel", _("Expert panel member")
    VIEWER = "viewer", _("Viewer")


class Surface(models.TextChoices):
    UI = "ui", _("Web interface")
    API = "api", _("REST API")
    CLI = "cli", _("Command line")
    SYSTEM = "system", _("System")
