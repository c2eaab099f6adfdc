"""The published demo logins: seeded in demo mode (dashboard/tools/seed.py), never signed in outside it.

Recognised by their published password, not by a flag set at seeding time: a database seeded
before this rule existed has no flag, a copied or restored demo database keeps whatever a flag
said, but the one thing that makes a demo account dangerous is that its password is printed in
the repository. An account whose password was reset is an ordinary account again, with no
column to clear. The check costs one argon2 verification per published account at start-up,
and none at sign-in (the typed password is compared with the published one).
"""

from __future__ import annotations

import hmac

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.models import User

from .passwords import verify_password

# (username, role, full_name, division, password): demo mode only. `make run` prints these, so
# anyone can read them: outside demo mode they are refused at sign-in and at start-up.
DEMO_USERS: list[tuple[str, str, str, str | None, str]] = [
    ("analyst", "analyst", "Avery Analyst (demo)", None, "demo-analyst-2026"),
    ("detective", "detective", "Dana Detective (demo)", None, "demo-detective-2026"),
    ("supervisor", "supervisor", "Sam Supervisor (demo)", "CENTRAL", "demo-supervisor-2026"),
    ("admin", "admin", "Alex Admin (demo)", None, "demo-admin-2026"),
]


def published_demo_logins() -> dict[str, str]:
    """username (lower case) -> its published password."""
    return {username.lower(): password for username, _role, _name, _division, password in DEMO_USERS}


def is_published_demo_login(username: str, password: str) -> bool:
    published = published_demo_logins().get(username.strip().lower())
    return published is not None and hmac.compare_digest(published.encode(), password.encode())


def active_demo_accounts(session: Session) -> list[str]:
    """The active accounts that still accept their published demo password, by username."""
    found = []
    for username, password in published_demo_logins().items():
        user = session.scalar(select(User).where(func.lower(User.username) == username))
        if user is not None and user.active and verify_password(user.password_hash, password):
            found.append(user.username)
    return found


def demo_accounts_problem(names: list[str]) -> str | None:
    """The operator's one-line message when a production server finds demo accounts."""
    if not names:
        return None
    listed = ", ".join(names)
    return (f"env is production but the database has demo accounts that accept their published passwords "
            f"({listed}): run `connect-dallas disable-user NAME` for each, or give each a new password with "
            f"`connect-dallas add-user NAME --role ROLE --name \"...\" --password-stdin`, then start again")
