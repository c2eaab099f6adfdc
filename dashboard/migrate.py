"""Create or migrate the schema to the newest Alembic revision (safe to run again)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from dashboard.db import Database

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(db: Database) -> str:
    """Apply every pending migration; returns the revision now in force."""
    cfg = alembic_config(db.url)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")  # every branch, should parallel work ever leave two
    return current_revision(db)


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        heads = MigrationContext.configure(conn).get_current_heads()
    return ",".join(sorted(heads)) if heads else None


def head_revision() -> str:
    """The newest revision(s), comma-joined when branches exist."""
    return ",".join(sorted(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()))
