"""The audit log pages (supervisors and admins: docs/interfaces.md "read the audit log").

GET /audit              the events, newest first, with a filter form (GET parameters), a
                        "next page" link (keyset: ?before=<id>) and, on request (?verify=1),
                        the hash-chain check from `audit.verify_chain`
POST /audit/export.csv  the same filters (form fields, with the CSRF token) as a CSV attachment, produced and audited by
                        `dashboard.audit.export.export_audit_csv` ("audit_export": the filters
                        and the row count in its detail); this view only streams the result

No route here (or anywhere in the product) changes or deletes an event. The export is a POST
because it writes an audit event: a link on another site must not write one in a user's name. The login
gate has already refused anonymous callers; the role check is ours. Every value is rendered
through Jinja autoescape; the CSV guards against formula injection (`dashboard.audit.csv_cells.safe_cell`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_login import current_user

from auth.permissions import PermissionDenied, can
from auth.views import client_addr
from dashboard.audit import chain as audit
from dashboard.audit import log as audit_log
from dashboard.audit.export import export_audit_csv
from dashboard.audit.log import AuditFilters
from dashboard.transparency.options import category_choices
from dashboard.vocabulary import category_key

bp = Blueprint("audit_log", __name__, url_prefix="/audit", template_folder="templates")

# query-string name -> AuditFilters field
TEXT_PARAMS = {"user": ("username", 80), "action": ("action", 40), "case": ("case_number", 40),
               "outcome": ("outcome", 20), "category": ("category", 40)}
FILTER_PARAMS = ("user", "action", "from", "to", "camera", "case", "outcome", "category")
MIN_YEAR, MAX_YEAR = 2000, 2999
MAX_ID = 2**63 - 1


@dataclass
class ParsedQuery:
    filters: AuditFilters
    limit: int
    before_id: int | None
    args: dict[str, str]           # the filter parameters as typed (for the form and the links)
    errors: list[str] = field(default_factory=list)


def _services():
    return current_app.extensions["connect_dallas"]


def _positive_int(raw: str, label: str, errors: list[str], *, upper: int = MAX_ID) -> int | None:
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= upper:
        errors.append(f"{label} must be a whole number from 1 to {upper}.")
        return None
    return int(raw)


def _day(raw: str, label: str, errors: list[str]) -> date | None:
    if not raw:
        return None
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        errors.append(f"{label} is not a date: use YYYY-MM-DD (for example 2025-03-01).")
        return None
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        errors.append(f"{label} must fall between the years {MIN_YEAR} and {MAX_YEAR}.")
        return None
    return value


def parse_query(params) -> ParsedQuery:
    """Validate the GET parameters. Errors are messages for the page, never exceptions."""
    errors: list[str] = []
    args = {name: (params.get(name) or "").strip() for name in FILTER_PARAMS}
    values: dict[str, Any] = {}
    for name, (attr, max_len) in TEXT_PARAMS.items():
        text = args[name]
        if len(text) > max_len:
            errors.append(f"{name.capitalize()} filter: at most {max_len} characters.")
            text = ""
        elif any(ord(c) < 32 for c in text):
            errors.append(f"{name.capitalize()} filter: control characters are not allowed.")
            text = ""
        values[attr] = text or None
    if values["category"]:  # 'Vehicle crimes' finds the stored key 'vehicle_crimes'
        values["category"] = category_key(values["category"])
    values["date_from"] = _day(args["from"], "From date", errors)
    values["date_to"] = _day(args["to"], "To date", errors)
    if values["date_from"] and values["date_to"] and values["date_from"] > values["date_to"]:
        errors.append("The From date is after the To date.")
    values["camera_id"] = _positive_int(args["camera"], "Camera id", errors, upper=2**31 - 1)
    limit = _positive_int((params.get("limit") or "").strip(), "Rows per page", errors,
                          upper=audit_log.MAX_LIMIT) or audit_log.DEFAULT_LIMIT
    before_id = _positive_int((params.get("before") or "").strip(), "Page cursor", errors)
    return ParsedQuery(AuditFilters(**values), limit, before_id, args, errors)


def _forbidden():
    return render_template("audit/forbidden.html"), 403


def _when(at: datetime) -> dict[str, str]:
    utc = at.astimezone(UTC)
    local = audit_log.to_local(utc)
    return {"local": local.strftime("%Y-%m-%d %H:%M:%S %Z"), "utc": utc.strftime("%Y-%m-%d %H:%M:%SZ"),
            "iso": utc.isoformat()}


def _link_args(parsed: ParsedQuery, **extra) -> dict[str, Any]:
    out: dict[str, Any] = {k: v for k, v in parsed.args.items() if v}
    if parsed.limit != audit_log.DEFAULT_LIMIT:
        out["limit"] = parsed.limit
    out.update({k: v for k, v in extra.items() if v is not None})
    return out


@bp.after_request
def _private(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.get("", strict_slashes=False)
def index():
    if not can(current_user, "read_audit"):
        return _forbidden()
    parsed = parse_query(request.args)
    verify = request.args.get("verify") == "1"
    events: list = []
    next_before = None
    chain = None
    with _services().db.session() as s:
        actions = audit_log.known_actions(s)
        if not parsed.errors:
            events, next_before = audit_log.query_events(
                s, **asdict(parsed.filters), limit=parsed.limit, before_id=parsed.before_id)
        if verify:
            chain = audit.verify_chain(s)
    rows = [{"e": e, "when": _when(e.at)} for e in events]
    return render_template(
        "audit/index.html", rows=rows, parsed=parsed, actions=actions, chain=chain,
        next_url=url_for("audit_log.index", **_link_args(parsed, before=next_before)) if next_before else None,
        first_url=url_for("audit_log.index", **_link_args(parsed)) if parsed.before_id else None,
        export_args={k: v for k, v in parsed.args.items() if v},
        categories=category_choices(_services().settings),
        max_limit=audit_log.MAX_LIMIT,
    ), (400 if parsed.errors else 200)


@bp.post("/export.csv")
def export_csv():
    parsed = parse_query(request.form)
    db = _services().db
    if parsed.errors and can(current_user, "read_audit"):
        with db.session() as s:
            actions = audit_log.known_actions(s)
        return render_template("audit/index.html", rows=[], parsed=parsed, actions=actions, chain=None,
                               next_url=None, first_url=None, export_args=None,
                               max_limit=audit_log.MAX_LIMIT), 400
    try:
        export = export_audit_csv(db, current_user, parsed.filters, client_addr=client_addr())
    except PermissionDenied:
        return _forbidden()
    return Response(export.chunks(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{export.filename}"'})
