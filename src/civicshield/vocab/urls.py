from django.urls import path

from civicshield.vocab import views

app_name = "vocab"
urlpatterns = [
    path("", views.vocabulary_list, name="vocabularies"),
    path("glossary/", views.glossary, name="glossary"),
    path("<slug:slug>/", views.vocabulary_detail, name="vocabulary"),
    path("<slug:slug>/changes/", views.change_log, name="changes"),
    # Codes carry ':', '+', '"' and '.' (MISP machine tags, sub-techniques).
    path("<slug:slug>/terms/<path:code>", views.term_detail, name="term"),
]
