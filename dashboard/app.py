"""The composition root: builds the Flask server, the login layer, the API and the Dash app.

Nothing else imports callbacks/; everything else gets its services from
`server.extensions["connect_dallas"]`.
"""

from __future__ import annotations

import re
import secrets
import sys
from pathlib import Path

import dash
from flask import Flask, g, request

import assets
from auth import setup as auth_setup
from dashboard import logs, outage_views, security_headers
from dashboard.config import Settings, load_settings
from dashboard.demo.cad_token import with_demo_cad_token
from dashboard.extensions import COMPRESS_CONFIG, compress, csrf, limiter
from dashboard.services import Services

ASSETS = Path(assets.__file__).parent  # the Dash assets folder: a package, so an installed app has it too


def _demo_secret_key(settings: Settings) -> str:
    """Demo mode without SECRET_KEY: a random key kept in the instance folder, so sessions survive
    a restart and every worker of the demo shares it. Production refuses to start instead."""
    path = Path(settings.instance_dir) / ".secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def install_request_ids(server: Flask) -> None:
    """Every request gets an id: on its log lines (dashboard/logs.py) and in X-Request-ID."""

    @server.before_request
    def start_request_log():
        g.request_id = logs.new_request_id(request.headers.get("X-Request-ID"))
        g.request_id_token = logs.request_id.set(g.request_id)

    @server.after_request
    def echo_request_id(response):
        if "request_id" in g:
            response.headers["X-Request-ID"] = g.request_id
        return response

    @server.teardown_request
    def end_request_log(_exc):
        if "request_id_token" in g:
            logs.request_id.reset(g.pop("request_id_token"))


def register_extensions(server: Flask) -> None:
    """Bind the extension objects of dashboard/extensions.py (login, CSRF, rate limits, compression)."""
    install_request_ids(server)  # first: every later hook and view logs with the request's id
    security_headers.init_app(server)  # the one place that sets security headers, on every response
    auth_setup.init_app(server)  # sessions, the user loader, the gate, then CSRFProtect
    server.config["RATELIMIT_STORAGE_URI"] = server.config["SETTINGS"].registration_rate_limit_storage
    limiter.init_app(server)
    server.config.update(COMPRESS_CONFIG)
    compress.init_app(server)


def register_blueprints(server: Flask) -> None:
    from auth.admin_views import bp as user_admin_bp
    from auth.views import bp as auth_bp
    from dashboard.analytics.views import bp as analytics_bp
    from dashboard.api.routes import bp as api_bp
    from dashboard.audit.views import bp as audit_log_bp
    from dashboard.demo.views import bp as demo_mail_bp
    from dashboard.footage.clip_views import bp as footage_files_bp
    from dashboard.footage.views import bp as footage_bp
    from dashboard.live.views import bp as live_bp
    from dashboard.owners.views import init_portal
    from dashboard.routes import bp as site_bp
    from dashboard.transparency.views import init_transparency

    server.register_blueprint(auth_bp)  # /login, /logout
    server.register_blueprint(site_bp)  # /healthz
    server.register_blueprint(api_bp)
    csrf.exempt(site_bp)
    csrf.exempt(api_bp)  # bearer-token or same-site JSON callers; no form posts
    init_portal(server)  # /register (public portal) and /admin/registrations (moderation)
    server.register_blueprint(footage_bp)  # public owner answer page under /register/requests/
    server.register_blueprint(footage_files_bp)  # GET only, signed in: received clips (footage_requests)
    server.register_blueprint(audit_log_bp)  # GET only: /audit and /audit/export.csv (read_audit)
    server.register_blueprint(analytics_bp)  # /analytics (view_analytics): figures, recruitment CSV, plotly.js
    server.register_blueprint(live_bp)  # /live/...: live-view grants and the relayed streams (view_live)
    init_transparency(server)  # public: /transparency and /transparency.json (rate limited, cached)
    server.register_blueprint(user_admin_bp)  # /admin/users (manage_users)
    server.register_blueprint(demo_mail_bp)  # GET only: /demo/mail, admins, demo mode without SMTP (else 404)


def register_commands(server: Flask) -> None:
    """No `flask` sub-commands: the operator's interface is the `connect-dallas` CLI
    (dashboard/cli.py, docs/interfaces.md), which builds the same app through create_app."""


