"""Coordinator pages for public notices and public articles, under /app/comms/."""

from django.urls import include, path

from civicshield.comms import views

app_name = "comms"
urlpatterns = [
    path("notifications/", include("civicshield.comms.notifications.urls")),  # before <slug>
    path("", views.notice_list, name="notices"),
    path("new/", views.notice_new, name="notice_new"),
    path("check/", views.check, name="check"),
    path("articles/", views.article_list, name="articles"),
    path("articles/new/", views.article_edit, name="article_new"),
    path("articles/<int:article_id>/", views.article_edit, name="article_edit"),
    path("<slug:slug>/", views.notice_detail, name="notice"),
    path("<slug:slug>/edit/", views.notice_edit, name="notice_edit"),
    path("<slug:slug>/approve/", views.notice_approve, name="notice_approve"),
    path("<slug:slug>/publish/", views.notice_publish, name="notice_publish"),
    path("<slug:slug>/correct/", views.notice_correct, name="notice_correct"),
    path("<slug:slug>/retract/", views.notice_retract, name="notice_retract"),
]
