"""The live-video settings, with their defaults.

Read from the configuration's `live:` and `purposes:` sections (dashboard/config_schema.py, on
Settings as `settings.live` and `settings.purposes`); a LiveSettings built by hand (tests) takes
the same defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from dashboard.vocabulary import OFFENSE_CATEGORIES, category_key

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
    simulator_url: str = "http://127.0.0.1:8060"  # the demo camera simulator

    @property
    def segment_cache_bytes(self) -> int:
        return int(self.segment_cache_mb * 1024 * 1024)


def live_settings(settings: Any = None) -> LiveSettings:
    """LiveSettings from the loaded configuration (`settings.live`, `settings.purposes`: the
    schema's frozen sections), falling back to the defaults."""
    if settings is None:
        return LiveSettings()
    if isinstance(settings, LiveSettings):
        return settings
    live, purposes = getattr(settings, "live", None), getattr(settings, "purposes", None)
    values: dict[str, Any] = {}
    for f in fields(LiveSettings):
        value = getattr(live, f.name, None)
        if value is not None:
            values[f.name] = type(f.default)(value)
    if purposes is not None and purposes.offense_categories:
        # stored as keys, like the audit event's category ('Vehicle crimes' -> 'vehicle_crimes')
        values["offense_categories"] = tuple(dict.fromkeys(category_key(c) for c in purposes.offense_categories))
    return LiveSettings(**values)
