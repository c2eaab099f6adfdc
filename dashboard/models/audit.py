"""The hash-chained audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class AuditEvent(Base):
    """Append-only. `prev_hash`/`hash` chain the rows so an edit in the database is detectable."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    username: Mapped[str | None] = mapped_column(String(80))  # as typed, even for unknown users
    action: Mapped[str] = mapped_column(String(40), index=True)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(80))
    case_number: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(Text)
    client_addr: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(20), default="ok")
    detail: Mapped[str | None] = mapped_column(Text)
    # the purpose's offense category (dashboard.vocabulary.OFFENSE_CATEGORIES); hashed only when set,
    # so chains written before the column existed still verify
    category: Mapped[str | None] = mapped_column(String(40))
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))


class AuditVerification(Base):
    """One run of the chain check. Each run continues from the newest good run (`through_id`,
    `through_hash`), so checking costs only the events written since; a full run starts at 0."""

    __tablename__ = "audit_verifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    full: Mapped[bool] = mapped_column(Boolean, default=False)   # re-checked from the first event
    from_id: Mapped[int] = mapped_column(Integer, default=0)     # checked the events after this id
    through_id: Mapped[int] = mapped_column(Integer, default=0)  # ... up to and including this one
    through_hash: Mapped[str | None] = mapped_column(String(64))
    checked: Mapped[int] = mapped_column(Integer, default=0)     # events checked in this run
    verified_total: Mapped[int] = mapped_column(Integer, default=0)  # events known good after it
    ok: Mapped[bool] = mapped_column(Boolean, default=True)
    first_bad_id: Mapped[int | None] = mapped_column(Integer)
    problem: Mapped[str | None] = mapped_column(String(200))


class TransparencyReport(Base):
    """The public transparency report as last computed by the `transparency-report` job
    (dashboard/transparency/report.py): aggregate counts only, the JSON the public routes serve.
    Requests read the newest row; they never compute it."""

    __tablename__ = "transparency_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    body: Mapped[str] = mapped_column(Text)
