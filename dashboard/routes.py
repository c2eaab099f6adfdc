"""The application's own small routes: liveness (/healthz), readiness (/readyz) and the map's
reference layers as fingerprinted static files (/geo/). (Unknown /api paths are the API
blueprint's: dashboard/api/routes.py answers them in JSON.)"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify
from sqlalchemy import text

from dashboard.geo.static_layers import layer_file

bp = Blueprint("site", __name__)


@bp.get("/healthz")
def healthz():
    try:
        with current_app.extensions["connect_dallas"].db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        return jsonify({"status": "unavailable"}), 503
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    """200 only when this process can serve the map (its registry snapshot is loaded and the
    database answers), else 503 with the reason: for load balancers, beside /healthz (liveness)."""
    services = current_app.extensions["connect_dallas"]
    if services.registry.peek() is None:
        return jsonify({"status": "unavailable", "reason": "registry snapshot loading"}), 503
    try:
        with services.db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means "not ready"
        return jsonify({"status": "unavailable", "reason": "database unavailable"}), 503
    return jsonify({"status": "ok"})


@bp.get("/geo/<filename>")
def reference_layer(filename: str):
    """A reference layer by its fingerprinted name: the bytes never change under a name."""
    layer = layer_file(filename)
    if layer is None:
        abort(404)
    response = current_app.response_class(layer.body, mimetype="application/geo+json")
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
