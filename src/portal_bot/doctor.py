"""``portal-bot doctor`` and ``portal-bot browser ensure``: is this machine ready, and if not, how to fix it.

Doctor only looks; it never installs. ``browser ensure`` is the one command that may install a
browser (Playwright's download, else the distribution's packages when root).
"""

from __future__ import annotations

import importlib.metadata
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import typer
from rich.table import Table

from portal_bot.console import make_console, plain
from portal_bot.errors import PortalBotError
from portal_bot.i18n import N_, _, ngettext
from portal_bot.settings import Settings

REQUIRED_PACKAGES = (
    "playwright",
    "pydantic",
    "pydantic-settings",
    "pyyaml",
    "pillow",
    "pypdf",
    "loguru",
    "typer",
    "rich",
    "openpyxl",
    "opencv-python-headless",
    "segno",
    "fastapi",
    "uvicorn",
    "jinja2",
    "httpx",
)

# Two different strings of the same length: rendered with a CJK font they differ pixel for pixel;
# without one, both become identical rows of "tofu" boxes.
_CJK_PROBE_PAGE = """<!doctype html><meta charset="utf-8"><title>doctor</title>
<body style="margin:0"><canvas id="c" width="200" height="40"></canvas><script>
function draw(s){const c=document.getElementById('c');const x=c.getContext('2d');
x.clearRect(0,0,200,40);x.font='24px sans-serif';x.fillText(s,2,30);
return Array.from(x.getImageData(0,0,200,40).data).join(',');}
window.probe={a:draw('浙江省职业'),b:draw('能力平台报'),w:document.getElementById('c').getContext('2d').measureText('浙江省职业').width};
</script><p>浙江省职业能力一体化工作平台</p></body>"""


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def _check_python() -> Check:
    ok = sys.version_info >= (3, 11)
    version = ".".join(map(str, sys.version_info[:3]))
    return Check(N_("python"), ok, version, "" if ok else _("install Python 3.11 or newer"))


def _check_packages() -> Check:
    missing, found = [], []
    for name in REQUIRED_PACKAGES:
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            missing.append(name)
    if missing:
        return Check(
            N_("packages"), False, _("missing: ") + ", ".join(missing), _("pip install -e .  (or make setup)")
        )
    n = len(found)
    return Check(N_("packages"), True, ngettext("{n} installed", "{n} installed", n).format(n=n))


def _check_browser() -> list[Check]:
    from portal_bot.browser import find_browser, launch_options, sync_playwright

    try:
        choice = find_browser()
    except PortalBotError as exc:
        return [Check(N_("browser"), False, str(exc), "portal-bot browser ensure")]
    if choice is None:
        return [
            Check(
                N_("browser"),
                False,
                _("no Chromium found"),
                _("portal-bot browser ensure  (or: playwright install chromium)"),
            )
        ]
    checks = [Check(N_("browser"), True, choice.describe())]
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(**launch_options(choice))
            try:
                page = browser.new_page()
                page.set_content(_CJK_PROBE_PAGE)
                probe = page.evaluate("window.probe")
                version = browser.version
            finally:
                browser.close()
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        checks.append(
            Check(
                N_("browser launch"),
                False,
                first[:200],
                _("portal-bot browser ensure, or set PORTAL_BOT_CHROMIUM"),
            )
        )
        return checks
    checks.append(
        Check(N_("browser launch"), True, _("Chromium {version} renders pages").format(version=version))
    )
    if probe["a"] == probe["b"] or float(probe["w"]) <= 0:
        checks.append(
            Check(
                N_("chinese text"),
                False,
                _("Chinese characters render as boxes"),
                _("install a CJK font (Debian/Ubuntu: apt-get install fonts-noto-cjk)"),
            )
        )
    else:
        checks.append(Check(N_("chinese text"), True, _("浙江省职业能力 renders")))
    return checks


def _check_state_dir(settings: Settings) -> Check:
    try:
        path = settings.ensure_state_dir()
        with tempfile.NamedTemporaryFile(dir=path, prefix=".doctor-", delete=True):
            pass
    except OSError as exc:
        return Check(
            N_("state dir"),
            False,
            f"{settings.state_dir}: {exc.strerror or exc}",
            _("set PORTAL_BOT_STATE_DIR to a writable folder"),
        )
    return Check(N_("state dir"), True, str(path))


def run_checks(settings: Settings) -> list[Check]:
    """Every doctor check, in the order a person would fix them."""
    return [_check_python(), _check_packages(), *_check_browser(), _check_state_dir(settings)]


def doctor(ctx: typer.Context) -> None:
    """Check that this machine can run portal-bot: Python, packages, browser, Chinese fonts, state dir.

    Prints a table with the fix for each failed check. Exit 1 when any check fails.
    """
    settings: Settings = ctx.obj
    checks = run_checks(settings)
    table = Table(title="portal-bot doctor")
    for column in (_("check"), _("status"), _("detail"), _("fix")):
        table.add_column(column)
    for c in checks:
        status = "[green]{}[/]".format(_("ok")) if c.ok else "[red]{}[/]".format(_("FAIL"))
        table.add_row(plain(_(c.name)), status, plain(c.detail), plain(c.fix))
    make_console().print(table)
    if not all(c.ok for c in checks):
        raise typer.Exit(1)


browser_app = typer.Typer(
    help=N_("Find or install the Chromium that portal-bot drives."), no_args_is_help=True
)


@browser_app.command("ensure")
def browser_ensure(
    no_install: bool = typer.Option(False, "--no-install", help=N_("Only look; install nothing.")),
) -> None:
    """Make sure a Chromium is available: Playwright's own, else the system's, else install one."""
    from portal_bot.browser import ensure_browser

    choice = ensure_browser(install=not no_install)
    make_console().print(plain(_("browser: {}").format(choice.describe())))


@browser_app.command("path")
def browser_path() -> None:
    """Print the path of the Chromium that portal-bot would launch (exit 1 when there is none)."""
    from portal_bot.browser import find_browser

    choice = find_browser()
    if choice is None or choice.executable is None:
        make_console(stderr=True).print(_("no Chromium found: run `portal-bot browser ensure`"))
        raise typer.Exit(1)
    typer.echo(str(Path(choice.executable)))


def register(app: typer.Typer) -> None:
    app.command("doctor")(doctor)
    app.add_typer(browser_app, name="browser")
