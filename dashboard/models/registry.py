"""The registry: owners, their sites and cameras, and the version counter and change log that
keep every worker's snapshot current.

Owner contact details (name, contact person, email, phone, address) live only in `owners`;
nothing else copies them, so a reveal is always a read of that one table.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow


class Owner(Base):
    __tablename__ = "owners"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_type: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    contact_person: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(300))
    # the language emails and the footage answer page use: set from the registration at confirmation
    language: Mapped[str] = mapped_column(String(5), default="en", server_default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    sites: Mapped[list[CameraSite]] = relationship(back_populates="owner")


class CameraSite(Base):
    __tablename__ = "camera_sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owners.id", ondelete="CASCADE"), index=True)
    address: Mapped[str | None] = mapped_column(String(300))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    division: Mapped[str | None] = mapped_column(String(20), index=True)
    beat: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    owner: Mapped[Owner] = relationship(back_populates="sites")
    cameras: Mapped[list[Camera]] = relationship(back_populates="site")


class Camera(Base):
    __tablename__ = "cameras"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("camera_sites.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(120))
    camera_type: Mapped[str] = mapped_column(String(16))
    placement: Mapped[str] = mapped_column(String(8), default="outdoor")
    direction_deg: Mapped[float | None] = mapped_column(Float)  # clockwise from north; None = unknown
    fov_deg: Mapped[float | None] = mapped_column(Float)
    range_m: Mapped[float | None] = mapped_column(Float)
    retention_days: Mapped[int] = mapped_column(Integer, default=7)
    live_access: Mapped[bool] = mapped_column(Boolean, default=False)
    stream_url: Mapped[str | None] = mapped_column(String(500))
    live_sharing: Mapped[str] = mapped_column(String(12), default="none", server_default="none")
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    site: Mapped[CameraSite] = relationship(back_populates="cameras")


class RegistryVersion(Base):
    """One row; its counter changes in the same transaction as any camera change, so each
    worker's in-memory registry snapshot knows when to rebuild."""

    __tablename__ = "registry_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RegistryChange(Base):
    """What each registry version changed, written in the same transaction: a worker patches its
    snapshot with the cameras named here instead of re-reading every camera. A row naming
    nothing means "anything may have changed" (bulk writes): a full reload. No foreign keys: a
    deleted camera, site or owner must still be named."""

    __tablename__ = "registry_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, index=True)
    camera_id: Mapped[int | None] = mapped_column(Integer)
    site_id: Mapped[int | None] = mapped_column(Integer)
    owner_id: Mapped[int | None] = mapped_column(Integer)
