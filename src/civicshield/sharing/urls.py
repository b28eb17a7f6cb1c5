from django.urls import path

from civicshield.sharing import views
from civicshield.sharing.federation import views as federation_views
from civicshield.sharing.stix import views as stix_views

app_name = "sharing"
urlpatterns = [
    path("", views.agreement_list, name="agreements"),
    path("agreements/new/", views.agreement_create, name="new_agreement"),
    path("agreements/<slug:slug>/", views.agreement_detail, name="agreement"),
    path("matrix/", views.matrix, name="matrix"),
    path("stix/", stix_views.stix_export, name="stix_export"),
    path("stix/indicator/<int:report_id>/<int:observable_id>/", stix_views.mark_indicator,
         name="mark_indicator"),
    path("groups/", views.group_list, name="groups"),
    path("groups/new/", views.group_create, name="new_group"),
    path("groups/<slug:slug>/members/", views.group_members, name="group_members"),
    path("peers/", federation_views.peer_list, name="peers"),
    path("peers/new/", federation_views.peer_create, name="new_peer"),
    path("peers/<int:peer_id>/", federation_views.peer_detail, name="peer"),
    path("peers/<int:peer_id>/edit/", federation_views.peer_edit, name="edit_peer"),
    path("peers/<int:peer_id>/sync/", federation_views.peer_sync, name="sync_peer"),
    path("peers/<int:peer_id>/clear-credentials/", federation_views.peer_clear_credentials,
         name="clear_peer_credentials"),
    path("peers/<int:peer_id>/retire/", federation_views.peer_retire, name="retire_peer"),
]
