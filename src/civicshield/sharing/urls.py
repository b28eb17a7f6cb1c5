from django.urls import path

from civicshield.sharing import views

app_name = "sharing"
urlpatterns = [
    path("", views.agreement_list, name="agreements"),
    path("agreements/new/", views.agreement_create, name="new_agreement"),
    path("agreements/<slug:slug>/", views.agreement_detail, name="agreement"),
    path("matrix/", views.matrix, name="matrix"),
    path("groups/", views.group_list, name="groups"),
    path("groups/new/", views.group_create, name="new_group"),
    path("groups/<slug:slug>/members/", views.group_members, name="group_members"),
]
