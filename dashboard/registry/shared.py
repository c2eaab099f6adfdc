"""One registry snapshot per host: each version's columns written once, as .npy files in a
folder named by the database and the version, and mapped read-only (np.load(mmap_mode="r")) by
every worker, so the pages are shared between processes instead of each holding a copy.

Whichever process first needs a version builds it under a file lock (the others wait, then map
what it wrote: one database read per host, not per worker); the folder appears by an atomic
rename, so nobody maps half a snapshot. A full read runs in a child process
(`python -m dashboard.registry.cache <folder>`), so the serving process's threads never wait on the GIL
behind pandas for seconds; a patch from the change log is a short read plus numpy work and runs
in the caller's (background) thread."""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dashboard.registry.snapshot import RegistrySnapshot

log = logging.getLogger(__name__)
KEEP_VERSIONS = 4   # newest folders kept; a worker still mapping a removed one keeps its pages
FORGET_DATABASE_S = 86_400  # another database's files untouched this long are removed
BUILD_TIMEOUT_S = 600


@dataclass(frozen=True)
class Stamp:
    """A registry version as the database names it: the counter and the moment it moved (a
    database re-created at the same counter has another moment)."""

    version: int
    changed_at: str | None

    @property
    def slug(self) -> str:
        moment = hashlib.sha256((self.changed_at or "").encode()).hexdigest()[:10]
        return f"v{self.version}-{moment}"


def database_key(url: str) -> str:
    """A short name for the database (its URL without the password)."""
    from sqlalchemy.engine import make_url

    return hashlib.sha256(make_url(url).render_as_string(hide_password=True).encode()).hexdigest()[:12]


def shareable(url: str) -> bool:
    """An in-memory SQLite database exists in one process only: nothing to share."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    return not (parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"))


class SnapshotFiles:
    """The folder of one database's snapshot files on this host."""

    def __init__(self, root: str | Path, database_url: str):
        self.database_url = database_url
        self.folder = Path(root) / database_key(database_url)

    def path(self, stamp: Stamp) -> Path:
        return self.folder / stamp.slug

    def open(self, stamp: Stamp) -> RegistrySnapshot | None:
        """The snapshot of `stamp` mapped from its file, or None when nobody wrote it yet."""
        where = self.path(stamp)
        try:
            meta = json.loads((where / "meta.json").read_text())
        except (FileNotFoundError, NotADirectoryError):
            return None
        started = time.perf_counter()
        columns = {name: np.load(where / f"{name}.npy", mmap_mode="r") for name in meta["columns"]}
        snap = RegistrySnapshot(meta["version"], columns, meta["beat_values"], changed_at=meta["changed_at"])
        snap.built_seconds = time.perf_counter() - started
        return snap

    def write(self, snap: RegistrySnapshot) -> Path:
        """Write `snap` under its stamp (atomically: a temporary folder renamed into place)."""
        final = self.path(Stamp(snap.version, snap.changed_at))
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / f".tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
        try:
            for name, array in snap.columns.items():
                np.save(tmp / f"{name}.npy", np.asarray(array), allow_pickle=False)
            (tmp / "meta.json").write_text(json.dumps({
                "version": snap.version, "changed_at": snap.changed_at, "beat_values": snap.beat_values,
                "columns": list(snap.columns)}))
            os.rename(tmp, final)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
            if not (final / "meta.json").exists():
                raise
        self._prune(keep=final)
        return final

    @contextmanager
    def build_lock(self) -> Iterator[None]:
        """One builder per host at a time (an flock: released if the holder dies)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / "build.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def build_full_in_child(self) -> Stamp:
        """Read every camera in a child process, which writes the file; returns its stamp."""
        env = {**os.environ, "CONNECT_DALLAS_SNAPSHOT_DB": self.database_url}
        done = subprocess.run([sys.executable, "-m", "dashboard.registry.cache", str(self.folder.parent)],
                              env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"snapshot build failed: {done.stderr.strip()[-500:]}")
        answer = json.loads(done.stdout.strip().splitlines()[-1])
        return Stamp(answer["version"], answer["changed_at"])

    def _prune(self, keep: Path) -> None:
        folders = sorted((p for p in self.folder.iterdir() if p.is_dir() and p.name.startswith("v")),
                         key=lambda p: p.stat().st_mtime, reverse=True)
        for old in folders[KEEP_VERSIONS:]:
            if old != keep:
                shutil.rmtree(old, ignore_errors=True)
        cutoff = time.time() - FORGET_DATABASE_S
        for other in self.folder.parent.iterdir():
            if other.is_dir() and other != self.folder and other.stat().st_mtime < cutoff:
                shutil.rmtree(other, ignore_errors=True)
