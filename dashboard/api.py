"""The REST API blueprint (/api/v1). Thin: validation and shaping; services do the work."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
