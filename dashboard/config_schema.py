"""The configuration file's schema: every key, its type, its range and its default.

Each section forbids keys it does not know, so a misspelt key (`auto_aprove`) stops start-up
instead of silently falling back to a default. The defaults live here, so an installed app
needs no config file at all; config.yaml documents each key with a comment.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from limits import parse_many
from limits.storage import SCHEMES as LIMITER_STORAGE_SCHEMES
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    field_validator,
    model_validator,
)

from dashboard.vocabulary import OFFENSE_CATEGORIES

Text = Annotated[str, Field(min_length=1)]
Port = Annotated[int, Field(ge=1, le=65535)]
_MIME = re.compile(r"^[a-z]+/[a-z0-9.+-]+$")
# Flask-Limiter's own storages (the limits package); all but memory need their client installed.
LIMITER_SCHEMES = tuple(sorted(scheme for scheme in LIMITER_STORAGE_SCHEMES if not scheme.startswith("async+")))


def _rate_limit(text: str) -> str:
    """A limit Flask-Limiter accepts, parsed by its own parser (limits.parse_many)."""
    try:
        if parse_many(text):
            return text.strip()
    except ValueError:
        pass
    raise ValueError('must look like "20 per hour" or "5/minute"')


def _storage_uri(uri: str) -> str:
    scheme, sep, _ = uri.strip().partition("://")
    if not sep or scheme.lower() not in LIMITER_SCHEMES:
        raise ValueError(f"must be a storage URI such as memory:// or redis://host:6379 "
                         f"(schemes: {', '.join(LIMITER_SCHEMES)})")
    return uri.strip()


# One rule for every rate-limit key of every section.
RateLimit = Annotated[str, AfterValidator(_rate_limit)]
StorageUri = Annotated[str, AfterValidator(_storage_uri)]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseSection(Section):
    url: Text = "sqlite:///instance/connect_dallas.db"

    @field_validator("url")
    @classmethod
    def _known_dialect(cls, url: str) -> str:
        if not url.startswith(("sqlite:", "postgresql")):
            raise ValueError("must be a sqlite:/// or postgresql+psycopg:// URL")
        return url


class ServerSection(Section):
    host: Text = "127.0.0.1"
    port: Port = 8050
    public_base_url: str = ""  # empty: http://host:port of this server (config.public_base_url_for)

    @field_validator("public_base_url")
    @classmethod
    def _no_trailing_slash(cls, url: str) -> str:
        return url.rstrip("/")


class TilesSection(Section):
    url: str | None = "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png"
    attribution: str | None = "&copy; OpenStreetMap contributors"


class MapSection(Section):
    center: tuple[float, float] = (32.7767, -96.7970)
    zoom: Annotated[int, Field(ge=1, le=20)] = 11
    min_zoom: Annotated[int, Field(ge=1, le=20)] = 9
    tiles: TilesSection = TilesSection()
    cluster_cell_px: Annotated[int, Field(ge=16, le=256)] = 64
    points_max_zoom: Annotated[int, Field(ge=10, le=22)] = 17

    @field_validator("center")
    @classmethod
    def _in_range(cls, center: tuple[float, float]) -> tuple[float, float]:
        lat, lon = center
        if not -90 <= lat <= 90:
            raise ValueError(f"latitude (first value) must be between -90 and 90, got {lat}")
        if not -180 <= lon <= 180:
            raise ValueError(f"longitude (second value) must be between -180 and 180, got {lon}")
        return center

    @field_validator("cluster_cell_px")
    @classmethod
    def _power_of_two(cls, px: int) -> int:
        # cells must nest in the quadtree so each is one slice of the Morton-sorted registry
        if px & (px - 1):
            raise ValueError("must be a power of two: 16, 32, 64, 128 or 256")
        return px

    @model_validator(mode="after")
    def _min_zoom_not_above_zoom(self) -> MapSection:
        if self.min_zoom > self.zoom:
            raise ValueError("map.min_zoom must not be larger than map.zoom")
        return self


class TableGeocoder(Section):
    provider: Literal["table"]
    path: Text  # a CSV of block, location, latitude, longitude; relative to the config file


class OnlineGeocoder(Section):
    """geopy's Nominatim (needs `pip install geopy`); mind its one-request-a-second terms."""
    provider: Literal["nominatim"]
    user_agent: Text
    min_delay_seconds: Annotated[float, Field(ge=0)] = 1.0
    timeout: Annotated[float, Field(gt=0)] = 5.0
    city_suffix: str = ", Dallas, TX"
    domain: str | None = None


class IncidentsSection(Section):
    poll_interval_seconds: Annotated[float, Field(ge=0.5, le=3600)] = 1.0
    service_area_margin_m: Annotated[float, Field(ge=0, le=100_000)] = 2000.0
    max_page_size: Annotated[int, Field(ge=1, le=100_000)] = 5000
    cleared_visible_minutes: Annotated[float, Field(ge=0, le=24 * 60)] = 30.0
    geocoder: Annotated[TableGeocoder | OnlineGeocoder, Field(discriminator="provider")] | None = None


class SecuritySection(Section):
    session_idle_minutes: Annotated[float, Field(ge=1, le=24 * 60)] = 30.0
    lockout_threshold: Annotated[int, Field(ge=1, le=100)] = 5
    lockout_minutes: Annotated[float, Field(ge=1, le=7 * 24 * 60)] = 30.0
    mfa: StrictBool = False
    owner_reveal_seconds: Annotated[int, Field(ge=10, le=3600)] = 120


