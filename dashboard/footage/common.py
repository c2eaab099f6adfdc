"""What every part of the footage workflow shares: its errors, limits, the Dallas-time
wording of dates, one step of a request's history and the permission check.

No Flask or Dash anywhere in dashboard.footage: the owner page (`views`), the clip download
(`files`) and the dashboard callbacks are thin adapters over these services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.audit.guard import require_audited
from dashboard.config import Settings
from dashboard.db import Database
from dashboard.models import Incident
from dashboard.models.footage import FootageRequest, FootageRequestEvent, FootageUpload

ACTION = "footage_request"
PERMISSION = "footage_requests"
RELATED = "footage_request"              # outbox related_type of the request email itself
RELATED_REMINDER = "footage_request_reminder"
RELATED_CLOSED = "footage_request_closed"
LOCAL_TZ = ZoneInfo("America/Chicago")
MAX_CAMERAS = 20
MESSAGE_MAX = 1000
NOTE_MAX = 2000
FUTURE_TOLERANCE = timedelta(hours=1)
CHUNK = 1024 * 1024


class FootageError(ValueError):
    """Bad input from the detective; the message is meant for them."""


class OwnerPageError(Exception):
    """The owner's link or answer is refused; `status` is the HTTP status, `message` for the owner,
    in `lang` (the page around it speaks the same language)."""

    def __init__(self, status: int, message: str, lang: str | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.lang = lang


class FootageUnavailable(Exception):
    """A received clip that cannot be handed over: unknown, missing on disk, or changed since receipt."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class UploadView:
    name: str
    size_bytes: int
    sha256: str
    received_at: str
    id: int = 0
    kept: bool = True   # False once deleted under the retention rule (the record of it stays)
    playable: bool = False  # a format browsers play inline (PLAYABLE_TYPES)


# what an HTML5 <video> plays in the dashboard's browsers; other clips are only downloaded
PLAYABLE_TYPES = ("video/mp4", "video/webm")


def upload_view(u: FootageUpload) -> UploadView:
    return UploadView(u.original_name, u.size_bytes, u.sha256, local_time(u.received_at), u.id, bool(u.stored_path),
                      (u.content_type or "").lower() in PLAYABLE_TYPES)


def request_link(settings: Settings, token: str) -> str:
    return f"{settings.public_base_url}/register/requests/{token}"


# Spanish dates by hand: the server's C locale knows English names only, and one table is
# lighter than a locale library for two languages
_ES_DAYS = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")
_ES_MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
              "octubre", "noviembre", "diciembre")


def _es_day(d: datetime) -> str:
    return f"{_ES_DAYS[d.weekday()]} {d.day} de {_ES_MONTHS[d.month - 1]} de {d.year}"


def local_time(value: datetime, lang: str = "en") -> str:
    """A moment in Dallas time, worded for `lang` (en, es)."""
    local = value.astimezone(LOCAL_TZ)
    if lang == "es":
        return f"{_es_day(local)}, {local:%H:%M %Z}"
    return local.strftime("%a %b %d, %Y %I:%M %p %Z")


def window_text(start: datetime, end: datetime, lang: str = "en") -> str:
    a, b = start.astimezone(LOCAL_TZ), end.astimezone(LOCAL_TZ)
    if a.date() == b.date():
        if lang == "es":
            return f"{_es_day(a)}, de {a:%H:%M} a {b:%H:%M %Z}"
        return f"{a:%a %b %d, %Y} from {a:%I:%M %p} to {b:%I:%M %p %Z}"
    joiner = " a " if lang == "es" else " to "
    return f"{local_time(a, lang)}{joiner}{local_time(b, lang)}"


def parse_local(value: Any) -> datetime:
    """'YYYY-MM-DD HH:MM' (or ISO with offset) -> aware UTC datetime; naive means Dallas time."""
    if isinstance(value, datetime):
        parsed = value
    else:
        text = value.strip() if isinstance(value, str) else ""
        try:
            parsed = datetime.fromisoformat(text.replace(" ", "T", 1)) if text else None
        except ValueError:
            parsed = None
        if parsed is None:
            raise FootageError("Window start: use YYYY-MM-DD HH:MM (Dallas time), e.g. 2025-06-14 21:00.")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=LOCAL_TZ)
    return parsed.astimezone(UTC)


def place_of(incident: Incident, lang: str = "en") -> str:
    return " ".join(p for p in (incident.block, incident.location) if p) or (
        "lugar no indicado" if lang == "es" else "location not given")


def actor(user) -> str:
    return f"detective:{getattr(user, 'username', '?')}"


def step(s: Session, req: FootageRequest, status: str, who: str, now: datetime, note: str | None = None) -> None:
    """Move a request to `status` and write that step into its history."""
    req.status = status
    s.add(FootageRequestEvent(request_id=req.id, at=now, status=status, actor=who, note=note))


def clean_text(value: Any, limit: int, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise FootageError(f"{field}: text expected.")
    text = value.strip()
    if len(text) > limit:
        raise FootageError(f"{field}: at most {limit} characters.")
    return text or None


def require_footage(db: Database, user, subject: Any, case_number: Any, client_addr: str | None,
                    what: str) -> None:
    """The footage permission, or a committed `denied` event (`footage_request[_<what>]`) and
    PermissionDenied."""
    require_audited(db, user, PERMISSION, action=ACTION if what == "send" else f"{ACTION}_{what}",
                    object_type="incident", object_id=subject, case_number=case_number, client_addr=client_addr)


def find_incident(s: Session, incident: Any) -> Incident:
    row = None
    if isinstance(incident, int) and not isinstance(incident, bool):
        row = s.get(Incident, incident)
    elif isinstance(incident, str) and incident.strip():
        row = s.scalar(select(Incident).where(Incident.incident_number == incident.strip()))
    if row is None:
        raise FootageError("Incident not found.")
    return row
