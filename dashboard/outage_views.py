"""A database outage answers 503 with Retry-After, never a 500: API callers (CAD) retry, the
dashboard shows "reconnecting" (assets/reconnecting.js) and redraws when the database is back.

One handler for every route, including blueprints that have their own catch-all `Exception`
handler (the API's JSON 500, the owner pages): Flask asks a blueprint's handlers before the
app's, so the handler is entered for the app and for each blueprint. The request's transaction
has been rolled back (Database.session), so nothing that failed is stored.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app, g, jsonify, request
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

log = logging.getLogger(__name__)
DATABASE_DOWN = (OperationalError, InterfaceError, DisconnectionError, PoolTimeout)
RETRY_AFTER_SECONDS = 2
MESSAGE = "the database is not reachable right now; try again in a few seconds"
PAGE = ("<!doctype html><title>Reconnecting</title><h1>Reconnecting</h1>"
        "<p>The service cannot reach its database right now. Nothing you sent was stored: "
        "please try again in a few seconds.</p>")


def _wants_json() -> bool:
    path = request.path
    return (path.startswith(("/api/", "/_dash-")) or request.is_json
            or request.accept_mimetypes.best_match(["application/json", "text/html"]) == "application/json")


def database_unavailable(exc: Exception):
    log.warning("database unavailable in %s %s: %s", request.method, request.path, type(exc).__name__)
    # the rest of this request is anonymous: the after-request hooks that read the signed-in user
    # (the CSRF cookie) must not try the unreachable database again and turn the 503 into a 500
    g._login_user = current_app.login_manager.anonymous_user()
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}
    if _wants_json():
        body = {"error": "database_unavailable", "message": MESSAGE, "retry_after": RETRY_AFTER_SECONDS}
        return jsonify(body), 503, headers
    return PAGE, 503, {**headers, "Content-Type": "text/html; charset=utf-8"}


def register(server: Flask) -> None:
    """Call after every blueprint is registered."""
    for scope in (None, *server.blueprints):
        for error in DATABASE_DOWN:
            server.error_handler_spec[scope][None][error] = database_unavailable
