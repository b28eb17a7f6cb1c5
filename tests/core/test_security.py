"""Security as a feature: headers, CSRF, lockout, the second factor, tokens, hashing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from civicshield.core.choices import Role
from civicshield.core.models import ApiToken
from civicshield.core.services import issue_token, revoke_token
from civicshield.directory.models import Contact
from tests.factories import PASSWORD, make_organisation, make_user


def test_every_page_carries_a_strict_content_security_policy() -> None:
    response = Client().get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


def test_pages_contain_no_inline_script_or_style(client_for: Any) -> None:
    client = client_for(make_user(Role.ANALYST))
    for path in ("/", "/app/", "/app/account/tokens/", "/accounts/login/"):
        html = client.get(path).content.decode()
        assert "<script>" not in html and " style=" not in html and "<style" not in html, path


def test_signed_in_pages_are_not_cached(client_for: Any) -> None:
    response = client_for(make_user(Role.VIEWER)).get("/app/")
    assert response["Cache-Control"] == "no-store"


def test_passwords_are_stored_with_argon2() -> None:
    from civicshield.core.authz import OPERATOR
    from civicshield.directory.services import create_user

    user = create_user(actor=OPERATOR, username="newcomer", organisation=make_organisation(),
                       role=Role.VIEWER, password="a long enough passphrase").user
    assert user.password.startswith("argon2$")


def test_a_form_posted_without_its_csrf_token_is_refused_and_changes_nothing() -> None:
    user = make_user(Role.ANALYST)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post("/app/account/tokens/", {"label": "sneaky"})
    assert response.status_code == 403
    assert b"security token" in response.content
    assert not ApiToken.objects.filter(label="sneaky").exists()


def test_api_write_with_a_session_but_no_csrf_token_is_refused() -> None:
    organisation = make_organisation(slug="home")
    user = make_user(Role.ANALYST, organisation=organisation)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post("/api/v1/contacts", json.dumps({"organisation": "home", "name": "X"}),
                           content_type="application/json")
    assert response.status_code in (401, 403)
    assert not Contact.objects.filter(name="X").exists()


def test_login_locks_out_after_repeated_failures_even_with_the_right_password() -> None:
    user = make_user(Role.ANALYST)
    client = Client()
    for _ in range(5):
        response = client.post("/accounts/login/", {"username": user.username,
                                                     "password": "wrong password"})
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 429
    assert b"Too many failed sign-in attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_a_few_failures_do_not_lock_out() -> None:
    user = make_user(Role.ANALYST)
    client = Client()
    for _ in range(3):
        client.post("/accounts/login/", {"username": user.username, "password": "wrong"})
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302


def test_coordinator_must_pass_the_second_factor_before_the_workspace() -> None:
    coordinator = make_user(Role.COORDINATOR)
    client = Client()
    client.post("/accounts/login/", {"username": coordinator.username, "password": PASSWORD})
    response = client.get("/app/directory/contacts/")
    assert response.status_code == 302
    assert response["Location"].startswith("/app/account/second-factor/")
    # First visit enrols: the page shows a QR code and the key.
    page = client.get("/app/account/second-factor/")
    assert b"QR code" in page.content
    device = TOTPDevice.objects.get(user=coordinator)
    assert client.post("/app/account/second-factor/", {"code": "000000"}).status_code == 200
    # A wrong code throttles the device for a moment (django-otp); let that moment pass.
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    device.throttle_reset()
    good = f"{totp(device.bin_key):06d}"
    response = client.post("/app/account/second-factor/",
                           {"code": good, "next": "/app/directory/contacts/"})
    assert response["Location"] == "/app/directory/contacts/"
    assert client.get("/app/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed


def test_starting_and_completing_enrolment_are_audited_and_revisits_reuse_the_device(
) -> None:
    from civicshield.core.models import AuditEntry

    coordinator = make_user(Role.COORDINATOR)
    client = Client()
    client.post("/accounts/login/", {"username": coordinator.username, "password": PASSWORD})
    client.get("/app/account/second-factor/")
    client.get("/app/account/second-factor/")
    device = TOTPDevice.objects.get(user=coordinator)  # one device, not one per visit
    assert AuditEntry.objects.filter(action="second_factor.start", actor=coordinator).count() == 1
    client.post("/app/account/second-factor/", {"code": f"{totp(device.bin_key):06d}"})
    assert AuditEntry.objects.filter(action="second_factor.enrol", actor=coordinator).exists()


def test_second_factor_redirect_never_leaves_the_site() -> None:
    coordinator = make_user(Role.COORDINATOR)
    client = Client()
    client.post("/accounts/login/", {"username": coordinator.username, "password": PASSWORD})
    client.get("/app/account/second-factor/")
    device = TOTPDevice.objects.get(user=coordinator)
    response = client.post("/app/account/second-factor/", {
        "code": f"{totp(device.bin_key):06d}", "next": "https://evil.example/"})
    assert response["Location"] == "/app/"


def test_analyst_needs_no_second_factor() -> None:
    analyst = make_user(Role.ANALYST)
    client = Client()
    client.post("/accounts/login/", {"username": analyst.username, "password": PASSWORD})
    assert client.get("/app/").status_code == 200


def test_api_session_of_a_coordinator_without_second_factor_is_refused() -> None:
    coordinator = make_user(Role.COORDINATOR)
    client = Client()
    client.post("/accounts/login/", {"username": coordinator.username, "password": PASSWORD})
    assert client.get("/api/v1/me").status_code == 401


def test_bearer_and_token_schemes_authenticate_and_record_last_use() -> None:
    user = make_user(Role.VIEWER)
    issued = issue_token(user=user, label="script")
    for scheme in ("Bearer", "Token"):
        response = Client(headers={"Authorization": f"{scheme} {issued.secret}"}).get(
            "/api/v1/me")
        assert response.status_code == 200
        assert response.json()["username"] == user.username
    issued.token.refresh_from_db()
    assert issued.token.last_used_at is not None


def test_tokens_are_stored_hashed() -> None:
    issued = issue_token(user=make_user(Role.VIEWER))
    stored = ApiToken.objects.get(pk=issued.token.pk)
    assert issued.secret not in (stored.digest, stored.prefix)
    assert len(stored.digest) == 64


def test_a_revoked_or_unknown_token_is_refused() -> None:
    user = make_user(Role.VIEWER)
    issued = issue_token(user=user)
    revoke_token(token_id=issued.token.pk, actor=user)
    headers = {"Authorization": f"Bearer {issued.secret}"}
    assert Client(headers=headers).get("/api/v1/me").status_code == 401
    bogus = {"Authorization": "Bearer cs_not-a-real-token"}
    assert Client(headers=bogus).get("/api/v1/me").status_code == 401


def test_a_user_cannot_revoke_someone_elses_token() -> None:
    owner_token = issue_token(user=make_user(Role.VIEWER))
    attacker = make_user(Role.ANALYST)
    secret = issue_token(user=attacker).secret
    response = Client(headers={"Authorization": f"Bearer {secret}"}).delete(
        f"/api/v1/tokens/{owner_token.token.pk}")
    assert response.status_code == 404
    owner_token.token.refresh_from_db()
    assert owner_token.token.active


def test_token_page_shows_a_new_token_once_and_revokes_it(client_for: Any) -> None:
    user = make_user(Role.ANALYST)
    client = client_for(user)
    page = client.post("/app/account/tokens/", {"label": "nightly export"}).content.decode()
    token = ApiToken.objects.get(user=user, label="nightly export")
    assert "will not be shown again" in page
    assert token.prefix in page
    later = client.get("/app/account/tokens/").content.decode()
    assert "will not be shown again" not in later
    client.post(f"/app/account/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert not token.active


def test_back_office_is_for_the_admin_role_only(client_for: Any) -> None:
    staff_coordinator = make_user(Role.COORDINATOR, is_staff=True)
    assert client_for(staff_coordinator).get("/admin/").status_code == 302
    assert client_for(make_user(Role.ADMIN)).get("/admin/").status_code == 200


def test_deploy_check_is_clean_with_production_settings(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "CIVICSHIELD_ENV": "production",
        "CIVICSHIELD_SECRET_KEY": "x" * 20 + "-production-secret-key-for-the-check-" + "y" * 20,
        "CIVICSHIELD_ALLOWED_HOSTS": "shield.veridia.example",
        "CIVICSHIELD_DATA_DIR": str(tmp_path),
    }
    env.pop("CIVICSHIELD_DEBUG", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "-m", "civicshield.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
