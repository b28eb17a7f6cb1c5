"""The signed-in workspace at /app/."""

from django.urls import path

from civicshield.core import views

app_name = "workspace"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("account/second-factor/", views.second_factor, name="second_factor"),
    path("account/tokens/", views.tokens, name="tokens"),
    path("account/tokens/<int:token_id>/revoke/", views.revoke_token, name="revoke_token"),
    path("audit/", views.audit_log, name="audit_log"),
]
