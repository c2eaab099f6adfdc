"""Engine and sessions. One `Database` per app (or CLI run); no module-level globals, so
tests can build as many apps against as many databases as they like."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, delete, event, insert, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from dashboard.models import Camera, CameraSite, Owner, RegistryChange, RegistryVersion, utcnow

_REGISTRY_TYPES = (Camera, CameraSite, Owner)
CHANGE_LOG_KEEP = 100_000  # versions of change log kept; a worker further behind reloads in full


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")  # readers (dashboards) never block the CAD writer
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("sqlite:///", 1)[-1]
        if path and path != ":memory:" and not url.startswith("sqlite://:"):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _next_registry_version(session: Session) -> int:
    result = session.execute(
        update(RegistryVersion).where(RegistryVersion.id == 1)
        .values(version=RegistryVersion.version + 1, changed_at=utcnow())
    )
    if result.rowcount == 0:
        session.add(RegistryVersion(id=1, version=1, changed_at=utcnow()))  # flushed with the caller's writes
        return 1
    version = registry_version(session)
    if version % 1000 == 0:
        session.execute(delete(RegistryChange).where(RegistryChange.version <= version - CHANGE_LOG_KEEP))
    return version


def bump_registry_version(session: Session) -> int:
    """Mark the registry as changed in ways the change log does not name (bulk Core writes:
    seeding, raw SQL), inside the caller's transaction: every worker reloads its snapshot in full."""
    version = _next_registry_version(session)
    session.execute(insert(RegistryChange).values(version=version))
    return version


def sync_id_sequences(session: Session, *tables: str) -> None:
    """After inserting explicit primary keys (bulk seed/import), move PostgreSQL's id
    sequences past them so the next ordinary insert does not collide. SQLite needs nothing."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - our own table names
            f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"))


def registry_version(session: Session) -> int:
    return session.scalar(select(RegistryVersion.version).where(RegistryVersion.id == 1)) or 0


def _bump_on_registry_change(session: Session, _flush_context, _instances) -> None:
    touched = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(obj, _REGISTRY_TYPES) for obj in touched) and "registry_version" not in session.info:
        session.info["registry_version"] = _next_registry_version(session)


def _log_registry_changes(session: Session, _flush_context) -> None:
    """After the flush (new rows have their ids), name each camera, site and owner it wrote in
    the change log, once per transaction, with the version the transaction bumped to."""
    version = session.info.get("registry_version")
    if version is None:
        return
    logged: set = session.info.setdefault("registry_logged", set())
    rows = []
    for obj in (*session.new, *session.dirty, *session.deleted):
        key = ("camera_id" if isinstance(obj, Camera) else "site_id" if isinstance(obj, CameraSite)
               else "owner_id" if isinstance(obj, Owner) else None)
        if key is None or obj.id is None or (key, obj.id) in logged:
            continue
        logged.add((key, obj.id))
        rows.append({"version": version, "camera_id": None, "site_id": None, "owner_id": None, key: obj.id})
    if rows:
        session.connection().execute(insert(RegistryChange), rows)


def _reset_bump_flag(session: Session, *_args) -> None:
    session.info.pop("registry_version", None)
    session.info.pop("registry_logged", None)


class Database:
    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self.Session = sessionmaker(self.engine, expire_on_commit=False)
        # ORM changes to cameras, sites or owners bump the version and name themselves in the
        # change log automatically; bulk Core inserts (seed) call bump_registry_version themselves.
        event.listen(self.Session, "before_flush", _bump_on_registry_change)
        event.listen(self.Session, "after_flush", _log_registry_changes)
        event.listen(self.Session, "after_commit", _reset_bump_flag)
        event.listen(self.Session, "after_rollback", _reset_bump_flag)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commit on success, roll back everything on any error."""
        session = self.Session()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
