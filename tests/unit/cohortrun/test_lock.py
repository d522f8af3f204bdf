import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from portal_bot.cohortrun.lock import LOCK_NAME, RunLock, pid_alive, status_lock
from portal_bot.errors import StateError

HOLDER = """
import sys
from pathlib import Path
from portal_bot.cohortrun.lock import RunLock

lock = RunLock(Path(sys.argv[1]))
lock.acquire()
print("locked", flush=True)
sys.stdin.read()  # hold the lock until the parent closes stdin
lock.release()
"""


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the status lock in tmp_path."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path / LOCK_NAME)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "locked"
    yield proc
    if proc.poll() is None:
        proc.kill()
    proc.wait(10)
    for stream in (proc.stdin, proc.stdout):
        if stream is not None:
            stream.close()


def test_a_second_run_is_refused_naming_the_holder(tmp_path: Path, holder: subprocess.Popen[str]) -> None:
    with pytest.raises(StateError) as info:
        status_lock(tmp_path).acquire()
    message = str(info.value)
    assert f"another status run is in progress (pid {holder.pid}, since " in message
    assert LOCK_NAME in message


def test_the_lock_is_free_again_after_the_holder_finishes(
    tmp_path: Path, holder: subprocess.Popen[str]
) -> None:
    assert holder.stdin is not None
    holder.stdin.close()
    holder.wait(10)
    with status_lock(tmp_path) as lock:
        assert lock.held and lock.recovered_from is None
        info = json.loads((tmp_path / LOCK_NAME).read_text(encoding="utf-8"))
        assert info["pid"] == os.getpid()


def test_a_killed_holders_lock_is_recovered(
    tmp_path: Path, holder: subprocess.Popen[str], caplog: pytest.LogCaptureFixture
) -> None:
    holder.kill()
    holder.wait(10)
    with status_lock(tmp_path) as lock:
        assert lock.recovered_from is not None
        assert lock.recovered_from["pid"] == holder.pid
    assert f"left by pid {holder.pid}" in caplog.text


def test_release_lets_the_same_process_take_it_again(tmp_path: Path) -> None:
    lock = status_lock(tmp_path)
    with lock:
        with pytest.raises(StateError, match="taken twice"):
            lock.acquire()
    with lock:
        assert lock.held
    assert not lock.held


def test_two_locks_in_one_process_exclude_each_other(tmp_path: Path) -> None:
    with status_lock(tmp_path), pytest.raises(StateError, match="in progress"):
        RunLock(tmp_path / LOCK_NAME).acquire()


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait(10)
    assert not pid_alive(proc.pid)
    return proc.pid


def _write_info(path: Path, pid: int, host: str | None = None) -> None:
    info = {"pid": pid, "since": "2026-03-01T09:00:00+00:00", "host": host or socket.gethostname()}
    path.write_text(json.dumps(info), encoding="utf-8")


def test_pid_alive() -> None:
    assert pid_alive(os.getpid())
    assert not pid_alive(_dead_pid())
    assert not pid_alive(0)


class TestExclusiveFileFallback:
    """Where the filesystem refuses OS locks: an exclusive-create file, stale when its pid is dead."""

    def test_stale_lock_of_a_dead_pid_is_recovered(self, tmp_path: Path) -> None:
        path = tmp_path / LOCK_NAME
        dead = _dead_pid()
        _write_info(path, dead)
        with RunLock(path, mode="exclusive-file") as lock:
            assert lock.recovered_from is not None and lock.recovered_from["pid"] == dead
            assert json.loads(path.read_text(encoding="utf-8"))["pid"] == os.getpid()
        assert not path.exists()

    def test_a_live_holder_is_never_removed(self, tmp_path: Path) -> None:
        path = tmp_path / LOCK_NAME
        _write_info(path, os.getpid())
        with pytest.raises(StateError, match=rf"pid {os.getpid()}, since 2026-03-01"):
            RunLock(path, mode="exclusive-file").acquire()
        assert path.exists()

    def test_a_holder_on_another_host_is_respected(self, tmp_path: Path) -> None:
        path = tmp_path / LOCK_NAME
        _write_info(path, _dead_pid(), host="some-other-machine")
        with pytest.raises(StateError, match="on some-other-machine"):
            RunLock(path, mode="exclusive-file").acquire()

    def test_an_unreadable_lock_is_held_while_fresh_and_stale_when_old(self, tmp_path: Path) -> None:
        path = tmp_path / LOCK_NAME
        path.write_text("", encoding="utf-8")
        with pytest.raises(StateError, match="holder unknown"):
            RunLock(path, mode="exclusive-file").acquire()
        old = time.time() - 3600
        os.utime(path, (old, old))
        with RunLock(path, mode="exclusive-file") as lock:
            assert lock.held


def test_a_holder_in_exclusive_mode_blocks_another(tmp_path: Path) -> None:
    path = tmp_path / LOCK_NAME
    with RunLock(path, mode="exclusive-file"), pytest.raises(StateError, match="in progress"):
        RunLock(path, mode="exclusive-file").acquire()


def test_falls_back_to_an_exclusive_file_where_os_locks_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from portal_bot.cohortrun import lock as lock_module

    def refuse(handle: object) -> None:
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(lock_module, "_os_lock", refuse)
    path = tmp_path / "fallback.lock"
    with RunLock(path) as lock:
        assert lock.mode == "exclusive-file"
        with pytest.raises(StateError, match="in progress"):
            RunLock(path).acquire()
    assert not path.exists()


def test_an_unusable_state_dir_is_one_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(StateError, match="cannot use the lock file") as info:
        status_lock(blocker / "state").acquire()
    assert "PORTAL_BOT_STATE_DIR" in str(info.value)
