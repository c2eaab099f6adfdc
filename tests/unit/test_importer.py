"""import-cameras: good rows imported, each bad row reported with its reason; the import checks
its actor's permission and writes its audit event in the transaction of the rows."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from auth.permissions import PermissionDenied
from dashboard.models import AuditEvent, Camera, CameraSite, Owner
from dashboard.registry.importer import CLI_OPERATOR, import_cameras_csv
from tests.unit.test_registration import user_with_role

HEADER = ("owner_type,owner_name,contact_person,email,phone,owner_address,site_address,latitude,longitude,"
          "label,camera_type,placement,direction_deg,fov_deg,range_m,retention_days,live_access,stream_url\n")
GOOD = "business,Elm St Deli,Ana Ruiz,deli@example.com,(214) 555-0101,,1200 Elm St,32.7810,-96.7990,Door,dome,outdoor,90,100,30,30,no,\n"
GOOD2 = "business,Elm St Deli,Ana Ruiz,deli@example.com,(214) 555-0101,,1200 Elm St,32.7810,-96.7990,Alley,bullet,outdoor,270,60,40,30,yes,rtsp://x.example.net/1\n"


def write(tmp_path, body: str):
    path = tmp_path / "cams.csv"
    path.write_text(HEADER + body)
    return path


def test_good_rows_share_owner_and_site(db, tmp_path):
    report = import_cameras_csv(db, write(tmp_path, GOOD + GOOD2), CLI_OPERATOR)
    assert report.imported == 2 and report.rejected == []
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Owner)) == 1
        assert s.scalar(select(func.count()).select_from(CameraSite)) == 1
        site = s.scalar(select(CameraSite))
        assert site.division == "CENTRAL" and site.beat
        assert {c.status for c in s.scalars(select(Camera))} == {"active"}


def test_bad_rows_reported_with_reasons_rest_imported(db, tmp_path):
    bad = [
        "resident,A,,not-an-email,,,,32.78,-96.80,Door,dome,outdoor,,,,7,no,\n",
        "resident,B,,b@example.com,,,,40.71,-74.00,Door,dome,outdoor,,,,7,no,\n",
        "resident,C,,c@example.com,,,,32.78,-96.80,Door,tank,outdoor,,,,7,no,\n",
        "resident,D,,d@example.com,,,,32.78,-96.80,Door,dome,outdoor,400,,,7,no,\n",
        "resident,E,,e@example.com,,,,32.78,-96.80,,dome,outdoor,,,,7,no,\n",
        "resident,F,,f@example.com,,,,32.78,-96.80,Door,dome,outdoor,,,,seven,no,\n",
        "resident,G,,g@example.com,,,,32.78,-96.80,Door,dome,outdoor,,,,7,no,rtsp://x\n",
        'resident,H,,"x@example.com,postmaster,abuse",,,,32.78,-96.80,Door,dome,outdoor,,,,7,no,\n',
        "resident,I,,<root>x@example.com,,,,32.78,-96.80,Door,dome,outdoor,,,,7,no,\n",
        "resident,J,,j@example.com,,,,32.78,-96.80,Door\x07bell,dome,outdoor,,,,7,no,\n",
        "resident,K,,k@example.com,,,,32.78,-96.80,Door,dome,outdoor,,,,7,yes,javascript:alert(1)\n",
    ]
    report = import_cameras_csv(db, write(tmp_path, GOOD + "".join(bad)), CLI_OPERATOR)
    assert report.imported == 1
    reasons = {r.row: r.reason for r in report.rejected}
    assert set(reasons) == set(range(3, 14))
    assert "email" in reasons[3] and "city limits" in reasons[4] and "camera_type" in reasons[5]
    assert "direction_deg" in reasons[6] and "label" in reasons[7] and "retention_days" in reasons[8]
    assert "stream_url" in reasons[9]
    assert "email" in reasons[10] and "invalid characters" in reasons[10]  # not three recipients
    assert "email" in reasons[11]                                            # not a display name for root
    assert "label contains control characters" in reasons[12]
    assert "stream_url is refused: it must be an rtsp" in reasons[13]


def test_missing_columns_rejected_whole(db, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("name,email\nx,y@example.com\n")
    report = import_cameras_csv(db, path, CLI_OPERATOR)
    assert report.imported == 0 and "latitude" in report.rejected[0].reason


def test_the_import_and_its_audit_event_share_one_transaction(db, tmp_path):
    admin = user_with_role(db, "admin")
    report = import_cameras_csv(db, write(tmp_path, GOOD + GOOD2), admin, client_addr="10.1.2.3")
    assert report.imported == 2
    with db.session() as s:
        [event] = s.scalars(select(AuditEvent).where(AuditEvent.action == "bulk_import")).all()
    assert (event.username, event.user_id, event.outcome, event.client_addr) == ("admin1", admin.id, "ok", "10.1.2.3")
    assert json.loads(event.detail) == {"imported": 2, "rejected": 0, "filename": "cams.csv"}


@pytest.mark.parametrize("role", ["analyst", "detective", "supervisor"])
def test_a_role_that_may_not_moderate_imports_nothing_and_is_on_record(db, tmp_path, role):
    user = user_with_role(db, role)
    with pytest.raises(PermissionDenied):
        import_cameras_csv(db, write(tmp_path, GOOD), user)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Camera)) == 0
        [event] = s.scalars(select(AuditEvent).where(AuditEvent.action == "bulk_import")).all()
    assert (event.username, event.outcome) == (user.username, "denied")


def test_cli_reports_rows_and_writes_an_audit_event(tmp_path, db_url, db):
    path = write(tmp_path, GOOD + "resident,B,,b@example.com,,,,40.71,-74.00,Door,dome,outdoor,,,,7,no,\n")
    env = {"DATABASE_URL": db_url, "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-m", "dashboard", "import-cameras", str(path)], capture_output=True,
                            text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "row 3: rejected: the position is outside the Dallas city limits" in result.stdout
    assert "imported 1 cameras, rejected 1 rows" in result.stdout
    with db.session() as s:
        [event] = s.scalars(select(AuditEvent).where(AuditEvent.action == "bulk_import")).all()
    assert (event.username, event.user_id, event.outcome) == ("system:cli", None, "ok")
    assert json.loads(event.detail) == {"imported": 1, "rejected": 1, "filename": "cams.csv"}
