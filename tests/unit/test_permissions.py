"""docs/interfaces.md's permission table, every action against every role."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from auth.permissions import PERMISSIONS, ROLES, PermissionDenied, can, require

# Copied from docs/interfaces.md, row by row: (action, analyst, detective, supervisor, admin)
CONTRACT_TABLE = [
    ("view_map", True, True, True, True),
    ("reveal_owner", False, True, True, True),
    ("footage_requests", False, True, True, False),
    ("work_cases", False, True, True, False),
    ("read_audit", False, False, True, True),
    ("view_analytics", False, False, True, True),
    ("manage_users", False, False, False, True),
    ("moderate_registrations", False, False, False, True),
    ("view_live", True, True, True, False),  # docs/interfaces.md "Live video": admin may not
]


@dataclass
class FakeUser:
    role: str
    active: bool = True


@pytest.mark.parametrize(("action", *ROLES), CONTRACT_TABLE)
def test_permission_table(action, analyst, detective, supervisor, admin):
    expected = dict(zip(ROLES, (analyst, detective, supervisor, admin), strict=True))
    for role, allowed in expected.items():
        assert can(FakeUser(role), action) is allowed, (role, action)
        if allowed:
            require(FakeUser(role), action)
        else:
            with pytest.raises(PermissionDenied):
                require(FakeUser(role), action)


def test_table_covers_every_action():
    assert {row[0] for row in CONTRACT_TABLE} == set(PERMISSIONS)


def test_anonymous_inactive_and_unknown_roles_get_nothing():
    for action in PERMISSIONS:
        assert not can(None, action)
        assert not can(FakeUser("admin", active=False), action)
        assert not can(FakeUser("janitor"), action)
    with pytest.raises(KeyError):
        can(FakeUser("admin"), "launch_missiles")
