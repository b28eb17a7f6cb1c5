"""The URL map (see DESIGN.md): portal at /, workspace at /app/, back office, API, health."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from civicshield.api import api
from civicshield.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/", include("civicshield.core.account_urls")),
    path("app/", include("civicshield.core.urls")),
    path("app/directory/", include("civicshield.directory.urls")),
    path("app/vocab/", include("civicshield.vocab.urls")),
    path("app/reports/", include("civicshield.reports.urls")),
    path("app/sharing/", include("civicshield.sharing.urls")),
    path("app/correlation/", include("civicshield.correlation.urls")),
    path("app/panel/", include("civicshield.panel.urls")),
    path("app/comms/", include("civicshield.comms.urls")),
    path("app/elections/", include("civicshield.readiness.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("taxii2/", include("civicshield.sharing.taxii.urls")),
    path("misp/", include("civicshield.sharing.misp_urls")),
]
# The public portal only is translated by URL: English at /, French at /fr/, Spanish at /es/.
urlpatterns += i18n_patterns(
    path("", include("civicshield.portal.urls")),
    prefix_default_language=False,
)
