"""The only module that imports Playwright: finding, installing and launching Chromium.

Choice of browser, in order: Playwright's own Chromium when installed; else a system Chromium
(``PORTAL_BOT_CHROMIUM``, then the usual install paths, Microsoft Edge on Windows). Where neither
exists, :func:`ensure_browser` tries ``playwright install chromium`` and, where that cannot download
(a closed network), the distribution's ``chromium`` and ``fonts-noto-cjk`` packages when running
as root on Debian/Ubuntu. Everything else asks this module for a browser and never launches one.

Launch flags keep Chromium quiet on a closed network; ``--no-sandbox`` is added only for root,
where Chromium refuses to start otherwise.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loguru import logger
from playwright.async_api import Browser as AsyncBrowser
from playwright.async_api import BrowserContext as AsyncBrowserContext
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator as AsyncLocator
from playwright.async_api import Page as AsyncPage
from playwright.async_api import Playwright as AsyncPlaywright
from playwright.async_api import TimeoutError as PlaywrightTimeoutError
from playwright.async_api import async_playwright
from playwright.sync_api import Browser, BrowserContext, Locator, Page, Playwright, sync_playwright

from portal_bot.errors import BrowserUnavailableError, PortalUnreachableError
from portal_bot.i18n import S_

__all__ = [
    "AsyncBrowser",
    "AsyncBrowserContext",
    "AsyncLocator",
    "AsyncPage",
    "AsyncPlaywright",
    "Browser",
    "BrowserChoice",
    "BrowserContext",
    "Locator",
    "Page",
    "Playwright",
    "PlaywrightError",
    "PlaywrightTimeoutError",
    "async_playwright",
    "ensure_browser",
    "find_browser",
    "launch_options",
    "network_failure",
    "unreachable",
    "new_context",
    "save_storage_state",
    "sync_playwright",
]

QUIET_FLAGS = (
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
)

_SYSTEM_CANDIDATES_POSIX = (
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/snap/bin/chromium",
    "/usr/bin/google-chrome",
    "/usr/bin/google-chrome-stable",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
)


@dataclass(frozen=True)
class BrowserChoice:
    """Which Chromium will be launched, and why."""

    source: str  # "playwright" | "env" | "system"
    executable: Path | None  # None: Playwright's default (its own Chromium)

    def describe(self) -> str:
        from portal_bot.i18n import _

        if self.source == "playwright":
            return _("Playwright's Chromium ({})").format(self.executable)
        if self.source == "system":
            return _("system Chromium at {}").format(self.executable)
        return _("{} Chromium at {}").format(self.source, self.executable)


def _is_root() -> bool:
    geteuid = getattr(os, "geteuid", None)
    return bool(geteuid and geteuid() == 0)


def playwright_chromium_path() -> Path | None:
    """Path of Playwright's own Chromium when it is installed, else None."""
    try:
        with sync_playwright() as p:
            path = Path(p.chromium.executable_path)
    except Exception as exc:  # the driver itself may be missing or broken
        logger.debug("cannot ask Playwright for its Chromium: {}", exc)
        return None
    return path if path.exists() else None


def _windows_candidates() -> list[Path]:
    roots = [os.environ.get(k) for k in ("PROGRAMFILES", "PROGRAMFILES(X86)", "LOCALAPPDATA")]
    rel = (
        r"Google\Chrome\Application\chrome.exe",
        r"Chromium\Application\chrome.exe",
        r"Microsoft\Edge\Application\msedge.exe",
    )
    return [Path(root) / r for root in roots if root for r in rel]


def system_chromium_path(explicit: Path | None = None) -> tuple[str, Path] | None:
    """A Chromium-family browser installed on the system, with where it was found."""
    env = explicit or (
        Path(os.environ["PORTAL_BOT_CHROMIUM"]) if os.environ.get("PORTAL_BOT_CHROMIUM") else None
    )
    if env is not None:
        if env.exists():
            return "env", env
        raise BrowserUnavailableError(
            S_("PORTAL_BOT_CHROMIUM points at {}, which does not exist").format(env),
            hint=S_("fix the path or unset PORTAL_BOT_CHROMIUM"),
        )
    candidates = (
        _windows_candidates() if sys.platform == "win32" else [Path(c) for c in _SYSTEM_CANDIDATES_POSIX]
    )
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            candidates.insert(0, Path(found))
    for path in candidates:
        if path.exists():
            return "system", path
    return None


def find_browser(
    explicit: Path | None = None, *, own_path: Callable[[], Path | None] = playwright_chromium_path
) -> BrowserChoice | None:
    """The Chromium to launch, or None when there is none on this machine.

    Args:
        explicit: a browser the settings name (else ``PORTAL_BOT_CHROMIUM``, else Playwright's own,
            else a system one).
        own_path: where Playwright's own Chromium is, if installed; the default starts a Playwright
            driver to ask, a caller that already runs one passes its answer.
    """
    if explicit is None and not os.environ.get("PORTAL_BOT_CHROMIUM"):
        own = own_path()
        if own is not None:
            return BrowserChoice("playwright", own)
    found = system_chromium_path(explicit)
    if found is not None:
        return BrowserChoice(found[0], found[1])
    return None


