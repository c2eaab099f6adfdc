"""The snapshot's column layout: its categorical columns and the dtype of each base column.
Apart from dashboard.registry.snapshot so that dashboard.registry.frames (pandas, rows -> columns)
and the snapshot share it without importing each other."""

from __future__ import annotations

import numpy as np

from dashboard.vocabulary import CAMERA_TYPES, DIVISIONS, LIVE_SHARING, OWNER_TYPES, PLACEMENTS

CATEGORIES = {
    "division": DIVISIONS,
    "owner_type": OWNER_TYPES,
    "camera_type": CAMERA_TYPES,
    "placement": PLACEMENTS,
    "live_sharing": LIVE_SHARING,  # the owner's choice; filtered through the mask, not the combo code
}

# The snapshot's columns, one array each, row i = one active camera, sorted by `morton`. The
# base columns are what the database says; the derived ones are computed from them once per
# version. Both are what dashboard/registry/shared.py writes to a file and every worker maps.
BASE_COLUMNS = {
    "camera_id": np.int64, "site_id": np.int64, "owner_id": np.int64, "lat": np.float64, "lon": np.float64,
    **{name: np.int8 for name in CATEGORIES}, "live": np.bool_, "retention_days": np.int32,
    "registered_s": np.int64, "verified": np.bool_, "direction": np.float64, "fov": np.float64,
    "range_m": np.float64, "beat_code": np.int32, "morton": np.uint64,
}
