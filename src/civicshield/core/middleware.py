"""Request-wide concerns: the audit surface, the second factor, security headers."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from civicshield.core import audit, authz
from civicshield.core.choices import Surface

Handler = Callable[[HttpRequest], HttpResponse]


class SurfaceMiddleware:
    """Tag audit entries written during the request with the surface it came through."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        value = Surface.API if request.path.startswith("/api/") else Surface.UI
        with audit.surface(value):
            return self.get_response(request)


# Pages a privileged user may reach before passing the second factor.
_SECOND_FACTOR_OPEN_PATHS = ("/app/account/second-factor/", "/accounts/logout/", "/static/")


class SecondFactorMiddleware:
    """Send admin, coordinator and panel accounts through TOTP before the workspace.

    The API applies the same rule in its session authentication; token holders are
    exempt because a token is issued by an operator and can be revoked.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and authz.needs_second_factor(user)
            # django-otp's OTPMiddleware adds is_verified() to the user of each request.
            and not user.is_verified()  # type: ignore[attr-defined]
            and request.path.startswith(("/app/", "/admin/"))
            and not request.path.startswith(_SECOND_FACTOR_OPEN_PATHS)
        ):
            return redirect(f"/app/account/second-factor/?next={request.path}")
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """Headers Django does not set itself."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"
        )
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if request.user.is_authenticated if hasattr(request, "user") else False:
            # Signed-in pages carry shared data: never keep them in a shared cache or history.
            response["Cache-Control"] = "no-store"
        return response
