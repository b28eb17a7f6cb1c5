"""The `civicshield` command: what an operator types and what they see."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
import types
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from civicshield import cli
from civicshield.core.models import ApiToken, AuditEntry
from civicshield.directory.models import Organisation, User
from tests import factories

CIVICSHIELD = Path(sys.executable).parent / "civicshield"


def run(*args: str, stdin: Any = None) -> tuple[str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    extra = {"stdin": stdin} if stdin is not None else {}
    call_command(*args, stdout=stdout, stderr=stderr, **extra)
    return stdout.getvalue(), stderr.getvalue()


def run_failing(*args: str, stdin: Any = None) -> str:
    """Run a command that must fail with exit code 2; returns what the user reads."""
    stdout, stderr = io.StringIO(), io.StringIO()
    extra = {"stdin": stdin} if stdin is not None else {}
    with pytest.raises(CommandError) as failure:
        call_command(*args, stdout=stdout, stderr=stderr, **extra)
    assert failure.value.returncode == 2
    return stderr.getvalue() + str(failure.value)


def signs_in(username: str, password: str) -> bool:
    response = Client().post("/accounts/login/", {"username": username, "password": password})
    return response.status_code == 302


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def commission() -> Organisation:
    return factories.make_organisation(slug="veridia-ec", name="Veridia Electoral Commission",
                                       sector="election_management_body")


# --- org ---------------------------------------------------------------------------


def test_org_add_creates_the_organisation_and_audits_it_as_cli(commission: Organisation) -> None:
    out, _ = run("org", "add", "veridia-labour", "--name", "Veridian Labour Party",
                 "--sector", "political_party", "--country", "Veridia", "--region", "North",
                 "--parent", "veridia-ec", "--verified", "--leaning", "centre_left")

    assert "Added organisation veridia-labour (Veridian Labour Party)." in out
    party = Organisation.objects.get(slug="veridia-labour")
    assert (party.sector, party.country, party.region, party.parent, party.verified,
            party.political_leaning) == (
        "political_party", "Veridia", "North", commission, True, "centre_left")
    entry = AuditEntry.objects.get(action="organisation.create")
    assert (entry.surface, entry.actor_label) == ("cli", "operator")


def test_org_add_names_the_field_that_is_wrong(commission: Organisation) -> None:
    assert "slug: An organisation with this slug already exists." in run_failing(
        "org", "add", "veridia-ec", "--name", "Again", "--sector", "civil_society",
        "--country", "Veridia")
    assert "parent: no organisation with the slug 'nowhere'" in run_failing(
        "org", "add", "veridia-watch", "--name", "Veridia Watch", "--sector", "civil_society",
        "--country", "Veridia", "--parent", "nowhere")
    assert "political_leaning: Only parties and candidate campaigns have a leaning." in (
        run_failing("org", "add", "veridia-watch", "--name", "Veridia Watch", "--sector",
                    "civil_society", "--country", "Veridia", "--leaning", "left"))
    assert "country: This field cannot be blank." in run_failing(
        "org", "add", "veridia-watch", "--name", "Veridia Watch", "--sector", "civil_society")
    assert not Organisation.objects.filter(slug="veridia-watch").exists()


def test_org_list_shows_each_organisation(commission: Organisation) -> None:
    out, _ = run("org", "list")

    assert "veridia-ec  Veridia Electoral Commission" in out


# --- user --------------------------------------------------------------------------


def test_user_add_reads_the_password_from_stdin(commission: Organisation) -> None:
    out, _ = run("user", "add", "ana.lind", "--org", "veridia-ec", "--role", "analyst",
                 stdin=io.StringIO("plover-turnip-quartz-42\n"))

    assert "Added user ana.lind (analyst) to veridia-ec." in out
    assert "plover" not in out
    assert signs_in("ana.lind", "plover-turnip-quartz-42")
    user = User.objects.get(username="ana.lind")
    assert (user.role, user.organisation) == ("analyst", commission)
    assert AuditEntry.objects.get(action="user.create").surface == "cli"


def test_user_add_on_a_terminal_generates_a_password_and_prints_it_once(
    commission: Organisation,
) -> None:
    out, _ = run("user", "add", "ben.chief", "--org", "veridia-ec", "--role", "coordinator",
                 stdin=Terminal())

    lines = out.splitlines()
    assert lines[-2] == "Password (shown only once; store it now):"
    assert signs_in("ben.chief", lines[-1])
    assert "second factor" in out


def test_user_add_explains_a_bad_role_org_or_password(commission: Organisation) -> None:
    assert "role: unknown role 'boss'; choose one of admin, coordinator, analyst" in run_failing(
        "user", "add", "cy", "--org", "veridia-ec", "--role", "boss", stdin=Terminal())
    assert "org: no organisation with the slug 'nowhere'" in run_failing(
        "user", "add", "cy", "--org", "nowhere", "--role", "viewer", stdin=Terminal())
    assert "password: This password is too short." in run_failing(
        "user", "add", "cy", "--org", "veridia-ec", "--role", "viewer",
        stdin=io.StringIO("short\n"))
    factories.make_user(username="taken", organisation=commission)
    assert "username: This username is taken." in run_failing(
        "user", "add", "taken", "--org", "veridia-ec", "--role", "viewer", stdin=Terminal())
    assert not User.objects.filter(username="cy").exists()


# --- token -------------------------------------------------------------------------


def test_token_issue_prints_the_token_alone_on_the_last_line_and_it_authenticates() -> None:
    user = factories.make_user(username="ana.lind", role="analyst")

    out, _ = run("token", "issue", "ana.lind", "--label", "laptop")

    secret = out.splitlines()[-1]
    assert secret.startswith("cs_") and " " not in secret
    response = Client(headers={"Authorization": f"Bearer {secret}"}).get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["username"] == "ana.lind"
    token = ApiToken.objects.get(user=user)
    assert token.label == "laptop"
    stored = [str(value) for value in ApiToken.objects.values().get().values()]
    assert secret not in stored
    assert all(secret not in entry.details.values() for entry in AuditEntry.objects.all())
    entry = AuditEntry.objects.get(action="token.issue")
    assert (entry.surface, entry.actor_label) == ("cli", "operator")


def test_a_revoked_token_gets_401() -> None:
    factories.make_user(username="ana.lind")
    secret = run("token", "issue", "ana.lind")[0].splitlines()[-1]
    token = ApiToken.objects.get()

    out, _ = run("token", "revoke", str(token.pk))

    assert f"Revoked token {token.pk}" in out
    response = Client(headers={"Authorization": f"Bearer {secret}"}).get("/api/v1/me")
    assert response.status_code == 401
    assert AuditEntry.objects.get(action="token.revoke").surface == "cli"
    assert "already revoked" in run("token", "revoke", str(token.pk))[0]


def test_token_list_shows_prefixes_never_secrets() -> None:
    factories.make_user(username="ana.lind")
    secret = run("token", "issue", "ana.lind", "--label", "laptop")[0].splitlines()[-1]

    out, _ = run("token", "list", "ana.lind")

    assert secret[:10] in out and "laptop" in out and "active" in out
    assert secret not in out


def test_token_commands_explain_unknown_users_and_ids() -> None:
    assert "user: no user named 'nobody'." in run_failing("token", "issue", "nobody")
    assert "token: no token with the id 404." in run_failing("token", "revoke", "404")


# --- the entry point ---------------------------------------------------------------


def test_the_entry_point_maps_dashed_names_and_exits_2_on_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "contacts.csv"
    bad.write_text("organisation,name\nveridia-ec,Ana\n", encoding="utf-8")

    with pytest.raises(SystemExit) as exit_:
        cli.main(["import-contacts", str(bad)])

    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "line 1: header: missing columns: role_title" in err


def test_djangos_own_commands_stay_reachable(capsys: pytest.CaptureFixture[str]) -> None:
    cli.main(["check"])

    assert "no issues" in capsys.readouterr().out


# --- demo and up -------------------------------------------------------------------


def fake_demo_loader(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Stand in for the demo loader with its interface (civicshield.demo), counting loads."""
    from civicshield import demo

    state = {"loads": 0}

    def load_demo(*, progress: Any = None) -> Any:
        if state["loads"] == 0:
            for done in range(1, 4):
                if progress:
                    progress("Veridia", done, 3)
            state["loads"] += 1
        return types.SimpleNamespace(loaded=True)

    monkeypatch.setattr(demo, "load_demo", load_demo, raising=False)
    monkeypatch.setattr(demo, "demo_is_loaded", lambda: state["loads"] > 0, raising=False)
    monkeypatch.setattr(demo, "DEMO_LOGINS", [("demo.analyst", "demo-pass-123456", "analyst")],
                        raising=False)
    return state


