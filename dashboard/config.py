"""Load, override and validate the configuration.

Every bad value raises ConfigError naming the key, so the CLI can stop with one clear line
instead of a traceback.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_PATH = REPO_ROOT / "config.yaml"
ENVIRONMENTS = ("demo", "production")


class ConfigError(ValueError):
    """A configuration value is missing or invalid; the message names the key."""


@dataclass(frozen=True)
class Settings:
    env: str = "demo"
    database_url: str = "sqlite:///instance/connect_dallas.db"
    host: str = "127.0.0.1"
    port: int = 8050
    map_center: tuple[float, float] = (32.7767, -96.7970)
    map_zoom: int = 11
    map_min_zoom: int = 9
    tile_url: str = "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png"
    tile_attribution: str = "&copy; OpenStreetMap contributors"
    cluster_cell_px: int = 64
    points_max_zoom: int = 17
    poll_interval_seconds: float = 5.0
    service_area_margin_m: float = 2000.0
    max_page_size: int = 5000
    cleared_visible_minutes: float = 30.0
    session_idle_minutes: float = 30.0
    lockout_threshold: int = 5
    lockout_minutes: float = 30.0
    mfa: bool = False
    owner_reveal_seconds: int = 120
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_starttls: bool = False
    smtp_sender: str = "CONNECT DALLAS <connect-dallas@dallaspolice.example.gov>"
    smtp_password: str = ""
    mail_interval_seconds: float = 15.0
    public_base_url: str = "http://127.0.0.1:8050"
    footage_max_window_hours: float = 2.0
    footage_link_expiry_days: int = 14
    footage_reminder_days_before: int = 3
    footage_upload_max_mb: int = 200
    footage_upload_types: tuple[str, ...] = ("video/mp4", "video/quicktime", "video/x-msvideo", "video/x-matroska",
                                             "image/jpeg", "image/png")
    footage_storage_dir: str = "instance/footage"
    footage_callback_phone: str = "214-671-3000"
    footage_unneeded_clip_days: int = 30   # clips of a case closed "not needed" are deleted after this (0: kept)
    api_tokens: tuple[str, ...] = ()
    # public registration portal (/register); see the registration: section of config.yaml
    registration_auto_approve: bool = False
    registration_confirm_link_hours: float = 72.0
    registration_manage_link_hours: float = 24.0
    registration_reconfirm_months: int = 12
    registration_reconfirm_grace_days: float = 14.0
    registration_rate_limit: str = "20 per hour"
    registration_rate_limit_storage: str = "memory://"  # Flask-Limiter storage URI (per process in memory)
    registration_max_cameras: int = 100
    secret_key: str = ""
    source_path: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_demo(self) -> bool:
        return self.env == "demo"


def _get(tree: dict, dotted: str, default: Any) -> Any:
    node: Any = tree
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return default if node is None and default is not None else node


def _number(key: str, value: Any, kind: type, lo: float | None = None, hi: float | None = None):
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ConfigError(f"{key} must be a number (got {value!r})")
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{key} must be a number (got {value!r})") from None
    if kind is int and isinstance(value, float) and not value.is_integer():
        raise ConfigError(f"{key} must be a whole number (got {value!r})")
    if (lo is not None and number < lo) or (hi is not None and number > hi):
        raise ConfigError(f"{key} must be between {lo} and {hi} (got {value!r})")
    return number


def _bool(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise ConfigError(f"{key} must be true or false (got {value!r})")


def _str(key: str, value: Any, allow_empty: bool = True) -> str:
    if not isinstance(value, str) or (not allow_empty and not value.strip()):
        raise ConfigError(f"{key} must be a {'non-empty ' if not allow_empty else ''}string (got {value!r})")
    return value


_RATE_LIMIT = re.compile(r"^\s*[1-9][0-9]*\s*(/|per)\s*([1-9][0-9]*\s*)?(second|minute|hour|day)s?\s*$", re.I)


def _rate_limit(key: str, value: Any) -> str:
    text = _str(key, value, allow_empty=False)
    if not _RATE_LIMIT.match(text):
        raise ConfigError(f'{key} must look like "20 per hour" or "5/minute" (got {value!r})')
    return text.strip()


# Flask-Limiter's storage schemes (limits.storage); all but memory need their client package installed.
_LIMITER_SCHEMES = ("memory", "redis", "rediss", "redis+sentinel", "redis+cluster", "valkey", "valkeys",
                    "memcached", "mongodb", "mongodb+srv")


def _limiter_storage(key: str, value: Any) -> str:
    uri = _str(key, value, allow_empty=False).strip()
    scheme, sep, _ = uri.partition("://")
    if not sep or scheme.lower() not in _LIMITER_SCHEMES:
        raise ConfigError(f"{key} must be a storage URI such as memory:// or redis://host:6379 "
                          f"(schemes: {', '.join(_LIMITER_SCHEMES)}; got {value!r})")
    return uri


def _database_url(key: str, value: Any, base: Path) -> str:
    url = _str(key, value, allow_empty=False)
    if not url.startswith(("sqlite:", "postgresql")):
        raise ConfigError(f"{key} must be a sqlite:/// or postgresql+psycopg:// URL (got {url!r})")
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != "sqlite://" and ":memory:" not in url:
        url = prefix + str((base / url[len(prefix):]).resolve())
    return url


_MIME = re.compile(r"^[a-z]+/[a-z0-9.+-]+$")


def _footage(raw: dict, d: Settings, base: Path) -> dict[str, Any]:
    """The `footage:` section (footage requests to camera owners)."""
    types = _get(raw, "footage.upload_types", list(d.footage_upload_types))
    if not isinstance(types, list | tuple) or not types or not all(isinstance(t, str) and _MIME.match(t.lower())
                                                                   for t in types):
        raise ConfigError("footage.upload_types must be a non-empty list of media types such as video/mp4")
    storage = _str("footage.storage_dir", _get(raw, "footage.storage_dir", d.footage_storage_dir), allow_empty=False)
    values = dict(
        footage_max_window_hours=_number("footage.max_window_hours",
                                         _get(raw, "footage.max_window_hours", d.footage_max_window_hours),
                                         float, 0.25, 24),
        footage_link_expiry_days=_number("footage.link_expiry_days",
                                         _get(raw, "footage.link_expiry_days", d.footage_link_expiry_days), int, 1, 365),
        footage_reminder_days_before=_number("footage.reminder_days_before",
                                             _get(raw, "footage.reminder_days_before", d.footage_reminder_days_before),
                                             int, 0, 364),
        footage_upload_max_mb=_number("footage.upload_max_mb",
                                      _get(raw, "footage.upload_max_mb", d.footage_upload_max_mb), int, 1, 10_000),
        footage_upload_types=tuple(dict.fromkeys(t.lower() for t in types)),
        footage_storage_dir=str((base / storage).resolve()),
        footage_callback_phone=_str("footage.callback_phone",
                                    _get(raw, "footage.callback_phone", d.footage_callback_phone), allow_empty=False),
        footage_unneeded_clip_days=_number("footage.unneeded_clip_days",
                                           _get(raw, "footage.unneeded_clip_days", d.footage_unneeded_clip_days),
                                           int, 0, 3650),
    )
    if values["footage_reminder_days_before"] >= values["footage_link_expiry_days"]:
        raise ConfigError("footage.reminder_days_before must be smaller than footage.link_expiry_days")
    return values


def load_settings(path: str | os.PathLike | None = None, overrides: dict[str, Any] | None = None,
                  environ: dict[str, str] | None = None) -> Settings:
    """Read the YAML file, apply environment overrides, validate every key.

    `overrides` are flat Settings field names (tests use them); they win over everything.
    """
    environ = dict(os.environ if environ is None else environ)
    path = Path(path or environ.get("CONNECT_DALLAS_CONFIG") or DEFAULT_CONFIG_PATH)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path} must hold a mapping of settings")
    base = path.resolve().parent
    d = Settings()

    env = _get(raw, "env", d.env)
    if env not in ENVIRONMENTS:
        raise ConfigError(f"env must be one of {', '.join(ENVIRONMENTS)} (got {env!r})")

    center = _get(raw, "map.center", list(d.map_center))
    if not isinstance(center, list | tuple) or len(center) != 2:
        raise ConfigError(f"map.center must be [latitude, longitude] (got {center!r})")
    lat = _number("map.center[0] (latitude)", center[0], float, -90, 90)
    lon = _number("map.center[1] (longitude)", center[1], float, -180, 180)

    tokens = _get(raw, "api.tokens", [])
    if not isinstance(tokens, list) or not all(isinstance(t, str) and t for t in tokens):
        raise ConfigError("api.tokens must be a list of non-empty strings")
    env_tokens = [t.strip() for t in environ.get("CAD_API_TOKENS", "").split(",") if t.strip()]

    values: dict[str, Any] = dict(
        env=env,
        database_url=_database_url("database.url", environ.get("DATABASE_URL") or _get(raw, "database.url", d.database_url), base),
        host=_str("server.host", environ.get("HOST") or _get(raw, "server.host", d.host), allow_empty=False),
        port=_number("PORT" if environ.get("PORT") else "server.port",
                     environ.get("PORT") or _get(raw, "server.port", d.port), int, 1, 65535),
        map_center=(lat, lon),
        map_zoom=_number("map.zoom", _get(raw, "map.zoom", d.map_zoom), int, 1, 20),
        map_min_zoom=_number("map.min_zoom", _get(raw, "map.min_zoom", d.map_min_zoom), int, 1, 20),
        tile_url=_str("map.tiles.url", _get(raw, "map.tiles.url", d.tile_url) or ""),
        tile_attribution=_str("map.tiles.attribution", _get(raw, "map.tiles.attribution", d.tile_attribution) or ""),
        cluster_cell_px=_number("map.cluster_cell_px", _get(raw, "map.cluster_cell_px", d.cluster_cell_px), int, 16, 256),
        points_max_zoom=_number("map.points_max_zoom", _get(raw, "map.points_max_zoom", d.points_max_zoom), int, 10, 22),
        poll_interval_seconds=_number("incidents.poll_interval_seconds",
                                      _get(raw, "incidents.poll_interval_seconds", d.poll_interval_seconds), float, 0.5, 3600),
        service_area_margin_m=_number("incidents.service_area_margin_m",
                                      _get(raw, "incidents.service_area_margin_m", d.service_area_margin_m), float, 0, 100_000),
        cleared_visible_minutes=_number("incidents.cleared_visible_minutes",
                                        _get(raw, "incidents.cleared_visible_minutes", d.cleared_visible_minutes),
                                        float, 0, 24 * 60),
        max_page_size=_number("incidents.max_page_size", _get(raw, "incidents.max_page_size", d.max_page_size), int, 1, 100_000),
        session_idle_minutes=_number("security.session_idle_minutes",
                                     _get(raw, "security.session_idle_minutes", d.session_idle_minutes), float, 1, 24 * 60),
        lockout_threshold=_number("security.lockout_threshold",
                                  _get(raw, "security.lockout_threshold", d.lockout_threshold), int, 1, 100),
        lockout_minutes=_number("security.lockout_minutes", _get(raw, "security.lockout_minutes", d.lockout_minutes),
                                float, 1, 7 * 24 * 60),
        mfa=_bool("security.mfa", _get(raw, "security.mfa", d.mfa)),
        owner_reveal_seconds=_number("security.owner_reveal_seconds",
                                     _get(raw, "security.owner_reveal_seconds", d.owner_reveal_seconds), int, 10, 3600),
        api_tokens=tuple(dict.fromkeys([*tokens, *env_tokens])),
        smtp_host=_str("mail.smtp_host", _get(raw, "mail.smtp_host", d.smtp_host), allow_empty=False),
        smtp_port=_number("mail.smtp_port", _get(raw, "mail.smtp_port", d.smtp_port), int, 1, 65535),
        smtp_username=_str("mail.smtp_username", _get(raw, "mail.smtp_username", d.smtp_username) or ""),
        smtp_starttls=_bool("mail.smtp_starttls", _get(raw, "mail.smtp_starttls", d.smtp_starttls)),
        smtp_sender=_str("mail.sender", _get(raw, "mail.sender", d.smtp_sender), allow_empty=False),
        smtp_password=environ.get("SMTP_PASSWORD", ""),
        mail_interval_seconds=_number("mail.send_interval_seconds",
                                      _get(raw, "mail.send_interval_seconds", d.mail_interval_seconds),
                                      float, 1, 3600),
        public_base_url=_str("server.public_base_url",
                             environ.get("PUBLIC_BASE_URL") or _get(raw, "server.public_base_url", d.public_base_url),
                             allow_empty=False).rstrip("/"),
        registration_auto_approve=_bool("registration.auto_approve",
                                        _get(raw, "registration.auto_approve", d.registration_auto_approve)),
        registration_confirm_link_hours=_number(
            "registration.confirm_link_hours",
            _get(raw, "registration.confirm_link_hours", d.registration_confirm_link_hours), float, 1, 24 * 30),
        registration_manage_link_hours=_number(
            "registration.manage_link_hours",
            _get(raw, "registration.manage_link_hours", d.registration_manage_link_hours), float, 0.25, 24 * 7),
        registration_reconfirm_months=_number(
            "registration.reconfirm_months",
            _get(raw, "registration.reconfirm_months", d.registration_reconfirm_months), int, 1, 120),
        registration_reconfirm_grace_days=_number(
            "registration.reconfirm_grace_days",
            _get(raw, "registration.reconfirm_grace_days", d.registration_reconfirm_grace_days), float, 1, 365),
        registration_rate_limit=_rate_limit("registration.rate_limit",
                                            _get(raw, "registration.rate_limit", d.registration_rate_limit)),
        registration_rate_limit_storage=_limiter_storage(
            "registration.rate_limit_storage",
            environ.get("RATE_LIMIT_STORAGE") or _get(raw, "registration.rate_limit_storage",
                                                      d.registration_rate_limit_storage)),
        registration_max_cameras=_number("registration.max_cameras",
                                         _get(raw, "registration.max_cameras", d.registration_max_cameras),
                                         int, 1, 1000),
        secret_key=environ.get("SECRET_KEY", ""),
        source_path=str(path),
    )
    values.update(_footage(raw, d, base))
    geocoder = _get(raw, "incidents.geocoder", None)
    if geocoder is not None:
        if not isinstance(geocoder, dict) or geocoder.get("provider") not in ("table", "nominatim"):
            raise ConfigError("incidents.geocoder must be a mapping with provider: table or nominatim")
        if geocoder["provider"] == "table":
            path_value = _str("incidents.geocoder.path", geocoder.get("path"), allow_empty=False)
            geocoder = {**geocoder, "path": str((base / path_value).resolve())}
    values["extra"] = {"geocoder": geocoder} if geocoder else {}
    if values["cluster_cell_px"] & (values["cluster_cell_px"] - 1):
        # cells must nest in the quadtree so each is one slice of the Morton-sorted registry
        raise ConfigError(f"map.cluster_cell_px must be a power of two: 16, 32, 64, 128 or 256 "
                          f"(got {values['cluster_cell_px']})")
    if values["map_min_zoom"] > values["map_zoom"]:
        raise ConfigError("map.min_zoom must not be larger than map.zoom")
    if overrides:
        unknown = set(overrides) - set(Settings.__dataclass_fields__)
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        values.update(overrides)
    if values["env"] == "production" and len(values["secret_key"]) < 32:
        raise ConfigError("SECRET_KEY must be set (at least 32 characters) when env is production")
    return Settings(**values)
