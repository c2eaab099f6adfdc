"""Cases: a detective's case file and everything done under it (owner reveals, footage
requests and clips, notes, the canvass), closing a case with an undo window, and each user's
dashboard preferences. Services only: no Flask or Dash (callbacks/cases.py is the adapter).

* `common`      errors, the `work_cases` permission, the undo window, offense categories
* `opening`     open a case, add incidents and notes (each audited in the same transaction)
* `requesting`  footage for a case: named cameras, a drawn area, every camera facing the scene
* `workspace`   the case file in one read; the user's list of cases
* `closing`     the outcome, what closing will do, undo, and applying closes after the window
* `notices`     footage received, told to the detective who asked
* `preferences` notifications and saved views, per user
"""

from .closing import ClosePlan, apply_due_closes, close_case, plan_close, undo_close
from .common import PERMISSION, UNDO_WINDOW, CaseError, CaseNotFound, offense_categories
from .notices import FootageNotice, footage_received_since
from .opening import add_incidents, add_note, open_case
from .preferences import PreferenceError, Preferences, delete_view, get_preferences, save_view, set_switches
from .requesting import camera_ids_of, cameras_facing, cameras_in_area, case_incident, request_footage
from .workspace import CaseSummary, CaseWorkspace, case_workspace, list_cases

__all__ = [
    "PERMISSION", "UNDO_WINDOW", "CaseError", "CaseNotFound", "CaseSummary", "CaseWorkspace", "ClosePlan", "FootageNotice",
    "PreferenceError", "Preferences", "add_incidents", "add_note", "apply_due_closes", "camera_ids_of",
    "cameras_facing", "cameras_in_area", "case_incident", "case_workspace", "close_case", "delete_view", "footage_received_since",
    "get_preferences", "list_cases", "offense_categories", "open_case", "plan_close", "request_footage",
    "save_view", "set_switches", "undo_close",
]