class MailSection(Section):
    smtp_host: str = ""  # empty: the demo mailbox in demo mode, 127.0.0.1 in production
    smtp_port: Port = 25
    smtp_username: str | None = ""
    smtp_starttls: StrictBool = False
    sender: Text = "CONNECT DALLAS <connect-dallas@dallaspolice.example.gov>"
    send_interval_seconds: Annotated[float, Field(ge=1, le=3600)] = 15.0
    claim_timeout_seconds: Annotated[float, Field(ge=5, le=86_400)] = 300.0


class FootageSection(Section):
    max_window_hours: Annotated[float, Field(ge=0.25, le=24)] = 2.0
    link_expiry_days: Annotated[int, Field(ge=1, le=365)] = 14
    reminder_days_before: Annotated[int, Field(ge=0, le=364)] = 3
    upload_max_mb: Annotated[int, Field(ge=1, le=10_000)] = 200
    upload_types: Annotated[tuple[str, ...], Field(min_length=1)] = (
        "video/mp4", "video/quicktime", "video/x-msvideo", "video/x-matroska", "image/jpeg", "image/png")
    storage_dir: Text = "instance/footage"
    callback_phone: Text = "214-671-3000"
    unneeded_clip_days: Annotated[int, Field(ge=0, le=3650)] = 30

    @field_validator("upload_types")
    @classmethod
    def _media_types(cls, types: tuple[str, ...]) -> tuple[str, ...]:
        bad = [t for t in types if not _MIME.match(t.lower())]
        if bad:
            raise ValueError(f"not media types such as video/mp4: {', '.join(bad)}")
        return tuple(dict.fromkeys(t.lower() for t in types))

    @model_validator(mode="after")
    def _reminder_before_expiry(self) -> FootageSection:
        if self.reminder_days_before >= self.link_expiry_days:
            raise ValueError("footage.reminder_days_before must be smaller than footage.link_expiry_days")
        return self


class ApiSection(Section):
    tokens: tuple[Text, ...] = ()


class RegistrationSection(Section):
    auto_approve: StrictBool = False
    confirm_link_hours: Annotated[float, Field(ge=1, le=24 * 30)] = 72.0
    manage_link_hours: Annotated[float, Field(ge=0.25, le=24 * 7)] = 24.0
    reconfirm_months: Annotated[int, Field(ge=1, le=120)] = 12
    reconfirm_grace_days: Annotated[float, Field(ge=1, le=365)] = 14.0
    rate_limit: RateLimit = "20 per hour"
    rate_limit_storage: StorageUri = "memory://"
    max_cameras: Annotated[int, Field(ge=1, le=1000)] = 100


class PurposesSection(Section):
    """Why owners' data may be used. dashboard/transparency/options.py checks the values' form
    (category names, one list or one list per language) and names the key when one is wrong."""
    offense_categories: Annotated[tuple[Text, ...], Field(min_length=1)] = OFFENSE_CATEGORIES
    permitted_uses: tuple[str, ...] | dict[str, tuple[str, ...]] | None = None
    prohibited_uses: tuple[str, ...] | dict[str, tuple[str, ...]] | None = None


class TransparencySection(Section):
    cache_seconds: Annotated[float, Field(ge=0, le=86_400)] = 300.0
    rate_limit: RateLimit = "60 per minute"
    owner_history_delay_days: Annotated[int, Field(ge=0, le=3650)] = 0
    verify_max_events: Annotated[int, Field(ge=1000, le=100_000_000)] = 200_000


class RedisSection(Section):
    url: str | None = ""

    @field_validator("url")
    @classmethod
    def _redis_uri(cls, url: str | None) -> str:
        if url and not url.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be a redis://host:6379/0 (or rediss://) URL, or empty")
        return url or ""


class LiveSection(Section):
    """Live video (docs/live-video.md): grants, the emergency rule, the relay's bounds."""
    view_minutes: Annotated[float, Field(gt=0, le=24 * 60)] = 15.0
    emergency_radius_m: Annotated[float, Field(gt=0, le=10_000)] = 300.0
    connect_timeout_s: Annotated[float, Field(gt=0, le=60)] = 2.0
    read_timeout_s: Annotated[float, Field(gt=0, le=120)] = 3.0
    max_upstream_connections: Annotated[int, Field(ge=1, le=10_000)] = 64
    segment_cache_mb: Annotated[float, Field(ge=1, le=100_000)] = 64.0
    grant_check_seconds: Annotated[float, Field(ge=0, le=300)] = 3.0
    max_mjpeg_streams: Annotated[int, Field(ge=1, le=10_000)] = 8
    simulator_url: Text = "http://127.0.0.1:8060"

    @field_validator("simulator_url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        if not url.startswith(("http://", "https://")):
            raise ValueError("must be an http:// URL such as http://127.0.0.1:8060")
        return url.rstrip("/")


class ConfigFile(Section):
    """The whole file. Every section is optional; a missing key takes its default."""
    env: Literal["demo", "production"] = "demo"
    database: DatabaseSection = DatabaseSection()
    server: ServerSection = ServerSection()
    map: MapSection = MapSection()
    incidents: IncidentsSection = IncidentsSection()
    security: SecuritySection = SecuritySection()
    mail: MailSection = MailSection()
    footage: FootageSection = FootageSection()
    api: ApiSection = ApiSection()
    registration: RegistrationSection = RegistrationSection()
    redis: RedisSection = RedisSection()
    live: LiveSection = LiveSection()
    purposes: PurposesSection = PurposesSection()
    transparency: TransparencySection = TransparencySection()
