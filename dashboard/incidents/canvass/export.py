"""The audited CSV export of a canvass (the rules: `dashboard.incidents.canvass`)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select

from dashboard.audit import chain as audit
from dashboard.audit.csv_cells import safe_cell
from dashboard.audit.guard import require_audited
from dashboard.db import Database
from dashboard.models import Camera, CameraSite, Owner, utcnow
from dashboard.owners.reveal import CASE_NUMBER, REASON_MAX, REASON_MIN
from dashboard.registry.snapshot import RegistrySnapshot
from dashboard.transparency.options import PurposeError, check_category
from dashboard.vocabulary import OFFENSE_CATEGORIES

from .ranking import (
    ACTION,
    DEFAULT_K,
    DEFAULT_RADIUS_M,
    CanvassInputError,
    RankedCamera,
    check_k,
    check_radius,
    find_incident,
    incident_point,
    rank_for_incident,
)

CSV_COLUMNS = ("rank", "camera_id", "latitude", "longitude", "distance_m", "bearing_deg", "faces_incident",
               "live_access", "retention_days", "hours_left", "urgent", "overwritten")
OWNER_COLUMNS = ("owner_type", "owner_name", "contact_person", "phone", "email", "owner_address")


# --- the export ---------------------------------------------------------------------------------------------
def _yes_no(value: bool | None) -> str:
    return "unknown" if value is None else ("yes" if value else "no")


def _validate_case(case_number: Any, category: Any, reason: Any, categories: tuple[str, ...], *,
                   required: bool) -> tuple[str | None, str | None, str | None]:
    """With owner columns a case number, an offense category and a reason are required; without,
    whatever is given must still be valid (and is recorded)."""
    case = case_number.strip() if isinstance(case_number, str) else ""
    why = reason.strip() if isinstance(reason, str) else ""
    if required or case:
        if not CASE_NUMBER.fullmatch(case):
            raise CanvassInputError("Case number: use the Dallas format, two-digit year, dash, seven digits "
                                    "(e.g. 25-0280079).", "case")
    key = None
    if required or not (category is None or (isinstance(category, str) and not category.strip())):
        try:
            key = check_category(category, categories)
        except PurposeError as exc:
            raise CanvassInputError(str(exc), "category") from None
    if required and len(why) < REASON_MIN:
        raise CanvassInputError(f"Reason: state why you need the owners' contacts (at least {REASON_MIN} "
                                "characters).", "reason")
    if len(why) > REASON_MAX:
        raise CanvassInputError(f"Reason: at most {REASON_MAX} characters.", "reason")
    return case or None, key, why or None


def canvass_csv(db: Database, snapshot: RegistrySnapshot, user, incident: Any, *,
                radius_m: float = DEFAULT_RADIUS_M, k: int = DEFAULT_K, case_number: Any = None,
                reason: Any = None, client_addr: str | None = None, include_owner: bool = False,
                category: Any = None, categories: tuple[str, ...] = OFFENSE_CATEGORIES,
                now: datetime | None = None) -> str:
    """The ranked canvass list of an incident as CSV text, audited (module docstring).

    `incident`: an incident number (looked up after the permission check, so a refused caller
    learns nothing), an Incident row, incident_to_dict's dict or an IncidentPoint. Raises
    PermissionDenied (after committing a `denied` audit event), CanvassInputError or
    IncidentNotFound (nothing audited). With `include_owner`, `category` (one of `categories`, the
    configured `purposes.offense_categories`) is required like the case number and reason."""
    user_id, username = getattr(user, "id", None), getattr(user, "username", None)
    label = incident if isinstance(incident, str) else getattr(incident, "incident_number", None) or (
        incident.get("incident_number") if isinstance(incident, Mapping) else None)
    permissions = ("view_map", "reveal_owner") if include_owner else ("view_map",)
    require_audited(db, user, *permissions, action=ACTION, object_type="incident", object_id=label,
                    case_number=case_number, reason=reason, client_addr=client_addr,
                    detail={"with_owner": bool(include_owner)})

    radius_m, k = check_radius(radius_m), check_k(k)
    case, key, why = _validate_case(case_number, category, reason, categories, required=include_owner)
    if isinstance(incident, str):
        with db.session() as s:
            incident = incident_point(find_incident(s, incident))
    point = incident_point(incident)
    ranked = rank_for_incident(snapshot, point, now or utcnow(), radius_m=radius_m, k=k)

    camera_ids = [c.camera_id for c in ranked]
    with db.session() as s:
        owners: dict[int, Owner] = {}
        if include_owner and camera_ids:
            rows = s.execute(
                select(Camera.id, Owner)
                .join(CameraSite, Camera.site_id == CameraSite.id)
                .join(Owner, CameraSite.owner_id == Owner.id)
                .where(Camera.id.in_(camera_ids), Camera.status == "active"))
            owners = {cid: owner for cid, owner in rows}
        text = _write_csv(ranked, owners if include_owner else None)
        audit.record(s, ACTION, user_id=user_id, username=username, object_type="incident",
                     object_id=point.incident_number, case_number=case, reason=why, client_addr=client_addr,
                     outcome="ok", category=key, detail={"count": len(ranked), "with_owner": bool(include_owner),
                                           "radius_m": radius_m, "k": k, "camera_ids": camera_ids})
    # the transaction has committed: the export is on record, now the data may leave
    return text


def _write_csv(ranked: list[RankedCamera], owners: dict[int, Owner] | None) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS + (OWNER_COLUMNS if owners is not None else ()))
    for c in ranked:
        row = [c.rank, c.camera_id, f"{c.latitude:.6f}", f"{c.longitude:.6f}", f"{c.distance_m:.1f}",
               f"{c.bearing_deg:.1f}", _yes_no(c.faces), _yes_no(c.live_access), c.retention_days,
               f"{c.hours_left:.1f}", _yes_no(c.urgent), _yes_no(c.overwritten)]
        if owners is not None:
            o = owners.get(c.camera_id)
            row += ([safe_cell(o.owner_type), safe_cell(o.name), safe_cell(o.contact_person), safe_cell(o.phone), safe_cell(o.email),
                     safe_cell(o.address)] if o is not None else [""] * len(OWNER_COLUMNS))
        writer.writerow(row)
    return buf.getvalue()


def safe_filename(incident_number: str) -> str:
    """canvass-<incident>.csv with anything but letters, digits, dash and underscore replaced."""
    return f"canvass-{re.sub(r'[^A-Za-z0-9_-]', '_', incident_number)[:60]}.csv"
