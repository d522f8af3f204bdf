"""A command line that cannot be parsed, in one line in the chosen language (issue 16).

Typer's vendored click writes these in English in a boxed panel; portal-bot says them like its own
errors, ``错误：…；运行 '… -h' 查看帮助``, and keeps click's exit code 2.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from portal_bot.cli import app
from portal_bot.i18n import set_language

runner = CliRunner()


@pytest.fixture(autouse=True)
def _back_to_english() -> Iterator[None]:
    yield
    set_language("en")


def _usage(*args: str, lang: str = "zh") -> str:
    result = runner.invoke(app, ["--lang", lang, *args], env={"PORTAL_BOT_LANG": "en", "COLUMNS": "80"})
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr  # one line however narrow the terminal
    return lines[0]


@pytest.mark.parametrize(
    ("args", "error", "command"),
    [
        (["register", "--nosuch"], "没有这个选项：--nosuch", "portal-bot register"),
        (["register"], "缺少参数 'cohort_dir'", "portal-bot register"),
        (["register", "x", "-c", "0"], "'--concurrency' / '-c' 的值无效：应不小于 1", "portal-bot register"),
        (["register", "x", "-c", "many"], "'--concurrency' / '-c' 的值无效：应是整数", "portal-bot register"),
        (["register", "x", "-c"], "选项 -c 需要一个值", "portal-bot register"),
        (["register", "x", "y"], "多余的参数：y", "portal-bot register"),
        (["regster"], "没有这个命令：regster（是不是要用 'register'？）", "portal-bot"),
        (["--nosuch"], "没有这个选项：--nosuch", "portal-bot"),
        (["flows", "check", "--nosuch"], "没有这个选项：--nosuch", "portal-bot flows check"),
    ],
)
def test_usage_errors_in_chinese(args: list[str], error: str, command: str) -> None:
    assert _usage(*args) == f"错误：{error}；运行 '{command} -h' 查看帮助"


def test_usage_errors_in_english_keep_click_s_facts() -> None:
    assert _usage("register", "--nosuch", lang="en") == (
        "error: no such option: --nosuch; run 'portal-bot register -h' for help"
    )
    assert _usage("register", "x", "-c", "0", lang="en") == (
        "error: invalid value for '--concurrency' / '-c': should be at least 1;"
        " run 'portal-bot register -h' for help"
    )
    assert _usage("status", lang="en").startswith("error: missing argument 'cohort_dir'")


def test_a_bad_lang_is_said_in_the_language_it_could_not_choose() -> None:
    assert _usage(lang="xx").startswith("error: invalid value for '--lang': choose zh or en")


def test_no_arguments_still_show_the_help() -> None:
    result = runner.invoke(app, [], env={"PORTAL_BOT_LANG": "zh"})
    assert result.exit_code == 2  # click's no_args_is_help: the help, not an error line
    assert "register" in result.output and "错误" not in result.output
