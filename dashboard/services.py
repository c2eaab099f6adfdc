"""The composition of long-lived services one app (one worker) holds."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from dashboard.config import Settings
from dashboard.db import Database
from dashboard.geo.geography import DallasGeography, get_geography
from dashboard.jobs.mail import SmtpSettings
from dashboard.registry.cache import RegistryCache
from dashboard.registry.mapview import FilterCache


@dataclass
class Services:
    settings: Settings
    db: Database
    registry: RegistryCache = field(init=False)
    filters: FilterCache = field(default_factory=FilterCache)

    def __post_init__(self) -> None:
        # one snapshot per host, shared by its workers through files in the instance folder
        self.registry = RegistryCache.for_host(self.db, Path(self.settings.instance_dir) / "registry-snapshots")

    @cached_property
    def geo(self) -> DallasGeography:
        """The beat polygons and city limits, built on first use (the CAD API, the portal): the
        map does not need them, and a cold start to the first map is measured without their
        ~0.3 s. A preloading server builds them before forking (dashboard/gunicorn_conf.py)."""
        return get_geography()

    @property
    def smtp(self) -> SmtpSettings:
        s = self.settings
        return SmtpSettings(host=s.smtp_host or "127.0.0.1", port=s.smtp_port, username=s.smtp_username, password=s.smtp_password,
                            starttls=s.smtp_starttls, sender=s.smtp_sender, demo_mailbox=s.demo_mailbox)

    @classmethod
    def build(cls, settings: Settings) -> Services:
        return cls(settings=settings, db=Database(settings.database_url))
