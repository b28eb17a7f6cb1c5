"""Sharing services and the terms that agreements set for a report."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from civicshield.core.authz import OPERATOR
from civicshield.core.choices import Role
from civicshield.core.markings import TLP
from civicshield.core.models import AuditEntry
from civicshield.directory.choices import Sector
from civicshield.sharing.models import SharingAgreement
from civicshield.sharing.selectors import agreements_covering
from civicshield.sharing.services import (
    create_agreement,
    create_sharing_group,
    set_sharing_group_members,
)
from civicshield.vocab.models import Term
from civicshield.vocab.services import load_builtin_vocabularies
from tests.factories import make_organisation, make_user


@pytest.fixture
def vocabulary() -> None:
    load_builtin_vocabularies(actor=OPERATOR, include_sources=False)


def _type(code: str) -> Term:
    return Term.objects.get(vocabulary__slug="information-types", code=code)


@pytest.mark.usefixtures("vocabulary")
def test_two_covering_agreements_combine_cautiously() -> None:
    chirp = make_organisation(slug="chirp", sector=Sector.TECHNOLOGY_PLATFORM)
    coordinator = make_organisation(slug="eicc", is_coordinator=True)
    commission = make_organisation(slug="cec", sector=Sector.ELECTION_MANAGEMENT_BODY)
    factdesk = make_organisation(slug="factdesk", sector=Sector.FACT_CHECKER_MEDIA)
    network = create_sharing_group(actor=OPERATOR, slug="platform-integrity",
                                   name="Platform integrity network",
                                   organisations=[chirp, factdesk])
    broad = create_agreement(
        actor=OPERATOR, slug="platforms-cib", name="Platforms report coordinated behaviour",
        purpose="Platforms tell the centre and the commission.",
        provider_sectors=[Sector.TECHNOLOGY_PLATFORM],
        information_types=[_type("coordinated_inauthentic_behaviour")],
        recipient_organisations=[coordinator, commission],
        default_tlp=TLP.AMBER, widest_tlp=TLP.GREEN)
    strict = create_agreement(
        actor=OPERATOR, slug="chirp-impersonation", name="Chirp shares impersonation",
        purpose="Chirp tells the integrity network about fake officials.", providers=[chirp],
        information_types=[_type("impersonation")], recipient_groups=[network],
        recipient_organisations=[coordinator],
        default_tlp=TLP.AMBER_STRICT, widest_tlp=TLP.AMBER)

    terms = agreements_covering(chirp, [_type("coordinated_inauthentic_behaviour"),
                                        _type("impersonation")])

    assert {a.slug for a in terms.agreements} == {broad.slug, strict.slug}
    assert terms.default_tlp == TLP.AMBER_STRICT  # the narrower default
    assert terms.widest_tlp == TLP.AMBER  # the narrower ceiling
    assert terms.limiting_agreement() == strict
    # The audience is the union of the recipients, each once.
    assert sorted(o.slug for o in terms.organisations) == ["cec", "eicc"]
    assert [g.slug for g in terms.groups] == ["platform-integrity"]


@pytest.mark.usefixtures("vocabulary")
def test_an_agreement_covers_only_its_providers_and_types() -> None:
    chirp = make_organisation(slug="chirp", sector=Sector.TECHNOLOGY_PLATFORM)
    party = make_organisation(slug="green-path", sector=Sector.POLITICAL_PARTY)
    create_agreement(
        actor=OPERATOR, slug="platforms-cib", name="Platforms report coordinated behaviour",
        purpose="Platforms tell the centre.", provider_sectors=[Sector.TECHNOLOGY_PLATFORM],
        information_types=[_type("coordinated_inauthentic_behaviour")],
        recipient_organisations=[make_organisation(slug="eicc")],
        default_tlp=TLP.AMBER, widest_tlp=TLP.GREEN)
    assert agreements_covering(party, [_type("coordinated_inauthentic_behaviour")]).agreements == []
    assert agreements_covering(chirp, [_type("phishing")]).agreements == []
    assert agreements_covering(chirp, [_type("phishing")]).default_tlp is None


@pytest.mark.usefixtures("vocabulary")
def test_a_default_wider_than_the_widest_is_refused_and_nothing_is_saved() -> None:
    with pytest.raises(ValidationError) as refused:
        create_agreement(
            actor=OPERATOR, slug="too-wide", name="Too wide", purpose="Shares too widely.",
            provider_sectors=[Sector.CIVIL_SOCIETY], default_tlp=TLP.CLEAR,
            widest_tlp=TLP.AMBER)
    assert "default_tlp" in refused.value.message_dict
    assert not SharingAgreement.objects.exists()
    assert not AuditEntry.objects.filter(action="agreement.create").exists()


def test_an_agreement_names_its_recipients() -> None:
    with pytest.raises(ValidationError) as no_one:
        create_agreement(actor=OPERATOR, slug="void", name="Void", purpose="To no one.",
                         provider_sectors=[Sector.CIVIL_SOCIETY], default_tlp=TLP.AMBER,
                         widest_tlp=TLP.AMBER)
    assert "recipient_organisations" in no_one.value.message_dict
    assert not SharingAgreement.objects.exists()


def test_an_agreement_names_its_providers_and_known_sectors() -> None:
    with pytest.raises(ValidationError) as no_one:
        create_agreement(actor=OPERATOR, slug="nobody", name="Nobody", purpose="?",
                         default_tlp=TLP.AMBER, widest_tlp=TLP.AMBER)
    assert "providers" in no_one.value.message_dict
    with pytest.raises(ValidationError) as unknown:
        create_agreement(actor=OPERATOR, slug="aliens", name="Aliens", purpose="?",
                         provider_sectors=["aliens"], default_tlp=TLP.AMBER,
                         widest_tlp=TLP.AMBER)
    assert "provider_sectors" in unknown.value.message_dict
    assert not SharingAgreement.objects.exists()


def test_only_the_coordinator_and_admins_manage_agreements_and_groups() -> None:
    for role in (Role.VIEWER, Role.ANALYST, Role.CONTRIBUTOR, Role.PANEL):
        member = make_user(role)
        with pytest.raises(PermissionDenied):
            create_agreement(actor=member, slug="x", name="X", purpose="X",
                             provider_sectors=[Sector.CIVIL_SOCIETY], default_tlp=TLP.AMBER,
                             widest_tlp=TLP.AMBER)
        with pytest.raises(PermissionDenied):
            create_sharing_group(actor=member, slug="x", name="X", organisations=[])
    coordinator = make_user(Role.COORDINATOR)
    agreement = create_agreement(actor=coordinator, slug="x", name="X", purpose="X",
                                 provider_sectors=[Sector.CIVIL_SOCIETY],
                                 recipient_organisations=[coordinator.organisation],
                                 default_tlp=TLP.AMBER, widest_tlp=TLP.AMBER)
    entry = AuditEntry.objects.get(action="agreement.create")
    assert entry.actor_id == coordinator.pk and entry.object_id == str(agreement.pk)


def test_changing_a_groups_members_is_audited_with_before_and_after() -> None:
    first, second = make_organisation(slug="alpha"), make_organisation(slug="beta")
    group = create_sharing_group(actor=OPERATOR, slug="wg", name="Working group",
                                 organisations=[first])
    coordinator = make_user(Role.COORDINATOR)
    set_sharing_group_members(actor=coordinator, group=group, organisations=[second])
    assert [o.slug for o in group.organisations.all()] == ["beta"]
    entry = AuditEntry.objects.get(action="sharing_group.members")
    assert entry.details == {"from": ["alpha"], "to": ["beta"]}
    with pytest.raises(PermissionDenied):
        set_sharing_group_members(actor=make_user(Role.ANALYST), group=group, organisations=[])
