"""The application's own small routes: the health check and the JSON 404 for unknown /api paths."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

bp = Blueprint("site", __name__)


@bp.get("/healthz")
def healthz():
    try:
        with current_app.extensions["connect_dallas"].db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        return jsonify({"status": "unavailable"}), 503
    return jsonify({"status": "ok"})


@bp.route("/api/<path:rest>", methods=["GET", "POST"])  # other methods: 405 from routing
def api_unknown(rest: str):
    """Any /api path outside the versioned blueprints: a JSON 404, never Dash's HTML page
    (routing prefers every more specific /api/v1/... rule over this one)."""
    return jsonify({"error": "not_found", "message": f"no API route /api/{rest}"}), 404
