"""The camera canvass: which registered cameras investigators should ask first, and the
audited CSV export of that list for the case file.

Plain Python over the registry snapshot and SQLAlchemy; nothing here knows about Flask or
Dash (the REST API and the dashboard both call these functions).

Ranking (`rank_cameras`, `rank_in_shape`), documented and simple
--------------------------------------------------------------------
For every candidate camera:

* ``hours_left = retention_days * 24 - hours elapsed since the reference time`` (the incident's
  time; elapsed time is never counted below zero, so an incident stamped slightly in the future
  by a drifting CAD clock keeps the full retention). ``hours_left <= 0``: the footage of that
  moment has already been overwritten (``overwritten``); ``0 < hours_left <= 48``: ``urgent``.
* ``faces`` is True when the point lies inside the camera's field-of-view cone and range, False
  when it does not, None when the camera's direction is unknown.
* ``score`` is a small integer class, higher first:

  ====  ===========================================
   3    faces the point, and urgent
   2    faces the point
   1    does not face it (or unknown), but urgent
   0    does not face it (or unknown)
  -1    footage already overwritten (listed last, whatever else is true)
  ====  ===========================================

* order: score descending, then distance ascending, then camera id ascending (deterministic);
  ``rank`` is 1-based.

Candidates for an incident are every active camera within ``radius_m`` (up to
``MAX_CANDIDATES`` nearest, far more than a street-level radius holds), ranked, then cut to
``k``: a camera facing the incident is never lost because closer cameras fill the first k.

The export (`canvass_csv`)
--------------------------
Plain CSV (``CSV_COLUMNS``). Owner columns (``OWNER_COLUMNS``) are added only when asked for,
and only for a role with ``reveal_owner`` that gives a valid case number, offense category
(``purposes.offense_categories``) and reason, the same rules as the single-owner reveal
(dashboard.owners); the audit event records the category:

* permission is checked FIRST. A role that may not export (no ``view_map``), or may not see
  owners but asked for them, gets ``PermissionDenied`` and the attempt is written as audit event
  ``canvass_export`` / outcome ``denied`` in its own transaction before the exception is raised;
* bad input raises ``CanvassInputError`` (message for the user, ``field`` names the parameter),
  an unknown incident ``IncidentNotFound``; neither writes an audit event;
* otherwise the owners are read (when included) and the audit event ``canvass_export`` / ``ok``
  (object: the incident number; detail: count, with_owner, radius, k, camera ids) is written in
  ONE transaction, and the CSV text is returned only after it has committed.
"""

from .export import CSV_COLUMNS, OWNER_COLUMNS, canvass_csv, safe_filename
from .ranking import (
    ACTION,
    AUTO_DOCK,
    DEFAULT_K,
    DEFAULT_RADIUS_M,
    MAX_K,
    MAX_RADIUS_M,
    URGENT_HOURS,
    CanvassInputError,
    IncidentNotFound,
    IncidentPoint,
    RankedCamera,
    find_incident,
    hours_left,
    rank_cameras,
    rank_for_incident,
)
from .shapes import cameras_in_shape, measure, rank_in_shape, shape_center

__all__ = [
    "ACTION", "AUTO_DOCK", "CSV_COLUMNS", "DEFAULT_K", "DEFAULT_RADIUS_M", "MAX_K", "MAX_RADIUS_M", "OWNER_COLUMNS",
    "URGENT_HOURS", "CanvassInputError", "IncidentNotFound", "IncidentPoint", "RankedCamera", "cameras_in_shape",
    "canvass_csv", "find_incident", "hours_left", "measure", "rank_cameras", "rank_for_incident", "rank_in_shape",
    "safe_filename", "shape_center",
]