_NET_ERROR_RE = re.compile(r"net::(ERR_[A-Z_]+)")
#: Chromium's network errors that mean "nothing answered", as opposed to an answer we did not like.
_UNREACHABLE = frozenset(
    {
        "ERR_NAME_NOT_RESOLVED",
        "ERR_NAME_RESOLUTION_FAILED",
        "ERR_INTERNET_DISCONNECTED",
        "ERR_ADDRESS_UNREACHABLE",
        "ERR_CONNECTION_REFUSED",
        "ERR_CONNECTION_TIMED_OUT",
        "ERR_CONNECTION_RESET",
        "ERR_CONNECTION_CLOSED",
        "ERR_NETWORK_CHANGED",
        "ERR_PROXY_CONNECTION_FAILED",
        "ERR_TUNNEL_CONNECTION_FAILED",
        "ERR_SSL_PROTOCOL_ERROR",
        "ERR_CERT_COMMON_NAME_INVALID",
        "ERR_CERT_AUTHORITY_INVALID",
        "ERR_EMPTY_RESPONSE",
        "ERR_BLOCKED_BY_ADMINISTRATOR",
    }
)


#: Node's socket errors, as ``context.request`` (Playwright's HTTP client, no browser) reports them,
#: named by the Chromium code that means the same.
_NODE_ERRORS = {
    "ECONNREFUSED": "ERR_CONNECTION_REFUSED",
    "ENOTFOUND": "ERR_NAME_NOT_RESOLVED",
    "EAI_AGAIN": "ERR_NAME_RESOLUTION_FAILED",
    "ECONNRESET": "ERR_CONNECTION_RESET",
    "EHOSTUNREACH": "ERR_ADDRESS_UNREACHABLE",
    "ENETUNREACH": "ERR_INTERNET_DISCONNECTED",
    "ETIMEDOUT": "ERR_CONNECTION_TIMED_OUT",
}
_NODE_ERROR_RE = re.compile(r"\b(" + "|".join(_NODE_ERRORS) + r")\b")


def network_failure(exc: BaseException) -> str | None:
    """Chromium's ``ERR_…`` code when ``exc`` says the site could not be reached at all, else None.

    Playwright reports these as a plain ``Error`` whose message holds ``net::ERR_NAME_NOT_RESOLVED``
    and the like (``connect ECONNREFUSED …`` from ``context.request``); a page that answered (even
    with 500) is never one of them.
    """
    node = _NODE_ERROR_RE.search(str(exc))
    if node is not None:
        return _NODE_ERRORS[node.group(1)]
    found = _NET_ERROR_RE.search(str(exc))
    if found is None or found.group(1) not in _UNREACHABLE:
        return None
    return found.group(1)


def unreachable(base_url: str, exc: BaseException) -> PortalUnreachableError | None:
    """A one-line :class:`PortalUnreachableError` when ``exc`` means nothing answered at ``base_url``."""
    code = network_failure(exc)
    if code is None:
        return None
    return PortalUnreachableError(
        S_("cannot reach {} ({})").format(base_url, code),
        hint=S_("check the network connection and the portal address (--portal or PORTAL_BOT_PORTAL_URL)"),
    )


def launch_options(choice: BrowserChoice, *, headless: bool = True) -> dict[str, Any]:
    """Keyword arguments for ``browser_type.launch`` that work on a closed network."""
    args = list(QUIET_FLAGS)
    if _is_root():
        args.append("--no-sandbox")
    options: dict[str, Any] = {"headless": headless, "args": args}
    if choice.source != "playwright" and choice.executable is not None:
        options["executable_path"] = str(choice.executable)
    return options


def _run(cmd: list[str]) -> bool:
    logger.info("running: {}", " ".join(cmd))
    try:
        result = subprocess.run(cmd, check=False, timeout=900)
    except (OSError, subprocess.TimeoutExpired) as exc:
        logger.warning("{} failed: {}", cmd[0], exc)
        return False
    return result.returncode == 0


def _has_cjk_font() -> bool:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return True  # not a fontconfig system (Windows, macOS ship CJK fonts)
    out = subprocess.run([fc_list, ":lang=zh"], capture_output=True, text=True, check=False).stdout
    return bool(out.strip())


def ensure_browser(*, install: bool = True) -> BrowserChoice:
    """Find a Chromium; when there is none and ``install`` is set, install one.

    Raises:
        BrowserUnavailableError: none was found and none could be installed.
    """
    choice = find_browser()
    if choice is None and install:
        _run([sys.executable, "-m", "playwright", "install", "chromium"])
        choice = find_browser()
    apt = shutil.which("apt-get")
    if install and apt and _is_root() and (choice is None or not _has_cjk_font()):
        packages = ["fonts-noto-cjk"] + (["chromium"] if choice is None else [])
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        logger.info("installing {} with apt-get", " ".join(packages))
        subprocess.run([apt, "update", "-qq"], check=False, env=env)
        subprocess.run([apt, "install", "-y", "-qq", *packages], check=False, env=env)
        choice = find_browser()
    if choice is None:
        from portal_bot.i18n import _

        raise BrowserUnavailableError(
            _("no Chromium found"),
            hint=_(
                "run `playwright install chromium`, or install Chromium/Chrome and set PORTAL_BOT_CHROMIUM"
            ),
        )
    return choice


async def save_storage_state(context: AsyncBrowserContext, path: Path) -> None:
    """Save a context's cookies and local storage (a login session) to a private 0600 file."""
    import json

    from portal_bot.fileio import atomic_write_text

    state = await context.storage_state()
    atomic_write_text(path, json.dumps(state, ensure_ascii=False), private=True)


async def new_context(
    browser: AsyncBrowser, *, storage_state: Path | None = None, **kwargs: Any
) -> AsyncBrowserContext:
    """A fresh, isolated context; reuses a saved session when its file exists."""
    if storage_state is not None and storage_state.exists():
        kwargs["storage_state"] = str(storage_state)
    kwargs.setdefault("locale", "zh-CN")
    kwargs.setdefault("timezone_id", "Asia/Shanghai")
    return await browser.new_context(**kwargs)
