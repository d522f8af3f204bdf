"""SQLite state of the mock portal: accounts, sessions, QR tokens, applications and uploaded files.

A file under ``--data`` makes a restarted replica keep its accounts and applications; without
``--data`` everything lives in memory. One connection guarded by a lock serves every thread.
This module holds no page logic and never decides a rule: it stores what the routes decided.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

#: Application states, in the order an application normally goes through them.
DRAFT = "未提交"
PENDING = "待审核"
RETURNED = "驳回修改"
REJECTED = "审核不通过"
APPROVED = "审核通过"
UNPAID = "待缴费"
PAID = "已缴费"
TICKET = "已生成准考证"
STATES = (DRAFT, PENDING, RETURNED, REJECTED, APPROVED, UNPAID, PAID, TICKET)
#: States in which the candidate may still edit the wizard.
EDITABLE = (DRAFT, RETURNED)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
    id INTEGER PRIMARY KEY, username TEXT UNIQUE NOT NULL, pw_hash TEXT NOT NULL,
    name TEXT NOT NULL, id_type TEXT NOT NULL, id_number TEXT NOT NULL, sex TEXT NOT NULL,
    birth_date TEXT NOT NULL, phone TEXT NOT NULL, address TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '', info_confirmed INTEGER NOT NULL DEFAULT 0,
    id_photo INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    token TEXT PRIMARY KEY, account_id INTEGER NOT NULL, created_at TEXT NOT NULL, last_seen TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tickets (
    ticket TEXT PRIMARY KEY, account_id INTEGER NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS login_qr (
    token TEXT PRIMARY KEY, created_at TEXT NOT NULL, account_id INTEGER, ticket TEXT);
CREATE TABLE IF NOT EXISTS applications (
    id INTEGER PRIMARY KEY, account_id INTEGER NOT NULL, plan_id INTEGER NOT NULL,
    state TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '', step INTEGER NOT NULL DEFAULT 1,
    data TEXT NOT NULL DEFAULT '{}', created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    submitted_at TEXT, UNIQUE (account_id, plan_id));
CREATE TABLE IF NOT EXISTS history (
    app_id INTEGER NOT NULL, at TEXT NOT NULL, state TEXT NOT NULL, reason TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    app_id INTEGER NOT NULL, kind TEXT NOT NULL, filename TEXT NOT NULL, content BLOB NOT NULL,
    size INTEGER NOT NULL, sha256 TEXT NOT NULL, pages INTEGER, width INTEGER, height INTEGER,
    uploaded_at TEXT NOT NULL, PRIMARY KEY (app_id, kind));
CREATE TABLE IF NOT EXISTS certificates (
    account_id INTEGER NOT NULL, number TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (account_id, number));
CREATE TABLE IF NOT EXISTS payments (
    app_id INTEGER PRIMARY KEY, amount INTEGER NOT NULL, order_no TEXT NOT NULL, created_at TEXT NOT NULL,
    paid_at TEXT);
CREATE TABLE IF NOT EXISTS signatures (
    token TEXT PRIMARY KEY, app_id INTEGER NOT NULL, created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL, signed_at TEXT);
"""


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    name: str
    id_type: str
    id_number: str
    sex: str
    birth_date: str
    phone: str
    address: str
    email: str
    info_confirmed: bool
    id_photo: bool


@dataclass(frozen=True)
class Application:
    id: int
    account_id: int
    plan_id: int
    state: str
    reason: str
    step: int
    data: dict[str, Any]
    created_at: str
    updated_at: str
    submitted_at: str | None

    @property
    def editable(self) -> bool:
        return self.state in EDITABLE


@dataclass(frozen=True)
class StoredFile:
    kind: str
    filename: str
    content: bytes
    size: int
    sha256: str
    pages: int | None
    width: int | None
    height: int | None
    uploaded_at: str


def hash_password(password: str, salt: str | None = None) -> str:
    salt = salt or secrets.token_hex(8)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt.encode("ascii"), 20_000)
    return f"{salt}${digest.hex()}"


def _iso(when: datetime) -> str:
    return when.isoformat(timespec="seconds")


