"""The local SQLite ledger: what happened to whom, so a rerun continues and never submits twice.

Tables: ``runs`` (one per ``register``/``status`` invocation), ``candidates`` (one per person and
cohort: state and last safe point), ``steps`` (every flow step with its outcome), ``artifacts``
(files made or captured, with their SHA-256), ``observations`` (states read back from the portal).
The schema evolves through named migrations applied once each, in a transaction (sqlite-utils'
``Migrations`` style), recorded in ``_migrations``.

Privacy: the ledger never holds an ID number in clear. A candidate is keyed by
``sha256(salt + ID number)`` with a random per-ledger salt (so keys do not link across ledgers and
no precomputed table applies), and shown by masked forms (``3301**********1234``, ``张*``).
Because ID numbers have little entropy, a determined holder of the file could still brute-force a
key: the file is therefore created mode 0600 (where the OS has such modes) in the private state dir.

One truth: saved sessions (``sessions/``) are named by salted keys and run folders (``runs/``) by
run ids, so a ledger that is deleted or emptied while they exist cannot simply be created again:
a new salt would orphan every session (a second account, a second application) and forget what was
submitted. :meth:`Ledger.open` refuses that case and says what to do.

Concurrency: one connection per process, WAL mode, short transactions; the asyncio program calls it
from one thread, and a lock makes calls from worker threads safe too. This module must never
store a password, a full ID number, a phone number or a QR code's content.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from portal_bot.errors import StateError
from portal_bot.i18n import S_
from portal_bot.privacy import mask_id, mask_text

#: States after which a candidate must never be walked through the wizard again (``register`` writes
#: "submitted"; what happens after, 审核 and payment, ``status`` records as observations).
FINISHED_STATES = frozenset({"submitted"})

Migration = Callable[[sqlite3.Connection], None]


class StepEventLike(Protocol):
    """What the ledger reads from a flow runner's StepEvent (no import of the flows package)."""

    @property
    def flow(self) -> str: ...
    @property
    def index(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def elapsed(self) -> float: ...
    @property
    def error(self) -> str | None: ...


class Migrations:
    """Named schema migrations, each applied once, in order, inside its own transaction."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._migrations: list[tuple[str, Migration]] = []

    def __call__(self, fn: Migration) -> Migration:
        """Register ``fn`` as the next migration; its function name is its permanent name."""
        if any(name == fn.__name__ for name, _ in self._migrations):
            raise ValueError(f"migration {fn.__name__} registered twice")
        self._migrations.append((fn.__name__, fn))
        return fn

    def pending(self, conn: sqlite3.Connection) -> list[str]:
        self._ensure_table(conn)
        done = {
            row[0]
            for row in conn.execute("SELECT name FROM _migrations WHERE migration_set = ?", (self.name,))
        }
        return [name for name, _ in self._migrations if name not in done]

    def apply(self, conn: sqlite3.Connection) -> list[str]:
        """Apply every pending migration; returns the names applied now."""
        applied = []
        for name in self.pending(conn):
            fn = dict(self._migrations)[name]
            with _transaction(conn):
                fn(conn)
                conn.execute(
                    "INSERT INTO _migrations (migration_set, name, applied_at) VALUES (?, ?, ?)",
                    (self.name, name, _now()),
                )
            applied.append(name)
        return applied

    @staticmethod
    def _ensure_table(conn: sqlite3.Connection) -> None:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS _migrations ("
            " migration_set TEXT NOT NULL, name TEXT NOT NULL, applied_at TEXT NOT NULL,"
            " PRIMARY KEY (migration_set, name))"
        )


migrations = Migrations("portal_bot.ledger")


@migrations
def m001_initial(conn: sqlite3.Connection) -> None:
    # not executescript(): it would COMMIT first and break the migration's transaction
    for statement in """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY, started TEXT NOT NULL, finished TEXT, cohort TEXT NOT NULL,
            portal TEXT NOT NULL, options TEXT NOT NULL DEFAULT '{}', outcome TEXT);
        CREATE TABLE candidates (
            id INTEGER PRIMARY KEY, cohort TEXT NOT NULL, key TEXT NOT NULL, id_masked TEXT NOT NULL,
            name_masked TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'pending', safe_point TEXT,
            message TEXT, last_run INTEGER REFERENCES runs(id), updated TEXT NOT NULL,
            UNIQUE (cohort, key));
        CREATE TABLE steps (
            id INTEGER PRIMARY KEY, run_id INTEGER REFERENCES runs(id),
            candidate_id INTEGER NOT NULL REFERENCES candidates(id), flow TEXT NOT NULL,
            step TEXT NOT NULL, started TEXT NOT NULL, finished TEXT, outcome TEXT NOT NULL, message TEXT);
        CREATE INDEX steps_candidate ON steps (candidate_id);
        CREATE TABLE artifacts (
            id INTEGER PRIMARY KEY, run_id INTEGER REFERENCES runs(id),
            candidate_id INTEGER NOT NULL REFERENCES candidates(id), kind TEXT NOT NULL, path TEXT NOT NULL,
            sha256 TEXT NOT NULL, bytes INTEGER NOT NULL, created TEXT NOT NULL);
        CREATE TABLE observations (
            id INTEGER PRIMARY KEY, candidate_id INTEGER NOT NULL REFERENCES candidates(id),
            observed_at TEXT NOT NULL, state_text TEXT NOT NULL, state TEXT NOT NULL, reason TEXT);
        CREATE INDEX observations_candidate ON observations (candidate_id, observed_at)
        """.split(";"):
        conn.execute(statement)
    conn.execute("INSERT INTO meta (key, value) VALUES ('salt', ?)", (secrets.token_hex(16),))


@migrations
def m002_cohort_keys(conn: sqlite3.Connection) -> None:
    # Candidates were keyed by the cohort folder's name, which two folders can share. A cohort's key
    # is now its id (cohortrun.identity); this table says which old folder name each key adopted.
    conn.execute(
        "CREATE TABLE cohorts (key TEXT PRIMARY KEY, legacy_name TEXT NOT NULL, path TEXT NOT NULL,"
        " first_seen TEXT NOT NULL)"
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _iso(value: datetime | str | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return value.astimezone(UTC).isoformat(timespec="milliseconds")


@contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def mask_name(name: str) -> str:
    """``张三`` → ``张*``, ``欧阳娜娜`` → ``欧***``: enough to recognise in a list, not to identify."""
    name = name.strip()
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


@dataclass(frozen=True)
class CandidateRow:
    id: int
    cohort: str
    key: str
    id_masked: str
    name_masked: str
    state: str
    safe_point: str | None
    message: str | None
    updated: str


class Ledger:
    """The ledger file. Open with :meth:`open`; use as a context manager to close it."""

    #: Seconds a write waits while another process holds the ledger busy (a status run, a backup,
    #: a person's sqlite3 shell) before it fails with StateError; the run then fails that candidate.
    busy_timeout: float = 60.0

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path
        self._lock = threading.RLock()
        self._salt = str(conn.execute("SELECT value FROM meta WHERE key = 'salt'").fetchone()[0])

    @classmethod
    def open(cls, path: Path) -> Ledger:
        """Open (creating it mode 0600 when new) and migrate the ledger at ``path``.

        Raises:
            StateError: the file cannot be opened, is not a ledger, or is locked.
        """
        path = Path(path)
        _refuse_lost_ledger(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
            conn = sqlite3.connect(
                path, timeout=cls.busy_timeout, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA synchronous=NORMAL")
            migrations.apply(conn)
        except (OSError, sqlite3.Error) as exc:
            raise StateError(
                S_("cannot open the ledger: {}").format(exc), path=path, hint=S_("check PORTAL_BOT_STATE_DIR")
            ) from exc
        for suffix in ("", "-wal", "-shm"):
            _private(Path(f"{path}{suffix}"))
        return cls(conn, path)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                with _transaction(self._conn):
                    yield self._conn
            except sqlite3.Error as exc:
                raise StateError(S_("ledger write failed: {}").format(exc), path=self.path) from exc

    def _query(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            cur = self._conn.execute(sql, args)
            cur.row_factory = sqlite3.Row
            return list(cur.fetchall())

    # ------------------------------------------------------------------ cohorts

    def adopt_cohort(self, key: str, legacy_name: str, path: Path) -> str:
        """Register the cohort ``key``; returns it.

        The first time a key is seen, candidates a ledger from before cohort ids filed under the
        folder's name (``legacy_name``) move to it, unless another key already adopted that name:
        then they stay with that cohort (the new one starts empty, and the site's list is the truth).
        """
        with self._tx() as c:
            if c.execute("SELECT 1 FROM cohorts WHERE key = ?", (key,)).fetchone() is None:
                taken = c.execute("SELECT 1 FROM cohorts WHERE legacy_name = ?", (legacy_name,)).fetchone()
                if taken is None:
                    c.execute("UPDATE candidates SET cohort = ? WHERE cohort = ?", (key, legacy_name))
                c.execute(
                    "INSERT INTO cohorts (key, legacy_name, path, first_seen) VALUES (?, ?, ?, ?)",
                    (key, legacy_name, str(path), _now()),
                )
            else:
                c.execute("UPDATE cohorts SET path = ? WHERE key = ?", (str(path), key))
        return key

    # ------------------------------------------------------------------ runs

    def start_run(self, cohort: str, portal: str, options: Mapping[str, Any] | None = None) -> int:
        """Record the start of a run; returns its id."""
        with self._tx() as c:
            cur = c.execute(
                "INSERT INTO runs (started, cohort, portal, options) VALUES (?, ?, ?, ?)",
                (_now(), cohort, portal, json.dumps(dict(options or {}), ensure_ascii=False, default=str)),
            )
            return int(cur.lastrowid or 0)

    def finish_run(self, run_id: int, outcome: str) -> None:
        with self._tx() as c:
            c.execute("UPDATE runs SET finished = ?, outcome = ? WHERE id = ?", (_now(), outcome, run_id))

    # ------------------------------------------------------------------ candidates

    def candidate_key(self, id_number: str) -> str:
        """The ledger's key for an ID number: salted SHA-256 of the upper-cased, trimmed number."""
        normal = id_number.strip().upper()
        return hashlib.sha256(f"{self._salt}:{normal}".encode()).hexdigest()

    def ensure_candidate(self, cohort: str, id_number: str, name: str) -> int:
        """The candidate's ledger id in ``cohort``, created (state ``pending``) when new."""
        key = self.candidate_key(id_number)
        with self._tx() as c:
            c.execute(
                "INSERT INTO candidates (cohort, key, id_masked, name_masked, updated) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (cohort, key) DO UPDATE SET name_masked = excluded.name_masked",
                (cohort, key, mask_id(id_number), mask_name(name), _now()),
            )
            row = c.execute(
                "SELECT id FROM candidates WHERE cohort = ? AND key = ?", (cohort, key)
            ).fetchone()
            return int(row[0])

    def mark_candidate(
        self,
        candidate: int,
        state: str,
        safe_point: str | None = None,
        *,
        message: str | None = None,
        run_id: int | None = None,
    ) -> None:
        """Set the candidate's state; a given ``safe_point`` replaces the last one, None keeps it."""
        with self._tx() as c:
            cur = c.execute(
                "UPDATE candidates SET state = ?, safe_point = COALESCE(?, safe_point), message = ?,"
                " last_run = COALESCE(?, last_run), updated = ? WHERE id = ?",
                (state, safe_point, message, run_id, _now(), candidate),
            )
            if cur.rowcount != 1:
                raise StateError(S_("no candidate {} in the ledger").format(candidate), path=self.path)

    def candidate(self, candidate: int) -> CandidateRow:
        rows = self._query(
            "SELECT id, cohort, key, id_masked, name_masked, state, safe_point, message, updated"
            " FROM candidates WHERE id = ?",
            (candidate,),
        )
        if not rows:
            raise StateError(S_("no candidate {} in the ledger").format(candidate), path=self.path)
        return CandidateRow(**dict(rows[0]))

    def candidates(self, cohort: str) -> list[CandidateRow]:
        rows = self._query(
            "SELECT id, cohort, key, id_masked, name_masked, state, safe_point, message, updated"
            " FROM candidates WHERE cohort = ? ORDER BY id",
            (cohort,),
        )
        return [CandidateRow(**dict(r)) for r in rows]

    def is_finished(self, candidate: int) -> bool:
        """True once the candidate's application was submitted (never walk them through again)."""
        return self.candidate(candidate).state in FINISHED_STATES

    # ------------------------------------------------------------------ steps, artifacts, observations

    def record_step(
        self,
        run_id: int | None,
        candidate: int,
        flow: str,
        step: str,
        outcome: str,
        *,
        started: datetime | str | None = None,
        finished: datetime | str | None = None,
        message: str | None = None,
    ) -> int:
        """Append one step's outcome (e.g. from a runner StepEvent); returns the row id."""
        with self._tx() as c:
            cur = c.execute(
                "INSERT INTO steps (run_id, candidate_id, flow, step, started, finished, outcome, message)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, candidate, flow, step, _iso(started) or _now(), _iso(finished), outcome, message),
            )
            return int(cur.lastrowid or 0)

    def step_recorder(self, run_id: int | None, candidate: int) -> Callable[[StepEventLike], None]:
        """An observer for the flow runner that records every step's end (finished/failed/skipped)."""

        def record(event: StepEventLike) -> None:
            if event.status == "started":
                return
            finished = datetime.now(UTC)
            started = finished - timedelta(seconds=event.elapsed)
            message = event.description if event.error is None else f"{event.description}: {event.error}"
            self.record_step(
                run_id,
                candidate,
                event.flow,
                event.index,
                event.status,
                started=started,
                finished=finished,
                message=mask_text(message),
            )

        return record

    def steps(self, candidate: int) -> list[dict[str, Any]]:
        rows = self._query("SELECT * FROM steps WHERE candidate_id = ? ORDER BY id", (candidate,))
        return [dict(r) for r in rows]

    def add_artifact(self, run_id: int | None, candidate: int, kind: str, path: Path) -> str:
        """Record a file (bundle, photo, preview screenshot) with its size and SHA-256; returns the hash."""
        digest = hashlib.sha256()
        size = 0
        try:
            with Path(path).open("rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 16), b""):
                    digest.update(chunk)
                    size += len(chunk)
        except OSError as exc:
            raise StateError(S_("cannot read artifact: {}").format(exc.strerror or exc), path=path) from exc
        with self._tx() as c:
            c.execute(
                "INSERT INTO artifacts (run_id, candidate_id, kind, path, sha256, bytes, created)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (run_id, candidate, kind, str(path), digest.hexdigest(), size, _now()),
            )
        return digest.hexdigest()

    def artifacts(self, candidate: int) -> list[dict[str, Any]]:
        rows = self._query("SELECT * FROM artifacts WHERE candidate_id = ? ORDER BY id", (candidate,))
        return [dict(r) for r in rows]

    def add_observation(self, candidate: int, state_text: str, state: str, reason: str | None = None) -> None:
        """Record what the portal showed for the candidate (a later ``status`` run compares these)."""
        with self._tx() as c:
            c.execute(
                "INSERT INTO observations (candidate_id, observed_at, state_text, state, reason)"
                " VALUES (?, ?, ?, ?, ?)",
                (candidate, _now(), state_text, state, reason),
            )

    def observations(self, candidate: int) -> list[dict[str, Any]]:
        rows = self._query("SELECT * FROM observations WHERE candidate_id = ? ORDER BY id", (candidate,))
        return [dict(r) for r in rows]


def _is_new(path: Path) -> bool:
    """True when opening ``path`` would start a ledger afresh (no file, an empty one, or no schema)."""
    try:
        if not path.exists() or path.stat().st_size == 0:
            return True
        with contextlib.closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as conn:
            found = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
            ).fetchone()
            return found is None
    except (OSError, sqlite3.Error):
        return False  # not ours to judge here: the real open reports it


def _refuse_lost_ledger(path: Path) -> None:
    """Refuse to start a new ledger (a new salt) where sessions or runs of an old one remain."""
    if not _is_new(path):
        return
    state = path.parent
    sessions = sum(1 for p in (state / "sessions").rglob("*.json")) if (state / "sessions").is_dir() else 0
    runs = sum(1 for _ in (state / "runs").iterdir()) if (state / "runs").is_dir() else 0
    if not sessions and not runs:
        return
    what = S_("missing") if not path.exists() else S_("empty")
    raise StateError(
        S_(
            "the ledger is {what}, but {sessions} saved session(s) and {runs} run folder(s) of an earlier "
            "ledger are in this state folder; a new ledger would get a new salt, orphan those sessions "
            "and forget what was already submitted"
        ).format(what=what, sessions=sessions, runs=runs),
        path=path,
        hint=S_(
            "restore ledger.sqlite3 from a backup; or, to start over knowingly, move the sessions and "
            "runs folders out of {} first (check the portal for applications already made)"
        ).format(state),
    )


def _private(path: Path) -> None:
    """Make a file readable by its owner only, where the OS has POSIX modes."""
    if os.name == "posix" and path.exists():
        path.chmod(0o600)
