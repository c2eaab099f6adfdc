"""The operator commands of docs/interfaces.md, run as a subprocess the way operators run them."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import func, select

from auth.users import authenticate
from dashboard.models import Camera, User


def run(db_url: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": db_url}
    env.pop("CONNECT_DALLAS_CONFIG", None)
    return subprocess.run([sys.executable, "-m", "dashboard", *args], input=stdin, capture_output=True, text=True,
                          env=env, timeout=300)


def test_init_db_is_idempotent(db_url):
    first, second = run(db_url, "init-db"), run(db_url, "init-db")
    assert first.returncode == second.returncode == 0
    from dashboard.migrate import head_revision

    assert f"revision {head_revision()}" in second.stdout


def test_add_user_with_password_stdin_then_login(db_url, db):
    result = run(db_url, "add-user", "dreyes", "--role", "detective", "--name", "Dana Reyes", "--division",
                 "central", "--password-stdin", stdin="a long enough password\nignored second line\n")
    assert result.returncode == 0, result.stderr
    with db.session() as s:
        user = s.scalar(select(User).where(User.username == "dreyes"))
        assert (user.role, user.division, user.full_name) == ("detective", "CENTRAL", "Dana Reyes")
        assert authenticate(s, "dreyes", "a long enough password", client_addr=None, lockout_threshold=5,
                            lockout_minutes=30).ok


def test_add_user_rejects_bad_input_clearly(db_url):
    weak = run(db_url, "add-user", "x", "--role", "analyst", "--name", "X", "--password-stdin", stdin="short\n")
    assert weak.returncode == 1 and "at least 12 characters" in weak.stderr and "Traceback" not in weak.stderr
    bad_division = run(db_url, "add-user", "x", "--role", "analyst", "--name", "X", "--division", "MARS")
    assert bad_division.returncode == 1 and "division" in bad_division.stderr
    bad_role = run(db_url, "add-user", "x", "--role", "chief", "--name", "X")
    assert bad_role.returncode == 2 and "role" in bad_role.stderr


def test_disable_user(db_url, db):
    run(db_url, "add-user", "temp", "--role", "analyst", "--name", "T", "--password-stdin", stdin="a long enough password\n")
    result = run(db_url, "disable-user", "temp")
    assert result.returncode == 0
    with db.session() as s:
        assert s.scalar(select(User.active).where(User.username == "temp")) is False
    missing = run(db_url, "disable-user", "nobody")
    assert missing.returncode == 1 and "no user named" in missing.stderr


def test_seed_demo_if_empty_never_reseeds(db_url, db):
    first = run(db_url, "seed-demo", "--cameras", "300", "--incidents", "10", "--if-empty")
    assert first.returncode == 0, first.stderr
    assert "password demo-analyst-2026" in first.stdout  # demo logins printed in demo mode
    with db.session() as s:
        count = s.scalar(select(func.count()).select_from(Camera))
    assert count == 300
    again = run(db_url, "seed-demo", "--cameras", "300", "--if-empty")
    assert again.returncode == 0 and "not seeding" in again.stdout
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Camera)) == count


def test_verify_audit_command(db_url, db):
    from dashboard.audit import chain as audit

    with db.session() as s:
        audit.record(s, "login", username="a")
        audit.record(s, "login", username="b")
    assert run(db_url, "verify-audit").returncode == 0
    with db.engine.begin() as conn:
        from sqlalchemy import text

        conn.execute(text("UPDATE audit_events SET reason = 'covered up' WHERE id = 1"))
    broken = run(db_url, "verify-audit")
    assert broken.returncode == 1 and "event 1" in broken.stderr


def test_missing_file_is_a_clear_error(db_url):
    result = run(db_url, "import-cameras", "/nonexistent/file.csv")
    assert result.returncode == 1 and "file not found" in result.stderr
