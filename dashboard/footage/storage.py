"""Where received clips live: one small interface (save, open, exists, delete by key), so a
deployment can put them anywhere every host reaches. The default is a local directory, which in
a multi-host deployment must be the same shared mount on every host (docs/deployment.md).

A key is the path of a clip inside the store, e.g. `"17/42_9f2c....mp4"`; it is what the
database records (`FootageUpload.stored_path`). Rows written before keys were relative hold an
absolute path, which the local store still resolves (joining an absolute key yields it as is).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO, Protocol

from dashboard.config import Settings


class ClipStorage(Protocol):
    def staging_dir(self) -> Path:
        """A local folder for a clip being received (on the store's filesystem, so saving is a rename)."""

    def save(self, key: str, staged: Path) -> None:
        """Move a fully received, checked file into the store under `key`."""

    def open(self, key: str) -> BinaryIO:
        """The stored bytes; FileNotFoundError when this host cannot see them."""

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove the clip; a clip already gone is not an error."""


class LocalDirectoryStorage:
    """Clips as files under one directory (shared by every host in a multi-host deployment)."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        path = self.root / key
        if not Path(key).is_absolute() and self.root.resolve() not in path.resolve().parents:
            raise ValueError(f"clip key outside the store: {key!r}")
        return path

    def staging_dir(self) -> Path:
        incoming = self.root / "incoming"
        incoming.mkdir(parents=True, exist_ok=True)
        return incoming

    def save(self, key: str, staged: Path) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged, path)

    def open(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def local_path(self, key: str) -> Path:
        """The file itself, for a web server to stream (the local store only)."""
        return self._path(key)


def clip_storage(settings: Settings) -> LocalDirectoryStorage:
    """The configured store: today the local directory `footage.storage_dir`."""
    return LocalDirectoryStorage(settings.footage_storage_dir)
