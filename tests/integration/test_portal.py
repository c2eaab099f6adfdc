"""The public registration portal over HTTP, with real email (aiosmtpd): register -> email ->
confirm -> admin approves -> on the map -> manage link by email -> withdraw -> off the map.
Plus Spanish, hostile input, access control of the moderation queue, the honeypot and the
rate limit."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from dashboard.jobs.mail import deliver_due
from dashboard.models import AuditEvent, Camera, Owner
from dashboard.models.registration import Registration
from tests.conftest import post_form
from tests.owner_support import open_link

INSIDE = {"latitude": "32.7767", "longitude": "-96.7970"}
HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'; DROP TABLE owners;--",
    "مرحبا بالعالم 你好世界",
    "Cámara 📷🚪",
]


@pytest.fixture
def inbox(smtp_inbox):
    return smtp_inbox


def deliver(services, inbox) -> list:
    smtp = services.smtp.__class__(host=inbox.controller.hostname, port=inbox.controller.port)
    deliver_due(services.db, smtp)
    return inbox.messages


def body_of(message) -> str:
    return message.get_payload(decode=True).decode("utf-8")


def link_in(message, kind: str) -> str:
    match = re.search(rf"https?://[^/\s]+(/register/{kind}/[A-Za-z0-9_\-]+)", body_of(message))
    assert match, body_of(message)
    return match.group(1)


def csrf(client, path: str = "/register") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def registration_form(token: str, **overrides) -> dict:
    data = {"csrf_token": token, "owner_type": "resident", "name": "Ana Pérez", "email": "ana@example.com",
            "phone": "214-555-0100", "address": "1500 Marilla St", "camera_count": "1",
            "cam-0-label": "Front door", "cam-0-placement": "outdoor", "cam-0-direction": "N",
            "cam-0-retention": "7", "consent": "on", "website": "", **INSIDE}
    data.update(overrides)
    return data


def nearest_ids(client) -> list[int]:
    response = client.get("/api/v1/cameras/nearest?lat=32.7767&lon=-96.7970&k=10")
    assert response.status_code == 200, response.get_data(as_text=True)
    return [c["camera_id"] for c in response.get_json()["cameras"]]


def test_full_path_register_confirm_approve_manage_withdraw(client, services, inbox, login_as):
    page = client.get("/register")
    assert page.status_code == 200 and 'id="registration-form"' in page.get_data(as_text=True)
    response = client.post("/register", data=registration_form(csrf(client)))
    assert response.status_code == 200 and 'id="check-email"' in response.get_data(as_text=True)
    [mail] = deliver(services, inbox)
    assert mail["To"] == "ana@example.com"
    confirm = open_link(client, link_in(mail, "confirm"))
    assert confirm.status_code == 200 and "review" in confirm.get_data(as_text=True)
    assert open_link(client, link_in(mail, "confirm")).status_code == 404  # single use

    admin = login_as("admin")
    queue = admin.get("/admin/registrations")
    html = queue.get_data(as_text=True)
    assert queue.status_code == 200 and "Ana Pérez" in html and "Front door" in html
    rid = int(re.search(r'id="registration-(\d+)"', html).group(1))
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    approved = admin.post(f"/admin/registrations/{rid}/approve", data={"csrf_token": token})
    assert approved.status_code == 302
    assert 'id="moderation-empty"' in admin.get("/admin/registrations").get_data(as_text=True)
    with services.db.session() as s:
        camera_id = s.scalar(select(Camera.id))

    analyst = login_as("analyst")
    assert camera_id in nearest_ids(analyst)
    post_form(analyst, "/logout")

    # the owner asks for a sign-in link by email and withdraws
    sent = client.post("/register/manage", data={"csrf_token": csrf(client, "/register/manage"),
                                                 "email": "ANA@example.com"})
    unknown = client.post("/register/manage", data={"csrf_token": csrf(client, "/register/manage"),
                                                    "email": "nobody@example.com"})
    assert sent.status_code == unknown.status_code == 200
    assert sent.get_data(as_text=True) == unknown.get_data(as_text=True)  # same answer either way
    messages = deliver(services, inbox)
    assert len(messages) == 2 and messages[1]["To"] == "ana@example.com"
    manage_path = link_in(messages[1], "manage")
    manage = client.get(manage_path)
    assert manage.status_code == 200 and "Front door" in manage.get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', manage.get_data(as_text=True)).group(1)
    saved = client.post(manage_path, data={"csrf_token": token, "action": "save",
                                           f"cam-{camera_id}-label": "Porch", f"cam-{camera_id}-retention": "10"})
    assert saved.status_code == 200 and 'id="manage-saved"' in saved.get_data(as_text=True)
    refused = client.post(manage_path, data={"csrf_token": token, "action": "withdraw"})
    assert refused.status_code == 422
    gone = client.post(manage_path, data={"csrf_token": token, "action": "withdraw", "confirm_withdraw": "on"})
    assert gone.status_code == 200 and 'id="portal-message"' in gone.get_data(as_text=True)
    assert client.get(manage_path).status_code == 404

    analyst = login_as("analyst")
    assert camera_id not in nearest_ids(analyst)
    with services.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Owner).where(Owner.email == "ana@example.com")) == 0


def test_auto_approve_confirmation_puts_the_camera_on_the_map(client, services, inbox, login_as, settings):
    import dataclasses

    client.application.config["SETTINGS"] = dataclasses.replace(settings, registration_auto_approve=True)
    client.post("/register", data=registration_form(csrf(client)))
    [mail] = deliver(services, inbox)
    assert "registered" in open_link(client, link_in(mail, "confirm")).get_data(as_text=True)
    analyst = login_as("analyst")
    assert len(nearest_ids(analyst)) == 1


def test_spanish_page(client):
    html = client.get("/register?lang=es").get_data(as_text=True)
    assert 'lang="es"' in html and "Registre su cámara de seguridad" in html and "Consentimiento" in html
    by_header = client.get("/register", headers={"Accept-Language": "es-MX,es;q=0.9"}).get_data(as_text=True)
    assert "Registre su cámara" in by_header
    errors = client.post("/register", data=registration_form(csrf(client), lang="es", email="x"))
    assert errors.status_code == 422 and "correo electrónico válido" in errors.get_data(as_text=True)


def test_errors_are_shown_beside_fields_and_input_is_kept(client, services):
    response = client.post("/register", data=registration_form(csrf(client), email="nope", latitude="33.2",
                                                                longitude="-97.5", consent=""))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="email-error"' in html and 'id="location-error"' in html and 'id="consent-error"' in html
    assert "outside the Dallas city limits" in html and 'value="nope"' in html and "Ana Pérez" in html
    with services.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Registration)) == 0


def test_add_another_camera_without_javascript(client):
    response = client.post("/register", data=registration_form(csrf(client), action="add"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'name="cam-1-label"' in html and 'value="Front door"' in html


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_is_stored_faithfully_and_shown_escaped(client, services, inbox, login_as, text):
    fields = {"name": text, "address": text + " 1500 Marilla", "cam-0-label": text, "owner_type": "business",
              "business_name": text}
    response = client.post("/register", data=registration_form(csrf(client), **fields))
    assert response.status_code == 200
    [mail] = deliver(services, inbox)
    open_link(client, link_in(mail, "confirm"))
    with services.db.session() as s:
        owner = s.scalar(select(Owner))
        camera = s.scalar(select(Camera))
        assert owner.name == text and owner.contact_person == text and camera.label == text
    # shown back: the error page, the admin queue, the owner's manage page
    pages = [client.post("/register", data=registration_form(csrf(client), email="bad", **fields))]
    admin = login_as("admin")
    pages.append(admin.get("/admin/registrations"))
    post_form(admin, "/logout")
    client.post("/register/manage", data={"csrf_token": csrf(client, "/register/manage"), "email": "ana@example.com"})
    manage_mail = deliver(services, inbox)[-1]
    pages.append(client.get(link_in(manage_mail, "manage")))
    for page in pages:
        html = page.get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html
        if "<" in text or '"' in text or "'" in text:
            assert "&lt;" in html or "&#34;" in html or "&#39;" in html
        else:
            assert text in html


@pytest.mark.parametrize("field", ["name", "business_name", "email", "phone", "address", "cam-0-label"])
def test_over_long_text_is_refused_with_a_message(client, services, field):
    fields = {"owner_type": "business", "business_name": "Shop", field: "x" * 5000}
    response = client.post("/register", data=registration_form(csrf(client), **fields))
    assert response.status_code == 422 and f'id="{field}-error"' in response.get_data(as_text=True)
    with services.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Registration)) == 0


def test_honeypot_answers_success_and_stores_nothing(client, services):
    response = client.post("/register", data=registration_form(csrf(client), website="http://spam.example"))
    assert response.status_code == 200 and 'id="check-email"' in response.get_data(as_text=True)
    with services.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Registration)) == 0


def audit_events(services, action: str) -> list[tuple[str, str]]:
    with services.db.session() as s:
        return [tuple(row) for row in s.execute(select(AuditEvent.username, AuditEvent.outcome)
                                                .where(AuditEvent.action == action).order_by(AuditEvent.id))]


@pytest.mark.parametrize("role", ["analyst", "detective", "supervisor"])
def test_moderation_queue_is_for_admins_only_and_refusals_are_on_record(client, services, login_as, role):
    user = login_as(role)
    response = user.get("/admin/registrations")
    assert response.status_code == 403 and "ana@example.com" not in response.get_data(as_text=True)
    assert user.post("/admin/registrations/1/approve", data={"csrf_token": csrf(user)}).status_code == 403
    assert audit_events(services, "registration_queue_read") == [(f"{role}1", "denied")]
    assert audit_events(services, "registration_approved") == [(f"{role}1", "denied")]


def test_reading_the_moderation_queue_writes_one_audit_event(client, services, inbox, login_as):
    client.post("/register", data=registration_form(csrf(client)))
    [mail] = deliver(services, inbox)
    open_link(client, link_in(mail, "confirm"))
    admin = login_as("admin")
    html = admin.get("/admin/registrations").get_data(as_text=True)
    assert "ana@example.com" in html and "214-555-0100" in html  # owner contact details: audited
    assert audit_events(services, "registration_queue_read") == [("admin1", "ok")]


def test_moderation_queue_needs_sign_in(client):
    response = client.get("/admin/registrations")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.post("/admin/registrations/1/approve").status_code in (302, 400)


@pytest.mark.parametrize("settings_overrides", [{"registration_rate_limit": "3 per minute"}])
def test_rate_limit_on_posts(client):
    token = csrf(client)
    codes = [client.post("/register", data=registration_form(token, email="bad")).status_code for _ in range(4)]
    assert codes == [422, 422, 422, 429]
    assert client.get("/register").status_code == 200  # pages still load
    assert client.post("/register/manage", data={"csrf_token": token, "email": "a@b.co"}).status_code == 429


def test_no_registry_data_in_portal_responses(client, services, inbox, login_as):
    from dashboard.tools.seed import seed_demo  # noqa: F401  (the seeder is tested elsewhere)

    client.post("/register", data=registration_form(csrf(client), name="Secret Owner", phone="214-555-0199",
                                                          **{"cam-0-label": "Garden cam 7"}))
    [mail] = deliver(services, inbox)
    open_link(client, link_in(mail, "confirm"))
    admin = login_as("admin")
    html = admin.get("/admin/registrations").get_data(as_text=True)
    rid = int(re.search(r'id="registration-(\d+)"', html).group(1))
    admin.post(f"/admin/registrations/{rid}/approve", data={"csrf_token": csrf(admin)})
    post_form(admin, "/logout")
    for path in ("/register", "/register?lang=es", "/register/manage", "/register/confirm/x", "/register/manage/x",
                 "/register/reconfirm/x"):
        response = client.get(path)
        text = response.get_data(as_text=True)
        assert "Secret Owner" not in text and "214-555-0199" not in text and "Garden cam 7" not in text, path
    for path in ("/register/api", "/register/../api/v1/cameras/nearest"):
        assert "Secret Owner" not in client.get(path).get_data(as_text=True)


def test_an_emailed_link_acts_only_on_the_owners_button(client, services, inbox):
    """Mail scanners and link previews GET every link: opening one must not confirm anything."""
    client.post("/register", data=registration_form(csrf(client)))
    [mail] = deliver(services, inbox)
    link = link_in(mail, "confirm")
    for _ in range(3):  # a scanner, a preview, the owner
        page = client.get(link)
        assert page.status_code == 200 and 'id="confirm-link-form"' in page.get_data(as_text=True)
    with services.db.session() as s:
        assert s.scalar(select(Registration.status)) == "unconfirmed"
    refused = client.post(link, data={})  # no CSRF token: a forged cross-site post
    assert refused.status_code == 400
    with services.db.session() as s:
        assert s.scalar(select(Registration.status)) == "unconfirmed"
    confirmed = open_link(client, link)
    assert confirmed.status_code == 200 and "review" in confirmed.get_data(as_text=True)
    assert client.get(link).status_code == 404  # used: the page no longer offers the button