class Store:
    """All state of one replica. Every method is one short transaction under the lock."""

    def __init__(self, data_dir: Path | None = None) -> None:
        if data_dir is None:
            target = ":memory:"
        else:
            data_dir.mkdir(parents=True, exist_ok=True)
            target = str(data_dir / "mock-portal.sqlite3")
        self._lock = threading.RLock()
        self._db = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA foreign_keys = ON")
        if data_dir is not None:
            self._db.execute("PRAGMA journal_mode = WAL")
        self._db.executescript(_SCHEMA)

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- meta ---------------------------------------------------------------------------------------
    def meta(self, key: str) -> str | None:
        with self._tx() as db:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row["value"])

    def set_meta(self, key: str, value: str) -> None:
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def anchor(self, today: date) -> date:
        """The day the plans' windows are counted from: set once, kept across restarts."""
        stored = self.meta("anchor")
        if stored is None:
            self.set_meta("anchor", today.isoformat())
            return today
        return date.fromisoformat(stored)

    def reset(self) -> None:
        """Forget every account, application, session and token (and the plans' anchor day)."""
        with self._tx() as db:
            for table in (
                "files",
                "signatures",
                "history",
                "applications",
                "sessions",
                "tickets",
                "certificates",
                "payments",
            ):
                db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
            db.execute("DELETE FROM login_qr")
            db.execute("DELETE FROM accounts")
            db.execute("DELETE FROM meta")

    # -- accounts -----------------------------------------------------------------------------------
    def create_account(self, *, username: str, password: str, now: datetime, **fields: Any) -> Account:
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO accounts (username, pw_hash, name, id_type, id_number, sex, birth_date,"
                " phone, address, email, id_photo, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    username,
                    hash_password(password),
                    fields["name"],
                    fields["id_type"],
                    fields["id_number"],
                    fields["sex"],
                    fields["birth_date"],
                    fields["phone"],
                    fields.get("address", ""),
                    fields.get("email", ""),
                    int(bool(fields.get("id_photo", False))),
                    _iso(now),
                ),
            )
            account_id = cur.lastrowid
        account = self.account(int(account_id or 0))
        assert account is not None
        return account

    def add_certificate(self, account_id: int, certificate: dict[str, Any]) -> None:
        """A certificate the site holds on record for the account (系统提取的证书)."""
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO certificates (account_id, number, data) VALUES (?, ?, ?)",
                (account_id, certificate["cert_number"], json.dumps(certificate, ensure_ascii=False)),
            )

    def certificates(self, account_id: int) -> list[dict[str, Any]]:
        with self._tx() as db:
            rows = db.execute(
                "SELECT data FROM certificates WHERE account_id = ? ORDER BY rowid", (account_id,)
            ).fetchall()
        return [json.loads(r["data"]) for r in rows]

    # -- payments -----------------------------------------------------------------------------------
    def payment(self, app_id: int) -> dict[str, Any] | None:
        with self._tx() as db:
            row = db.execute("SELECT * FROM payments WHERE app_id = ?", (app_id,)).fetchone()
        return None if row is None else dict(row)

    def open_payment(self, app_id: int, amount: int, now: datetime) -> dict[str, Any]:
        """The payment order of an application (one per application; opening it again keeps it)."""
        with self._tx() as db:
            db.execute(
                "INSERT OR IGNORE INTO payments (app_id, amount, order_no, created_at) VALUES (?,?,?,?)",
                (app_id, amount, f"JF{now:%Y%m%d}{app_id:06d}", _iso(now)),
            )
        payment = self.payment(app_id)
        assert payment is not None
        return payment

    def mark_paid(self, app_id: int, now: datetime) -> None:
        with self._tx() as db:
            db.execute("UPDATE payments SET paid_at = ? WHERE app_id = ?", (_iso(now), app_id))

    def account(self, account_id: int) -> Account | None:
        with self._tx() as db:
            row = db.execute("SELECT * FROM accounts WHERE id = ?", (account_id,)).fetchone()
        return None if row is None else _account(row)

    def account_by_username(self, username: str) -> Account | None:
        with self._tx() as db:
            row = db.execute("SELECT * FROM accounts WHERE username = ?", (username,)).fetchone()
        return None if row is None else _account(row)

    def accounts(self) -> list[Account]:
        with self._tx() as db:
            rows = db.execute("SELECT * FROM accounts ORDER BY id").fetchall()
        return [_account(r) for r in rows]

    def check_password(self, username: str, password: str) -> Account | None:
        with self._tx() as db:
            row = db.execute("SELECT * FROM accounts WHERE username = ?", (username,)).fetchone()
        if row is None:
            return None
        salt = str(row["pw_hash"]).split("$", 1)[0]
        if not secrets.compare_digest(hash_password(password, salt), str(row["pw_hash"])):
            return None
        return _account(row)

    def confirm_info(self, account_id: int, *, phone: str, address: str, email: str) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE accounts SET phone = ?, address = ?, email = ?, info_confirmed = 1 WHERE id = ?",
                (phone, address, email, account_id),
            )

    # -- sessions, tickets, login QR ------------------------------------------------------------------
    def new_session(self, account_id: int, now: datetime) -> str:
        token = secrets.token_hex(16).upper()
        with self._tx() as db:
            db.execute("INSERT INTO sessions VALUES (?, ?, ?, ?)", (token, account_id, _iso(now), _iso(now)))
        return token

    def session_account(self, token: str, now: datetime, idle_seconds: int | None = None) -> Account | None:
        """The session's account; a session idle for longer than ``idle_seconds`` is dropped."""
        with self._tx() as db:
            row = db.execute(
                "SELECT a.*, s.last_seen AS s_last_seen FROM sessions s"
                " JOIN accounts a ON a.id = s.account_id WHERE s.token = ?",
                (token,),
            ).fetchone()
            if row is None:
                return None
            idle = (now - datetime.fromisoformat(row["s_last_seen"])).total_seconds()
            if idle_seconds is not None and idle > idle_seconds:
                db.execute("DELETE FROM sessions WHERE token = ?", (token,))
                return None
            db.execute("UPDATE sessions SET last_seen = ? WHERE token = ?", (_iso(now), token))
        return _account(row)

    def drop_session(self, token: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM sessions WHERE token = ?", (token,))

    def expire_sessions(self, account_id: int | None = None) -> int:
        with self._tx() as db:
            if account_id is None:
                cur = db.execute("DELETE FROM sessions")
            else:
                cur = db.execute("DELETE FROM sessions WHERE account_id = ?", (account_id,))
            return cur.rowcount

    def new_ticket(self, account_id: int, now: datetime) -> str:
        ticket = "ST-" + secrets.token_urlsafe(18)
        with self._tx() as db:
            db.execute("INSERT INTO tickets VALUES (?, ?, ?)", (ticket, account_id, _iso(now)))
        return ticket

    def redeem_ticket(self, ticket: str) -> int | None:
        """A ticket works once."""
        with self._tx() as db:
            row = db.execute("SELECT account_id FROM tickets WHERE ticket = ?", (ticket,)).fetchone()
            db.execute("DELETE FROM tickets WHERE ticket = ?", (ticket,))
        return None if row is None else int(row["account_id"])

    def new_login_qr(self, now: datetime) -> str:
        token = secrets.token_urlsafe(12)
        with self._tx() as db:
            db.execute("INSERT INTO login_qr (token, created_at) VALUES (?, ?)", (token, _iso(now)))
        return token

    def login_qr(self, token: str) -> dict[str, Any] | None:
        with self._tx() as db:
            row = db.execute("SELECT * FROM login_qr WHERE token = ?", (token,)).fetchone()
        return None if row is None else dict(row)

    def pending_login_qrs(self) -> list[dict[str, Any]]:
        with self._tx() as db:
            rows = db.execute(
                "SELECT * FROM login_qr WHERE account_id IS NULL ORDER BY created_at DESC, rowid DESC"
            ).fetchall()
        return [dict(r) for r in rows]

    def scan_login_qr(self, token: str, account_id: int, ticket: str) -> bool:
        with self._tx() as db:
            cur = db.execute(
                "UPDATE login_qr SET account_id = ?, ticket = ? WHERE token = ? AND account_id IS NULL",
                (account_id, ticket, token),
            )
            return cur.rowcount == 1

    # -- applications -------------------------------------------------------------------------------
    def application(self, app_id: int) -> Application | None:
        with self._tx() as db:
            row = db.execute("SELECT * FROM applications WHERE id = ?", (app_id,)).fetchone()
        return None if row is None else _application(row)

    def application_for(self, account_id: int, plan_id: int) -> Application | None:
        with self._tx() as db:
            row = db.execute(
                "SELECT * FROM applications WHERE account_id = ? AND plan_id = ?", (account_id, plan_id)
            ).fetchone()
        return None if row is None else _application(row)

    def applications(self, account_id: int | None = None) -> list[Application]:
        with self._tx() as db:
            if account_id is None:
                rows = db.execute("SELECT * FROM applications ORDER BY id").fetchall()
            else:
                rows = db.execute(
                    "SELECT * FROM applications WHERE account_id = ? ORDER BY id", (account_id,)
                ).fetchall()
        return [_application(r) for r in rows]

    def create_application(self, account_id: int, plan_id: int, now: datetime) -> Application:
        """The one application of this account for this plan (created as a draft when missing)."""
        with self._tx() as db:
            db.execute(
                "INSERT OR IGNORE INTO applications (account_id, plan_id, state, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (account_id, plan_id, DRAFT, _iso(now), _iso(now)),
            )
        app = self.application_for(account_id, plan_id)
        assert app is not None
        return app

    def update_application(
        self,
        app_id: int,
        now: datetime,
        *,
        step: int | None = None,
        data: dict[str, Any] | None = None,
        state: str | None = None,
        reason: str | None = None,
        submitted: bool = False,
    ) -> None:
        sets, args = ["updated_at = ?"], [_iso(now)]
        if step is not None:
            sets.append("step = ?")
            args.append(str(step))
        if data is not None:
            sets.append("data = ?")
            args.append(json.dumps(data, ensure_ascii=False))
        if state is not None:
            sets.append("state = ?")
            args.append(state)
            sets.append("reason = ?")
            args.append(reason or "")
        if submitted:
            sets.append("submitted_at = ?")
            args.append(_iso(now))
        with self._tx() as db:
            db.execute(f"UPDATE applications SET {', '.join(sets)} WHERE id = ?", (*args, app_id))  # noqa: S608
            if state is not None:
                db.execute(
                    "INSERT INTO history VALUES (?, ?, ?, ?)", (app_id, _iso(now), state, reason or "")
                )

    def history(self, app_id: int) -> list[dict[str, str]]:
        with self._tx() as db:
            rows = db.execute(
                "SELECT at, state, reason FROM history WHERE app_id = ? ORDER BY rowid", (app_id,)
            )
            return [dict(r) for r in rows.fetchall()]

    # -- files and signatures -----------------------------------------------------------------------
    def put_file(
        self, app_id: int, kind: str, filename: str, content: bytes, now: datetime, **info: Any
    ) -> None:
        """Store an upload; a second upload of the same kind replaces the first."""
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO files VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    app_id,
                    kind,
                    filename,
                    content,
                    len(content),
                    hashlib.sha256(content).hexdigest(),
                    info.get("pages"),
                    info.get("width"),
                    info.get("height"),
                    _iso(now),
                ),
            )

    def file(self, app_id: int, kind: str) -> StoredFile | None:
        with self._tx() as db:
            row = db.execute("SELECT * FROM files WHERE app_id = ? AND kind = ?", (app_id, kind)).fetchone()
        return None if row is None else _file(row)

    def files(self, app_id: int) -> dict[str, StoredFile]:
        with self._tx() as db:
            rows = db.execute("SELECT * FROM files WHERE app_id = ?", (app_id,)).fetchall()
        return {str(r["kind"]): _file(r) for r in rows}

    def delete_file(self, app_id: int, kind: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM files WHERE app_id = ? AND kind = ?", (app_id, kind))

    def new_signature_token(self, app_id: int, now: datetime, expires: datetime) -> str:
        token = secrets.token_urlsafe(12)
        with self._tx() as db:
            db.execute(
                "INSERT INTO signatures (token, app_id, created_at, expires_at) VALUES (?,?,?,?)",
                (token, app_id, _iso(now), _iso(expires)),
            )
        return token

    def signature_token(self, token: str) -> dict[str, Any] | None:
        with self._tx() as db:
            row = db.execute("SELECT * FROM signatures WHERE token = ?", (token,)).fetchone()
        return None if row is None else dict(row)

    def latest_signature_token(self, app_id: int) -> dict[str, Any] | None:
        with self._tx() as db:
            row = db.execute(
                "SELECT * FROM signatures WHERE app_id = ? ORDER BY rowid DESC LIMIT 1", (app_id,)
            ).fetchone()
        return None if row is None else dict(row)

    def mark_signed(self, token: str, now: datetime) -> None:
        with self._tx() as db:
            db.execute("UPDATE signatures SET signed_at = ? WHERE token = ?", (_iso(now), token))


def _account(row: sqlite3.Row) -> Account:
    return Account(
        id=int(row["id"]),
        username=str(row["username"]),
        name=str(row["name"]),
        id_type=str(row["id_type"]),
        id_number=str(row["id_number"]),
        sex=str(row["sex"]),
        birth_date=str(row["birth_date"]),
        phone=str(row["phone"]),
        address=str(row["address"]),
        email=str(row["email"]),
        info_confirmed=bool(row["info_confirmed"]),
        id_photo=bool(row["id_photo"]),
    )


def _application(row: sqlite3.Row) -> Application:
    return Application(
        id=int(row["id"]),
        account_id=int(row["account_id"]),
        plan_id=int(row["plan_id"]),
        state=str(row["state"]),
        reason=str(row["reason"]),
        step=int(row["step"]),
        data=json.loads(row["data"]),
        created_at=str(row["created_at"]),
        updated_at=str(row["updated_at"]),
        submitted_at=None if row["submitted_at"] is None else str(row["submitted_at"]),
    )


def _file(row: sqlite3.Row) -> StoredFile:
    return StoredFile(
        kind=str(row["kind"]),
        filename=str(row["filename"]),
        content=bytes(row["content"]),
        size=int(row["size"]),
        sha256=str(row["sha256"]),
        pages=row["pages"],
        width=row["width"],
        height=row["height"],
        uploaded_at=str(row["uploaded_at"]),
    )
