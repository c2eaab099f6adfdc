"""The registry's vocabularies: one source for every module, form, filter and check that names them."""

import re

OWNER_TYPES = ("resident", "business", "organization", "government")
CAMERA_TYPES = ("doorbell", "dome", "bullet", "ptz", "panoramic", "lpr")
PLACEMENTS = ("outdoor", "indoor")
CAMERA_STATUSES = ("pending", "active", "rejected", "withdrawn", "inactive")
ROLES = ("analyst", "detective", "supervisor", "admin")
DIVISIONS = ("CENTRAL", "NORTHEAST", "SOUTHEAST", "SOUTHWEST", "NORTHWEST", "NORTH CENTRAL", "SOUTH CENTRAL")
LIVE_SHARING = ("none", "emergency", "always")  # the owner's choice for a live-access camera (docs/interfaces.md)
PURPOSE_KINDS = ("incident", "case")  # why a live view is opened: an open CAD incident, or a case
# Default purposes (config `purposes.offense_categories` replaces them): short keys in the spirit of
# the NIBRS offense groups; the transparency report and audit log show their translated labels.
OFFENSE_CATEGORIES = ("homicide", "robbery", "burglary", "assault", "theft", "vehicle_crimes", "missing_person",
                      "traffic_fatality", "other")


def category_key(value: str) -> str:
    """An offense category as stored in config, audit events and live grants: 'Vehicle crimes' ->
    'vehicle_crimes'. The one normalisation (transparency options, live settings, forms)."""
    return re.sub(r"[\s-]+", "_", str(value).strip().lower())
