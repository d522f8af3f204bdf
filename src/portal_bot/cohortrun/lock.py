"""Inter-process locks: one per cohort, taken by every register and status run on it, so two runs
never work on the same candidates at once; and the status lock (cron, a timer, a person).

The lock is an operating-system lock on a file in the state directory: ``fcntl.flock`` on POSIX,
``msvcrt.locking`` on Windows. The OS drops it when the holder dies, so a crashed or killed run
never blocks the next one: the holder information it left in the file (pid, start time, host) is
simply overwritten, and the recovery is logged. Where the filesystem refuses OS locks (some network
shares), an exclusive-create lock file is used instead; there a lock left by a pid that no longer
runs on this host is removed as stale.

This module must never remove a lock whose holder is alive, and never wait silently: when the lock
is held it raises :class:`~portal_bot.errors.StateError` at once, naming the holder.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import socket
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Literal

from loguru import logger

from portal_bot.errors import StateError
from portal_bot.i18n import N_, S_

#: What a lock is for (English in the lock file; said in the language people read).
_PURPOSES = (N_("status run"), N_("register run"))

LOCK_NAME = "status.lock"
# The byte locked on Windows lies far beyond the holder information, which stays readable.
_WINDOWS_LOCK_OFFSET = 1 << 30
# An exclusive-create lock file that holds no readable holder this old was left by a crash mid-write.
_UNREADABLE_STALE_AFTER_S = 60.0
_HELD_ERRNOS = {errno.EACCES, errno.EAGAIN, errno.EWOULDBLOCK, getattr(errno, "EDEADLK", -1)}

Mode = Literal["os", "exclusive-file"]


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid runs on this machine (without signalling it)."""
    if pid <= 0:
        return False
    if sys.platform == "win32":
        return _pid_alive_windows(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, owned by someone else
        return True
    return True


def _pid_alive_windows(pid: int) -> bool:  # pragma: no cover - exercised on Windows only
    import ctypes

    process_query_limited_information = 0x1000
    still_active = 259
    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined,unused-ignore]
    handle = kernel32.OpenProcess(process_query_limited_information, False, pid)
    if not handle:
        return False
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return bool(code.value == still_active)
    finally:
        kernel32.CloseHandle(handle)


def _holder_info(purpose: str) -> dict[str, Any]:
    return {
        "pid": os.getpid(),
        "since": datetime.now(UTC).isoformat(timespec="seconds"),
        "host": socket.gethostname(),
        "purpose": purpose,
    }


def _read_info(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8") or "null")
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("pid"), int) else None


def _os_lock(handle: IO[str]) -> None:
    """Take the OS lock without waiting; OSError with a 'held' errno when someone has it."""
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt

        handle.seek(_WINDOWS_LOCK_OFFSET)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        handle.seek(0)
    else:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def _os_unlock(handle: IO[str]) -> None:
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt

        handle.seek(_WINDOWS_LOCK_OFFSET)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


class RunLock:
    """A non-blocking, inter-process lock; use as a context manager.

    Attributes:
        recovered_from: holder information of a dead run whose lock this one took over, if any.
    """

    def __init__(self, path: Path, *, purpose: str = "status run", mode: Mode = "os") -> None:
        self.path = Path(path)
        self.purpose = purpose
        self.mode: Mode = mode
        self.recovered_from: dict[str, Any] | None = None
        self._handle: IO[str] | None = None
        self._owns_file = False

    @property
    def held(self) -> bool:
        return self._handle is not None or self._owns_file

    def acquire(self) -> None:
        """Take the lock or raise StateError naming who holds it."""
        if self.held:
            raise StateError(
                S_("{} lock taken twice by the same process").format(S_(self.purpose)), path=self.path
            )
        try:
            self._acquire()
        except OSError as exc:
            raise StateError(
                S_("cannot use the lock file: {}").format(exc.strerror or exc),
                path=self.path,
                hint=S_("set PORTAL_BOT_STATE_DIR to a writable folder"),
            ) from exc

    def _acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.mode == "os":
            try:
                self._acquire_os()
                return
            except _NoOsLockError as exc:
                logger.warning("{}: no OS file locks here ({}); using an exclusive lock file", self.path, exc)
                self.mode = "exclusive-file"
        self._acquire_exclusive()

    def _acquire_os(self) -> None:
        # Never truncate on open: a contender would wipe the holder's information.
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        handle = os.fdopen(fd, "r+", encoding="utf-8")
        try:
            _os_lock(handle)
        except OSError as exc:
            handle.close()
            if exc.errno in _HELD_ERRNOS:
                raise self._held_error(_read_info(self.path)) from None
            if not self.path.read_bytes():  # the empty file just opened must not block the fallback
                self.path.unlink()
            raise _NoOsLockError(str(exc)) from exc
        previous = _read_info(self.path)
        if previous is not None:
            self.recovered_from = previous
            logger.info(
                "recovered a stale {} lock left by pid {} (since {}), which is no longer running",
                self.purpose,
                previous.get("pid"),
                previous.get("since"),
            )
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps(_holder_info(self.purpose)))
        handle.flush()
        self._handle = handle

    def _acquire_exclusive(self) -> None:
        for _attempt in range(2):
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                info = _read_info(self.path)
                if not self._stale(info):
                    raise self._held_error(info) from None
                logger.info("removing a stale {} lock left by {}", self.purpose, info or "a crashed run")
                self.recovered_from = info
                with contextlib.suppress(FileNotFoundError):
                    self.path.unlink()
                continue
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(json.dumps(_holder_info(self.purpose)))
            self._owns_file = True
            return
        raise self._held_error(_read_info(self.path))

    def _stale(self, info: dict[str, Any] | None) -> bool:
        if info is None:
            try:
                age = time.time() - self.path.stat().st_mtime
            except FileNotFoundError:
                return True
            return age > _UNREADABLE_STALE_AFTER_S
        if info.get("host") != socket.gethostname():
            return False  # cannot tell whether a pid on another machine is alive
        return not pid_alive(int(info["pid"]))

    def _held_error(self, info: dict[str, Any] | None) -> StateError:
        if info is None:
            holder = S_("holder unknown")
        else:
            holder = S_("pid {pid}, since {since}").format(pid=info.get("pid"), since=info.get("since"))
            if info.get("host") and info.get("host") != socket.gethostname():
                holder += S_(", on {}").format(info.get("host"))
        purpose = info.get("purpose") if info and isinstance(info.get("purpose"), str) else self.purpose
        return StateError(
            S_("another {purpose} is in progress ({holder})").format(purpose=S_(str(purpose)), holder=holder),
            path=self.path,
            hint=S_("wait for it to finish; runs never overlap"),
        )

    def release(self) -> None:
        """Give the lock back; safe to call when not held."""
        if self._handle is not None:
            handle, self._handle = self._handle, None
            try:
                handle.seek(0)
                handle.truncate()
                handle.flush()
                _os_unlock(handle)
            finally:
                handle.close()
        if self._owns_file:
            self._owns_file = False
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


class _NoOsLockError(Exception):
    """The filesystem does not support OS locks here."""


def status_lock(state_dir: Path) -> RunLock:
    """The lock every status run takes: ``STATE_DIR/status.lock``."""
    return RunLock(Path(state_dir) / LOCK_NAME, purpose="status run")


def cohort_lock(state_dir: Path, cohort_id: str, *, purpose: str) -> RunLock:
    """The lock of one cohort (by its id, see cohortrun.identity), for ``purpose`` ("register run")."""
    return RunLock(Path(state_dir) / "locks" / f"cohort-{cohort_id}.lock", purpose=purpose)
