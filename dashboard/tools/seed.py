"""Seed the demo: a deterministic synthetic registry, demo incidents and demo users, in one
transaction (`seed_demo`).

The parts: `demo_places` (where cameras stand), `demo_registry` (owners, sites, cameras as data
frames), `demo_writer` (bulk insert), `demo_incidents` (real public DPD calls moved to "now").
Everything is fake except the geography (real Dallas city limits and DPD beats) and the
incidents; the same `seed` and size always give the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from auth.demo_accounts import DEMO_USERS  # the published demo logins (demo mode only)
from auth.users import add_or_update_user
from dashboard.db import Database, sync_id_sequences
from dashboard.models import utcnow
from dashboard.tools.demo_incidents import write_incidents
from dashboard.tools.demo_live import point_demo_cameras_at_simulator
from dashboard.tools.demo_registry import generate_registry
from dashboard.tools.demo_writer import Progress, write_registry

__all__ = ["DEMO_USERS", "SeedReport", "seed_demo"]

SEED_ACTOR = "seed-demo"  # who the audit trail names for the demo users



@dataclass(frozen=True)
class SeedReport:
    owners: int
    sites: int
    cameras: int
    incidents: int
    users: list[tuple[str, str, str]]  # (username, role, password) of the demo users created


# == users and the entry point =================================================================
def _write_demo_users(session: Session) -> list[tuple[str, str, str]]:
    created = []
    for username, role, full_name, division, password in DEMO_USERS:
        add_or_update_user(session, username, role=role, full_name=full_name, division=division,
                           password=password, actor=SEED_ACTOR)
        created.append((username, role, password))
    return created


def _aware(now: datetime | None) -> datetime:
    if now is None:
        return utcnow()
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)  # naive = UTC


def seed_demo(db: Database, *, cameras: int = 5000, incidents: int = 200, seed: int = 7,
              demo_users: bool = True, now: datetime | None = None,
              progress: Progress | None = None, live_simulator_url: str | None = None) -> SeedReport:
    """Write a synthetic registry (and demo incidents/users) in one transaction.

    Adds to whatever is there (ids continue after the current maximum); deciding to seed only
    an empty database is the caller's job. `live_simulator_url`: cameras near the open demo incidents
    stream from the camera simulator there (dashboard/tools/demo_live.py)."""
    now = _aware(now)
    if progress:
        progress(f"generating {cameras} cameras (seed {seed})")
    reg = generate_registry(cameras, seed)
    with db.session() as session:
        write_registry(session, reg, now, progress)
        n_incidents = write_incidents(session, incidents, now, seed)
        if progress:
            progress(f"incidents {n_incidents}")
        if live_simulator_url:
            live = point_demo_cameras_at_simulator(session, live_simulator_url)
            if progress:
                progress(f"live cameras (simulator) {live}")
        users = _write_demo_users(session) if demo_users else []
        sync_id_sequences(session, "owners", "camera_sites", "cameras", "incidents")
    return SeedReport(owners=len(reg.owners), sites=len(reg.sites), cameras=len(reg.cameras),
                      incidents=n_incidents, users=users)
