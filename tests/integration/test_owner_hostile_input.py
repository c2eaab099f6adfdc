"""Issue 15 item 9 and issue 11 items 10/11 in the owners' area, over HTTP: numbers that are not
numbers, control characters in every text field, and scripted stream addresses are refused
with a message next to the field (a 4xx), never a 500, on the portal, the manage page and the
admin import."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from dashboard.models import Camera
from dashboard.models.registration import Registration
from tests.owner_support import (
    cameras,
    csrf,
    manage_fields,
    manage_path,
    register_and_confirm,
    registration_form,
)

CONTROL = ["\x00", "\x1b[31m", "\x07", "\u0085", "\x7f"]
PORTAL_TEXT_FIELDS = ["name", "business_name", "email", "phone", "address", "cam-0-label", "cam-0-stream"]


def _registrations(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(Registration))


@pytest.mark.parametrize("direction", ["nan", "NaN", "1e309", "-inf", "inf", "361", "1e400"])
def test_direction_that_is_not_a_number_answers_the_form(client, db, direction):
    response = client.post("/register", data=registration_form(csrf(client), **{"cam-0-direction": direction}))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="cam-0-direction-error"' in page and "Please choose one of the options." in page
    assert _registrations(db) == 0


@pytest.mark.parametrize("field", ["latitude", "longitude", "cam-0-retention"])
@pytest.mark.parametrize("value", ["nan", "1e309", "-1e309"])
def test_other_numbers_that_are_not_numbers(client, db, field, value):
    response = client.post("/register", data=registration_form(csrf(client), **{field: value}))
    assert response.status_code == 422 and "Please enter a number from" in response.get_data(as_text=True)


@pytest.mark.parametrize("field", PORTAL_TEXT_FIELDS)
@pytest.mark.parametrize("control", CONTROL)
def test_control_characters_refused_on_every_portal_text_field(client, db, field, control):
    extra = {"owner_type": "business"} if field == "business_name" else {}
    extra.update({"cam-0-live": "on"} if field == "cam-0-stream" else {})
    base = registration_form(csrf(client), **extra)
    value = {"cam-0-stream": "http://10.0.0.5/a", "business_name": "Shop"}.get(field, base.get(field) or "x")
    base[field] = value[:3] + control + value[3:]
    response = client.post("/register", data=base)
    page = response.get_data(as_text=True)
    assert response.status_code == 422, page[:500]
    assert f'id="{field}-error"' in page
    assert "not allowed" in page or "valid" in page or "device address" in page
    assert _registrations(db) == 0


@pytest.mark.parametrize("stream", ["javascript:alert(1)", "file:///etc/passwd", "//evil.example/x", "data:text/html,x",
                                    "http://", "http://[::1"])
def test_scripted_or_malformed_stream_address_refused_on_the_portal(client, db, stream):
    response = client.post("/register", data=registration_form(
        csrf(client), **{"cam-0-live": "on", "cam-0-stream": stream}))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="cam-0-stream-error"' in page
    assert "Please enter a device address starting with rtsp, rtsps, http, https" in page


def test_stream_address_without_a_live_device_refused(client):
    response = client.post("/register", data=registration_form(csrf(client), **{"cam-0-stream": "http://10.0.0.5/a"}))
    assert response.status_code == 422 and "needs a live-access device" in response.get_data(as_text=True)


def test_spanish_messages(client):
    response = client.post("/register", data=registration_form(
        csrf(client, "/register?lang=es"), lang="es", **{"cam-0-live": "on", "cam-0-stream": "javascript:alert(1)",
                                                         "cam-0-direction": "nan"}))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Escriba una dirección del dispositivo" in page


@pytest.mark.parametrize("field,value", [("label", "Front\x00door"), ("label", "Front\x1b[2Jdoor"),
                                         ("stream", "javascript:alert(1)"), ("direction", "nan"),
                                         ("direction", "1e309"), ("retention", "inf"), ("sharing", "everyone\x00")])
def test_manage_page_refuses_hostile_values(app, db, field, value):
    owner = app.server.test_client()
    register_and_confirm(owner, db)
    path = manage_path(owner, db)
    camera = cameras(db)[0]
    fields = manage_fields(camera, live="on", **{field: value})
    response = owner.post(path, data={"csrf_token": csrf(owner, path), "action": "save", **fields})
    assert response.status_code == 422, response.get_data(as_text=True)[:500]
    assert f'id="cam-{camera.id}-{field}-error"' in response.get_data(as_text=True)
    assert cameras(db)[0].label == "Camera 1"


def test_import_refuses_control_characters_javascript_and_bad_sharing(client, db, login_as):
    admin = login_as("admin")
    header = ("owner_type,owner_name,email,latitude,longitude,label,camera_type,retention_days,live_access,"
              "stream_url,live_sharing,site_address\n")
    rows = [
        "business,Good,good@example.com,32.78,-96.80,Door,dome,7,yes,rtsp://10.0.0.5/s,emergency,1 Main St\n",
        "business,Ctl,c@example.com,32.78,-96.80,Do\x1bor,dome,7,no,,,\n",
        "business,Js,j@example.com,32.78,-96.80,Door,dome,7,yes,javascript:alert(1),always,\n",
        "business,Share,s@example.com,32.78,-96.80,Door,dome,7,no,,always,\n",
        "business,Bad,b@example.com,32.78,-96.80,Door,dome,7,yes,,sometimes,\n",
        "business,Addr,a@example.com,32.78,-96.80,Door,dome,7,no,,,1 Main\x08St\n",
    ]
    token = csrf(admin, "/admin/import")
    response = admin.post("/admin/import", data={"csrf_token": token, "file": (
        io.BytesIO((header + "".join(rows)).encode()), "cams.csv", "text/csv")}, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "label contains control characters" in page and "stream_url is refused" in page
    assert "live_sharing always needs live_access yes" in page and "live_sharing must be one of" in page
    assert "site_address contains control characters" in page
    with db.session() as s:
        imported = s.scalars(select(Camera)).all()
        assert [(c.label, c.live_sharing, c.stream_url) for c in imported] == [("Door", "emergency", "rtsp://10.0.0.5/s")]
