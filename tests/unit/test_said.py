"""Texts that keep their English (i18n.Said, S_): what people read follows --lang, what the ledger
keeps (PortalBotError.english) never does (issue 16: machine interfaces do not change with the
language)."""

from __future__ import annotations

import ast
import copy
import json
import pickle
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from portal_bot.errors import ExplainedError, FlowError, ProfileError, SiteMismatchError
from portal_bot.flows.mismatch import site_mismatch
from portal_bot.flows.settle import Absent
from portal_bot.flows.steps import load_flow
from portal_bot.i18n import S_, Said, english, in_language, nS_, set_language
from portal_bot.privacy import mask_text

FLOWS = Path(__file__).resolve().parents[2] / "flows"
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")


@pytest.fixture
def zh() -> Iterator[None]:
    set_language("zh")
    try:
        yield
    finally:
        set_language("en")


def test_a_formatted_text_is_the_translation_and_keeps_the_msgid_formatted_alike(zh: None) -> None:
    said = S_("flow {} is missing").format("flows/login.yaml")
    assert said == in_language("zh", "flow {} is missing").format("flows/login.yaml")
    assert CJK.search(said)
    assert said.english == "flow flows/login.yaml is missing" == english(said)
    named = S_("{step}: nothing came within {timeout:g}s on {url}").format(
        step="click 马上报名", timeout=15.0, url="http://127.0.0.1/pj"
    )
    assert named.english == "click 马上报名: nothing came within 15s on http://127.0.0.1/pj"


def test_a_said_argument_gives_its_own_english(zh: None) -> None:
    inner = S_("log in again")
    outer = S_("{} needs a person, but no human handler is set").format(inner)
    assert str(inner) in outer  # people read the inner text in their language
    assert outer.english == "log in again needs a person, but no human handler is set"


def test_plus_keeps_both_languages_and_plain_text_is_its_own_english(zh: None) -> None:
    joined = S_("flow {} is missing").format("a") + "; " + S_("log in again")
    assert isinstance(joined, Said)
    assert joined.english == "flow a is missing; log in again"
    assert ("前缀 " + S_("log in again")).english == "前缀 log in again"
    assert english("plain") == "plain"
    assert english(f"{S_('log in again')}") == in_language("zh", "log in again")  # f-strings lose it


def test_plural_keeps_the_english_form_for_n(zh: None) -> None:
    one = nS_("{n} candidate", "{n} candidates", 1).format(n=1)
    many = nS_("{n} candidate", "{n} candidates", 5).format(n=5)
    assert (one.english, many.english) == ("1 candidate", "5 candidates")


def test_a_said_survives_copy_pickle_and_json() -> None:
    said = Said("中文", "English")
    for again in (copy.deepcopy(said), pickle.loads(pickle.dumps(said))):
        assert isinstance(again, Said) and again == "中文" and again.english == "English"
    assert json.dumps({"m": said}, ensure_ascii=False) == '{"m": "中文"}'


def test_masking_masks_both_languages(zh: None) -> None:
    said = S_("{} is not a valid phone number").format("13800001234")
    masked = mask_text(said)
    assert isinstance(masked, Said)
    assert "13800001234" not in masked and "13800001234" not in masked.english
    assert "138****1234" in masked.english
    assert mask_text("id 110101200001011234") == "id 1101**********1234"  # a plain str as before


def test_an_error_renders_itself_in_english_whatever_the_language(zh: None) -> None:
    err = ProfileError(
        S_("flow {} is missing").format("x"),
        path="roster.csv",
        row=12,
        field="出生日期",
        hint=S_("log in again"),
    )
    assert str(err) == (
        "roster.csv" + in_language("zh", " row {}").format(12) + ": 出生日期: "
        + in_language("zh", "flow {} is missing").format("x")
        + in_language("zh", " ({})").format(in_language("zh", "log in again"))
    )  # fmt: skip
    assert err.english() == "roster.csv row 12: 出生日期: flow x is missing (log in again)"
    assert err.said() == str(err) and err.said().english == err.english()


def test_a_plain_message_is_kept_as_it_is() -> None:
    err = FlowError("手机号码格式不正确", path="flows/register.yaml", line=9)
    assert err.english() == str(err) == "flows/register.yaml:9: 手机号码格式不正确"


def test_an_explained_error_has_no_location_in_either_language(zh: None) -> None:
    err = ExplainedError(S_("log in again"), path="flows/x.yaml", line=3, hint="ask the teacher")
    assert err.english() == "log in again (ask the teacher)"
    assert str(err) == in_language("zh", "log in again") + " (ask the teacher)"


BASIC_INFO = {
    "path": "/user/basic-info",
    "title": "浙江省职业能力一体化工作平台",
    "labels": [
        {"text": "姓名", "kind": "text", "fixed": True},
        {"text": "* 联系电话", "kind": "text", "fixed": False},
        {"text": "电子邮箱", "kind": "text", "fixed": False},
    ],
    "buttons": ["技能评价报名"],
    "links": ["首页"],
    "texts": [],
}


def _mismatch() -> SiteMismatchError:
    flow = load_flow(FLOWS / "basic-info.yaml")  # loaded in the run's language, as register does
    step = next(s for s in flow.steps if s.description.startswith("fill 手机号码"))
    return site_mismatch(Absent("手机号码", "text", BASIC_INFO), step, flow)


def test_a_site_mismatch_keeps_the_english_a_run_in_english_says() -> None:
    in_english = _mismatch()
    set_language("zh")
    try:
        in_chinese = _mismatch()
    finally:
        set_language("en")
    assert str(in_chinese) != str(in_english) and "网站与流程不符" in str(in_chinese)
    assert in_chinese.english() == in_english.english() == str(in_english)
    assert "'联系电话' (elimination: the only required text field" in in_chinese.english()


#: Where a candidate's walk raises from: its errors end in the ledger, so they keep their English.
WALK_TIME = ("flows", "portal", "register", "documents", "profiles", "cohortrun")
#: Errors of the command line before or after the walk, never a candidate's (they may use _()).
CLI_ONLY = {"commands.py", "register/run.py", "register/outcome.py"}


def _error_calls_with_underscore(path: Path) -> list[int]:
    def name(f: ast.expr) -> str:
        return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""

    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and (name(node.func).endswith("Error") or name(node.func) == "error"):
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                calls = [n.func for n in ast.walk(arg) if isinstance(n, ast.Call)]
                if any(isinstance(f, ast.Name) and f.id in ("_", "ngettext") for f in calls):
                    lines.append(node.lineno)
    return lines


def test_errors_raised_during_a_walk_keep_their_english() -> None:
    """An error built with ``_()`` where a walk can raise it would put the run's language in the
    ledger: such modules build their messages with ``S_()``."""
    src = Path(__file__).resolve().parents[2] / "src" / "portal_bot"
    found = []
    for package in WALK_TIME:
        for path in sorted((src / package).rglob("*.py")):
            rel = path.relative_to(src).as_posix()
            if path.name in CLI_ONLY or rel in CLI_ONLY:
                continue
            found += [f"{rel}:{line}" for line in _error_calls_with_underscore(path)]
    assert not found, f"raise with S_(), not _(): {found}"
