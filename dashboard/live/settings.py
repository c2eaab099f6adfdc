"""The live-video settings, with their defaults.

Read from the configuration's `live:` and `purposes:` sections when the loaded Settings carry
them (in `extra`, or as attributes once the strict schema names them); every key has a default,
so a configuration without them runs the feature as docs/interfaces.md describes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Any

from dashboard.vocabulary import OFFENSE_CATEGORIES

DEFAULT_OFFENSE_CATEGORIES = OFFENSE_CATEGORIES  # one source: dashboard/vocabulary.py


@dataclass(frozen=True)
class LiveSettings:
    view_minutes: float = 15.0             # a grant's lifetime; renewable while its purpose holds
    emergency_radius_m: float = 300.0      # `emergency` cameras are live only this close to an open P1/P2
    offense_categories: tuple[str, ...] = DEFAULT_OFFENSE_CATEGORIES
    connect_timeout_s: float = 2.0         # upstream (device) connect timeout
    read_timeout_s: float = 3.0            # upstream read timeout: a silent device is "offline" after this
    max_upstream_connections: int = 64     # concurrent upstream requests per process
    segment_cache_mb: float = 64.0         # HLS segments shared between viewers (LRU, bounded in bytes)
    grant_check_seconds: float = 3.0       # how long a relay process trusts its last check of a grant
    # each open multipart response holds a server thread for as long as it plays: at most this many
    # per process; beyond it viewers are told to poll the frame.jpg snapshot instead
    max_mjpeg_streams: int = 8

    @property
    def segment_cache_bytes(self) -> int:
        return int(self.segment_cache_mb * 1024 * 1024)


def _section(settings: Any, name: str) -> dict:
    extra = getattr(settings, "extra", None) or {}
    section = extra.get(name) if isinstance(extra, dict) else None
    return section if isinstance(section, dict) else {}


def live_settings(settings: Any = None) -> LiveSettings:
    """LiveSettings from the loaded configuration (`settings`), falling back to the defaults."""
    if settings is None:
        return LiveSettings()
    if isinstance(settings, LiveSettings):
        return settings
    live = _section(settings, "live")
    values: dict[str, Any] = {}
    for f in fields(LiveSettings):
        if f.name == "offense_categories":
            continue
        value = live.get(f.name, getattr(settings, f"live_{f.name}", None))
        if value is not None:
            values[f.name] = type(f.default)(value)
    categories = _section(settings, "purposes").get("offense_categories",
                                                    getattr(settings, "purposes_offense_categories", None))
    if categories:  # stored as keys, like the audit event's category ('Vehicle crimes' -> 'vehicle_crimes')
        values["offense_categories"] = tuple(dict.fromkeys(re.sub(r"[\s-]+", "_", str(c).strip().lower())
                                                           for c in categories))
    return LiveSettings(**values)
