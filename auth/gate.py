"""The single login gate: one before_request hook decides for every route.

An allow-list, not a deny-list: any route added later (by us or by Dash) is refused to
anonymous callers without anyone having to remember it.
"""

from __future__ import annotations

import hmac
import json
import time

from flask import Flask, current_app, g, jsonify, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user, logout_user

from .sessions import end_session

# Exact public paths and public prefixes (docs/interfaces.md). Static files hold no data.
PUBLIC_PATHS = frozenset({"/healthz", "/readyz", "/login", "/register", "/favicon.ico", "/_favicon.ico",
                          "/transparency", "/transparency.json"})
# trailing slashes: /registerX is not public
PUBLIC_PREFIXES = ("/register/", "/transparency/static/", "/assets/", "/_dash-component-suites/")
# Callers with a CAD bearer token may use /api/* without a session.
TOKEN_PREFIX = "/api/"  # noqa: S105 (a path, not a password)


# Static files: the same bytes for everyone, cacheable across sign-ins.
STATIC_PREFIXES = ("/assets/", "/_dash-component-suites/")
# The live-video relay's streams (dashboard/live/views.py): ten walls of nine tiles make ~180
# requests a second. They are signed-in requests like any other, but cheap ones: the user comes
# from a short-lived cache (auth/users.recent_active_user, at most SESSION_USER_TTL_S old; a
# logout or disable in this process clears it at once), the activity time is written at most
# every RELAY_ACTIVITY_STEP_S, and the response sets no cookie unless the session changed.
RELAY_PREFIXES = ("/live/s/",)
RELAY_ACTIVITY_STEP_S = 30.0
# Responses that never carry a fresh CSRF cookie (auth/views.set_csrf_cookie).
NO_CSRF_COOKIE_PREFIXES = STATIC_PREFIXES + RELAY_PREFIXES


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


class StaticFilesSessionInterface(SecureCookieSessionInterface):
    """Signed-cookie sessions, except that a static file's response never sets a cookie and never
    says `Vary: Cookie`. Flask-Login reads the session on every response, which made Flask mark
    even the Dash bundles as varying by cookie: the browser then re-downloaded ~6.6 MB of scripts
    after every sign-in, and the login page could not warm its cache for the dashboard."""

    def save_session(self, app, session, response) -> None:
        if request.path.startswith(STATIC_PREFIXES):
            return
        if request.path.startswith(RELAY_PREFIXES) and not session.modified:
            return  # no re-signed cookie on every video segment (the session is permanent: Flask would)
        super().save_session(app, session, response)


def wants_json(path: str) -> bool:
    return path.startswith(("/_", "/api/"))


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def token_is_valid(token: str, tokens: tuple[str, ...]) -> bool:
    # compare_digest against every token so timing does not reveal a prefix match
    return any(hmac.compare_digest(token.encode(), t.encode()) for t in tokens) if token else False


def unauthorized(message: str = "sign in required"):
    if wants_json(request.path):
        return jsonify({"error": "unauthorized", "message": message}), 401
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _is_background_poll() -> bool:
    """Dash requests fired by a dcc.Interval are not user activity: they must not keep an
    unattended session alive past the idle timeout."""
    if request.path != "/_dash-update-component":
        return False
    try:
        body = json.loads(request.get_data(cache=True) or b"{}")
    except ValueError:
        return False
    changed = body.get("changedPropIds") if isinstance(body, dict) else None  # a crafted body: callbacks/guard.py
    return isinstance(changed, list) and bool(changed) and all(str(p).endswith(".n_intervals") for p in changed)


def install_gate(server: Flask) -> None:
    @server.before_request
    def login_gate():
        path = request.path
        settings = current_app.config["SETTINGS"]
        g.api_client = None
        if is_public(path):
            return None
        if path.startswith(TOKEN_PREFIX) and (token := bearer_token()) is not None:
            if token_is_valid(token, settings.api_tokens):
                g.api_client = "cad"
                return None
            return jsonify({"error": "unauthorized", "message": "invalid bearer token"}), 401
        if not current_user.is_authenticated:
            return unauthorized()
        if session.get("epoch") != current_user.session_epoch:
            # a cookie from before a logout, idle timeout or disable: revoked on the server
            logout_user()
            session.clear()
            return unauthorized("session ended")
        now = time.time()
        idle_limit = settings.session_idle_minutes * 60
        last = session.get("last_active", now)
        if now - last > idle_limit:
            end_session(reason="idle_timeout")
            return unauthorized("session expired after inactivity")
        if path.startswith(RELAY_PREFIXES):
            if now - last >= RELAY_ACTIVITY_STEP_S:  # watching counts as activity, written coarsely
                session["last_active"] = now
        elif not _is_background_poll():
            session["last_active"] = now
        return None

    @server.after_request
    def no_store_for_data(response):
        # security headers: dashboard/security_headers.py, the one place that sets them
        if request.path.startswith(("/api/", "/_dash-update-component", "/_dash-layout")):
            response.headers["Cache-Control"] = "no-store"
        return response


__all__ = ["NO_CSRF_COOKIE_PREFIXES", "RELAY_PREFIXES", "StaticFilesSessionInterface", "install_gate", "is_public",
           "logout_user"]
