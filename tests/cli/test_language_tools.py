"""The tools around the main path in one language (issue 16): ``plans search``, ``init``, ``flows
check`` (lint and ``--against``), ``mock-portal serve``, ``browser ensure``, the survey index page
and the takeover's words. Each is run as a person runs it, in Chinese and in English, and scanned:
no English word in the Chinese output outside an allow-list, no Chinese of ours in the English one.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from portal_bot.cli import app
from portal_bot.i18n import set_language
from portal_bot.mock_portal.server import RunningPortal
from tests.e2e.test_language import SITE_TERMS, chinese_runs, english_words, visible_text

REPO = Path(__file__).resolve().parents[2]
MOCK_V0 = REPO / "fixtures" / "recordings" / "mock-v0"
runner = CliRunner()

#: English these screens may show: names typed as they are, the site's data, units and formats.
ALLOWED = {
    "init", "profiles", "import", "validate", "ROSTER", "xlsx", "cohort", "out", "CODE", "plan", "plan_code",
    "git", "apply", "Chromium", "Playwright", "QA", "X-QA-Token", "X-QA-Token:", "API", "ms", "click", "fill",
    "S-", "ISO", "none", "cd", "code", "cookie", "YAML",
}  # fmt: skip

#: Chinese an English screen may show besides the site's words: the site's column names and data.
SITE_DATA = SITE_TERMS | {
    "技能评价报名计划", "计划编号", "评价机构", "职业", "工种", "等级", "报名时间", "考试", "状态", "报名中",
    "已结束", "未开始", "碳排放管理员", "职业名称", "碳排放",  # the last: what the user typed
}  # fmt: skip


@pytest.fixture(autouse=True)
def _back_to_english() -> None:
    yield
    set_language("en")


def _run(args: list[str], lang: str) -> str:
    result = runner.invoke(app, ["--lang", lang, *args], env={"PORTAL_BOT_LANG": "en", "COLUMNS": "200"})
    assert "Traceback" not in result.output, result.output
    return result.output


def _no_english(text: str, where: str) -> None:
    found = english_words(text) - ALLOWED
    assert not found, f"English in the Chinese {where}: {sorted(found)}\n{text}"


def _no_chinese(text: str, where: str, data: str = "") -> None:
    allowed = SITE_DATA | set(re.findall(r"[\u4e00-\u9fff]+", data))
    stray = chinese_runs(text, allowed)
    assert not stray, f"Chinese in the English {where}: {sorted(stray)}\n{text}"


def test_flows_check_in_both_languages() -> None:
    zh, en = (
        _run(["flows", "check", str(REPO / "flows")], "zh"),
        _run(["flows", "check", str(REPO / "flows")], "en"),
    )
    assert "个流程通过" in zh and "flows OK" in en
    _no_english(zh, "flows check")
    _no_chinese(en, "flows check")


def test_a_flow_problem_in_both_languages() -> None:
    bad = str(REPO / "fixtures" / "flows" / "errors" / "011_unreachable.yaml")
    zh, en = _run(["flows", "check", bad], "zh"), _run(["flows", "check", bad], "en")
    assert "1 个流程中有 1 个问题" in zh and "执行不到" in zh, zh
    assert "1 problem in 1 flow" in en and "unreachable: after the unconditional stop" in en
    _no_english(zh.replace("stop", " "), "flows check")  # stop: the step's kind, as the flow writes it


@pytest.mark.browser
def test_flows_check_against_a_recording_in_both_languages() -> None:
    args = ["flows", "check", str(REPO / "flows"), "--against", str(MOCK_V0)]
    zh, en = _run(args, "zh"), _run(args, "en")
    assert "已找到" in zh and "个步骤" in zh and "resolved" in en
    # the step, action and target cells are the flows' own (step kinds, selectors, site words)
    flows = "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "flows").rglob("*.y*ml"))
    found = english_words(zh) - ALLOWED - english_words(flows)
    assert not found, f"English in the Chinese flows check --against: {sorted(found)}"
    _no_chinese(en, "flows check --against", flows)


def test_browser_ensure_in_both_languages() -> None:
    zh, en = (
        _run(["browser", "ensure", "--no-install"], "zh"),
        _run(["browser", "ensure", "--no-install"], "en"),
    )
    assert "浏览器" in zh and "browser" in en
    _no_english(zh, "browser ensure")
    _no_chinese(en, "browser ensure")


def test_the_survey_index_page_in_both_languages() -> None:
    from portal_bot.recording.model import load_recording
    from portal_bot.recording.recorder import render_index

    recording = load_recording(MOCK_V0)
    set_language("zh")
    zh = render_index(recording)
    set_language("en")
    en = render_index(recording)
    assert '<html lang="zh-CN">' in zh and '<html lang="en">' in en and "录制页面" in zh
    # what the site's pages hold (titles, paths, controls, buttons) is shown as the site wrote it
    site = "\n".join(
        [p.title or "" for p in recording.pages]
        + [str(v) for p in recording.pages for v in (p.offers.get("buttons", []) + p.offers.get("links", []))]
        + [
            str(c.get("text", "")) + " " + str(c.get("kind", ""))
            for p in recording.pages
            for c in p.offers.get("labels", [])
        ]
        + [s for p in recording.pages for s in p.steps]
        + [str(p.wizard_step or "") for p in recording.pages]
        + [recording.made_by]
    )
    shown_zh = visible_text(zh).replace(recording.site, " ")
    found = english_words(shown_zh) - ALLOWED - english_words(site)
    assert not found, f"English in the Chinese survey index page: {sorted(found)}"
    _no_chinese(visible_text(en), "survey index page", site)


def test_the_takeover_words_in_both_languages() -> None:
    from portal_bot.cohortrun.relay import HumanTask
    from portal_bot.register.takeover import _question

    task = HumanTask("陈雨桐", "takeover", detail="register.yaml:17: click 马上报名")
    set_language("zh")
    zh = _question(task)
    set_language("en")
    en = _question(task)
    assert zh.startswith("陈雨桐：网站与流程在 register.yaml:17") and "网站与流程不符" not in en
    _no_english(zh.replace("click", " "), "takeover question")
    _no_chinese(en, "takeover question", "陈雨桐 马上报名")


def test_plans_search_and_init_in_both_languages(mock_portal: RunningPortal, tmp_path: Path) -> None:
    search = ["plans", "search", "--portal", mock_portal.url, "--occupation", "碳排放"]
    zh, en = _run(search, "zh"), _run(search, "en")
    assert "匹配到" in zh and "matched" in en
    _no_english(zh, "plans search")
    plans = _run([*search[:-2], "--json"], "en")  # the plans' names, organisations, levels: the site's data
    _no_chinese(en, "plans search", plans)
    assert _run([*search, "--json"], "zh") == _run([*search, "--json"], "en")  # machine output: one language
    init = ["init", str(tmp_path / "c"), "--portal", mock_portal.url, "--plan", "2024-S-000911"]
    zh = _run(init, "zh")
    assert "已为" in zh and "下一步" in zh
    _no_english(zh, "init")
    en = _run([*init, "--force"], "en")
    _no_chinese(en, "init", plans)
    many = ["init", str(tmp_path / "d"), "--portal", mock_portal.url, "--occupation", "碳排放管理员"]
    zh = _run(many, "zh")
    assert "个评价计划符合" in zh, zh


def test_mock_portal_serve_in_chinese() -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "portal_bot",
            "--lang",
            "zh",
            "mock-portal",
            "serve",
            "--port",
            "0",
            "--drift",
            "--qa-token",
            "20261129",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    try:
        assert proc.stdout is not None
        first, second = proc.stdout.readline(), proc.stdout.readline()
    finally:
        proc.terminate()
        proc.communicate(timeout=30)  # closes the pipes too
    assert first.startswith("模拟网站运行于 http://127.0.0.1:") and "文字已改写" in first, first
    assert second.startswith("QA 接口："), second
    _no_english(first + second, "mock-portal serve")
