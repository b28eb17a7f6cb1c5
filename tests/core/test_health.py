from unittest import mock

from django.db import DatabaseError
from django.test import Client


def test_healthz_answers_200_when_the_database_is_reachable() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_healthz_answers_503_when_the_database_is_unreachable() -> None:
    with mock.patch("civicshield.core.views.connection.cursor", side_effect=DatabaseError("down")):
        response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
