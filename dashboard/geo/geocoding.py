"""Pluggable geocoding for incidents that arrive without coordinates. None by default.

CAD's Active Calls feed gives a hundred block and a street ("5900", "BELT LINE RD") but no
coordinates. With a geocoder configured, such incidents are placed on the map; without one
the API requires coordinates and `replay-cad` stores them unlocated.

Configuration (read from `settings.extra["geocoder"]` until config.yaml has a key for it):

    {"provider": "table", "path": "data/blocks.csv"}     # offline: a CSV lookup table
    {"provider": "nominatim", "user_agent": "connect-dallas-ops (ops@example.org)",
     "min_delay_seconds": 1.0, "timeout": 5}               # online, through geopy

A relative `path` is resolved against the config file's folder (as `database.url` is).
"""

from __future__ import annotations

import csv
import logging
import math
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from dashboard.config import ConfigError

log = logging.getLogger(__name__)
Point = tuple[float, float]


@runtime_checkable
class Geocoder(Protocol):
    def geocode(self, block: str | None, location: str | None) -> Point | None:
        """(latitude, longitude) of a block and street in Dallas, or None when unknown."""


def address_key(block: str | None, location: str | None) -> str:
    """"5900", "Belt Line Rd." -> "5900 BELT LINE RD": case, dots, commas and spacing differ
    between CAD, exports and hand-made tables, so they are folded away before a lookup."""
    text = f"{block or ''} {location or ''}".upper().replace(".", " ").replace(",", " ")
    return " ".join(text.split())


class StaticTableGeocoder:
    """Looks "BLOCK LOCATION" up in a table. Works offline; tests and air-gapped sites use it.

    CSV columns: `block`, `location`, `latitude`, `longitude` (or `address` instead of block
    and location, e.g. "5900 BELT LINE RD").
    """

    def __init__(self, table: Mapping[str, Point]):
        self._table = {address_key(None, key): point for key, point in table.items()}

    def __len__(self) -> int:
        return len(self._table)

    def geocode(self, block: str | None, location: str | None) -> Point | None:
        return self._table.get(address_key(block, location))

    @classmethod
    def from_csv(cls, path: str | Path) -> StaticTableGeocoder:
        path = Path(path)
        try:
            with path.open(newline="", encoding="utf-8-sig") as handle:
                reader = csv.DictReader(handle)
                columns = {c.strip().lower() for c in reader.fieldnames or ()}
                _check_columns(path, columns)
                table = dict(_table_row(path, n, row) for n, row in enumerate(reader, start=2))
        except OSError as exc:
            raise ConfigError(f"geocoder.path: cannot read {path}: {exc.strerror or exc}") from None
        return cls(table)


def _check_columns(path: Path, columns: set[str]) -> None:
    has_address = "address" in columns or {"block", "location"} <= columns
    if not has_address or not {"latitude", "longitude"} <= columns:
        raise ConfigError(f"geocoder.path: {path} needs the columns block, location, latitude, longitude "
                          f"(or address, latitude, longitude); it has {', '.join(sorted(columns)) or 'none'}")


def _table_row(path: Path, number: int, row: dict) -> tuple[str, Point]:
    row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
    key = row.get("address") or address_key(row.get("block"), row.get("location"))
    try:
        lat, lon = float(row["latitude"]), float(row["longitude"])
    except ValueError:
        raise ConfigError(f"geocoder.path: {path} row {number}: latitude/longitude must be numbers") from None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise ConfigError(f"geocoder.path: {path} row {number}: latitude/longitude out of range")
    return key, (lat, lon)


class GeopyGeocoder:
    """Online geocoding through geopy (e.g. Nominatim), rate-limited and memoised.

    geopy is deliberately NOT a dependency of this project: it is imported lazily, and only
    when the configuration asks for an online provider (`pip install geopy` first). Mind the
    provider's terms: Nominatim allows one request a second and wants a real user agent.
    """

    def __init__(self, provider: str, options: Mapping[str, Any]):
        try:
            from geopy.extra.rate_limiter import RateLimiter
            from geopy.geocoders import get_geocoder_for_service
        except ImportError:
            raise ConfigError(f"geocoder.provider {provider!r} needs the geopy package, which is not "
                              "installed (pip install geopy), or use provider: table") from None
        options = dict(options)
        delay = float(options.pop("min_delay_seconds", 1.0))
        self.timeout = float(options.pop("timeout", 5.0))
        self.suffix = str(options.pop("city_suffix", ", Dallas, TX"))
        try:
            service = get_geocoder_for_service(provider)(**options)
        except Exception as exc:  # noqa: BLE001 - geopy raises several types for bad options
            raise ConfigError(f"geocoder: cannot set up {provider!r}: {exc}") from None
        self._lookup = RateLimiter(service.geocode, min_delay_seconds=delay, max_retries=1,
                                   swallow_exceptions=True, return_value_on_exception=None)
        self._cache: dict[str, Point | None] = {}
        self._lock = threading.Lock()

    def geocode(self, block: str | None, location: str | None) -> Point | None:
        key = address_key(block, (location or "").replace("/", "&"))
        if not key:
            return None
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        found = self._lookup(key + self.suffix, timeout=self.timeout)
        point = (float(found.latitude), float(found.longitude)) if found is not None else None
        with self._lock:
            self._cache[key] = point
        return point


# --- configuration ---------------------------------------------------------------------------------
_cache: dict[tuple, Geocoder] = {}
_cache_lock = threading.Lock()


def geocoder_config(settings) -> dict | None:
    """The geocoder mapping from the settings, or None when none is configured."""
    conf = (getattr(settings, "extra", None) or {}).get("geocoder")
    if conf in (None, "", False):
        return None
    if not isinstance(conf, dict):
        raise ConfigError(f"geocoder must be a mapping such as {{provider: table, path: blocks.csv}} (got {conf!r})")
    provider = conf.get("provider")
    if provider in (None, "", "none"):
        return None
    if not isinstance(provider, str):
        raise ConfigError(f"geocoder.provider must be a string (got {provider!r})")
    return conf


def make_geocoder(settings) -> Geocoder | None:
    """The configured geocoder, or None. Built once per configuration (the table again when
    its file changes), so calling this on every request is cheap."""
    conf = geocoder_config(settings)
    if conf is None:
        return None
    if conf["provider"] == "table":
        path = _table_path(settings, conf)
        try:
            stat = path.stat()
        except OSError as exc:
            raise ConfigError(f"geocoder.path: cannot read {path}: {exc.strerror or exc}") from None
        key: tuple = ("table", str(path), stat.st_mtime_ns, stat.st_size)
        build = lambda: StaticTableGeocoder.from_csv(path)  # noqa: E731
    else:
        key = ("geopy", repr(sorted(conf.items())))
        build = lambda: GeopyGeocoder(conf["provider"], {k: v for k, v in conf.items() if k != "provider"})  # noqa: E731
    with _cache_lock:
        if key not in _cache:
            _cache[key] = build()
        return _cache[key]


def _table_path(settings, conf: dict) -> Path:
    raw = conf.get("path")
    if not isinstance(raw, str) or not raw.strip():
        raise ConfigError("geocoder.path is required for provider: table (a CSV of block, location, "
                          "latitude, longitude)")
    path = Path(raw).expanduser()
    if not path.is_absolute():
        base = Path(settings.source_path).resolve().parent if getattr(settings, "source_path", "") else Path.cwd()
        path = base / path
    return path
