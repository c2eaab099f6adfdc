"""Permission checks on owner data that leave a trace when they refuse.

`require_audited` is `auth.permissions.require` plus the rule of the security model: a
refusal is written as an audit event (outcome `denied`) in a transaction of its own that
commits before PermissionDenied is raised, so the attempt is on record although nothing else
happened. The allowed path writes its own audit event inside the service's transaction.
"""

from __future__ import annotations

from auth.permissions import PermissionDenied, require
from dashboard.audit import chain as audit
from dashboard.db import Database


def require_audited(db: Database, user, permission: str, action: str, *, object_type: str | None = None,
                    client_addr: str | None = None) -> None:
    try:
        require(user, permission)
    except PermissionDenied:
        with db.session() as s:
            audit.record(s, action, user_id=getattr(user, "id", None), username=getattr(user, "username", None),
                         object_type=object_type, client_addr=client_addr, outcome="denied",
                         detail={"permission": permission})
        raise
