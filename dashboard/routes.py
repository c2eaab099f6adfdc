"""The application's own small routes: the health check. (Unknown /api paths are the API
blueprint's: dashboard/api/routes.py answers them in JSON.)"""

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
