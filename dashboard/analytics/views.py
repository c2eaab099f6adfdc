"""GET /analytics (supervisors and admins): the figures that steer the program, as Plotly charts
drawn in the browser by plotly.js served from the installed `plotly` package (no CDN), plus
POST /analytics/recruitment.csv, the audited, formula-guarded list of recruitment targets.

A Flask view rather than a Dash page: the dashboard is one Dash page whose layout and router
belong to the operations screen, while this page is read-only figures computed once per request
from the analytics services, like /audit and /transparency. Plotly's offline JSON keeps the
charts interactive (hover, zoom) without a callback round trip, and the page needs nothing but
'self' under the CSP: the figures travel as JSON data blocks, drawn by static/analytics.js.

The login gate covers every path here; the permission is checked again where the data is
produced (dashboard.analytics.report), so a crafted request from another role gets a 403.
"""

from __future__ import annotations

from pathlib import Path

import plotly
from flask import Blueprint, Response, current_app, render_template, request, send_file
from flask_login import current_user

from auth.permissions import PermissionDenied
from auth.views import client_addr

bp = Blueprint("analytics", __name__, url_prefix="/analytics", template_folder="templates",
               static_folder="static", static_url_path="/static")
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
TABLE_ROWS = 50  # rows of the beat tables on the page (the CSV has every beat)


def _services():
    return current_app.extensions["connect_dallas"]


def _analytics():
    """The report and figure modules, imported on the first analytics request: they bring pandas and
    plotly's figure objects, which a process's first map must not wait for (tests/unit/test_cold_start.py)."""
    from . import figures, report
    return report, figures


def _days(raw: str | None) -> int | None:
    report, _ = _analytics()
    if not raw:
        return report.DEFAULT_DAYS
    return int(raw) if raw.isascii() and raw.isdigit() and int(raw) in report.PERIODS_DAYS else None


def _forbidden():
    return render_template("analytics/forbidden.html"), 403


@bp.after_request
def _private(response):
    if request.endpoint != "analytics.plotly_js":
        response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.get("", strict_slashes=False)
def index():
    reports, figures = _analytics()
    days = _days(request.args.get("days"))
    if days is None:
        return render_template("analytics/bad_request.html", choices=reports.PERIODS_DAYS), 400
    svc = _services()
    try:
        report = reports.analytics_report(svc.db, svc.registry.get(), current_user, days=days)
    except PermissionDenied:
        return _forbidden()
    return render_template("analytics/index.html", report=report, days=days, choices=reports.PERIODS_DAYS,
                           figures=figures.report_figures(report), table_rows=TABLE_ROWS)


@bp.post("/recruitment.csv")
def recruitment_csv():
    reports, _ = _analytics()
    days = _days(request.form.get("days"))
    if days is None:
        return Response("days must be one of " + ", ".join(map(str, reports.PERIODS_DAYS)), 400, mimetype="text/plain")
    svc = _services()
    try:
        text = reports.recruitment_export(svc.db, svc.registry.get(), current_user, days=days, client_addr=client_addr())
    except PermissionDenied:
        return _forbidden()
    return Response(text, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="recruitment-targets-{days}d.csv"'})


@bp.get("/plotly.min.js")
def plotly_js():
    """plotly.js from the installed package (its version matches the Python library's figures)."""
    return send_file(PLOTLY_JS, mimetype="text/javascript", max_age=86_400)
