"""Where each candidate's saved login session (Playwright storage state) lives, per portal.

A session file holds cookies that act as the person's login: it is private (0600, written by
``portal_bot.browser.save_storage_state``), named by the ledger's salted key of the ID number (never
the number or the name), and kept per portal host so a mock-portal session is never sent to the
real site or the other way round.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from portal_bot.ledger import Ledger
from portal_bot.settings import Settings


def _host_dir(portal_url: str) -> str:
    parts = urlsplit(portal_url)
    host = (parts.hostname or "portal").replace(":", "_")
    return f"{host}_{parts.port}" if parts.port else host


def session_file(settings: Settings, ledger: Ledger, portal_url: str, id_number: str) -> Path:
    """The storage-state file of one candidate's session on one portal."""
    key = ledger.candidate_key(id_number)[:32]
    return settings.sessions_dir / _host_dir(portal_url) / f"{key}.json"
