"""TAXII 2.1 under /taxii2/ (docs/taxii.md): discovery, one API root at /taxii2/api/."""

from django.urls import path, re_path

from civicshield.sharing.taxii import views

app_name = "taxii"
urlpatterns = [
    path("", views.discovery, name="discovery"),
    path("api/", views.api_root, name="api_root"),
    path("api/collections/", views.collections, name="collections"),
    path("api/collections/<str:collection_id>/", views.collection, name="collection"),
    path("api/collections/<str:collection_id>/objects/", views.objects, name="objects"),
    path("api/collections/<str:collection_id>/objects/<str:object_id>/", views.object_detail,
         name="object"),
    path("api/collections/<str:collection_id>/objects/<str:object_id>/versions/",
         views.versions, name="versions"),
    path("api/collections/<str:collection_id>/manifest/", views.manifest, name="manifest"),
    # A str, not a uuid converter: a malformed id is "No such status", in TAXII.
    path("api/status/<str:status_id>/", views.status, name="status"),
    # Last: every other address under /taxii2/ answers the TAXII 404 error resource.
    re_path(r"^(?P<path>.*)$", views.not_found, name="not_found"),
]
