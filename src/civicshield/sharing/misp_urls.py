"""The MISP feed, mounted at /misp/ (see sharing/misp/views.py and docs/misp.md)."""

from django.urls import path

from civicshield.sharing.misp import views

app_name = "misp"
urlpatterns = [
    path("feed/manifest.json", views.manifest, name="manifest"),
    path("feed/hashes.csv", views.hashes, name="hashes"),
    path("feed/<uuid:event_uuid>.json", views.event, name="event"),
]
