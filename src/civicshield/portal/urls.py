from django.urls import path

from civicshield.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("report/", views.report_concern, name="report"),
]
