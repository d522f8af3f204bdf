"""The ledger keys a cohort by an id its folder carries, not by the folder's name."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from portal_bot.cohortrun.identity import ID_FILE, cohort_key
from portal_bot.errors import StateError
from portal_bot.ledger import Ledger
from portal_bot.profiles import load_cohort

REPO = Path(__file__).resolve().parents[3]
SAMPLE = REPO / "profiles" / "sample-cohort"
ID = "330106200403150318"


def _copy(target: Path) -> Path:
    shutil.copytree(SAMPLE, target, ignore=shutil.ignore_patterns("prepared", ".portal-bot-id"))
    return target


def test_two_cohorts_in_folders_of_the_same_name_do_not_share_entries(tmp_path: Path) -> None:
    first, second = _copy(tmp_path / "plan-a" / "电工"), _copy(tmp_path / "plan-b" / "电工")
    with Ledger.open(tmp_path / "state" / "ledger.sqlite3") as ledger:
        key_a = cohort_key(load_cohort(first), ledger)
        entry = ledger.ensure_candidate(key_a, ID, "王小明")
        ledger.mark_candidate(entry, "submitted", "submitted")
        key_b = cohort_key(load_cohort(second), ledger)
        assert key_a != key_b
        assert not ledger.is_finished(ledger.ensure_candidate(key_b, ID, "王小明"))


def test_the_key_survives_moving_and_renaming_the_folder(tmp_path: Path) -> None:
    folder = _copy(tmp_path / "old")
    with Ledger.open(tmp_path / "state" / "ledger.sqlite3") as ledger:
        key = cohort_key(load_cohort(folder), ledger)
        moved = folder.rename(tmp_path / "elsewhere-新名字")
        assert cohort_key(load_cohort(moved), ledger) == key
    assert (moved / ID_FILE).is_file()


def test_an_old_ledger_keyed_by_folder_name_is_adopted_once(tmp_path: Path) -> None:
    path = tmp_path / "state" / "ledger.sqlite3"
    with Ledger.open(path) as ledger:  # what a ledger from before cohort ids holds
        entry = ledger.ensure_candidate("电工", ID, "王小明")
        ledger.mark_candidate(entry, "submitted", "submitted")
    with sqlite3.connect(path) as conn:  # as if written before m002: drop the new table's trace
        conn.execute("DROP TABLE cohorts")
        conn.execute("DELETE FROM _migrations WHERE name = 'm002_cohort_keys'")
    with Ledger.open(path) as ledger:  # migrates
        first = cohort_key(load_cohort(_copy(tmp_path / "a" / "电工")), ledger)
        assert ledger.is_finished(ledger.ensure_candidate(first, ID, "王小明"))
        second = cohort_key(load_cohort(_copy(tmp_path / "b" / "电工")), ledger)
        assert not ledger.is_finished(ledger.ensure_candidate(second, ID, "王小明"))


def test_a_damaged_id_file_is_one_clear_error(tmp_path: Path) -> None:
    folder = _copy(tmp_path / "c")
    (folder / ID_FILE).write_text("not an id", encoding="utf-8")
    with (
        Ledger.open(tmp_path / "state" / "ledger.sqlite3") as ledger,
        pytest.raises(StateError, match=ID_FILE),
    ):
        cohort_key(load_cohort(folder), ledger)
