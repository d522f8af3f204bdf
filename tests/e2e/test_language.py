"""The coordinator's main path in one language: no English in the Chinese run, no stray Chinese in
the English one (issue 16).

What `make demo` runs (doctor, validate, prepare, register with simulated people and automatic
confirmation), then ``status`` and its report, is run as a coordinator would, in a subprocess with
``PORTAL_BOT_LANG``; the desk page is served as a run serves it (in this process, with progress rows)
and fetched. The terminal output, report.html, the status report, the contact sheet and the desk page
(its HTML, the words its script shows, its progress rows) are scanned, and so are a photo warning
(``photo check`` on a photo against a coloured wall) and a YAML error (``validate`` of a cohort with a
broken file). ``status --json`` is the same in both languages.
"""

from __future__ import annotations

import asyncio
import html
import json
import os
import re
import shutil
import urllib.request
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from portal_bot.mock_portal.server import RunningPortal
from tests import docfactory as f
from tests.e2e.conftest import portal_bot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ONLY = ("--only", "王小明", "--only", "陈雨桐")

#: English a Chinese screen may show: the product, commands and their options, programs, units.
ALLOWED_ENGLISH = {
    "portal-bot", "portal", "bot", "doctor", "validate", "prepare", "register", "report", "latest",
    "status", "Python", "Chromium", "Playwright", "playwright", "show-trace", "PDF", "KB", "QR", "sha256",
    "yaml", "ml", "p", "RGB", "sRGB", "JPEG", "JPG", "EXIF", "ICC", "CMYK", "YAML", "px", "MB",
}  # fmt: skip

#: The site's own words (docs/glossary.md) and what the sample cohort's files say: an English
#: screen keeps them as the site and the people write them.
SITE_TERMS = {
    "待审核", "提交", "审核", "驳回修改", "审核意见", "继续提交审核", "其他材料", "浙里办", "正面", "反面",
    "评价计划", "马上报名", "缴费", "我的技能评价报名", "填写报名信息", "上传证件照", "报名状态",
    "职业技能等级认定", "浙江省职业能力", "审核通过", "审核不通过", "待缴费", "已缴费", "已生成准考证",
}  # fmt: skip

#: A candidate file that is not YAML (an indented key under a scalar), for validate's error line.
BROKEN_YAML = "name: 张三\n  phone: 13800000000\n"


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
        line = re.sub(r"\b\d{4}-[A-Z]+-\d+\b", " ", line)  # a 计划编号 (2024-S-000911) is data
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


@dataclass
class Shown:
    """What the main path showed in one language, by place."""

    terminal: str
    report: str
    page: str
    state: str
    status: str  # the status command's terminal output
    status_report: str
    contact_sheet: str
    documents: str  # photo check's warning and validate's YAML error


#: The cohort folder's name, as a school names it (it shows in the status table and report).
COHORT_NAME = "电工班"


def _main_path(cohort: Path, portal: RunningPortal, language: str, tmp: Path) -> Shown:
    """Everything the main path in ``language`` shows: terminal, reports, desk page, documents."""
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
    state_dir = Path(os.environ["PORTAL_BOT_STATE_DIR"])
    report = state_dir / "runs" / "1" / "report" / "report.html"
    # Two candidates were registered, three were not (no saved login): someone must act, exit 3.
    status = portal_bot("status", str(cohort), "--portal", portal.url, env=env)
    assert status.returncode == 3, status.stdout + status.stderr
    status_report = state_dir / "reports" / f"status-{cohort.name}.html"
    return Shown(
        terminal="\n".join(out),
        report=report.read_text(encoding="utf-8"),
        page=page,
        state=state,
        status=status.stdout + status.stderr,
        status_report=status_report.read_text(encoding="utf-8"),
        contact_sheet=(cohort / "prepared" / "contact-sheet.html").read_text(encoding="utf-8"),
        documents=_documents(cohort, tmp, env),
    )


def _documents(cohort: Path, tmp: Path, env: dict[str, str]) -> str:
    """A photo warning (a coloured wall) and a YAML error (validate of a copy with a broken file)."""
    wall = f.save(f.portrait((900, 1200), background=f.backdrop((900, 1200), "coloured")), tmp / "wall.jpg")
    photo = portal_bot("photo", "check", str(wall), env=env)
    assert photo.returncode == 0, photo.stdout + photo.stderr  # a warning, not a failure
    broken = tmp / "broken-cohort"
    shutil.copytree(cohort, broken, ignore=shutil.ignore_patterns("prepared"))
    (broken / "099-broken.yaml").write_text(BROKEN_YAML, encoding="utf-8")
    validate = portal_bot("validate", str(broken), env=env)
    assert validate.returncode == 1, validate.stdout + validate.stderr
    return "\n".join([photo.stdout + photo.stderr, validate.stdout + validate.stderr])


