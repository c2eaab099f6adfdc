"""Live-view grants: who may watch which camera's relayed stream, for what purpose, until when.

The grant's token travels in the relay URLs; only its SHA-256 (`token_hash`) is stored, so a copy
of the database plays no stream.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class LiveGrant(Base):
    __tablename__ = "live_grants"
    __table_args__ = (Index("ix_live_grants_camera_ended", "camera_id", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"))
    purpose_kind: Mapped[str] = mapped_column(String(10))          # incident | case
    incident_number: Mapped[str | None] = mapped_column(String(40))
    case_number: Mapped[str | None] = mapped_column(String(40))
    offense_category: Mapped[str | None] = mapped_column(String(60))
    reason: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(40))     # closed | expired | sharing_changed | ...
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
