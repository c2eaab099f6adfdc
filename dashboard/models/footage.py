"""Footage requests to camera owners: the request, its history and the clips received.

The owner's link token is never stored: only its SHA-256 (`token_hash`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow

# queued: the email has not left yet (SMTP down or the outbox has not run); the rest follow
# the owner's answers; closed/expired are final.
FOOTAGE_STATUSES = ("queued", "sent", "opened", "accepted", "declined", "footage_received", "closed", "expired")
FINAL_STATUSES = ("closed", "expired")
OUTCOMES = ("used", "not_needed")


class FootageRequest(Base):
    __tablename__ = "footage_requests"
    __table_args__ = (Index("ix_footage_requests_status_expires", "status", "expires_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owners.id", ondelete="CASCADE"), index=True)
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    case_number: Mapped[str | None] = mapped_column(String(40))
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    message: Mapped[str | None] = mapped_column(Text)          # the detective's words to the owner
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # the reminder carries a fresh link (the first token is not stored, so it cannot be resent);
    # both links then work
    reminder_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    owner_note: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(12))    # used, not_needed (when closed)
    # the outbox email that asked for it: one email per owner and batch, shared by that batch's requests
    email_id: Mapped[int | None] = mapped_column(ForeignKey("outbound_emails.id", ondelete="SET NULL"), index=True)
    # the case it was asked under (migration 0013): the case workspace lists requests by it
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"), index=True)

    events: Mapped[list[FootageRequestEvent]] = relationship(back_populates="request",
                                                             order_by="FootageRequestEvent.id")
    uploads: Mapped[list[FootageUpload]] = relationship(back_populates="request", order_by="FootageUpload.id")


class FootageRequestEvent(Base):
    """Every step of a request, append-only: who (detective:<username>, owner, system), when, what."""

    __tablename__ = "footage_request_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("footage_requests.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)

    request: Mapped[FootageRequest] = relationship(back_populates="events")


class FootageUpload(Base):
    """One received file, for the chain of custody: its SHA-256 and when it arrived."""

    __tablename__ = "footage_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("footage_requests.id", ondelete="CASCADE"), index=True)
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    stored_path: Mapped[str] = mapped_column(String(500))

    request: Mapped[FootageRequest] = relationship(back_populates="uploads")


__all__ = ["FootageRequest", "FootageRequestEvent", "FootageUpload", "FOOTAGE_STATUSES", "OUTCOMES",
           "FINAL_STATUSES"]
