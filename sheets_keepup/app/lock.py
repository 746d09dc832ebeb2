"""One sync of a sheet at a time: an owner-only lock file per sheet, held with ``flock``.

Mutual exclusion comes from ``fcntl.flock`` rather than from the file's existence:
the kernel drops the lock when the holder dies (even on SIGKILL or power loss), so a
crashed sync can never block later ones. The JSON inside (pid, hostname, start time)
is for messages and for noticing that a previous holder did not finish cleanly.

Each sheet has its own lock file in its folder of the state folder, so two workbooks
sync at the same time. A writer that names no sheet takes the state folder's own lock
file exclusively, as every writer did before locks were per sheet; a per-sheet lock
holds that file shared, so such a writer still excludes every sync and is excluded by
them.
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType

from sheets_keepup.app.clock import Clock, SystemClock
from sheets_keepup.app.files import FILE_MODE, ensure_state_dir, target_dir, target_path
from sheets_keepup.core.errors import LockedError

LOCK_NAME = "sync.lock"
DEFAULT_MAX_AGE = timedelta(hours=6)
WRITER_WAIT_SECONDS = 10.0
"""How long a command run by hand waits for another writer before giving up.

Long enough for a `log` or an `import` to finish (seconds), too short to leave someone
staring at a silent terminal while a big nightly sync runs: they get a message instead.
"""
_POLL_SECONDS = 0.1

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LockInfo:
    """Who holds (or held) the lock."""

    pid: int
    hostname: str
    started_at: datetime
    sheet: str = ""

    def to_json(self) -> str:
        """Serialise for the lock file."""
        data = {
            "pid": self.pid,
            "hostname": self.hostname,
            "started_at": self.started_at.isoformat(),
        }
        if self.sheet:
            data["sheet"] = self.sheet
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> LockInfo | None:
        """Parse a lock file's content; None if empty or damaged."""
        try:
            data = json.loads(text)
            return cls(
                pid=int(data["pid"]),
                hostname=str(data["hostname"]),
                started_at=datetime.fromisoformat(data["started_at"]),
                sheet=str(data.get("sheet") or ""),
            )
        except (ValueError, KeyError, TypeError):
            return None


def _describe_start(started_at: datetime, now: datetime) -> str:
    """Short local time: "02:00" today, "2026-10-24 02:00" on another day."""
    local, local_now = started_at.astimezone(), now.astimezone()
    if local.date() == local_now.date():
        return local.strftime("%H:%M")
    return local.strftime("%Y-%m-%d %H:%M")


class LockHeld(Exception):
    """Another sync is running; carries the holder's pid and start time if known."""

    def __init__(
        self, holder: LockInfo | None, now: datetime, max_age: timedelta, sheet: str = ""
    ) -> None:
        self.holder = holder
        self.pid = holder.pid if holder else None
        self.since = holder.started_at if holder else None
        named = (holder.sheet if holder else "") or sheet
        of = f" of {named}" if named else ""
        if holder is None:
            text = (
                f"another sync{of} is running (its details are not readable yet); try again later"
            )
        else:
            where = "" if holder.hostname == socket.gethostname() else f" on {holder.hostname}"
            started = _describe_start(holder.started_at, now)
            text = (
                f"another sync{of} (pid {holder.pid}{where}, started {started}) is running; "
                "wait for it to finish"
            )
            if now - holder.started_at > max_age:
                hours = (now - holder.started_at).total_seconds() / 3600
                text += (
                    f". It has been running for {hours:.0f} hours and may be stuck; "
                    f"stop it with `kill {holder.pid}` and try again"
                )
        super().__init__(text)


def pid_alive(pid: int) -> bool:
    """Return True if a process with ``pid`` exists on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


def lock_path(state_dir: Path, sheet: str | None = None) -> Path:
    """The lock file of `sheet`, or the state folder's own one (not created)."""
    state_dir = Path(state_dir)
    return state_dir / LOCK_NAME if sheet is None else target_path(state_dir, sheet) / LOCK_NAME


