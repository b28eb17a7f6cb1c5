"""The expert panel's pages, under /app/panel/."""

from django.urls import path

from civicshield.panel import views

app_name = "panel"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("settings/", views.panel_settings, name="settings"),
    path("settings/threshold/", views.panel_threshold, name="threshold"),
    path("cases/new/", views.case_new, name="case_new"),
    path("cases/<int:case_id>/", views.case_detail, name="case"),
    path("cases/<int:case_id>/declare/", views.case_declare, name="declare"),
    path("cases/<int:case_id>/assess/", views.case_assess, name="assess"),
    path("cases/<int:case_id>/decide/", views.case_decide, name="decide"),
    path("cases/<int:case_id>/notice/", views.case_notice, name="notice"),
    path("cases/<int:case_id>/briefings/", views.case_briefing, name="briefing"),
    path("cases/<int:case_id>/targets-informed/", views.case_targets, name="targets"),
    path("cases/<int:case_id>/party-briefings/", views.round_new, name="round_new"),
    path("cases/<int:case_id>/fairness/", views.case_fairness, name="fairness"),
    path("party-briefings/<int:round_id>/offer/", views.round_offer, name="round_offer"),
    path("offers/<int:offer_id>/delivered/", views.offer_delivered, name="offer_delivered"),
    path("offers/<int:offer_id>/acknowledged/", views.offer_acknowledged,
         name="offer_acknowledged"),
]
