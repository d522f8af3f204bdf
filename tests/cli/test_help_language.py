"""``--help`` in the chosen language (issue 16): every command's and option's help, and typer's own
words (usage line, panel titles, [default: …], the --help option), with ``--lang zh`` on the root
command and with ``PORTAL_BOT_LANG=zh``; and all English with ``--lang en``.
"""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from portal_bot.cli import app
from portal_bot.i18n import set_language
from tests.cli.test_help import ALL_COMMANDS
from tests.e2e.test_language import english_words

runner = CliRunner()

#: English a Chinese --help shows: names typed as they are (commands, option values, metavars,
#: typer's type marks), formats and programs, and the words of example commands and specs.
HELP_ENGLISH = {
    # typer's usage line and type marks; metavars
    "OPTIONS", "COMMAND", "ARGS", "str", "bool", "int", "float", "range", "list", "path", "x",
    "DIR", "FILE", "FLOW", "SPEC", "TEXT", "INTERVAL", "MS", "R", "S", "N", "URL", "SECRET", "VAR",
    # commands and option values
    "init", "survey", "browser", "ensure", "profiles", "import", "flows", "check", "photo", "fix", "pdf",
    "bundle", "mock", "serve", "plans", "search", "notify", "prompt", "auto", "zh", "en", "h", "git", "apply",
    "webhook", "wecom", "dingtalk", "feishu", "smtp", "starttls", "env", "id", "class", "name", "table",
    "div", "m", "Ctrl", "C", "Ctrl-C", "A", "L", "xx",
    # formats, programs, standards
    "JSON", "HTML", "YAML", "JPEG", "SQLite", "ISO", "QA", "MB", "CPU", "BOM", "GBK", "UTF-", "csv", "jpg",
    "xlsx", "shell", "cookie", "unified", "diff", "Path", "S-",
    # argument names, shown as typed in the usage line and the arguments panel
    "roster", "run", "src", "files", "inputs",
    # the keys of flows check --json (machine interface, never translated)
    "steps", "flow", "line", "action", "target", "page", "status", "suggestions", "missing", "unrecorded",
    # notify specs and docs/flows.md's section title, quoted as it is written
    "user", "host", "port", "a", "b", "password", "When", "the", "real", "site", "differs",
}  # fmt: skip


@pytest.fixture(autouse=True)
def _back_to_english() -> None:
    yield
    set_language("en")


def _help(args: list[str], lang_env: str, columns: int = 250) -> str:
    """The help as shown; wide by default, so a long spec (dingtalk:URL…) is not folded mid-word."""
    result = runner.invoke(app, args, env={"PORTAL_BOT_LANG": lang_env, "COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    return result.output


def _english_in(text: str) -> set[str]:
    # a spec's parts (user@host:port?to=a@b&starttls=1&password_env=VAR) are words to the scanner
    text = re.sub(r"[\w.:]*://\S*|#\S+|\b[a-z]+_[a-z_]+\b", " ", text)  # + snake_case names
    return english_words(text) - HELP_ENGLISH


COMMANDS = [(), *ALL_COMMANDS]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "portal-bot")
def test_help_in_chinese_with_lang(command: tuple[str, ...]) -> None:
    shown = _help(["--lang", "zh", *command, "--help"], "en")
    assert "用法：" in shown and "显示本帮助后退出。" in shown
    assert not _english_in(shown), f"English in `{' '.join(command)} --help`: {sorted(_english_in(shown))}"


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "portal-bot")
def test_help_in_chinese_from_the_environment(command: tuple[str, ...]) -> None:
    shown = _help([*command, "--help"], "zh")
    assert "用法：" in shown
    assert not _english_in(shown), f"English in `{' '.join(command)} --help`: {sorted(_english_in(shown))}"


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "portal-bot")
def test_help_in_english_stays_english(command: tuple[str, ...]) -> None:
    """After a Chinese help in the same process (typer's module texts were switched), English again."""
    _help(["--lang", "zh", *command, "--help"], "en")
    shown = _help(["--lang", "en", *command, "--help"], "zh")
    assert "Usage:" in shown and "Show this message and exit." in shown
    assert not re.search(r"用法|选项|显示本帮助|默认：|必填", shown)


def test_the_whole_help_is_shown_in_chinese() -> None:
    """A Chinese option help (no spaces) wraps in its column instead of being cut with "…"."""
    shown = _help(["--lang", "zh", "register", "--help"], "en", columns=100)
    flat = re.sub(r"[\s│]+", "", shown)
    assert "另存一份不打码的预览截图" in flat and "报名继续进行，包括预览核对和确认。" in flat


def test_the_scanner_finds_english_help() -> None:
    assert _english_in("用法：portal-bot register [OPTIONS] DIR\n│ --portal  <str>  Portal URL │") == {
        "Portal"
    }
