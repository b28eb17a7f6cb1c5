"""Glossary and vocabulary pages, and the accessible term tag."""

from __future__ import annotations

from typing import Any

from django.template import Context, Template
from django.test import Client, RequestFactory

from civicshield.core.choices import Role
from tests import factories
from tests.vocab.helpers import load_builtin


def test_the_glossary_asks_anonymous_visitors_to_sign_in() -> None:
    response = Client().get("/app/vocab/glossary/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_glossary_is_searchable_and_shows_plain_definitions_on_focus(client_for: Any) -> None:
    load_builtin()
    client = client_for(factories.make_user(role=Role.VIEWER))

    page = client.get("/app/vocab/glossary/?q=registration").content.decode()

    assert "Voter registration" in page
    assert 'aria-describedby="term-tip-' in page and 'role="tooltip"' in page
    assert "Phishing" not in page
    assert " style=" not in page and "<script>" not in page


def test_vocabulary_page_and_change_log(client_for: Any) -> None:
    load_builtin()
    client = client_for(factories.make_user(role=Role.VIEWER))
    assert "TLP:AMBER+STRICT" in client.get("/app/vocab/tlp/").content.decode()
    log = client.get("/app/vocab/tlp/changes/").content.decode()
    assert "Release 2025.1" in log and "5 added" in log
    assert client.get("/app/vocab/tlp/terms/amber+strict").status_code == 200
    assert client.get("/app/vocab/nope/").status_code == 404


def test_the_term_tag_renders_a_button_tied_to_its_tooltip() -> None:
    load_builtin()
    request = RequestFactory().get("/")
    request.user = factories.make_user(role=Role.VIEWER)
    html = Template('{% load vocab_terms %}{% term "phases" "campaign" %}').render(
        Context({"request": request}))
    assert '<button type="button" class="term-trigger" aria-describedby="term-tip-1"' in html
    assert 'id="term-tip-1"' in html and "ask for votes" in html


def test_the_term_tag_falls_back_to_the_code_for_unknown_terms() -> None:
    request = RequestFactory().get("/")
    request.user = factories.make_user(role=Role.VIEWER)
    html = Template('{% load vocab_terms %}{% term "phases" "nonsense" %}').render(
        Context({"request": request}))
    assert html == "nonsense"
