"""Load the configuration: the YAML file (optional), environment overrides, the schema.

The schema (dashboard/config_schema.py) holds every key, its type, range and default; this
module reads the file, applies the environment overrides of docs/interfaces.md and turns any
problem into a ConfigError naming the key, so the CLI can stop with one clear line instead of a
traceback. The rest of the code reads the flat, frozen `Settings`.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from dashboard.config_schema import ConfigFile, LiveSection, PurposesSection

CONFIG_FILE_NAME = "config.yaml"

# Environment variables that replace a key of the file (docs/interfaces.md): name -> key path.
ENV_OVERRIDES = {
    "DATABASE_URL": ("database", "url"),
    "HOST": ("server", "host"),
    "PORT": ("server", "port"),
    "PUBLIC_BASE_URL": ("server", "public_base_url"),
    "SMTP_HOST": ("mail", "smtp_host"),
    "RATE_LIMIT_STORAGE": ("registration", "rate_limit_storage"),
    "REDIS_URL": ("redis", "url"),
}


class ConfigError(ValueError):
    """A configuration value is missing or invalid; the message names the key."""


@dataclass(frozen=True)
class Settings:
    """The validated configuration, flat. Defaults live in the schema, not here."""
    env: str
    database_url: str
    host: str
    port: int
    public_base_url: str
    map_center: tuple[float, float]
    map_zoom: int
    map_min_zoom: int
    tile_url: str
    tile_attribution: str
    cluster_cell_px: int
    points_max_zoom: int
    poll_interval_seconds: float
    service_area_margin_m: float
    max_page_size: int
    cleared_visible_minutes: float
    session_idle_minutes: float
    lockout_threshold: int
    lockout_minutes: float
    mfa: bool
    owner_reveal_seconds: int
    smtp_host: str
    smtp_port: int
    smtp_username: str
    smtp_starttls: bool
    smtp_sender: str
    mail_interval_seconds: float
    mail_claim_timeout_seconds: float  # a message claimed longer ago than this is taken back (dead worker)
    footage_max_window_hours: float
    footage_link_expiry_days: int
    footage_reminder_days_before: int
    footage_upload_max_mb: int
    footage_upload_types: tuple[str, ...]
    footage_storage_dir: str
    footage_callback_phone: str
    footage_unneeded_clip_days: int
    api_tokens: tuple[str, ...]
    registration_auto_approve: bool
    registration_confirm_link_hours: float
    registration_manage_link_hours: float
    registration_reconfirm_months: int
    registration_reconfirm_grace_days: float
    registration_rate_limit: str
    registration_rate_limit_storage: str
    registration_max_cameras: int
    redis_url: str            # REDIS_URL: state shared by every process (docs/interfaces.md); "" = none
    secret_key: str           # SECRET_KEY (environment only)
    smtp_password: str        # SMTP_PASSWORD (environment only)
    source_path: str          # the config file read, "" when none
    base_dir: str             # relative paths (sqlite, footage, geocoder table) resolve against it
    extra: dict[str, Any]     # transparency; geocoder when incidents.geocoder is set
    live: LiveSection = LiveSection()              # the `live:` section as it is (frozen)
    purposes: PurposesSection = PurposesSection()  # the `purposes:` section (offense_categories)

    @property
    def is_demo(self) -> bool:
        return self.env == "demo"

    @property
    def demo_mailbox(self) -> bool:
        """Demo mode without an SMTP host: email is kept for the demo mailbox (/demo/mail), so a
        newcomer's confirmation link arrives without a mail server."""
        return self.is_demo and not self.smtp_host

    @property
    def instance_dir(self) -> str:
        """Where the app keeps its own files (the demo's secret key, the SQLite demo database)."""
        return str(Path(self.base_dir) / "instance")


def _flat(cfg: ConfigFile) -> dict[str, Any]:
    """The schema's nested keys -> Settings' flat names (kept from before the schema existed)."""
    m, inc, sec, mail, fo, reg = cfg.map, cfg.incidents, cfg.security, cfg.mail, cfg.footage, cfg.registration
    return dict(
        env=cfg.env, database_url=cfg.database.url, host=cfg.server.host, port=cfg.server.port,
        public_base_url=cfg.server.public_base_url,
        map_center=m.center, map_zoom=m.zoom, map_min_zoom=m.min_zoom, tile_url=m.tiles.url or "",
        tile_attribution=m.tiles.attribution or "", cluster_cell_px=m.cluster_cell_px,
        points_max_zoom=m.points_max_zoom,
        poll_interval_seconds=inc.poll_interval_seconds, service_area_margin_m=inc.service_area_margin_m,
        max_page_size=inc.max_page_size, cleared_visible_minutes=inc.cleared_visible_minutes,
        session_idle_minutes=sec.session_idle_minutes, lockout_threshold=sec.lockout_threshold,
        lockout_minutes=sec.lockout_minutes, mfa=sec.mfa, owner_reveal_seconds=sec.owner_reveal_seconds,
        smtp_host=mail.smtp_host, smtp_port=mail.smtp_port, smtp_username=mail.smtp_username or "",
        smtp_starttls=mail.smtp_starttls, smtp_sender=mail.sender, mail_interval_seconds=mail.send_interval_seconds,
        mail_claim_timeout_seconds=mail.claim_timeout_seconds,
        footage_max_window_hours=fo.max_window_hours, footage_link_expiry_days=fo.link_expiry_days,
        footage_reminder_days_before=fo.reminder_days_before, footage_upload_max_mb=fo.upload_max_mb,
        footage_upload_types=fo.upload_types, footage_storage_dir=fo.storage_dir,
        footage_callback_phone=fo.callback_phone, footage_unneeded_clip_days=fo.unneeded_clip_days,
        api_tokens=cfg.api.tokens,
        registration_auto_approve=reg.auto_approve, registration_confirm_link_hours=reg.confirm_link_hours,
        registration_manage_link_hours=reg.manage_link_hours, registration_reconfirm_months=reg.reconfirm_months,
        registration_reconfirm_grace_days=reg.reconfirm_grace_days, registration_rate_limit=reg.rate_limit,
        registration_rate_limit_storage=reg.rate_limit_storage, registration_max_cameras=reg.max_cameras,
        redis_url=cfg.redis.url or "",
        live=cfg.live, purposes=cfg.purposes,
    )