def _shown(shown: Shown) -> dict[str, str]:
    """What a person reads, by place: the desk page's words include its script's and progress rows."""
    progress = "\n".join(v for row in json.loads(shown.state)["progress"] for v in row.values())
    return {
        "terminal": shown.terminal,
        "report.html": visible_text(shown.report),
        "desk page": visible_text(shown.page) + "\n" + desk_words(shown.page) + "\n" + progress,
        "status output": shown.status,
        "status report": visible_text(shown.status_report),
        "contact sheet": visible_text(shown.contact_sheet),
        "photo warning and YAML error": shown.documents,
    }


def _machine(document: Any) -> Any:
    """``status --json`` without the moments it was made and seen (they differ between two runs)."""
    if isinstance(document, dict):
        return {k: _machine(v) for k, v in document.items() if k not in ("generated_at", "observed_at")}
    if isinstance(document, list):
        return [_machine(v) for v in document]
    return document


def test_the_main_path_in_chinese_shows_no_english(
    fresh_portal: RunningPortal, cohort: Path, tmp_path: Path
) -> None:
    cohort = cohort.rename(cohort.with_name(COHORT_NAME))
    shown = _main_path(cohort, fresh_portal, "zh", tmp_path)
    for where, text in _shown(shown).items():
        assert not english_words(text), f"English in the Chinese {where}: {sorted(english_words(text))}"
    assert "已提交" in shown.terminal and "考生" in shown.terminal and "位考生" in shown.terminal
    assert '<html lang="zh-CN">' in shown.report and "目前没有人需要操作" in shown.page
    assert "需要重新登录" in shown.status and "待审核" in shown.status  # the status table is Chinese
    assert '<html lang="zh-CN">' in shown.status_report and "报名状态报告" in shown.status_report
    assert "照片总览" in shown.contact_sheet
    assert "背景不是白色" in shown.documents and "YAML 格式错误" in shown.documents
    # The machine interface does not follow the language: the same JSON and exit code in both.
    runs = {
        lang: portal_bot(
            "status", str(cohort), "--portal", fresh_portal.url, "--json", env={"PORTAL_BOT_LANG": lang}
        )
        for lang in ("zh", "en")
    }
    assert runs["zh"].returncode == runs["en"].returncode == 3, runs["zh"].stderr + runs["en"].stderr
    zh, en = (json.loads(runs[lang].stdout) for lang in ("zh", "en"))
    assert _machine(zh) == _machine(en)
    assert (
        zh["groups"][0]["label"] == "重新登录" and zh["groups"][0]["candidates"][0]["state"] == "needs_login"
    )


def test_the_main_path_in_english_shows_no_untranslated_chinese(
    fresh_portal: RunningPortal, cohort: Path, tmp_path: Path
) -> None:
    cohort = cohort.rename(cohort.with_name(COHORT_NAME))
    shown = _main_path(cohort, fresh_portal, "en", tmp_path)
    people = "\n".join(p.read_text(encoding="utf-8") for p in cohort.glob("*.yaml"))
    allowed = SITE_TERMS | set(re.findall(r"[\u4e00-\u9fff]+", people + BROKEN_YAML + COHORT_NAME))
    for where, text in _shown(shown).items():
        stray = chinese_runs(text, allowed)
        assert not stray, f"Chinese in the English {where}: {sorted(stray)}"
    assert "submitted" in shown.terminal and "Nobody is waiting." in shown.page
    assert "needs login" in shown.status and "待审核 (pending review)" in shown.status
    assert "not near-white" in shown.documents and "not valid YAML" in shown.documents


def test_the_scanners_find_what_they_look_for() -> None:
    """The checks above can fail: an English word in Chinese text, a Chinese phrase in English."""
    assert english_words("已提交 5 位 · waiting") == {"waiting"}
    assert not english_words("报告：/tmp/x/report.html http://127.0.0.1:1/ --desk portal-bot")
    assert not english_words("王小明 2024-S-000911 待审核") and english_words("S-000911 x") == {"S-", "x"}
    assert chinese_runs("on the site: 待审核, 资料有误", SITE_TERMS) == {"资料有误"}
    assert visible_text("<style>body{}</style><p>hi <b>there</b></p>").split() == ["hi", "there"]
