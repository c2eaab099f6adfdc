"""GET /transparency (English and Spanish) and GET /transparency.json: public, no login, rate
limited per client address with the app's one Flask-Limiter (the portal's), served from the
in-process ReportCache (dashboard/transparency/report.py): the report a job computed and stored,
never computed here. Until the first one is stored both answer 503 with Retry-After.

The page has no script and no inline style (the chart is server-side SVG), so it needs
nothing but 'self' under a strict Content-Security-Policy.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime

from flask import Blueprint, Flask, current_app, jsonify, render_template, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from dashboard.owners.i18n import pick_language

from . import i18n
from .activity import METRICS
from .chart import bar_chart
from .options import options_from
from .periods import LOCAL_TZ
from .report import ReportCache, ReportNotReady

log = logging.getLogger(__name__)

bp = Blueprint("transparency", __name__, template_folder="templates", static_folder="static",
               static_url_path="/transparency/static")


def _cache() -> ReportCache:
    return current_app.extensions["transparency_report"]


PREPARING = {"error": "unavailable", "message": "The report is being prepared; try again shortly."}


def _report():
    try:
        return _cache().get(), None
    except ReportNotReady:
        return None, (PREPARING, 503)
    except Exception:  # noqa: BLE001 - the database is down and there is no earlier report to show
        log.exception("transparency report unavailable")
        return None, (PREPARING, 503)


def _cache_headers(response):
    seconds = int(min(_cache().options.cache_seconds, 300))
    response.headers["Cache-Control"] = f"public, max-age={seconds}"
    response.headers["Vary"] = "Accept-Language"
    return response


def _local(iso: str | None) -> str:
    if not iso:
        return ""
    at = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(LOCAL_TZ)
    return at.strftime("%Y-%m-%d %H:%M")


def _retention_lines(lang: str, rules: dict) -> list[str]:
    lines = []
    for key, value in rules.items():
        zero_key = f"r_{key}_0"
        lines.append(i18n.t(lang, zero_key) if value == 0 and zero_key in i18n.STRINGS["en"]
                     else i18n.t(lang, f"r_{key}", v=value))
    return lines


def _chain_lines(lang: str, chain: dict) -> list[str]:
    if chain["result"] == "not_yet_verified":
        lines = [i18n.t(lang, "chain_never")]
    elif chain["result"] == "ok":
        lines = [i18n.t(lang, "chain_ok", at=_local(chain["last_verified_at"]), n=f"{chain['events_verified']:,}")]
    else:
        lines = [i18n.t(lang, "chain_failed", at=_local(chain["last_verified_at"]),
                        bad=chain["first_failed_event_id"])]
    if chain["events_written_since"]:
        lines.append(i18n.t(lang, "chain_pending", n=f"{chain['events_written_since']:,}"))
    return lines


@bp.get("/transparency")
def page():
    lang = pick_language(request.args.get("lang"), request.accept_languages)
    report, error = _report()
    if error is not None:
        html = render_template("transparency/preparing.html", lang=lang, t=lambda key, **kw: i18n.t(lang, key, **kw))
        return html, 503, {"Retry-After": "60", "Cache-Control": "no-store"}
    html = _rendered(report, lang, lambda: _render_page(report, lang))
    return _cache_headers(current_app.make_response(html))


def _render_page(report: dict, lang: str) -> str:
    year = report["activity"]["last_12_months"]
    charts = {metric: bar_chart(year[metric]["by_month"]) for metric in METRICS}
    category_rows = list(dict.fromkeys(key for metric in METRICS for key in year[metric]["by_category"]))
    return render_template(
        "transparency/report.html", lang=lang, other_lang="es" if lang == "en" else "en",
        t=lambda key, **kw: i18n.t(lang, key, **kw), category_label=lambda key: i18n.category_label(lang, key),
        owner_type_label=lambda key: i18n.owner_type_label(lang, key), report=report, metrics=METRICS,
        charts=charts, category_rows=category_rows, generated=_local(report["generated_at"]),
        retention=_retention_lines(lang, report["retention"]), chain=_chain_lines(lang, report["audit_chain"]),
        permitted=report["purposes"]["permitted_uses"][lang], prohibited=report["purposes"]["prohibited_uses"][lang])


def _rendered(report: dict, variant: str, render) -> str:
    """The page (per language) and the JSON text depend on the report alone: render each once per
    stored report, so a request costs a dictionary lookup (the page's SVG charts take milliseconds)."""
    rendered: dict = current_app.extensions.setdefault("transparency_rendered", {})
    key = (report["generated_at"], variant)
    text = rendered.get(key)
    if text is None:
        text = render()
        if len(rendered) > 8:  # older reports' renderings
            rendered.clear()
        rendered[key] = text
    return text


@bp.get("/transparency.json")
def as_json():
    report, error = _report()
    if error is not None:
        return jsonify(error[0]), error[1], {"Retry-After": "60", "Cache-Control": "no-store"}
    body = _rendered(report, "json", lambda: json.dumps(report, sort_keys=True, ensure_ascii=False))
    return _cache_headers(current_app.response_class(body, mimetype="application/json"))


def _rate_limited(_limit):
    body = {"error": "rate_limited", "message": "Too many requests: please wait a minute and try again."}
    response = jsonify(body) if request.path.endswith(".json") else current_app.make_response(
        (body["message"], {"Content-Type": "text/plain; charset=utf-8"}))
    response.status_code = 429
    return response


def init_transparency(server: Flask) -> ReportCache:
    """Register the public report on the Flask server; returns its cache."""
    settings = server.config["SETTINGS"]
    options = options_from(settings)
    cache = ReportCache(server.extensions["connect_dallas"].db, settings, options)
    server.extensions["transparency_report"] = cache
    limiter: Limiter | None = server.extensions.get("portal_limiter")  # one limiter per app, the portal's
    if limiter is None:
        limiter = Limiter(get_remote_address, app=server, storage_uri=settings.registration_rate_limit_storage,
                          default_limits=[], headers_enabled=False)
        server.extensions["portal_limiter"] = limiter
    # one budget per client address for the page and the JSON together
    limiter.shared_limit(lambda: options.rate_limit, scope="transparency", on_breach=_rate_limited)(bp)
    server.register_blueprint(bp)
    return cache
