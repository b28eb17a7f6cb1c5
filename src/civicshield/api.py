"""The REST API at /api/v1/: one NinjaAPI, authentication, and the error contract.

Errors always carry a JSON body: {"detail": "...", "errors": {"field": ["message"]}}.
Domain exceptions are translated here once, so handlers stay thin.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as SchemaValidationError
from ninja.security import APIKeyCookie, HttpBearer

from civicshield.core import authz
from civicshield.core.errors import Conflict, NotFound
from civicshield.core.services import user_for_token


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>` (or `Token <token>`, as TAXII clients send it)."""

    openapi_scheme = "bearer"

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get("Authorization", "")
        scheme, _, secret = header.partition(" ")
        if scheme.lower() not in {"bearer", "token"} or not secret.strip():
            return None
        return self.authenticate(request, secret.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


class SessionWithSecondFactor(APIKeyCookie):
    """The browser session, with CSRF on unsafe methods and the second factor where required."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if authz.needs_second_factor(user) and not user.is_verified():
            return None
        return user


api = NinjaAPI(
    title="Civic Shield API",
    version="1",
    description="Share, assess and warn about election interference. "
    "Authenticate with `Authorization: Bearer <token>` (see `civicshield token issue`) "
    "or a signed-in browser session.",
    auth=[BearerToken(), SessionWithSecondFactor()],
    urls_namespace="api",
)


def _errors_body(detail: str, errors: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"detail": detail, "errors": errors or {}}


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    first = next(iter(errors.items()))
    return api.create_response(
        request, _errors_body(f"{first[0]}: {first[1][0]}", errors), status=422
    )


@api.exception_handler(SchemaValidationError)
def _schema_error(request: HttpRequest, exc: SchemaValidationError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", []) if part not in ("body", "payload")]
        errors.setdefault(".".join(location) or "__all__", []).append(error.get("msg", "invalid"))
    first = next(iter(errors.items()), ("__all__", ["invalid input"]))
    return api.create_response(
        request, _errors_body(f"{first[0]}: {first[1][0]}", errors), status=422
    )


@api.exception_handler(Conflict)
def _conflict(request: HttpRequest, exc: Conflict) -> HttpResponse:
    return api.create_response(
        request, _errors_body(exc.message, {exc.field: [exc.message]}), status=409
    )


@api.exception_handler(NotFound)
def _not_found(request: HttpRequest, exc: NotFound) -> HttpResponse:
    return api.create_response(request, _errors_body(str(exc)), status=404)


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(
        request, _errors_body(str(exc) or "permission denied"), status=403
    )


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = api.create_response(
        request, _errors_body("authentication required: send a Bearer token"), status=401
    )
    response["WWW-Authenticate"] = 'Bearer realm="civicshield"'
    return response


def _register_routers() -> None:
    from civicshield.comms.api import router as comms_router
    from civicshield.core.api import router as core_router
    from civicshield.correlation.api import router as correlation_router
    from civicshield.directory.api import router as directory_router
    from civicshield.panel.api import router as panel_router
    from civicshield.readiness.api import router as readiness_router
    from civicshield.reports.api import router as reports_router
    from civicshield.sharing.api import router as sharing_router
    from civicshield.vocab.api import router as vocab_router

    api.add_router("/", core_router)
    api.add_router("/", directory_router)
    api.add_router("/", vocab_router)
    api.add_router("/", readiness_router)
    api.add_router("/", sharing_router)
    api.add_router("/", reports_router)
    api.add_router("/", correlation_router)
    api.add_router("/", panel_router)
    api.add_router("/", comms_router)
    api.add_router("/", "civicshield.sharing.api_stix.router")
    api.add_router("/", "civicshield.sharing.misp.api.router")


_register_routers()