def public_base_url_for(host: str, port: int) -> str:
    """The address links in emails start with when none is configured: this server's own, so a
    demo served on another PORT sends working links (a wildcard bind is reached at 127.0.0.1)."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104 (reading a bind address)
    if ":" in shown:
        shown = f"[{shown}]"  # an IPv6 literal
    return f"http://{shown}:{port}"


def _known_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    """The keys the schema knows at `loc`'s parent (for "did you mean")."""
    for part in loc[:-1]:
        field = model.model_fields.get(str(part)) if isinstance(part, str) else None
        annotation = getattr(field, "annotation", None)
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return list(model.model_fields)


def _describe(exc: ValidationError, env_keys: dict[tuple, str]) -> str:
    problems = []
    for err in exc.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p in ("table", "nominatim")))
        key = ".".join(str(p) for p in loc if isinstance(p, str)) or "the file"
        source = env_keys.get(loc)
        where = f"{source} (environment, for {key})" if source else key
        if err["type"] == "extra_forbidden":
            close = difflib.get_close_matches(str(loc[-1]), _known_keys(ConfigFile, loc), n=1)
            hint = f" (did you mean {'.'.join([*map(str, loc[:-1]), close[0]])}?)" if close else ""
            problems.append(f"unknown key {key}{hint}")
            continue
        message = err["msg"].removeprefix("Value error, ")
        got = err.get("input")
        shown = f" (got {got!r})" if not isinstance(got, dict) and err["type"] != "missing" else ""
        problems.append(f"{where}: {message}{shown}")
    return "; ".join(problems)


def _resolve(base: Path, value: str) -> str:
    path = Path(value).expanduser()
    return str(path if path.is_absolute() else (base / path).resolve())


def _sqlite_against(base: Path, url: str) -> str:
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
        return prefix + _resolve(base, url[len(prefix):])
    return url


def _read_file(path: Path) -> dict:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path} must hold a mapping of settings")
    return raw


def default_config_path(environ: dict[str, str]) -> Path | None:
    """CONNECT_DALLAS_CONFIG, else ./config.yaml when the working directory has one, else none
    (an installed app runs on the schema's defaults and the environment)."""
    if environ.get("CONNECT_DALLAS_CONFIG"):
        return Path(environ["CONNECT_DALLAS_CONFIG"])
    here = Path.cwd() / CONFIG_FILE_NAME
    return here if here.is_file() else None


def load_settings(path: str | os.PathLike | None = None, overrides: dict[str, Any] | None = None,
                  environ: dict[str, str] | None = None) -> Settings:
    """Read the YAML file, apply environment overrides, validate every key.

    `overrides` are flat Settings field names (tests use them); they win over everything.
    """
    environ = dict(os.environ if environ is None else environ)
    config_path = Path(path) if path else default_config_path(environ)
    raw = _read_file(config_path) if config_path else {}
    base = config_path.resolve().parent if config_path else Path.cwd()
    env_keys: dict[tuple, str] = {}
    for name, (section, key) in ENV_OVERRIDES.items():
        if environ.get(name):
            node = raw.setdefault(section, {})
            if isinstance(node, dict):
                node[key] = environ[name]
                env_keys[(section, key)] = name
    try:
        cfg = ConfigFile.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, env_keys)) from None

    values = _flat(cfg)
    env_tokens = [t.strip() for t in environ.get("CAD_API_TOKENS", "").split(",") if t.strip()]
    storage = values["registration_rate_limit_storage"]
    if cfg.redis.url and "rate_limit_storage" not in cfg.registration.model_fields_set:
        storage = cfg.redis.url  # REDIS_URL: rate limits are shared by every process unless said otherwise
    values.update(
        database_url=_sqlite_against(base, cfg.database.url),
        footage_storage_dir=_resolve(base, cfg.footage.storage_dir),
        api_tokens=tuple(dict.fromkeys([*cfg.api.tokens, *env_tokens])),
        registration_rate_limit_storage=storage,
        secret_key=environ.get("SECRET_KEY", ""),
        smtp_password=environ.get("SMTP_PASSWORD", ""),
        source_path=str(config_path or ""),
        base_dir=str(base),
        # purposes and transparency: their values' form is checked by dashboard/transparency/options.py
        extra={"transparency": cfg.transparency.model_dump()},
    )
    geocoder = cfg.incidents.geocoder
    if geocoder is not None:
        conf = geocoder.model_dump(exclude_none=True)
        if conf["provider"] == "table":
            conf["path"] = _resolve(base, conf["path"])
        values["extra"]["geocoder"] = conf
    if overrides:
        unknown = set(overrides) - {f.name for f in fields(Settings)}
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        values.update(overrides)
    if not values["public_base_url"]:
        values["public_base_url"] = public_base_url_for(values["host"], values["port"])
    if values["env"] == "production" and len(values["secret_key"]) < 32:
        raise ConfigError("SECRET_KEY must be set (at least 32 characters) when env is production")
    return Settings(**values)
