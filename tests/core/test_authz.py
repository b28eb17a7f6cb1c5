"""The permission table and organisation scopes, checked over many combinations."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from civicshield.core import authz
from civicshield.core.choices import Role
from tests.factories import make_contact, make_organisation, make_user


def test_anonymous_and_inactive_users_may_do_nothing() -> None:
    from django.contrib.auth.models import AnonymousUser

    assert not authz.can(AnonymousUser(), "directory:view")
    assert not authz.can(make_user(Role.ADMIN, is_active=False), "directory:view")


def test_unknown_actions_are_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown action"):
        authz.can(make_user(Role.ADMIN), "directory:explode")


@pytest.mark.parametrize("role", list(Role))
def test_every_role_reads_the_directory(role: Any) -> None:
    assert authz.can(make_user(role), "directory:view")


class TestContactScope(TestCase):
    """An analyst changes contacts of their organisation and its descendants, nothing else."""

    @settings(max_examples=40, deadline=None)
    @given(
        depth_of_user=st.integers(min_value=0, max_value=3),
        depth_of_contact=st.integers(min_value=0, max_value=3),
        other_branch=st.booleans(),
        role=st.sampled_from(list(Role)),
    )
    def test_scope_follows_the_organisation_tree(
        self, depth_of_user: int, depth_of_contact: int, other_branch: bool, role: Role,
    ) -> None:
        root = make_organisation()
        chain = [root]
        for _ in range(3):
            chain.append(make_organisation(parent=chain[-1]))
        sibling = make_organisation(parent=root)
        contact_home = sibling if other_branch else chain[depth_of_contact]
        contact = make_contact(organisation=contact_home)
        user = make_user(role, organisation=chain[depth_of_user])

        allowed = authz.can(user, "contact:change", contact)

        inside = not other_branch and depth_of_contact >= depth_of_user
        if other_branch and depth_of_user == 0:
            inside = True  # the sibling sits under the root
        expected = role in (Role.ADMIN, Role.COORDINATOR) or (role == Role.ANALYST and inside)
        assert allowed == expected
