"""Footage requests: a detective asks camera owners for footage; owners answer on a public page.

One module per concern, this package re-exports the public names:

* `sending`     creating requests, one email per owner per batch
* `emails`      the request, reminder and case-closed emails (templates in the owner's language)
* `owner_page`  the owner opens the link and answers once; `page_text` holds its words
* `uploads`     receiving a clip: type, size, SHA-256, stored only when every check passed
* `sweeper`     sent mail, expiry, reminders and clip retention, run by the server
* `tracking`    the detectives' list, a request's history, closing a case
* `custody`     handing a clip over after re-checking its SHA-256
* `common`      errors, limits, Dallas-time wording, a request's step, the permission check

Audited: every request sent (`footage_request`, also when refused for the role), every owner
decision and upload, every closure, every download and every clip deleted.
"""

from .common import (
    LOCAL_TZ,
    MESSAGE_MAX,
    RELATED,
    RELATED_CLOSED,
    RELATED_REMINDER,
    FootageError,
    FootageUnavailable,
    OwnerPageError,
    UploadView,
    local_time,
    parse_local,
    window_text,
)
from .custody import ReleasedFile, release_upload
from .owner_page import OwnerView, decide, open_request
from .sending import SentRequest, send_requests, validate_window
from .storage import ClipStorage, LocalDirectoryStorage, clip_storage
from .sweeper import FootageSweeper, expire_and_remind, purge_unneeded_clips, refresh, sync_sent
from .tracking import RequestSummary, close_case, list_requests, request_events, uploads_of
from .uploads import display_name, upload

__all__ = [
    "LOCAL_TZ", "MESSAGE_MAX", "RELATED", "RELATED_CLOSED", "RELATED_REMINDER", "FootageError",
    "ClipStorage", "FootageSweeper", "FootageUnavailable", "LocalDirectoryStorage", "clip_storage", "OwnerPageError", "OwnerView", "ReleasedFile", "RequestSummary",
    "SentRequest", "UploadView", "close_case", "decide", "display_name", "expire_and_remind", "list_requests",
    "local_time", "open_request", "parse_local", "purge_unneeded_clips", "refresh", "release_upload",
    "request_events", "send_requests", "sync_sent", "upload", "uploads_of", "validate_window", "window_text",
]