def create_server(settings: Settings, services: Services | None = None) -> Flask:
    settings = with_demo_cad_token(settings)  # demo mode: `make run` prints a token that works
    server = Flask("connect_dallas", root_path=str(Path(__file__).parent))
    server.config["SETTINGS"] = settings
    server.config["SECRET_KEY"] = settings.secret_key or _demo_secret_key(settings)
    server.config["MAX_CONTENT_LENGTH"] = 8 * 1024 * 1024
    server.extensions["connect_dallas"] = services or Services.build(settings)
    register_extensions(server)
    register_blueprints(server)
    outage_views.register(server)  # after the blueprints: a database outage is a 503 on every route
    register_commands(server)
    return server


# Lazy chunks the dashboard's first screen mounts (the camera layer, the draw tool, the filters'
# dropdowns and date picker). Dash loads a chunk only once React has rendered the component that
# needs it, and React commits a tree that is still waiting for some chunks at most every few
# hundred ms: a cascade of hops between the layout and the first markers. Loading these four with
# the main bundles (a selective form of Dash's all-or-nothing `eager_loading`, which would also
# pull in Plotly's 4.7 MB) lets the first render complete in one pass.
FIRST_SCREEN_CHUNKS = frozenset({"async-GeoJSON.js", "async-EditControl.ts.js", "dcc/async-dropdown.js",
                                 "dcc/async-datepicker.js"})


def first_screen_scripts(prefix: str) -> str:
    """<script> tags for FIRST_SCREEN_CHUNKS, from the packages' own lists of their chunks (a
    chunk a later version renames is simply loaded lazily again, as Dash would). The URLs carry
    Dash's fingerprint (package version + file time), so browsers keep them for a year like the
    main bundles instead of revalidating them on every page load."""
    import dash_leaflet
    from dash import dcc
    from dash.fingerprint import build_fingerprint

    tags = []
    for entry in [*dash_leaflet._js_dist, *dcc._js_dist]:
        path = entry.get("relative_package_path", "")
        if not entry.get("async") or path not in FIRST_SCREEN_CHUNKS:
            continue
        package = sys.modules[entry["namespace"]]
        modified = int((Path(package.__file__).parent / path).stat().st_mtime)
        url = f"{prefix}_dash-component-suites/{entry['namespace']}/{build_fingerprint(path, package.__version__, modified)}"
        tags.append(f'<script src="{url}"></script>')
    return "".join(tags)


# The login page prefetches what the dashboard page will load (its scripts and style sheets:
# public, static, ~1.5 MB), so the first dashboard after signing in starts from a warm cache.
_ASSET = re.compile(r'<(script) src="([^"]+)"|<link rel="(stylesheet)" href="([^"]+)"')


def dashboard_asset_urls(app: dash.Dash):
    """A function -> the dashboard page's (url, "script" | "style") pairs, read once from the page
    Dash renders (so they carry Dash's own fingerprints) inside the first request that asks."""
    found: list[tuple[tuple[str, str], ...]] = []

    def urls() -> tuple[tuple[str, str], ...]:
        if not found:
            pairs = [(m[1], "script") if m[0] else (m[3], "style") for m in _ASSET.findall(app.index())]
            found.append(tuple(dict.fromkeys(pairs)))
        return found[0]

    return urls


def create_app(settings: Settings | None = None, *, services: Services | None = None,
               **overrides) -> dash.Dash:
    """Build the whole application. `overrides` are Settings fields (tests use them)."""
    if settings is None:
        settings = load_settings(overrides=overrides or None)
    server = create_server(settings, services)
    app = dash.Dash(
        "connect_dallas",
        server=server,
        assets_folder=str(ASSETS),
        serve_locally=True,          # every JS/CSS file comes from this server: no CDN
        title="CONNECT DALLAS Ops",
        update_title=None,
        suppress_callback_exceptions=True,
    )
    app.index_string = app.index_string.replace(
        "{%scripts%}", "{%scripts%}" + first_screen_scripts(app.config.requests_pathname_prefix))
    server.extensions["dashboard_asset_urls"] = dashboard_asset_urls(app)  # the login page prefetches them
    app.scripts.config.serve_locally = True
    app.css.config.serve_locally = True

    import callbacks  # the composition root is the only importer of callbacks/ (tests/unit/test_architecture.py)

    app.layout = callbacks.serve_layout
    callbacks.register(app)
    # the hashes of Dash's inline scripts, for the CSP: after every (clientside) callback is registered
    server.extensions[security_headers.SCRIPT_HASHES] = app.csp_hashes()
    return app
