"""/admin/users over HTTP: admins only (a refusal is audited), CSRF on every form, each change
audited under the acting admin, a reset password and an MFA secret shown once and working."""

from __future__ import annotations

import re
from html import unescape

import pyotp
import pytest
from sqlalchemy import select

from dashboard.models import AuditEvent, User
from tests.conftest import PASSWORD, login
from tests.owner_support import csrf as portal_csrf


def token(client) -> str:
    page = client.get("/admin/users").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def events(db, action: str) -> list[AuditEvent]:
    with db.session() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def user(db, username: str) -> User:
    with db.session() as s:
        found = s.scalar(select(User).where(User.username == username))
        s.expunge(found)
        return found


@pytest.mark.parametrize("role", ["analyst", "detective", "supervisor"])
def test_other_roles_are_refused_and_the_attempt_audited(app, db, login_as, role):
    client = login_as(role)
    assert client.get("/admin/users").status_code == 403
    csrf_token = portal_csrf(client)  # a valid token of this session: the role check refuses, not CSRF
    assert client.post("/admin/users/admin1/disable", data={"csrf_token": csrf_token}).status_code == 403
    denied = [e for e in events(db, "users_page_get") + events(db, "users_page_post") if e.outcome == "denied"]
    assert len(denied) == 2 and {e.username for e in denied} == {f"{role}1"}


def test_admin_lists_users_in_the_dark_theme(app, login_as, make_user):
    make_user("dana", "detective", "CENTRAL")
    page = login_as("admin").get("/admin/users")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "dana" in html and "CENTRAL" in html and "/assets/style.css" in html and 'class="audit-page admin-page"' in html


def test_add_user_audited_and_they_can_sign_in(app, db, login_as):
    admin = login_as("admin")
    response = admin.post("/admin/users", data={"csrf_token": token(admin), "username": "newbie",
                                                "full_name": "<b>New</b> Person", "role": "analyst",
                                                "division": "", "password": PASSWORD})
    assert response.status_code == 303
    assert "&lt;b&gt;New&lt;/b&gt; Person" in admin.get("/admin/users").get_data(as_text=True)
    created = events(db, "user_created")
    assert [e.object_id for e in created if e.username == "admin1"] == ["newbie"]
    fresh = app.server.test_client()
    assert login(fresh, "newbie").status_code == 302


def test_bad_input_is_a_400_with_the_reason(app, login_as):
    admin = login_as("admin")
    response = admin.post("/admin/users", data={"csrf_token": token(admin), "username": "x y", "full_name": "X",
                                                "role": "analyst", "password": PASSWORD})
    assert response.status_code == 400 and "username must be" in response.get_data(as_text=True)
    response = admin.post("/admin/users", data={"csrf_token": token(admin), "username": "weak", "full_name": "W",
                                                "role": "analyst", "password": "short"})
    assert response.status_code == 400
    response = admin.post("/admin/users", data={"csrf_token": token(admin), "username": "admin1", "full_name": "A",
                                                "role": "admin", "password": PASSWORD})
    assert response.status_code == 400 and "already exists" in response.get_data(as_text=True)


def test_posts_without_the_csrf_token_are_refused(app, db, login_as, make_user):
    make_user("dana", "detective")
    admin = login_as("admin")
    for path in ("/admin/users", "/admin/users/dana/disable", "/admin/users/dana/reset", "/admin/users/dana/mfa"):
        assert admin.post(path, data={"username": "evil", "full_name": "E", "role": "admin",
                                      "password": PASSWORD}).status_code == 400, path
    assert user(db, "dana").active and user(db, "dana").totp_secret is None
    assert not events(db, "password_reset")


def test_disable_ends_sign_in_and_is_audited_but_not_for_oneself(app, db, login_as, make_user):
    make_user("dana", "detective")
    admin = login_as("admin")
    assert admin.post("/admin/users/dana/disable", data={"csrf_token": token(admin)}).status_code == 303
    assert not user(db, "dana").active
    assert [e.username for e in events(db, "user_disabled")] == ["admin1"]
    assert login(app.server.test_client(), "dana").status_code != 302
    response = admin.post("/admin/users/admin1/disable", data={"csrf_token": token(admin)})
    assert response.status_code == 400 and user(db, "admin1").active


def test_reset_password_shown_once_works_and_is_audited(app, db, login_as, make_user):
    make_user("dana", "detective")
    admin = login_as("admin")
    page = admin.post("/admin/users/dana/reset", data={"csrf_token": token(admin)}).get_data(as_text=True)
    password = unescape(re.search(r'id="users-secret".*?<code>([^<]+)</code>', page, re.S).group(1))
    assert login(app.server.test_client(), "dana", password).status_code == 302
    assert login(app.server.test_client(), "dana", PASSWORD).status_code != 302
    assert [e.object_id for e in events(db, "password_reset")] == ["dana"]
    assert password not in admin.get("/admin/users").get_data(as_text=True)  # only once
    assert admin.post("/admin/users/nobody/reset", data={"csrf_token": token(admin)}).status_code == 404


def test_enrol_mfa_gives_a_working_secret(app, db, login_as, make_user):
    make_user("dana", "detective")
    admin = login_as("admin")
    page = admin.post("/admin/users/dana/mfa", data={"csrf_token": token(admin)}).get_data(as_text=True)
    uri = unescape(re.search(r"<code>(otpauth://[^<]+)</code>", page).group(1))
    secret = pyotp.parse_uri(uri).secret
    assert user(db, "dana").totp_secret == secret
    assert [(e.username, e.object_id) for e in events(db, "mfa_enrolled")] == [("admin1", "dana")]
