"""The registry's vocabularies: one source for every module, form, filter and check that names them."""

OWNER_TYPES = ("resident", "business", "organization", "government")
CAMERA_TYPES = ("doorbell", "dome", "bullet", "ptz", "panoramic", "lpr")
PLACEMENTS = ("outdoor", "indoor")
CAMERA_STATUSES = ("pending", "active", "rejected", "withdrawn", "inactive")
ROLES = ("analyst", "detective", "supervisor", "admin")
DIVISIONS = ("CENTRAL", "NORTHEAST", "SOUTHEAST", "SOUTHWEST", "NORTHWEST", "NORTH CENTRAL", "SOUTH CENTRAL")
LIVE_SHARING = ("none", "emergency", "always")  # the owner's choice for a live-access camera (docs/interfaces.md)
PURPOSE_KINDS = ("incident", "case")  # why a live view is opened: an open CAD incident, or a case
