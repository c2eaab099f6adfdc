"""The audited owner reveal: the only code path that returns owner contact details.

`reveal_owner_contact` takes the `Database` (not a session) because it runs its own
transactions, so that a refusal is recorded even though nothing else happens:

* permission is checked FIRST, before the input is looked at. A role that may not see owner
  details (docs/interfaces.md: analyst) gets `PermissionDenied` whatever it sent, learns nothing
  (not even whether the camera exists), and the attempt is written as an audit event
  `owner_reveal` / outcome `denied` in a transaction of its own that commits before the
  exception is raised;
* bad input (case number, offense category, reason, unknown or inactive camera) raises `RevealError` with a
  message for the user and writes no audit event: nothing was revealed and nothing was
  refused, the user simply has to correct the form;
* on success the owner is read and the audit event `owner_reveal` / outcome `ok` (object
  camera, with case number and reason) is written in ONE transaction; the contact is returned
  only after that transaction has committed. If the audit write fails, nothing is returned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from dashboard.audit import chain as audit
from dashboard.audit.guard import require_audited
from dashboard.db import Database
from dashboard.models import Camera, CameraSite, Owner
from dashboard.transparency.options import PurposeError, check_category
from dashboard.vocabulary import OFFENSE_CATEGORIES

CASE_NUMBER = re.compile(r"^\d{2}-\d{7}$")  # Dallas police case number, e.g. 25-0280079
REASON_MIN = 10
REASON_MAX = 500
ACTION = "owner_reveal"


class RevealError(ValueError):
    """Bad input for a reveal; the message is meant for the user and names the field."""


@dataclass(frozen=True)
class OwnerContact:
    owner_type: str
    name: str
    contact_person: str | None
    email: str
    phone: str | None
    address: str | None


def _clean(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _validate(camera_id: Any, case_number: Any, category: Any, reason: Any,
              categories: tuple[str, ...]) -> tuple[int, str, str, str]:
    case = _clean(case_number)
    if not CASE_NUMBER.fullmatch(case):
        raise RevealError("Case number: use the Dallas format, two-digit year, dash, seven digits "
                          "(e.g. 25-0280079).")
    try:
        key = check_category(category, categories)
    except PurposeError as exc:
        raise RevealError(str(exc)) from None
    why = _clean(reason)
    if len(why) < REASON_MIN:
        raise RevealError(f"Reason: state why you need the owner's contact (at least {REASON_MIN} characters).")
    if len(why) > REASON_MAX:
        raise RevealError(f"Reason: at most {REASON_MAX} characters.")
    if isinstance(camera_id, bool):
        raise RevealError("Camera not found.")
    try:
        cam = int(camera_id)
    except (TypeError, ValueError):
        raise RevealError("Camera not found.") from None
    return cam, case, key, why


def reveal_owner_contact(db: Database, user, camera_id: Any, case_number: Any, reason: Any,
                         client_addr: str | None, *, category: Any,
                         categories: tuple[str, ...] = OFFENSE_CATEGORIES) -> OwnerContact:
    """Return the owner contact of an active camera to a role allowed to see it, audited.
    `category` is the purpose's offense category, one of `categories` (the configured
    `purposes.offense_categories`, dashboard.transparency.options); it is required.

    Raises PermissionDenied (after committing a `denied` audit event) or RevealError (bad
    input, nothing audited). See the module docstring for the transaction rules.
    """
    user_id = getattr(user, "id", None)
    username = getattr(user, "username", None)
    require_audited(db, user, "reveal_owner", action=ACTION, object_type="camera", object_id=camera_id,
                    case_number=case_number, reason=reason, client_addr=client_addr)

    cam, case, key, why = _validate(camera_id, case_number, category, reason, categories)
    with db.session() as s:
        owner = s.scalar(
            select(Owner)
            .join(CameraSite, CameraSite.owner_id == Owner.id)
            .join(Camera, Camera.site_id == CameraSite.id)
            .where(Camera.id == cam, Camera.status == "active")
        )
        if owner is None:
            raise RevealError("Camera not found.")
        contact = OwnerContact(owner_type=owner.owner_type, name=owner.name, contact_person=owner.contact_person,
                               email=owner.email, phone=owner.phone, address=owner.address)
        audit.record(s, ACTION, user_id=user_id, username=username, object_type="camera", object_id=cam,
                     case_number=case, reason=why, client_addr=client_addr, outcome="ok", category=key)
    # the transaction has committed: the access is on record, now the data may leave
    return contact
