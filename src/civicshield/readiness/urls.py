from django.urls import path

from civicshield.readiness import views

app_name = "readiness"
urlpatterns = [
    path("", views.election_list, name="elections"),
    path("<int:election_id>/", views.election_calendar, name="election"),
]
