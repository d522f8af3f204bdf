"""The SQLite ledger: migrations, resume points, privacy of the file and of its contents."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from portal_bot.errors import StateError
from portal_bot.ledger import Ledger, Migrations, mask_name, migrations

ID = "330102200001011234"


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    return Ledger.open(tmp_path / "state" / "ledger.sqlite3")


def test_migrations_are_applied_once(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite3"
    Ledger.open(path).close()
    conn = sqlite3.connect(path)
    names = [r[0] for r in conn.execute("SELECT name FROM _migrations ORDER BY name")]
    assert names == ["m001_initial", "m002_cohort_keys"]
    conn.close()
    with Ledger.open(path) as again:  # idempotent: nothing re-run, data kept
        run = again.start_run("cohort-a", "http://127.0.0.1:1")
    with Ledger.open(path) as third:
        assert third.start_run("cohort-a", "x") == run + 1
    assert migrations.pending(sqlite3.connect(path)) == []


def test_a_failing_migration_leaves_nothing_behind(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "m.sqlite3", isolation_level=None)
    steps = Migrations("test")

    @steps
    def m1_table(c: sqlite3.Connection) -> None:
        c.execute("CREATE TABLE t (x INTEGER)")

    @steps
    def m2_broken(c: sqlite3.Connection) -> None:
        c.execute("CREATE TABLE u (y INTEGER)")
        c.execute("INSERT INTO nowhere VALUES (1)")

    with pytest.raises(sqlite3.OperationalError):
        steps.apply(conn)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "t" in tables and "u" not in tables
    assert steps.pending(conn) == ["m2_broken"]
    with pytest.raises(ValueError, match="twice"):
        steps(m1_table)


def test_resume_points_and_finished(ledger: Ledger) -> None:
    run = ledger.start_run("2024-S-000911", "http://127.0.0.1:8000", {"workers": 3})
    cand = ledger.ensure_candidate("2024-S-000911", ID, "张三")
    assert ledger.ensure_candidate("2024-S-000911", ID.lower(), "张三") == cand  # same person
    assert ledger.ensure_candidate("other-cohort", ID, "张三") != cand
    assert ledger.candidate(cand).safe_point is None
    assert not ledger.is_finished(cand)
    ledger.mark_candidate(cand, "in_progress", "photo_uploaded", run_id=run)
    ledger.mark_candidate(cand, "waiting_human")  # no safe point given: the last one stays
    assert ledger.candidate(cand).safe_point == "photo_uploaded"
    ledger.mark_candidate(cand, "submitted", "submitted", run_id=run)
    assert ledger.is_finished(cand)
    ledger.finish_run(run, "ok")
    with pytest.raises(StateError):
        ledger.mark_candidate(9999, "x")


def test_steps_artifacts_observations(ledger: Ledger, tmp_path: Path) -> None:
    run = ledger.start_run("c", "p")
    cand = ledger.ensure_candidate("c", ID, "欧阳娜娜")
    ledger.record_step(run, cand, "wizard", "3", "finished", message="fill 姓名")
    ledger.record_step(run, cand, "wizard", "4", "failed", message="timeout")
    assert [s["outcome"] for s in ledger.steps(cand)] == ["finished", "failed"]
    bundle = tmp_path / "材料.pdf"
    bundle.write_bytes(b"%PDF-1.4 x")
    digest = ledger.add_artifact(run, cand, "bundle", bundle)
    (art,) = ledger.artifacts(cand)
    assert art["sha256"] == digest and art["bytes"] == 10 and len(digest) == 64
    ledger.add_observation(cand, "驳回修改", "rejected", "照片不合格")
    assert ledger.observations(cand)[0]["reason"] == "照片不合格"
    with pytest.raises(StateError):
        ledger.add_artifact(run, cand, "photo", tmp_path / "missing.jpg")


def test_no_id_number_in_clear(ledger: Ledger) -> None:
    cand = ledger.ensure_candidate("c", ID, "张三")
    row = ledger.candidate(cand)
    assert row.id_masked == "3301**********1234"
    assert row.name_masked == "张*"
    assert row.key == ledger.candidate_key(ID) and ID not in row.key
    ledger.close()
    raw = ledger.path.read_bytes()
    assert ID.encode() not in raw and "张三".encode() not in raw


def test_keys_do_not_link_across_ledgers(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "a.sqlite3") as a, Ledger.open(tmp_path / "b.sqlite3") as b:
        assert a.candidate_key(ID) != b.candidate_key(ID)


def test_file_is_private(ledger: Ledger) -> None:
    ledger.start_run("c", "p")
    mode = ledger.path.stat().st_mode & 0o777
    assert mode == 0o600 if os.name == "posix" else mode != 0  # Windows has no such modes


def test_unusable_path_is_a_state_error(tmp_path: Path) -> None:
    (tmp_path / "not-a-db.sqlite3").write_text("hello, this is not sqlite", encoding="utf-8")
    with pytest.raises(StateError, match="cannot open the ledger"):
        Ledger.open(tmp_path / "not-a-db.sqlite3")


def test_mask_name() -> None:
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("") == ""


def test_step_recorder_takes_runner_events(ledger: Ledger) -> None:
    from portal_bot.flows.runner import StepEvent

    run = ledger.start_run("c", "p")
    cand = ledger.ensure_candidate("c", ID, "张三")
    record = ledger.step_recorder(run, cand)
    record(StepEvent("wizard", "3", "fill 手机号码", "started", 0.0))
    record(StepEvent("wizard", "3", "fill 手机号码", "failed", 0.25, "site says 13800001234 is taken"))
    record(StepEvent("wizard", "4", "click 下一步", "skipped", 0.0))
    steps = ledger.steps(cand)
    assert [(s["step"], s["outcome"]) for s in steps] == [("3", "failed"), ("4", "skipped")]
    assert "13800001234" not in steps[0]["message"] and "138****1234" in steps[0]["message"]
    assert steps[0]["started"] < steps[0]["finished"]


def test_writes_from_several_threads_and_a_second_connection(ledger: Ledger) -> None:
    import threading

    run = ledger.start_run("c", "p")
    cand = ledger.ensure_candidate("c", ID, "张三")
    other = Ledger.open(ledger.path)  # e.g. a `status` run while `register` is running

    def work(n: int) -> None:
        for i in range(20):
            (ledger if i % 2 else other).record_step(run, cand, "wizard", f"{n}.{i}", "finished")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other.close()
    assert len(ledger.steps(cand)) == 80


def _state_with_a_session(tmp_path: Path) -> tuple[Path, Path]:
    """A state folder whose ledger saved one session and made one run folder."""
    from portal_bot.cohortrun.sessions import session_file
    from portal_bot.settings import Settings

    settings = Settings(state_dir=tmp_path / "state")
    with Ledger.open(settings.ledger_path) as ledger:
        ledger.start_run("cohort", "http://127.0.0.1:9")
        session = session_file(settings, ledger, "http://127.0.0.1:9", ID)
    session.parent.mkdir(parents=True)
    session.write_text("{}", encoding="utf-8")
    (settings.runs_dir / "1").mkdir(parents=True)
    return settings.ledger_path, session


@pytest.mark.parametrize("loss", ["deleted", "emptied", "schema dropped"])
def test_a_lost_ledger_with_sessions_left_is_refused(tmp_path: Path, loss: str) -> None:
    path, session = _state_with_a_session(tmp_path)
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    if loss == "deleted":
        path.unlink()
    elif loss == "emptied":
        path.write_bytes(b"")
    else:
        with sqlite3.connect(path) as conn:
            for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
                conn.execute(f"DROP TABLE {table}")
    with pytest.raises(StateError) as caught:
        Ledger.open(path)
    text = str(caught.value)
    assert "1 saved session(s) and 1 run folder(s)" in text and "new salt" in text
    assert "restore ledger.sqlite3 from a backup" in text
    assert session.exists()
    assert loss != "deleted" or not path.exists()  # nothing was created in its place


def test_a_fresh_state_folder_still_gets_a_new_ledger(tmp_path: Path) -> None:
    path = tmp_path / "state" / "ledger.sqlite3"
    (tmp_path / "state" / "sessions").mkdir(parents=True)  # an empty folder holds no session
    with Ledger.open(path) as ledger:
        assert len(ledger.candidate_key(ID)) == 64
    with Ledger.open(path) as again:  # and reopening an existing one is untouched
        assert again.candidate_key(ID) == ledger.candidate_key(ID)
