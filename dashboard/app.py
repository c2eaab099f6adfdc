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
from flask import Flask, jsonify
from sqlalchemy import text

import auth
from auth import csrf
from dashboard.config import REPO_ROOT, Settings, load_settings
from dashboard.services import Services

ASSETS = REPO_ROOT / "assets"


def _demo_secret_key(settings: Settings) -> str:
    """Demo mode without SECRET_KEY: a random key kept under instance/, so sessions survive
    a restart and every worker of the demo shares it. Production refuses to start instead."""
    path = REPO_ROOT / "instance" / ".secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def create_server(settings: Settings, services: Services | None = None) -> Flask:
    server = Flask("connect_dallas", root_path=str(Path(__file__).parent))
    server.config["SETTINGS"] = settings
    server.config["SECRET_KEY"] = settings.secret_key or _demo_secret_key(settings)
    server.config["MAX_CONTENT_LENGTH"] = 8 * 1024 * 1024
    server.extensions["connect_dallas"] = services or Services.build(settings)
    auth.init_app(server)

    from dashboard.api.routes import bp as api_bp

    server.register_blueprint(api_bp)
    csrf.exempt(api_bp)  # bearer-token or same-site JSON callers; no form posts

    from dashboard.owners.portal import init_portal

    init_portal(server)  # /register (public portal) and /admin/registrations (moderation)

    from dashboard.footage.views import bp as footage_bp

    server.register_blueprint(footage_bp)  # public owner answer page under /register/requests/

    from dashboard.footage.files import bp as footage_files_bp

    server.register_blueprint(footage_files_bp)  # GET only, signed in: received clips (footage_requests)

    from dashboard.audit.views import bp as audit_log_bp

    server.register_blueprint(audit_log_bp)  # GET only: /audit and /audit/export.csv (read_audit)

    from dashboard.transparency.views import init_transparency

    init_transparency(server)  # public: /transparency and /transparency.json (rate limited, cached)

    @server.route("/api/<path:rest>", methods=["GET", "POST"])  # other methods: 405 from routing
    def api_unknown(rest: str):
        """Any /api path outside the versioned blueprints: a JSON 404, never Dash's HTML page."""
        return jsonify({"error": "not_found", "message": f"no API route /api/{rest}"}), 404

    csrf.exempt(api_unknown)

    @server.get("/healthz")
    def healthz():
        try:
            with server.extensions["connect_dallas"].db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001 - any database failure means "not healthy"
            return jsonify({"status": "unavailable"}), 503
        return jsonify({"status": "ok"})

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

    import callbacks  # the composition root is the only importer of callbacks/

    app.layout = callbacks.serve_layout
    callbacks.register(app)
    return app
