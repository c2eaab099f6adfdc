"""Cases: a detective's case file (the incidents it covers, its notes) and each user's
dashboard preferences (notifications, saved views).

A case's close is recorded first and applied later: `close_requested_at` starts the undo
window and the sweeper applies the outcome to the footage requests only once
`close_effective_at` has passed (`close_applied_at` then says when). Undoing inside the window
clears the three.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow

CASE_STATUSES = ("open", "closing", "closed")


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_number: Mapped[str] = mapped_column(String(40), unique=True)
    offense_category: Mapped[str] = mapped_column(String(60))
    title: Mapped[str | None] = mapped_column(String(200))
    opened_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(10), default="open")
    outcome: Mapped[str | None] = mapped_column(String(12))          # used, not_needed: the case's default
    # per request id, the outcome chosen for that clip when it differs from the case's (JSON object)
    clip_outcomes: Mapped[str | None] = mapped_column(Text)
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    close_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    close_effective_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    close_applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    incidents: Mapped[list[CaseIncident]] = relationship(back_populates="case", order_by="CaseIncident.id",
                                                         cascade="all, delete-orphan")
    notes: Mapped[list[CaseNote]] = relationship(back_populates="case", order_by="CaseNote.id",
                                                 cascade="all, delete-orphan")


class CaseIncident(Base):
    __tablename__ = "case_incidents"
    __table_args__ = (UniqueConstraint("case_id", "incident_id", name="uq_case_incidents_case_incident"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    added_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="incidents")


class CaseNote(Base):
    """Append-only: a note is part of the case file, so it is never edited or deleted."""

    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    body: Mapped[str] = mapped_column(Text)

    case: Mapped[Case] = relationship(back_populates="notes")


class UserPreferences(Base):
    """One row per user: kept on the server (not in the browser's localStorage) so a detective's
    choices follow them from the desk to the phone and a shared wall screen keeps its own user's."""

    __tablename__ = "user_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    alert_sound: Mapped[bool] = mapped_column(Boolean, default=False)
    browser_notifications: Mapped[bool] = mapped_column(Boolean, default=False)
    footage_notices: Mapped[bool] = mapped_column(Boolean, default=True)
    saved_views: Mapped[str | None] = mapped_column(Text)            # JSON object: name -> query string
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


__all__ = ["CASE_STATUSES", "Case", "CaseIncident", "CaseNote", "UserPreferences"]
