"""Audit the refusal, then raise: the one way a service turns a permission check into a
committed `denied` audit event followed by `PermissionDenied`.

The refusal is written in its own transaction (nothing else happened), so it stays on record
even though the caller's action never runs.
"""

from __future__ import annotations

from typing import Any

from auth.permissions import PermissionDenied, can
from dashboard.audit import chain
from dashboard.db import Database
from dashboard.validation import CONTROL_CHARACTER


def short(value: Any, limit: int) -> str | None:
    """Caller-supplied text trimmed to fit an audit column (None when empty)."""
    if value is None:
        return None
    # a refusal records what a crafted request sent: PostgreSQL cannot store a NUL, logs and CSV
    # cells must not carry the other control characters
    text = CONTROL_CHARACTER.sub("\ufffd", str(value)).strip()
    return text[:limit] or None


def require_audited(db: Database, user, *permissions: str, action: str, object_type: str | None = None,
                    object_id: Any = None, case_number: Any = None, reason: Any = None,
                    client_addr: str | None = None, detail: dict | None = None) -> None:
    """Every one of `permissions` or: record `action` with outcome `denied`, then raise
    PermissionDenied for the first permission missing. Typed values are trimmed to fit."""
    missing = next((p for p in permissions if not can(user, p)), None)
    if missing is None:
        return
    with db.session() as s:
        chain.record(s, action, user_id=getattr(user, "id", None), username=getattr(user, "username", None),
                     object_type=object_type, object_id=short(object_id, 80), case_number=short(case_number, 40),
                     reason=short(reason, 500), client_addr=client_addr, outcome="denied", detail=detail)
    raise PermissionDenied(missing, getattr(user, "role", None))
