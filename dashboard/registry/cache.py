"""Loading the registry snapshot from the database, patching it from the change log, and the
per-worker cache that hands it out (dashboard.registry.snapshot is the snapshot itself; with a
folder for snapshot files, dashboard.registry.shared lets the workers of a host share one)."""

from __future__ import annotations

import logging
import subprocess
import threading
import time
from pathlib import Path

from sqlalchemy import func, select

from dashboard.db import Database
from dashboard.models import Camera, CameraSite, Owner, RegistryChange, RegistryVersion
from dashboard.registry.shared import SnapshotFiles, Stamp, shareable
from dashboard.registry.snapshot import RegistrySnapshot

log = logging.getLogger(__name__)

# Every active camera, no owner details: only what the map, the filters and the nearest-camera
# search need.
SNAPSHOT_QUERY = (
    select(
        Camera.id.label("camera_id"), CameraSite.latitude.label("lat"), CameraSite.longitude.label("lon"),
        CameraSite.division, CameraSite.beat, Owner.owner_type, Camera.camera_type, Camera.placement,
        Camera.live_access.label("live"), Camera.direction_deg.label("direction"), Camera.fov_deg.label("fov"),
        Camera.range_m, Camera.retention_days, Camera.registered_at, Camera.verified_at,
        Camera.site_id, CameraSite.owner_id, Camera.live_sharing,
    )
    .join(CameraSite, Camera.site_id == CameraSite.id)
    .join(Owner, CameraSite.owner_id == Owner.id)
    .where(Camera.status == "active")
)


def registry_stamp(session) -> Stamp:
    """The registry's version and the moment it moved (one tiny query)."""
    row = session.execute(select(RegistryVersion.version, RegistryVersion.changed_at)
                          .where(RegistryVersion.id == 1)).first()
    if row is None:
        return Stamp(0, None)
    return Stamp(row.version or 0, row.changed_at.isoformat() if row.changed_at else None)


def load_snapshot(db: Database) -> RegistrySnapshot:
    """Read every active camera."""
    from dashboard.registry import frames  # pandas: a process that maps the host's file never reads rows

    with db.engine.connect() as conn:
        with db.Session(bind=conn) as s:
            stamp = registry_stamp(s)
        raw = frames.read_frame(conn, SNAPSHOT_QUERY)
    return RegistrySnapshot.from_frame(raw, stamp.version, stamp.changed_at)


PATCH_MAX_CAMERAS = 20_000  # more cameras changed than this: re-reading everything is as quick
CHILD_BUILD_MIN_CAMERAS = 50_000  # a full read of more runs in a child process (seconds of GIL)


def _active_cameras(db: Database) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(Camera).where(Camera.status == "active")) or 0


def refresh_snapshot(db: Database, old: RegistrySnapshot, full_load=None) -> RegistrySnapshot:
    """The snapshot at the database's current version: `old` patched with the cameras the
    change log names since its version (a second at 1M cameras, against ~8 s for a full read),
    or a full load when the log cannot say what changed: a bulk write, versions missing from the
    log (pruned, or written before it existed), or too many cameras.

    The version is read first, so the rows read after it are at least that new; a row newer than
    the version is named again by its own version's log, and re-applying it is harmless."""
    full_load = full_load or load_snapshot
    with db.engine.connect() as conn:
        with db.Session(bind=conn) as s:
            stamp = registry_stamp(s)
            version = stamp.version
            if version == old.version:
                return old
            changes = s.execute(select(RegistryChange.version, RegistryChange.camera_id, RegistryChange.site_id,
                                       RegistryChange.owner_id)
                                .where(RegistryChange.version > old.version, RegistryChange.version <= version)).all()
            complete = {c.version for c in changes} == set(range(old.version + 1, version + 1))
            if not complete or version < old.version or any(
                    c.camera_id is None and c.site_id is None and c.owner_id is None for c in changes):
                return full_load(db)
            cameras = {c.camera_id for c in changes if c.camera_id is not None}
            sites = {c.site_id for c in changes if c.site_id is not None}
            owners = {c.owner_id for c in changes if c.owner_id is not None}
            if sites or owners:  # their cameras, whatever their status now
                cameras |= set(s.scalars(select(Camera.id).join(CameraSite, Camera.site_id == CameraSite.id)
                                         .where(CameraSite.id.in_(sites) | CameraSite.owner_id.in_(owners))))
            if len(cameras) > PATCH_MAX_CAMERAS:
                return full_load(db)
        from dashboard.registry import frames  # pandas: only a registry change reads rows

        fresh = frames.read_frame(conn, SNAPSHOT_QUERY.where(Camera.id.in_(sorted(cameras)))) if cameras else None
    return old.patched(fresh, cameras, sites, owners, version, stamp.changed_at)


