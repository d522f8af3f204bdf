"""The coordinator's main path in one language: no English in the Chinese run, no stray Chinese in
the English one (issue 16).

What `make demo` runs (doctor, validate, prepare, register with simulated people and automatic
confirmation) is run as a coordinator would, in a subprocess with ``PORTAL_BOT_LANG``; the desk page
is served as a run serves it (in this process, with progress rows) and fetched. The terminal output,
report.html and the desk page (its HTML, the words its script shows, its progress rows) are scanned.
"""

from __future__ import annotations

import asyncio
import html
import json
import os
import re
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest

from portal_bot.mock_portal.server import RunningPortal
from tests.e2e.conftest import portal_bot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ONLY = ("--only", "王小明", "--only", "陈雨桐")

#: English a Chinese screen may show: the product, commands and their options, programs, units.
ALLOWED_ENGLISH = {
    "portal-bot", "portal", "bot", "doctor", "validate", "prepare", "register", "report", "latest",
    "status", "Python", "Chromium", "Playwright", "playwright", "show-trace", "PDF", "KB", "QR", "sha256",
    "yaml", "ml", "p",
}  # fmt: skip

#: The site's own words (docs/glossary.md) and what the sample cohort's files say: an English
#: screen keeps them as the site and the people write them.
SITE_TERMS = {
    "待审核", "提交", "审核", "驳回修改", "审核意见", "继续提交审核", "其他材料", "浙里办", "正面", "反面",
    "评价计划", "马上报名", "缴费", "我的技能评价报名", "填写报名信息", "上传证件照", "报名状态",
    "职业技能等级认定", "浙江省职业能力",
}  # fmt: skip


class _Text(HTMLParser):
    """The text a person sees on a page: text nodes and alt texts, never styles or scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script"):
            self._skip += 1
        self.parts.extend(v or "" for k, v in attrs if k in ("alt", "title"))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(page: str) -> str:
    parser = _Text()
    parser.feed(page)
    return "\n".join(parser.parts)


def desk_words(page: str) -> str:
    """The words the desk page's script shows (its ``const T = {...}``), one per line."""
    found = re.search(r"const T = (\{.*?\});", page)
    assert found, "the desk page has no table of words"
    texts = json.loads(html.unescape(found.group(1)))
    columns = texts.pop("columns")
    return "\n".join([*texts.values(), *columns.values()])


def english_words(text: str) -> set[str]:
    """Latin words outside URLs, paths, file names, options, environment variables and commands."""
    kept = []
    for line in text.splitlines():
        if line.lstrip().startswith(("$ ", "PORTAL_BOT_STATE_DIR=", "(Windows PowerShell")):
            continue  # a command to type, shown as it is typed
        line = re.sub(r"(https?|file)://\S+", " ", line)
        line = re.sub(r"\S*[/\\]\S*", " ", line)  # paths
        line = re.sub(r"\S+\.(yaml|json|html|xlsx|pdf|jpg|md)\b", " ", line)
        line = re.sub(r"--?[a-z][\w-]*|PORTAL_BOT_\w+|\bsha256\b|\b[0-9a-f]{16,}\b", " ", line)
        kept.append(line)
    words = set(re.findall(r"[A-Za-z][A-Za-z'-]*", "\n".join(kept)))
    return {w for w in words if w not in ALLOWED_ENGLISH}


def chinese_runs(text: str, allowed: set[str]) -> set[str]:
    """Runs of Chinese characters that are neither a site term nor in the candidates' own files."""
    return {r for r in re.findall(r"[\u4e00-\u9fff]+", text) if not _only_terms(r, allowed)}


def _only_terms(run: str, allowed: set[str]) -> bool:
    rest = run
    for term in sorted(allowed, key=len, reverse=True):
        rest = rest.replace(term, "")
    return not rest


