"""Labels shared by layouts and callbacks (no logic). The vocabularies themselves come from
dashboard.vocabulary, the one source every form, filter and check uses; only their labels live here."""

from dashboard.vocabulary import CAMERA_TYPES as _CAMERA_TYPES
from dashboard.vocabulary import DIVISIONS, PLACEMENTS, ROLES
from dashboard.vocabulary import OWNER_TYPES as _OWNER_TYPES

_LABELS = {"ptz": "PTZ", "lpr": "License plate reader"}


def _labelled(values: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((v, _LABELS.get(v, v.capitalize())) for v in values)


OWNER_TYPES = _labelled(_OWNER_TYPES)
CAMERA_TYPES = _labelled(_CAMERA_TYPES)
PLACEMENT_OPTIONS = _labelled(PLACEMENTS)
ROLE_LABELS = dict(_labelled(ROLES))
ACCESS_OPTIONS = (("all", "All registered cameras"), ("registered", "Registered only (no live view)"),
                  ("live", "Live access"), ("live_always", "Live: always shared"),
                  ("live_emergency", "Live: emergencies only"))
OWNER_COLOURS = ("#4cc9f0", "#f4a261", "#b5e48c", "#c77dff")  # must match assets/map.js
RETENTION_OPTIONS = (("any", "Any retention"), ("3", "3+ days"), ("7", "7+ days"), ("14", "14+ days"),
                     ("30", "30+ days"), ("60", "60+ days"), ("90", "90+ days"))
ACCESS_COLOURS = {"registered": "#4cc9f0", "live": "#00f5d4"}  # summary chart bars
FOV_CONE_ZOOM = 17  # must match assets/map.js: field-of-view cones from this zoom on

__all__ = ["DIVISIONS", "OWNER_TYPES", "CAMERA_TYPES", "PLACEMENT_OPTIONS", "ROLE_LABELS", "ACCESS_OPTIONS",
           "OWNER_COLOURS", "RETENTION_OPTIONS", "ACCESS_COLOURS", "FOV_CONE_ZOOM"]
