from django.urls import path

from civicshield.directory import views

app_name = "directory"
urlpatterns = [
    path("organisations/", views.organisation_list, name="organisations"),
    path("contacts/", views.contact_list, name="contacts"),
    path("who-to-contact/", views.who_to_contact, name="who_to_contact"),
]
