from django.urls import path

from civicshield.correlation import views

app_name = "correlation"
urlpatterns = [
    path("campaigns/", views.campaign_list, name="campaigns"),
    path("campaigns/<int:campaign_id>/", views.campaign_detail, name="campaign"),
    path("campaigns/<int:campaign_id>/graph.json", views.campaign_graph, name="graph"),
    path("campaigns/<int:campaign_id>/actions/", views.campaign_action, name="action"),
    path("reports/<int:report_id>/related/", views.report_related, name="related"),
    path("alerts/", views.alert_inbox, name="alerts"),
    path("alerts/read/", views.alerts_read, name="alerts_read"),
]
