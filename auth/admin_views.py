"""/admin/users: the admins' users page (list, add, disable, reset password, enrol MFA), the web
side of auth/user_admin.py. Behind the login gate; every request checks `manage_users` and a
refusal is a 403 with a `denied` audit event. Forms carry the CSRF token (CSRFProtect refuses a
post without it). A new password or MFA secret is shown once on the page that answers the post,
never put in a URL."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from auth import user_admin
from auth.permissions import PermissionDenied
from auth.sessions import client_addr
from auth.users import UserInputError
from dashboard.owners.access import require_audited
from dashboard.vocabulary import DIVISIONS, ROLES

bp = Blueprint("user_admin", __name__, url_prefix="/admin/users", template_folder="templates")
NOTICES = {"added": "User added.", "disabled": "User disabled: their sessions have ended."}


def _db():
    return current_app.extensions["connect_dallas"].db


@bp.before_request
def _admins_only():
    try:
        require_audited(_db(), current_user, user_admin.PERMISSION, f"users_page_{request.method.lower()}",
                        object_type="user", client_addr=client_addr())
    except PermissionDenied:
        abort(403)


@bp.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"  # a password or an MFA secret is shown once
    return response


def _page(status: int = 200, *, error: str = "", shown: dict | None = None, form: dict | None = None):
    with _db().session() as session:
        users = user_admin.list_users(session, current_user)
    notice = NOTICES.get(request.args.get("done", ""), "")
    return render_template("admin/users.html", users=users, roles=ROLES, divisions=DIVISIONS, error=error,
                           notice=notice, shown=shown, form=form or {}), status


@bp.get("")
def index():
    return _page()


@bp.post("")
def add():
    form = {k: request.form.get(k, "").strip() for k in ("username", "full_name", "role", "division")}
    try:
        with _db().session() as session:
            user_admin.add_user(session, current_user, username=form["username"], role=form["role"],
                                full_name=form["full_name"], division=form["division"] or None,
                                password=request.form.get("password", ""))
    except UserInputError as exc:
        return _page(400, error=str(exc), form=form)
    return redirect(url_for("user_admin.index", done="added"), 303)


def _act(action, username: str, refused_status: int):
    """Run one user_admin action on `username` in its own transaction: (its result, None), or
    (None, the page with the refusal's message) when the input is refused."""
    try:
        with _db().session() as session:
            return action(session, current_user, username), None
    except UserInputError as exc:
        return None, _page(refused_status, error=str(exc))


def _shown_once(username: str, label: str, value: str):
    return _page(shown={"username": username, "label": label, "value": value})


@bp.post("/<username>/disable")
def disable(username: str):
    _done, refused = _act(user_admin.disable, username, 400)
    return refused or redirect(url_for("user_admin.index", done="disabled"), 303)


@bp.post("/<username>/reset")
def reset(username: str):
    password, refused = _act(user_admin.reset_password, username, 404)
    return refused or _shown_once(username, "New password (shown once; give it to the user in person)", password)


@bp.post("/<username>/mfa")
def mfa(username: str):
    uri, refused = _act(user_admin.enroll_mfa, username, 404)
    return refused or _shown_once(username, "MFA secret (shown once; add it to an authenticator app)", uri)
