"""The public site's URLs (stable, issue 7). Mounted under i18n_patterns: English at /,
French at /fr/, Spanish at /es/."""

from django.urls import path

from civicshield.comms.feeds import NoticeFeed
from civicshield.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("notices/", views.notice_list, name="notices"),
    path("notices/<slug:slug>/", views.notice_detail, name="notice"),
    path("notices/<slug:slug>/v<int:number>/", views.notice_detail, name="notice_version"),
    path("notices/<slug:slug>/stix.json", views.notice_stix, name="notice_stix"),
    path("feed.atom", NoticeFeed(), name="feed"),
    path("methods/", views.methods, name="methods"),
    path("toolkit/", views.toolkit, name="toolkit"),
    path("report/", views.report_concern, name="report"),
    path("statistics/", views.statistics, name="statistics"),
]