class RegistryCache:
    """Hands out the current snapshot; rebuilds it when the database's version moves.

    The version is read at most every `check_every` seconds, so a burst of map requests
    costs one tiny query. Only the very first load blocks; after a registry change the new
    snapshot is built in a background thread while requests keep getting the previous one
    (at 1M cameras a rebuild takes seconds, and a dashboard must never wait for it).

    With `files` (a folder on this host), each version is built once per host and mapped by
    every worker (dashboard.registry.shared): a worker that finds the current version's file
    maps it in a fraction of a second instead of reading the database.
    """

    def __init__(self, db: Database, check_every: float = 1.0, background: bool = True,
                 files: SnapshotFiles | None = None):
        self.db = db
        self.check_every = check_every
        self.background = background
        self.files = files
        self._snapshot: RegistrySnapshot | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()
        self._rebuilding = False

    @classmethod
    def for_host(cls, db: Database, folder: str | Path) -> RegistryCache:
        """A cache sharing its snapshots through `folder` (when the database can be shared)."""
        return cls(db, files=SnapshotFiles(folder, db.url) if shareable(db.url) else None)

    def get(self) -> RegistrySnapshot:
        snap = self._snapshot
        if snap is not None and time.monotonic() - self._checked_at < self.check_every:
            return snap
        if snap is None:
            with self._lock:
                if self._snapshot is None:
                    self._snapshot = self._build(None)
                    self._checked_at = time.monotonic()
                    if self.background:  # the nearest-camera index, while the first map is served
                        threading.Thread(target=self._snapshot.index, name="registry-index", daemon=True).start()
                return self._snapshot
        self._checked_at = time.monotonic()
        with self.db.session() as s:
            version = registry_stamp(s).version
        if version != snap.version:
            if not self.background:
                self._rebuild()
                return self._snapshot
            self._rebuild_in_background()
        return snap  # the one in hand, even if the rebuild finished meanwhile: callers see one answer

    def peek(self) -> RegistrySnapshot | None:
        """The snapshot in hand, never waiting for a first load (None until there is one)."""
        return self._snapshot

    def _build(self, current: RegistrySnapshot | None) -> RegistrySnapshot:
        if self.files is None:
            return refresh_snapshot(self.db, current) if current is not None else load_snapshot(self.db)
        try:
            return self._build_shared(current)
        except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
            # an unwritable folder, a failed child: this process keeps a copy of its own
            log.warning("registry snapshot files unavailable (%s); loading in process", exc)
            self.files = None
            return self._build(current)

    def _build_shared(self, current: RegistrySnapshot | None) -> RegistrySnapshot:
        files = self.files
        with self.db.session() as s:
            stamp = registry_stamp(s)
        if current is not None and stamp.version == current.version:
            return current
        if stamp.changed_at is None:  # a registry never written to: nothing worth a file
            return load_snapshot(self.db)
        mapped = files.open(stamp)
        if mapped is not None:
            return mapped
        with files.build_lock():
            mapped = files.open(stamp)  # another worker built it while this one waited
            if mapped is not None:
                return mapped
            def full_load(db: Database) -> RegistrySnapshot:
                if _active_cameras(db) < CHILD_BUILD_MIN_CAMERAS:
                    return load_snapshot(db)  # a fraction of a second: not worth a process
                return files.open(files.build_full_in_child())

            fresh = full_load(self.db) if current is None else refresh_snapshot(self.db, current, full_load)
            written = Stamp(fresh.version, fresh.changed_at)
            if files.open(written) is None:
                files.write(fresh)
            return files.open(written) or fresh

    def _rebuild(self) -> None:
        fresh = self._build(self._snapshot)
        fresh.index()  # before it is handed out: no request waits for the index
        with self._lock:
            if self._snapshot is None or fresh.version >= self._snapshot.version:
                self._snapshot = fresh

    def _rebuild_in_background(self) -> None:
        with self._lock:
            if self._rebuilding:
                return
            self._rebuilding = True

        def run() -> None:
            try:
                self._rebuild()
            finally:
                self._rebuilding = False

        threading.Thread(target=run, name="registry-rebuild", daemon=True).start()

    def warm(self) -> None:
        """Load the first snapshot in the background (server start-up)."""
        threading.Thread(target=self.get, name="registry-warm", daemon=True).start()

    def invalidate(self) -> None:
        self._checked_at = 0.0


def _build_in_child(root: str) -> None:
    """`python -m dashboard.registry.cache <folder>`: a full read of the registry into its file
    (SnapshotFiles.build_full_in_child runs it; the database URL comes in the environment, not
    on the command line where `ps` would show a password)."""
    import json
    import os

    url = os.environ["CONNECT_DALLAS_SNAPSHOT_DB"]
    snap = load_snapshot(Database(url))
    SnapshotFiles(root, url).write(snap)
    print(json.dumps({"version": snap.version, "changed_at": snap.changed_at}))


if __name__ == "__main__":
    import sys

    _build_in_child(sys.argv[1])
