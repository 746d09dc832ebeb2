"""The workbook file on disk: what a read saw, lock files, and the atomic replace."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sheets_keepup.core.errors import AccessError, SheetChangedError

_NO_SPACE = {errno.ENOSPC, errno.EDQUOT}
_NOT_ALLOWED = {errno.EACCES, errno.EPERM, errno.EROFS}


@dataclass(frozen=True)
class Seen:
    """The bytes a read parsed, and enough of the file's stat to notice a later save."""

    data: bytes
    sha256: str
    size: int
    mtime_ns: int
    inode: int
    ctime_ns: int

    @classmethod
    def load(cls, path: Path) -> Seen:
        with open(path, "rb") as handle:
            data = handle.read()
            info = os.fstat(handle.fileno())
        return cls(
            data,
            hashlib.sha256(data).hexdigest(),
            info.st_size,
            info.st_mtime_ns,
            info.st_ino,
            info.st_ctime_ns,
        )

    def still_on_disk(self, path: Path) -> bool:
        """Whether `path` still holds exactly what was read.

        A stat that differs in size settles it; otherwise the content decides, since a
        same-size save within the timestamp granularity of some file systems (2 s on
        FAT, some shares) keeps every stat field but the bytes.
        """
        try:
            info = path.stat()
            if info.st_size != self.size:
                return False
            return hashlib.sha256(path.read_bytes()).hexdigest() == self.sha256
        except FileNotFoundError:
            return False


def lock_files(path: Path) -> list[Path]:
    """Lock files that LibreOffice and Excel leave beside a workbook they have open."""
    folders = {path.parent, Path(os.path.realpath(path)).parent}
    names = {path.name, Path(os.path.realpath(path)).name}
    candidates = [
        folder / pattern.format(name)
        for folder in sorted(folders)
        for name in sorted(names)
        for pattern in (".~lock.{}#", "~${}")
    ]
    return [p for p in candidates if p.exists()]


def remove_stale_temporaries(target: Path) -> list[Path]:
    """Temporary files of ours that a killed run left beside the workbook.

    The caller holds the per-sheet lock, so no live run owns one of them.
    """
    removed = []
    for stale in target.parent.glob(f".{target.name}.*.tmp"):
        with contextlib.suppress(FileNotFoundError):
            stale.unlink()
            removed.append(stale)
    return removed


def no_space(error: OSError, path: Path) -> AccessError | None:
    """The message for an error that leaves the workbook as it was, when it is known."""
    if error.errno in _NO_SPACE:
        return AccessError(
            f"No space left on the disk holding {path.name} (or the quota is used up); "
            "the workbook is unchanged. Free some space and sync again."
        )
    if error.errno in _NOT_ALLOWED:
        return AccessError(
            f"{path} cannot be written ({error.strerror}); the workbook is unchanged."
        )
    return None


def replace_atomically(path: Path, seen: Seen | None, write: Callable[[IO[bytes]], None]) -> None:
    """Write a new version beside the real file, check the file is still what was read,
    then rename the new one over it (a symlink stays a symlink)."""
    target = Path(os.path.realpath(path))
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    temporary = Path(name)
    try:
        try:
            with os.fdopen(handle, "wb") as out:
                write(out)
                out.flush()
                os.fsync(out.fileno())
            if target.exists():
                os.chmod(temporary, target.stat().st_mode & 0o7777)
        except OSError as error:
            mapped = no_space(error, path)
            if mapped is not None:
                raise mapped from error
            raise
        if seen is not None and not seen.still_on_disk(target):
            raise SheetChangedError(
                f"{path.name} was saved by something else while syncing; nothing was written."
            )
        os.replace(temporary, target)
        _sync_folder(target.parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


def _sync_folder(folder: Path) -> None:
    # The rename is durable only once the folder's entry is on disk; not every
    # platform lets a folder be opened for that, which is no reason to fail the write.
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
