"""STIX import at its edges: markings written in older or looser forms, the command line's
answer to odd bundles and its progress bar."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from civicshield.core import access
from civicshield.core.choices import Role
from civicshield.sharing.models import StixObject
from civicshield.sharing.stix.import_ import import_stix
from civicshield.sharing.stix.services import export_bundle
from tests.factories import make_organisation, make_user
from tests.sharing.test_stix import assert_valid_without_warnings

TLP_2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP_1_GREEN = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"


def _bundle(*objects: dict[str, Any]) -> dict[str, Any]:
    return {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": list(objects)}


def _campaign(name: str, markings: list[str]) -> dict[str, Any]:
    return {"type": "campaign", "spec_version": "2.1", "id": f"campaign--{uuid.uuid4()}",
            "created": "2024-03-01T10:00:00.000Z", "modified": "2024-03-01T10:00:00.000Z",
            "name": name, "object_marking_refs": markings}


@pytest.mark.parametrize("written", ["RED", "Red"])
def test_a_tlp_2_marking_definition_whose_name_is_not_in_lower_case_still_marks_red(
        written: str) -> None:
    organisation = make_organisation()
    importer = make_user(Role.ANALYST, organisation=organisation)
    colleague = make_user(Role.ANALYST, organisation=organisation)
    marking_id = f"marking-definition--{uuid.uuid4()}"
    marking = {"type": "marking-definition", "spec_version": "2.1", "id": marking_id,
               "created": "2024-01-01T00:00:00.000Z", "name": "TLP:RED",
               "extensions": {TLP_2_EXTENSION: {"extension_type": "property-extension",
                                                "tlp_2_0": written}}}
    campaign = _campaign("Names a source", [marking_id])

    import_stix(actor=importer, document=_bundle(marking, campaign), source="api")

    held = StixObject.objects.get(stix_id=campaign["id"])
    assert held.tlp == "red"
    assert not access.visible_to(colleague, StixObject.objects.filter(pk=held.pk)).exists()


def test_an_object_received_with_a_tlp_1_marking_is_exported_with_its_definition() -> None:
    importer = make_user(Role.ANALYST, organisation=make_organisation())
    definition = {"type": "marking-definition", "spec_version": "2.1", "id": TLP_1_GREEN,
                  "created": "2017-01-20T00:00:00.000Z", "definition_type": "tlp",
                  "name": "TLP:GREEN", "definition": {"tlp": "green"}}
    campaign = _campaign("Leaflets", [TLP_1_GREEN])
    import_stix(actor=importer, document=_bundle(definition, campaign), source="api")

    document = export_bundle(actor=importer)

    assert campaign["id"] in {body["id"] for body in document["objects"]}
    [exported] = [body for body in document["objects"] if body["id"] == TLP_1_GREEN]
    assert exported == definition
    named = {ref for body in document["objects"] for ref in body.get("object_marking_refs", ())}
    assert named <= {body["id"] for body in document["objects"]
                     if body["type"] == "marking-definition"}
    assert_valid_without_warnings(document)


@pytest.mark.parametrize("objects", [None, 5, {"a": 1}])
def test_the_command_line_names_objects_that_are_not_a_list_and_exits_2(
        tmp_path: Path, objects: Any) -> None:
    make_organisation(is_coordinator=True)
    source = tmp_path / "odd.json"
    source.write_text(json.dumps({"type": "bundle", "id": f"bundle--{uuid.uuid4()}",
                                  "objects": objects}))
    errors = io.StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("import", str(source), stderr=errors)

    assert raised.value.returncode == 2
    assert "objects is not a list" in errors.getvalue()
    assert not StixObject.objects.exists()


def test_the_command_lines_progress_bar_counts_the_steps_done_never_ahead_of_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from civicshield.sharing.management.commands import import_stix as command

    shown: list[tuple[str | None, int | None]] = []
    totals: list[int | None] = []

    @contextmanager
    def recording_bar(_description: str, *, total: int | None = None) -> Iterator[Any]:
        totals.append(total)

        def advance(step: str | None = None, completed: int | None = None,
                    total: int | None = None) -> None:
            shown.append((step, completed))

        yield advance

    monkeypatch.setattr(command, "progress_bar", recording_bar)
    make_organisation(is_coordinator=True)
    source = tmp_path / "campaigns.json"
    source.write_text(json.dumps(_bundle(*(_campaign(f"Wave {n}", []) for n in range(3)))))

    call_command("import", str(source), stdout=io.StringIO(), stderr=io.StringIO())

    assert totals == [5]
    assert shown == [(f"Importing STIX: {step}", number) for number, step in enumerate(
        ("validated", "versions", "objects", "reports", "published"), start=1)]
