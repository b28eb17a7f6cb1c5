from django.urls import path

from civicshield.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.report_list, name="list"),
    path("bulk/", views.bulk_action, name="bulk"),
    path("new/", views.report_create, name="new"),
    path("new/observables/", views.extract_observables, name="extract"),
    path("new/agreements/", views.agreement_suggestion, name="agreements"),
    path("<int:report_id>/", views.report_detail, name="detail"),
    path("<int:report_id>/edit/", views.report_edit, name="edit"),
    path("<int:report_id>/status/", views.report_status, name="status"),
    path("<int:report_id>/comments/", views.report_comment, name="comment"),
    path("<int:report_id>/attachments/", views.report_attach, name="attach"),
    path("attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
    path("observables/", views.observable_search, name="observables"),
    path("victims/<int:victim_id>/", views.victim_detail, name="victim"),
]
