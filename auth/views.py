"""Login and logout pages (plain Flask + Jinja: they must work before any Dash code runs)."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import Blueprint, current_app, g, redirect, render_template, request, session
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional

from dashboard.extensions import limiter

from .gate import NO_CSRF_COOKIE_PREFIXES
from .sessions import client_addr, end_session
from .users import authenticate

__all__ = ["bp", "client_addr", "end_session", "set_csrf_cookie"]

bp = Blueprint("auth", __name__, template_folder="templates")
LOGIN_FAILED = "Sign-in failed: check the username and password, or ask an administrator."
LOGIN_THROTTLED = "Too many sign-in attempts. Wait a few minutes, then try again, or ask an administrator."
# Failed sign-ins only (a successful one redirects): a shift change behind one NAT address signs in
# many officers at once, while guessing needs many failures. Per account above the lockout
# threshold (5), so the CJIS lockout still happens first and is audited; the throttle is what
# stops an attacker who spreads guesses over many accounts or keeps trying as each lock expires.
LOGIN_LIMIT_PER_CLIENT = "20 per minute; 200 per hour"
LOGIN_LIMIT_PER_ACCOUNT = "10 per minute; 50 per hour"


def _typed_account() -> str:
    """The throttle key of the account typed into the form, whether or not it exists: counting
    unknown names too is what keeps the answer the same for both."""
    return "login-account:" + (request.form.get("username") or "").strip().lower()[:80]


def _failed(response) -> bool:
    return response.status_code != 302


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
@limiter.limit(LOGIN_LIMIT_PER_CLIENT, key_func=get_remote_address, methods=["POST"], deduct_when=_failed)
@limiter.limit(LOGIN_LIMIT_PER_ACCOUNT, key_func=_typed_account, methods=["POST"], deduct_when=_failed)
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
                                      otp=form.otp.data, allow_demo_logins=settings.is_demo)
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


@bp.errorhandler(429)
def _throttled(_exc):
    """One page for every throttled sign-in, whichever limit was reached and whether or not the
    account exists."""
    settings = current_app.config["SETTINGS"]
    return render_template("login.html", form=LoginForm(), error=LOGIN_THROTTLED, mfa=settings.mfa,
                           demo=settings.is_demo, prefetch=()), 429


@bp.get("/logout")
def logout_page():
    """A confirmation with a sign-out button, never a sign-out: a link or an <img> on another
    site must not be able to end a session (nothing with a side effect answers a GET)."""
    if not current_user.is_authenticated:
        return redirect("/login")
    return render_template("logout.html")


@bp.post("/logout")
def logout():
    end_session("logout")  # CSRFProtect has checked the form's token before we get here
    return redirect("/login")


def set_csrf_cookie(response):
    """Dash's renderer copies the `_csrf_token` cookie into an X-CSRFToken header on every
    callback request, which CSRFProtect then checks. Not on static files: they must stay
    cacheable across sign-ins (see gate.StaticFilesSessionInterface)."""
    if request.path.startswith(NO_CSRF_COOKIE_PREFIXES):  # static files; the live relay's many requests
        return response
    if current_user.is_authenticated and not request.path.startswith("/api/"):
        settings = current_app.config["SETTINGS"]
        response.set_cookie("_csrf_token", generate_csrf(), samesite="Strict",
                            secure=not settings.is_demo, httponly=False)
    return response
