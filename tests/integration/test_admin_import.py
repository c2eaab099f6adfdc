"""The admins' CSV upload page (/admin/import): good rows imported, each bad row reported with
its reason (escaped), an audit event; admins only; non-CSV and oversized files refused."""

from __future__ import annotations

import io
import json
import re

import pytest
from sqlalchemy import func, select

from dashboard.models import AuditEvent, Camera, Owner
from tests.unit.test_importer import GOOD, GOOD2, HEADER

HOSTILE = "<script>alert(1)</script>"
BAD_EMAIL = "resident,A,,not-an-email,,,,32.78,-96.80,Door,dome,outdoor,,,,7,no,\n"
BAD_HOSTILE = f"resident,{HOSTILE},,h@example.com,,,,32.78,-96.80,Door,{HOSTILE},outdoor,,,,7,no,\n"


def csrf(client) -> str:
    html = client.get("/admin/import").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def upload(client, body: bytes, filename: str = "cams.csv", content_type: str = "text/csv"):
    data = {"csrf_token": csrf(client), "file": (io.BytesIO(body), filename, content_type)}
    return client.post("/admin/import", data=data, content_type="multipart/form-data")


def cameras(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(Camera))


def test_admin_imports_good_rows_and_sees_each_bad_row(client, login_as, db):
    admin = login_as("admin")
    assert "/admin/import" in admin.get("/admin/registrations").get_data(as_text=True)  # linked
    page = admin.get("/admin/import").get_data(as_text=True)
    assert 'type="file"' in page and "retention_days" in page  # the documented columns
    response = upload(admin, (HEADER + GOOD + BAD_EMAIL + GOOD2 + BAD_HOSTILE).encode())
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:500]
    assert "imported 2" in html and "rejected 2" in html
    assert 'id="rejected-row-3"' in html and 'id="rejected-row-5"' in html
    row3 = re.search(r'id="rejected-row-3"><td>3</td><td>([^<]*)</td>', html).group(1)
    row5 = re.search(r'id="rejected-row-5"><td>5</td><td>([^<]*)</td>', html).group(1)
    assert "email" in row3 and "camera_type" in row5
    assert HOSTILE not in html and "&lt;script&gt;" in html  # the echoed value is text, not markup
    assert cameras(db) == 2
    with db.session() as s:
        assert s.scalar(select(Owner.name)) == "Elm St Deli"
        assert set(s.scalars(select(Camera.status))) == {"active"}
        [event] = s.scalars(select(AuditEvent).where(AuditEvent.action == "bulk_import")).all()  # exactly one
    assert (event.username, event.outcome, event.object_type) == ("admin1", "ok", "cameras")
    assert json.loads(event.detail) == {"imported": 2, "rejected": 2, "filename": "cams.csv",
                                        "bytes": len((HEADER + GOOD + BAD_EMAIL + GOOD2 + BAD_HOSTILE).encode())}


@pytest.mark.parametrize("role", ["analyst", "detective", "supervisor"])
def test_other_roles_are_refused_and_the_refusal_is_on_record(client, login_as, db, role):
    user = login_as(role)
    assert user.get("/admin/import").status_code == 403
    with db.session() as s:
        refused = s.execute(select(AuditEvent.username, AuditEvent.outcome)
                            .where(AuditEvent.action == "bulk_import")).all()
    assert [tuple(r) for r in refused] == [(f"{role}1", "denied")]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      user.get("/login").get_data(as_text=True))
    data = {"file": (io.BytesIO((HEADER + GOOD).encode()), "cams.csv", "text/csv")}
    if token:
        data["csrf_token"] = token.group(1)
    assert user.post("/admin/import", data=data, content_type="multipart/form-data").status_code in (400, 403)
    assert cameras(db) == 0


def test_anonymous_is_sent_to_login(client, db):
    response = client.get("/admin/import")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    response = client.post("/admin/import", data={"file": (io.BytesIO((HEADER + GOOD).encode()), "c.csv")},
                           content_type="multipart/form-data")
    assert response.status_code in (302, 400)
    assert cameras(db) == 0


@pytest.mark.parametrize(("body", "filename", "content_type", "message"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00", "photo.png", "image/png", "Only CSV files"),
    ((HEADER + GOOD).encode(), "cams.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
     "Only CSV files"),
    ((HEADER + GOOD).encode(), "cams.csv", "image/png", "Only CSV files"),
    (b"\xff\xfe\x00o\x00w\x00n", "cams.csv", "text/csv", "not UTF-8"),
    ((HEADER + GOOD).encode() + b"#" * (5 * 1024 * 1024), "big.csv", "text/csv", "too large"),
])
def test_refused_uploads_import_nothing(client, login_as, db, body, filename, content_type, message):
    admin = login_as("admin")
    response = upload(admin, body, filename, content_type)
    html = response.get_data(as_text=True)
    assert response.status_code in (400, 413, 415) and message in html and 'id="import-error"' in html
    assert cameras(db) == 0
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "bulk_import")) == 0


def test_larger_than_the_request_limit_gets_the_page_too(client, login_as, db):
    admin = login_as("admin")
    response = upload(admin, b"a,b\n" + b"x" * (9 * 1024 * 1024))
    assert response.status_code == 413 and "too large" in response.get_data(as_text=True)
    assert cameras(db) == 0


def test_missing_file_is_a_message(client, login_as):
    admin = login_as("admin")
    response = admin.post("/admin/import", data={"csrf_token": csrf(admin)}, content_type="multipart/form-data")
    assert response.status_code == 400 and "Choose a CSV file" in response.get_data(as_text=True)
