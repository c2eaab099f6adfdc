"""Tables of the public registration portal (/register).

A `Registration` is one owner's registration of one site (address + cameras). Until the owner
confirms by the emailed link it holds only the submitted form (`pending_payload`, JSON) and no
owner, site or camera row exists: an unconfirmed or spam submission never touches the registry.
A re-submission with the same email and address updates the same Registration (the unique
`lookup_key`), again only once that email confirms.

Contact details stay only in `owners` (and, until confirmation, in `pending_payload`):
`lookup_key` is a SHA-256 of the normalized email and address, not a copy of them.

A withdrawn registration keeps its row as the anonymous record that a registration existed:
status "withdrawn", `withdrawn_at`, `camera_count`, `division`; owner_id/site_id are cleared.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow

REGISTRATION_STATUSES = ("unconfirmed", "pending_review", "approved", "rejected", "inactive", "withdrawn")
TOKEN_PURPOSES = ("confirm", "manage", "reconfirm")
# the status of a withdrawn registration and of its cameras (the anonymous record that remains)
WITHDRAWN = "withdrawn"


class Registration(Base):
    __tablename__ = "registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="unconfirmed", index=True)
    lookup_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    language: Mapped[str] = mapped_column(String(5), default="en")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("owners.id", ondelete="SET NULL"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("camera_sites.id", ondelete="SET NULL"))
    pending_payload: Mapped[str | None] = mapped_column(Text)   # the submitted form, until confirmed
    pending_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)        # last (re)confirmation
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reject_reason: Mapped[str | None] = mapped_column(Text)
    reconfirm_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    inactive_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    camera_count: Mapped[int] = mapped_column(Integer, default=0)
    division: Mapped[str | None] = mapped_column(String(20))


class RegistrationToken(Base):
    """An emailed link. Only the SHA-256 of the token is stored."""

    __tablename__ = "registration_tokens"
    __table_args__ = (Index("ix_registration_tokens_expires", "expires_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(12))
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("owners.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
