"""Where the shipped site flows live: the repository's ``flows/`` in a checkout, or the copy a wheel
carries as ``portal_bot/shipped_flows``. This module only finds the folder; it never reads or runs a flow.
"""

from __future__ import annotations

from pathlib import Path

from portal_bot.errors import ConfigError
from portal_bot.i18n import S_

_PACKAGE = Path(__file__).resolve().parents[1]  # …/portal_bot


def shipped_flows_dir() -> Path:
    """The folder holding login.yaml, basic-info.yaml, open-plan.yaml, register.yaml, submit.yaml and
    fields/registration.yaml.

    Raises:
        ConfigError: neither an installed copy nor a checkout's ``flows/`` is there.
    """
    installed = _PACKAGE / "shipped_flows"
    if (installed / "login.yaml").is_file():
        return installed
    checkout = _PACKAGE.parents[1] / "flows"  # src/portal_bot → the repository root
    if (checkout / "login.yaml").is_file():
        return checkout
    raise ConfigError(
        S_("the shipped flows are missing (looked in {} and {})").format(installed, checkout),
        hint=S_("reinstall portal-bot (pip install --force-reinstall portal-bot)"),
    )
