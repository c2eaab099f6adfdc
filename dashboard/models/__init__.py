"""Typed SQLAlchemy 2 models: one Base, one module per area.

Importing this package registers every table on `Base.metadata` (Alembic and the tests rely
on it); the areas import only `base`, never each other, so there is no import loop.
"""

from .audit import AuditEvent, AuditVerification, TransparencyReport
from .base import Base, UTCDateTime, utcnow
from .cases import Case, CaseIncident, CaseNote, UserPreferences
from .footage import FINAL_STATUSES, FOOTAGE_STATUSES, FootageRequest, FootageRequestEvent, FootageUpload
from .incidents import Incident
from .live import LiveGrant
from .mail import OutboundEmail
from .registration import Registration, RegistrationToken
from .registry import Camera, CameraSite, Owner, RegistryChange, RegistryVersion
from .users import User

__all__ = [
    "AuditEvent", "AuditVerification", "Base", "Camera", "CameraSite", "Case", "CaseIncident", "CaseNote",
    "FINAL_STATUSES", "FOOTAGE_STATUSES", "FootageRequest", "FootageRequestEvent", "FootageUpload", "Incident",
    "LiveGrant", "OutboundEmail", "Owner", "Registration", "RegistrationToken", "RegistryChange", "RegistryVersion",
    "TransparencyReport", "User", "UserPreferences", "UTCDateTime", "utcnow",
]
