"""Settings from ``PORTAL_BOT_*`` environment variables, built once by the CLI and passed down.

Nothing here reads files the user did not name, and nothing holds a secret: passwords live in
environment variables or the keyring, named by the candidate's ``account`` entry.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The real site. Never contacted by tests, CI or the demo: those use the mock portal on 127.0.0.1.
REAL_PORTAL_URL = "https://zynl.rlsbt.zj.gov.cn"


def default_state_dir() -> Path:
    """Where the ledger, sessions and reports live when PORTAL_BOT_STATE_DIR is not set."""
    return Path(platformdirs.user_state_dir("portal-bot", appauthor=False))


class Settings(BaseSettings):
    """Process-wide settings. Every field can be set as ``PORTAL_BOT_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix="PORTAL_BOT_", extra="ignore")

    state_dir: Path = Field(default_factory=default_state_dir)
    """Ledger, saved sessions (mode 0600), traces and reports."""

    chromium: Path | None = None
    """A Chromium binary to use when Playwright's own is not installed."""

    portal_url: str = REAL_PORTAL_URL
    """The portal to drive; tests and the demo point this at the mock portal."""

    log_level: str = "INFO"

    unmask: bool = False
    """Show ID and phone numbers in full on the console (never in files or reports)."""

    @field_validator("state_dir", mode="after")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    def ensure_state_dir(self) -> Path:
        """Create the state directory (private to the user where the OS allows) and return it."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        if os.name == "posix":
            self.state_dir.chmod(0o700)
        return self.state_dir

    @property
    def sessions_dir(self) -> Path:
        return self.state_dir / "sessions"

    @property
    def ledger_path(self) -> Path:
        return self.state_dir / "ledger.sqlite3"

    @property
    def runs_dir(self) -> Path:
        return self.state_dir / "runs"
