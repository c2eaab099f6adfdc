"""Labels shared by layouts and callbacks (no logic, no imports of our services)."""

DIVISIONS = ("CENTRAL", "NORTHEAST", "SOUTHEAST", "SOUTHWEST", "NORTHWEST", "NORTH CENTRAL", "SOUTH CENTRAL")
OWNER_TYPES = (("resident", "Resident"), ("business", "Business"), ("organization", "Organization"),
               ("government", "Government"))
CAMERA_TYPES = (("doorbell", "Doorbell"), ("dome", "Dome"), ("bullet", "Bullet"), ("ptz", "PTZ"),
                ("panoramic", "Panoramic"), ("lpr", "License plate reader"))
ACCESS_OPTIONS = (("all", "All registered cameras"), ("registered", "Registered only (no live view)"),
                  ("live", "Live access"))
OWNER_COLOURS = ("#4cc9f0", "#f4a261", "#b5e48c", "#c77dff")  # must match assets/map.js
PRIORITY_LABELS = {1: "P1 · emergency", 2: "P2 · urgent", 3: "P3 · general", 4: "P4 · non-urgent"}
ROLE_LABELS = {"analyst": "Analyst", "detective": "Detective", "supervisor": "Supervisor", "admin": "Admin"}
PLACEMENT_OPTIONS = (("outdoor", "Outdoor"), ("indoor", "Indoor"))
RETENTION_OPTIONS = (("any", "Any retention"), ("3", "3+ days"), ("7", "7+ days"), ("14", "14+ days"),
                     ("30", "30+ days"), ("60", "60+ days"), ("90", "90+ days"))
ACCESS_COLOURS = {"registered": "#4cc9f0", "live": "#00f5d4"}  # summary chart bars
FOV_CONE_ZOOM = 17  # must match assets/map.js: field-of-view cones from this zoom on
