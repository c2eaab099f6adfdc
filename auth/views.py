"""Login and logout pages (plain Flask + Jinja: they must work before any Dash code runs)."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import Blueprint, current_app, g, redirect, render_template, request, session
from flask_login import current_user, login_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional

from .gate import STATIC_PREFIXES
from .sessions import client_addr, end_session
from .users import authenticate

__all__ = ["bp", "client_addr", "end_session", "set_csrf_cookie"]

bp = Blueprint("auth", __name__, template_folder="templates")
LOGIN_FAILED = "Sign-in failed: check the username and password, or ask an administrator."


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=80)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])
    otp = StringField("One-time code", validators=[Optional(), Length(max=12)])


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths: never an open redirect."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    settings = current_app.config["SETTINGS"]
    form = LoginForm()
    error = None
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            db = current_app.extensions["connect_dallas"].db
            with db.session() as s:
                result = authenticate(s, form.username.data or "", form.password.data or "",
                                      client_addr=client_addr(), lockout_threshold=settings.lockout_threshold,
                                      lockout_minutes=settings.lockout_minutes, mfa=settings.mfa,
                                      otp=form.otp.data)
            if result.ok:
                session.clear()  # a fresh session on every login: no fixation
                g.pop("csrf_token", None)  # and a fresh CSRF token bound to it
                login_user(result.user)
                session.permanent = True
                session["epoch"] = result.user.session_epoch
                session["last_active"] = time.time()
                return redirect(_safe_next(request.args.get("next")))
            error = LOGIN_FAILED
        else:
            # a missing field or a stale CSRF token: the same generic message, nothing else
            error = LOGIN_FAILED if not form.errors.get("csrf_token") else \
                "The sign-in form expired. Please try again."
        status = 401
    prefetch = current_app.extensions.get("dashboard_asset_urls")  # set by the app that serves the dashboard
    return render_template("login.html", form=form, error=error, mfa=settings.mfa,
                           demo=settings.is_demo, prefetch=prefetch() if prefetch else ()), status


@bp.route("/logout")
def logout():
    end_session("logout")
    return redirect("/login")


def set_csrf_cookie(response):
    """Dash's renderer copies the `_csrf_token` cookie into an X-CSRFToken header on every
    callback request, which CSRFProtect then checks. Not on static files: they must stay
    cacheable across sign-ins (see gate.StaticFilesSessionInterface)."""
    if request.path.startswith(STATIC_PREFIXES):
        return response
    if current_user.is_authenticated and not request.path.startswith("/api/"):
        settings = current_app.config["SETTINGS"]
        response.set_cookie("_csrf_token", generate_csrf(), samesite="Strict",
                            secure=not settings.is_demo, httponly=False)
    return response