def _desk_page(language: str) -> tuple[str, str]:
    """The desk page and its state.json as a register run serves them, with its progress rows."""
    from portal_bot.cohortrun.relay import Relay
    from portal_bot.i18n import set_language
    from portal_bot.register.desk import Desk, serve_desk
    from portal_bot.register.progress import Progress

    set_language("zh" if language == "zh" else "en")
    progress = Progress()
    for name, step in (("王小明", "submitted"), ("陈雨桐", "login")):
        row = progress.add(name)
        progress.start(row, step)
    progress.set(progress.rows[0], "done", "submitted", "待审核")
    loop = asyncio.new_event_loop()
    try:
        with serve_desk(Desk(Relay(), loop, progress.desk_rows)) as url:
            page = urllib.request.urlopen(url, timeout=10).read().decode("utf-8")
            state = urllib.request.urlopen(url + "state.json", timeout=10).read().decode("utf-8")
    finally:
        loop.close()
    return page, state


def _main_path(cohort: Path, portal: RunningPortal, language: str) -> tuple[str, str, str, str]:
    """Terminal output, report.html, the desk page and its state.json of the main path in ``language``."""
    env = {"PORTAL_BOT_LANG": language}
    out = []
    for args in (["doctor"], ["validate", str(cohort)], ["prepare", str(cohort)]):
        done = portal_bot(*args, env=env)
        assert done.returncode == 0, done.stdout + done.stderr
        out.append(done.stdout + done.stderr)
    done = portal_bot(
        *("register", str(cohort), "--portal", portal.url, "--simulate-human", "--confirm", "auto", *ONLY),
        env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out.append(done.stdout + done.stderr)
    page, state = _desk_page(language)
    report = Path(os.environ["PORTAL_BOT_STATE_DIR"]) / "runs" / "1" / "report" / "report.html"
    return "\n".join(out), report.read_text(encoding="utf-8"), page, state


def _shown(terminal: str, report: str, page: str, state: str) -> dict[str, str]:
    """What a person reads, by place: the desk page's words include its script's and progress rows."""
    progress = "\n".join(v for row in json.loads(state)["progress"] for v in row.values())
    return {
        "terminal": terminal,
        "report.html": visible_text(report),
        "desk page": visible_text(page) + "\n" + desk_words(page) + "\n" + progress,
    }


def test_the_main_path_in_chinese_shows_no_english(fresh_portal: RunningPortal, cohort: Path) -> None:
    terminal, report, page, state = _main_path(cohort, fresh_portal, "zh")
    for where, text in _shown(terminal, report, page, state).items():
        assert not english_words(text), f"English in the Chinese {where}: {sorted(english_words(text))}"
    assert "已提交" in terminal and "考生" in terminal and "位考生" in terminal  # it is Chinese
    assert '<html lang="zh-CN">' in report and "目前没有人需要操作" in page


def test_the_main_path_in_english_shows_no_untranslated_chinese(
    fresh_portal: RunningPortal, cohort: Path
) -> None:
    terminal, report, page, state = _main_path(cohort, fresh_portal, "en")
    people = "\n".join(p.read_text(encoding="utf-8") for p in cohort.glob("*.yaml"))
    allowed = SITE_TERMS | set(re.findall(r"[\u4e00-\u9fff]+", people))
    for where, text in _shown(terminal, report, page, state).items():
        stray = chinese_runs(text, allowed)
        assert not stray, f"Chinese in the English {where}: {sorted(stray)}"
    assert "submitted" in terminal and "Nobody is waiting." in page


def test_the_scanners_find_what_they_look_for() -> None:
    """The checks above can fail: an English word in Chinese text, a Chinese phrase in English."""
    assert english_words("已提交 5 位 · waiting") == {"waiting"}
    assert not english_words("报告：/tmp/x/report.html http://127.0.0.1:1/ --desk portal-bot")
    assert chinese_runs("on the site: 待审核, 资料有误", SITE_TERMS) == {"资料有误"}
    assert visible_text("<style>body{}</style><p>hi <b>there</b></p>").split() == ["hi", "there"]