class SyncLock:
    """Context manager holding the sheet's ``sync.lock`` for the duration of a sync.

    With `sheet`, the lock of that sheet (in its folder of the state folder), and the
    state folder's own lock shared; without, the state folder's lock alone, exclusive.
    ``stale`` is set when the previous holder ended without releasing the lock
    (crash, kill -9, power loss); the lock is then taken over and a warning logged.
    """

    def __init__(
        self,
        state_dir: Path,
        *,
        sheet: str | None = None,
        clock: Clock | None = None,
        max_age: timedelta = DEFAULT_MAX_AGE,
        logger: logging.Logger | None = None,
    ) -> None:
        self.state_dir = Path(state_dir)
        self.sheet = sheet
        self.path = lock_path(self.state_dir, sheet)
        self._clock = clock or SystemClock()
        self._max_age = max_age
        self._log = logger or _log
        self._fd: int | None = None
        self._shared: int | None = None
        self.stale: LockInfo | None = None
        self.info: LockInfo | None = None

    def acquire(self) -> SyncLock:
        """Take the lock or raise :class:`LockHeld`."""
        if self._fd is not None:
            raise RuntimeError("SyncLock is not reentrant")
        ensure_state_dir(self.state_dir)
        if self.sheet is not None:
            # Held by a writer that named no sheet, possibly of another sheet: name none.
            self._shared = self._open_locked(self.state_dir / LOCK_NAME, fcntl.LOCK_SH, "")
            self._clear_stale_shared(self._shared)
        try:
            if self.sheet is not None:
                target_dir(self.state_dir, self.sheet)
            fd = self._open_locked(self.path, fcntl.LOCK_EX, self.sheet or "")
        except BaseException:
            self._drop_shared()
            raise
        try:
            # We hold the flock; leftover content means the last holder never released.
            self.stale = LockInfo.from_json(_read_fd(fd))
            if self.stale is not None:
                self._report_takeover(self.stale)
            now = self._clock.now()
            self.info = LockInfo(os.getpid(), socket.gethostname(), now, self.sheet or "")
            _write_fd(fd, self.info.to_json())
        except BaseException:
            os.close(fd)
            self._drop_shared()
            raise
        self._fd = fd
        return self

    def _open_locked(self, path: Path, mode: int, sheet: str) -> int:
        """Open `path` and flock it with `mode`, or raise LockHeld naming the holder."""
        flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW
        fd = os.open(path, flags, FILE_MODE)
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
        except OSError as exc:
            try:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                    raise
                holder = LockInfo.from_json(_read_fd(fd))
                now = self._clock.now()
                raise LockHeld(holder, now, self._max_age, sheet) from None
            finally:
                os.close(fd)
        return fd

    def _clear_stale_shared(self, fd: int) -> None:
        """Empty the state folder's lock file of a holder that died holding it.

        Only an exclusive holder writes it, and none can hold it while we hold it shared:
        what is left there is stale (a crashed sync of an older version, say).
        """
        stale = LockInfo.from_json(_read_fd(fd))
        if stale is not None:
            self._report_takeover(stale)
            os.ftruncate(fd, 0)

    def _drop_shared(self) -> None:
        if self._shared is not None:
            fd, self._shared = self._shared, None
            os.close(fd)  # a shared holder never writes the file: closing is enough

    def release(self) -> None:
        """Empty the lock file and drop the lock (idempotent)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            # Empty instead of unlinking: unlinking a flock'd path lets a waiter lock
            # the old inode while a newcomer locks a new one, i.e. two holders.
            os.ftruncate(fd, 0)
        finally:
            os.close(fd)  # closing the descriptor releases the flock
            self._drop_shared()

    def _report_takeover(self, previous: LockInfo) -> None:
        """Log that a stale lock is being taken over, and why it is stale."""
        if previous.hostname == socket.gethostname() and pid_alive(previous.pid):
            # The pid is alive but does not hold the lock: it was reused by another process.
            reason = "its process no longer holds it"
        else:
            reason = "its process is gone"
        self._log.warning(
            "taking over a stale sync lock from pid %s on %s (started %s): %s",
            previous.pid,
            previous.hostname,
            previous.started_at.isoformat(timespec="seconds"),
            reason,
        )

    def __enter__(self) -> SyncLock:
        return self.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def _read_fd(fd: int) -> str:
    """Read the whole lock file through ``fd``."""
    chunks = []
    offset = 0
    while chunk := os.pread(fd, 4096, offset):
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join(chunks).decode("utf-8", errors="replace")


def _write_fd(fd: int, text: str) -> None:
    """Replace the lock file's content with ``text`` and flush it to disk."""
    os.ftruncate(fd, 0)
    os.pwrite(fd, text.encode("utf-8"), 0)
    os.fsync(fd)


@contextmanager
def sync_lock(
    state_dir: Path, clock: Clock | None = None, *, wait: float = 0.0, sheet: str | None = None
) -> Iterator[SyncLock]:
    """Hold the state folder's lock for a command that writes; raises LockedError if held.

    Every writer takes it (sync, digest, log, import, init, restore), so two of them
    never plan from the same read and overwrite each other. With `wait` > 0 a held lock
    is tried again until `wait` seconds have passed: a `log` typed while another short
    write finishes just goes through. The nightly loop uses `SyncLock` itself, since for
    it a held lock means "skip this run". With `sheet` (the target a backend describes)
    only writers of that sheet wait for each other.
    """
    lock = acquire_waiting(state_dir, clock, wait, sheet)
    try:
        yield lock
    finally:
        lock.release()


def acquire_waiting(
    state_dir: Path, clock: Clock | None, wait: float, sheet: str | None = None
) -> SyncLock:
    """Take the lock, trying again for up to `wait` seconds; LockedError after that."""
    # Monotonic, not the injected clock: the wait is real time whatever day a test fakes.
    deadline = time.monotonic() + max(wait, 0.0)
    announced = False
    while True:
        try:
            return SyncLock(state_dir, sheet=sheet, clock=clock).acquire()
        except LockHeld as held:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LockedError(_locked_message(held, wait)) from None
            if not announced:
                _log.info("waiting up to %g s for the lock: %s", wait, held)
                announced = True
            time.sleep(min(_POLL_SECONDS, remaining))


def _locked_message(held: LockHeld, wait: float) -> str:
    waited = f" Waited {wait:g} s for it." if wait > 0 else ""
    return f"{held}.{waited} Nothing was written; run the command again once it has finished."


def running_sync(state_dir: Path, sheet: str | None = None) -> LockInfo | None:
    """Who holds the sheet's lock now, read without taking it; None when none is running."""
    try:
        info = LockInfo.from_json(lock_path(state_dir, sheet).read_text(encoding="utf-8"))
    except OSError:
        return None
    return info if info is not None and pid_alive(info.pid) else None
