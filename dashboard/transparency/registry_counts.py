"""What is registered: active cameras and their owners, counted by division, owner type, beat
and live-sharing choice. Counts only (GROUP BY in the database): never a position or a name."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.models import Camera, CameraSite, Owner

UNKNOWN = "unknown"  # a site outside every division or beat (e.g. just outside the city limits)


@dataclass(frozen=True)
class RegistryCounts:
    cameras_by_division: Counter
    cameras_by_owner_type: Counter
    owners_by_division: Counter     # an owner with cameras in two divisions counts in each
    owners_by_owner_type: Counter
    owners_total: int
    cameras_by_beat: Counter
    live_sharing: Counter           # choice -> cameras
    live_sharing_source: str        # "live_sharing" (the owner's choice) or "live_access" (before it existed)


def _active():
    return (select().select_from(Camera).join(CameraSite, Camera.site_id == CameraSite.id)
            .join(Owner, CameraSite.owner_id == Owner.id).where(Camera.status == "active"))


def _count_by(session: Session, column, what=None) -> Counter:
    counted = func.count() if what is None else func.count(func.distinct(what))
    rows = session.execute(_active().add_columns(column, counted).group_by(column))
    return Counter({(key if key not in (None, "") else UNKNOWN): int(n) for key, n in rows})


def live_sharing_counts(session: Session) -> tuple[Counter, str]:
    """The owners' live-sharing choices. Hook: `Camera.live_sharing` (none / emergency / always,
    CONTRACT.md "Live video") is being added by the live-video work; until it exists the report
    counts cameras with and without a live-access device (`live_access`) instead."""
    if hasattr(Camera, "live_sharing"):
        return _count_by(session, Camera.live_sharing), "live_sharing"
    counts = _count_by(session, Camera.live_access)
    return Counter({("live_access" if key is True or key == 1 else "none"): n for key, n in counts.items()}), \
        "live_access"


def registry_counts(session: Session) -> RegistryCounts:
    sharing, source = live_sharing_counts(session)
    owners_total = session.scalar(_active().add_columns(func.count(func.distinct(Owner.id)))) or 0
    return RegistryCounts(
        cameras_by_division=_count_by(session, CameraSite.division),
        cameras_by_owner_type=_count_by(session, Owner.owner_type),
        owners_by_division=_count_by(session, CameraSite.division, Owner.id),
        owners_by_owner_type=_count_by(session, Owner.owner_type, Owner.id),
        owners_total=int(owners_total),
        cameras_by_beat=_count_by(session, CameraSite.beat),
        live_sharing=sharing,
        live_sharing_source=source,
    )