def test_demo_command_loads_once_and_prints_the_logins(monkeypatch: pytest.MonkeyPatch) -> None:
    state = fake_demo_loader(monkeypatch)

    first, _ = run("demo")
    second, _ = run("demo")

    assert state["loads"] == 1
    assert "Demo loaded" in first
    assert "already loaded" in second
    assert "demo.analyst  demo-pass-123456  (analyst)" in second


def test_demo_is_never_loaded_in_production(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    state = fake_demo_loader(monkeypatch)
    settings.PRODUCTION = True

    assert "never loaded in production" in run_failing("demo")
    assert state["loads"] == 0


def test_demo_with_the_real_loader_is_idempotent() -> None:
    from civicshield.demo import DEMO_LOGINS, demo_is_loaded

    run("demo")
    count = AuditEntry.objects.count()
    out, _ = run("demo")

    assert demo_is_loaded()
    assert AuditEntry.objects.count() == count
    assert "already loaded" in out
    for username, password, _role in DEMO_LOGINS:
        assert username in out and password in out


class FakeServer:
    effective_host = "127.0.0.1"
    effective_port = 8123
    ran = False

    def run(self) -> None:
        FakeServer.ran = True

    def close(self) -> None:
        pass


def test_up_migrates_loads_the_demo_and_prints_the_address_and_logins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    state = fake_demo_loader(monkeypatch)
    given: dict[str, Any] = {}

    def create_server(application: Any, **options: Any) -> FakeServer:
        given.update(options)
        return FakeServer()

    monkeypatch.setattr("waitress.create_server", create_server)

    out, _ = run("up", "--port", "8123", "--no-worker")

    assert FakeServer.ran and state["loads"] == 1
    assert (given["host"], given["port"], given["threads"]) == ("127.0.0.1", 8123, 8)
    assert "Civic Shield is running at http://127.0.0.1:8123/" in out
    assert "demo.analyst  demo-pass-123456  (analyst)" in out


def test_up_no_demo_leaves_the_demo_out(monkeypatch: pytest.MonkeyPatch) -> None:
    state = fake_demo_loader(monkeypatch)
    monkeypatch.setattr("waitress.create_server", lambda application, **options: FakeServer())

    out, _ = run("up", "--no-demo", "--no-worker")

    assert state["loads"] == 0
    assert "demo.analyst" not in out


def clean_environment(data_dir: Path, **variables: str) -> dict[str, str]:
    environment = {name: value for name, value in os.environ.items()
                   if not name.startswith("CIVICSHIELD_") and name != "DATABASE_URL"}
    environment.update(CIVICSHIELD_DATA_DIR=str(data_dir), **variables)
    return environment


SAFE_PRODUCTION = {
    "CIVICSHIELD_ENV": "production",
    "CIVICSHIELD_SECRET_KEY": "a-long-random-value-for-tests-only-0123456789",
    "CIVICSHIELD_ALLOWED_HOSTS": "civicshield.veridia.example",
}


@pytest.mark.parametrize(("unsafe", "message"), [
    ({"CIVICSHIELD_DEBUG": "1"}, "DEBUG is on"),
    ({"CIVICSHIELD_SECRET_KEY": ""}, "CIVICSHIELD_SECRET_KEY is missing"),
    ({"CIVICSHIELD_ALLOWED_HOSTS": ""}, "CIVICSHIELD_ALLOWED_HOSTS is empty"),
], ids=["debug", "no-secret-key", "no-allowed-hosts"])
def test_up_refuses_to_start_in_production_with_unsafe_settings(
    tmp_path: Path, unsafe: dict[str, str], message: str
) -> None:
    environment = clean_environment(tmp_path, **{**SAFE_PRODUCTION, **unsafe})

    finished = subprocess.run(
        [str(CIVICSHIELD), "up", "--port", "1"], env=environment, cwd=tmp_path,
        capture_output=True, text=True, timeout=60, check=False,
    )

    assert finished.returncode == 2, finished.stderr
    assert "Refusing to start in production" in finished.stderr
    assert message in finished.stderr
    assert not (tmp_path / "civicshield.sqlite3").exists()  # refused before migrating


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        error.close()
        return error.code
    except OSError:
        return 0


def test_up_serves_the_site_and_its_static_files(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "up.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [str(CIVICSHIELD), "up", "--no-demo", "--port", str(port)],
            env=clean_environment(tmp_path / "data"), cwd=tmp_path,
            stdout=output, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while get(f"http://127.0.0.1:{port}/healthz") != 200:
            assert server.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.3)
        assert get(f"http://127.0.0.1:{port}/static/core/civicshield.css") == 200
        assert f"Civic Shield is running at http://127.0.0.1:{port}/" in log.read_text()
        # A task worker runs beside the web server, so background work needs nothing else.
        while "Starting worker" not in log.read_text():
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.3)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    assert "Stopped." in log.read_text()
