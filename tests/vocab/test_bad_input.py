"""Bad input gets a clear error naming the file and the entry, and the database is unchanged."""

from __future__ import annotations

import io
import json
from pathlib import Path
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from civicshield.core.models import AuditEntry
from civicshield.vocab.models import Release, Term, Vocabulary
from tests.vocab.helpers import import_path, load_builtin

TAXONOMY = {
    "namespace": "veridia-test", "description": "A test taxonomy.", "version": 1,
    "predicates": [{"value": "alpha", "expanded": "Alpha"}, {"value": "beta", "expanded": "Beta"}],
}


def _state() -> tuple[int, int, int, int]:
    return (Vocabulary.objects.count(), Term.objects.count(), Release.objects.count(),
            AuditEntry.objects.count())


@pytest.fixture
def loaded() -> tuple[int, int, int, int]:
    load_builtin()
    return _state()


def _write(tmp_path: Path, name: str, content: object) -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def test_malformed_json_is_refused_naming_the_file(tmp_path: Path, loaded: tuple) -> None:
    path = _write(tmp_path, "broken.json", '{"namespace": "x", ')
    with pytest.raises(ValidationError, match=r"broken\.json: not valid JSON"):
        import_path(path)
    assert _state() == loaded


def test_unknown_file_is_refused(tmp_path: Path, loaded: tuple) -> None:
    path = _write(tmp_path, "mystery.json", {"hello": "world"})
    with pytest.raises(ValidationError, match=r"mystery\.json: not a vocabulary file"):
        import_path(path)
    assert _state() == loaded


def test_a_file_of_the_wrong_kind_is_refused(tmp_path: Path, loaded: tuple) -> None:
    path = _write(tmp_path, "veridia-test.json", TAXONOMY)
    with pytest.raises(ValidationError, match=r"veridia-test\.json: is a misp-taxonomy file, "
                                              r"not a disarm file"):
        import_path(path, kind="disarm")
    assert _state() == loaded


def test_an_empty_stix_bundle_is_not_an_attack_vocabulary(tmp_path: Path, loaded: tuple) -> None:
    path = _write(tmp_path, "bundle.json", {"type": "bundle", "id": "bundle--1", "objects": []})
    with pytest.raises(ValidationError, match=r"bundle\.json: holds no attack-pattern"):
        import_path(path)
    assert _state() == loaded


def test_duplicate_ids_are_refused_naming_the_entry(tmp_path: Path, loaded: tuple) -> None:
    duplicated = {**TAXONOMY, "predicates": [*TAXONOMY["predicates"], {"value": "alpha"}]}
    path = _write(tmp_path, "dupes.json", duplicated)
    with pytest.raises(ValidationError, match=r"dupes\.json, entry veridia-test:alpha: "
                                              r"this id appears more than once"):
        import_path(path)
    assert _state() == loaded


def test_a_failure_while_writing_rolls_everything_back(tmp_path: Path, loaded: tuple) -> None:
    path = _write(tmp_path, "veridia-test.json", TAXONOMY)
    with mock.patch("civicshield.vocab.services.ChangeLogEntry.objects.bulk_create",
                    side_effect=RuntimeError("disk full")), pytest.raises(RuntimeError):
        import_path(path)
    assert _state() == loaded


def test_the_import_command_reports_bad_input_with_exit_code_2(tmp_path: Path) -> None:
    path = _write(tmp_path, "broken.json", "{")
    with pytest.raises(CommandError) as caught:
        call_command("import_vocab", str(path))
    assert caught.value.returncode == 2
    assert "broken.json" in str(caught.value)


def test_the_import_command_imports_and_is_idempotent(tmp_path: Path, capsys: object) -> None:
    path = _write(tmp_path, "veridia-test.json", TAXONOMY)
    call_command("import_vocab", str(path))
    assert Term.objects.filter(vocabulary__slug="misp-veridia-test").count() == 2
    before = _state()
    call_command("import_vocab", str(path))
    assert _state() == before


def test_an_upgrade_of_a_taxonomy_deprecates_what_it_drops(tmp_path: Path) -> None:
    import_path(_write(tmp_path, "t1.json", TAXONOMY))
    smaller = {**TAXONOMY, "version": 2, "predicates": [{"value": "alpha", "expanded": "Alpha!"}]}

    result = import_path(_write(tmp_path, "t2.json", smaller))

    assert result.changed == ["veridia-test:alpha"]
    assert result.deprecated == ["veridia-test:beta"]
    beta = Term.objects.get(code="veridia-test:beta")
    assert beta.deprecated and beta.release.label == "2"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_import_progress_redraws_in_place(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "xterm-256color")  # what rich reads to decide how to draw
    for name in ("TTY_COMPATIBLE", "TTY_INTERACTIVE", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    terminal = _Terminal()

    call_command("import_vocab", str(_write(tmp_path, "veridia-test.json", TAXONOMY)),
                 stdout=terminal)

    output = terminal.getvalue()
    assert "\r\x1b[2K" in output  # the progress bar was drawn, then redrawn over itself
    assert "\n\r" not in output  # never a new line per redraw
    assert "misp-veridia-test release 1: 2 added" in output
