"""How a candidate logs in: the password from the environment or the keyring, and, for simulations
against the mock portal, the account the mock portal must know.

Passwords are never read from YAML (the profile loader refuses a ``password`` key) and never logged.
"""

from __future__ import annotations

import os
import secrets
from typing import Any

from portal_bot.cohortrun.politeness import is_loopback
from portal_bot.errors import ConfigError, PortalError
from portal_bot.i18n import N_, S_
from portal_bot.profiles.models import Candidate

#: Said when --simulate-human points at another host than this machine.
SIMULATE_LOCAL = N_("--simulate-human works only against the mock portal on this machine")


def password_for(candidate: Candidate, file_name: str, *, simulate: bool) -> str | None:
    """The login password for a ``method: password`` account, or None for QR logins."""
    account = candidate.account
    if account is None or account.method != "password":
        return None
    if account.password_env:
        value = os.environ.get(account.password_env)
        if value:
            return value
        if not simulate:
            raise ConfigError(
                S_("{file}: account.password_env names {name}, which is not set").format(
                    file=file_name, name=account.password_env
                ),
                hint=S_("set the variable, or use account: {method: qr}"),
            )
    if account.keyring:
        try:
            import keyring
        except ImportError as exc:
            raise ConfigError(
                S_("account.keyring needs the keyring package"), hint=S_("pip install keyring")
            ) from exc
        value = keyring.get_password(account.keyring, account.username or candidate.id_number)
        if value:
            return str(value)
        raise ConfigError(
            S_("{file}: no password in the keyring entry {entry}").format(
                file=file_name, entry=account.keyring
            )
        )
    return None


def qa_client(portal_url: str, token: str | None) -> Any:
    """The mock portal's QA client, for --simulate-human (refused for any other host)."""
    from portal_bot.mock_portal.qaclient import QAClient

    if not is_loopback(portal_url):
        raise ConfigError(S_(SIMULATE_LOCAL))
    token = token or os.environ.get("PORTAL_BOT_MOCK_QA_TOKEN")
    if not token:
        raise ConfigError(
            S_("--simulate-human needs the mock portal's QA token"),
            hint=S_("pass --qa-token (printed by `mock-portal serve`) or set PORTAL_BOT_MOCK_QA_TOKEN"),
        )
    return QAClient(portal_url, token)


def ensure_simulated_account(qa: Any, candidate: Candidate, username: str, password: str | None) -> str:
    """Create the candidate's account on the mock portal unless it exists; returns the password used."""
    import httpx

    password = password or secrets.token_urlsafe(12)
    try:
        qa.create_account(
            username=username,
            password=password,
            name=candidate.name,
            id_type=candidate.id_type,
            id_number=candidate.id_number,
            phone=candidate.phone,
            address=candidate.address,
        )
    except httpx.HTTPStatusError as exc:
        if exc.response.status_code != 409:
            raise PortalError(
                S_("the mock portal refused the account: {}").format(exc.response.text[:200])
            ) from exc
    return password
