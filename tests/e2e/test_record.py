"""`register --record DIR`: every page the flows visit is saved, masked, and nothing personal leaks.

A whole registration against the mock portal with a password login (so a password is typed in a
page) records its pages. Then every file of DIR (pages' HTML, screenshots' bytes, recording.json,
index.html) is searched for every raw ID number, phone number, name, address, birth date (as
2004-03-15 and 20040315), employer and post of the cohort, the password and the session's cookie
values, in every spelling a browser would send them in.

The pixels are not read here (no OCR): the PNG bytes are only searched for text chunks. That the
screenshot is taken of the masked page is proven in tests/browser/test_snapshot.py, which reads the
page's text at the moment the screenshot is taken; the HTML saved here is read from that same
masked page, so its having no raw value speaks for the screenshot's page too.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from portal_bot.mock_portal.server import RunningPortal, serve_in_thread
from portal_bot.recording.model import load_recording
from tests.e2e.conftest import SAMPLE, TOKEN, register
from tests.e2e.test_no_secret_in_artifacts import _cookie_values, _spellings

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "Pw-Secret!42x"


def _people() -> list[dict[str, str]]:
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(SAMPLE.glob("0*.yaml"))]


def _leaks(root: Path, needles: dict[str, set[str]]) -> list[str]:
    found = []
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        for what, forms in needles.items():
            if any(form.encode() in data for form in forms if form):
                found.append(f"{what} in {path.relative_to(root)}")
    return found


def test_a_recorded_registration_saves_every_page_and_no_personal_data(
    fresh_portal: RunningPortal, cohort: Path, tmp_path: Path
) -> None:
    profile = cohort / "001-0318.yaml"
    profile.write_text(
        profile.read_text(encoding="utf-8") + "account: {username: wang-pw, password_env: PB_E2E_PASSWORD}\n",
        encoding="utf-8",
    )
    out = tmp_path / "录制"  # a Chinese folder name, as a coordinator may choose
    # two candidates walked at once share the recording: numbering stays whole, pages are not doubled
    args = ("--only", "王小明", "--only", "陈雨桐", "-c", "2", "--record", str(out))
    done = register(cohort, fresh_portal, *args, env={"PB_E2E_PASSWORD": PASSWORD})
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"recording: {out / 'index.html'}" in done.stdout.replace("\n", "")

    recording = load_recording(out)
    pages = recording.pages
    assert recording.made_by == "register" and recording.site == fresh_portal.url.rstrip("/")
    assert [p.n for p in pages] == list(range(1, len(pages) + 1))
    assert {p.wizard_step for p in pages} >= {"上传证件照", "填写报名信息", "扫码在线签名", "预览确认提交"}
    assert all(p.reason == "visited" for p in pages)
    assert all("?" not in p.path and p.path.startswith("/") for p in pages)
    forms = [p for p in pages if p.wizard_step == "填写报名信息"]
    assert len(forms) == 1, [p.name for p in forms]  # both candidates' step 2: one page, recorded once
    form = forms[0]
    assert any(s.startswith("flows/register.yaml:") for s in form.steps), form.steps
    assert {"手机号码", "申报科目"} <= {re.sub(r"[*：:\s]", "", lab["text"]) for lab in form.offers["labels"]}
    assert "下一步" in form.offers["buttons"] + form.offers["links"]
    login = [p for p in pages if any(s.startswith("flows/login.yaml:") for s in p.steps)]
    assert login, [p.steps for p in pages]
    for page in pages:
        assert recording.screenshot(out, page).read_bytes().startswith(b"\x89PNG")
    html = recording.html(out, form).read_text(encoding="utf-8")
    assert "<script" not in html.lower() and " onclick=" not in html.lower()
    assert "<style>" in html and "display" in html  # the stylesheet is inlined
    assert re.search(r'value="13[89]\*\*\*\*000[12]"', html)  # the typed phone number kept, masked
    assert "王**" in html or "陈**" in html  # the name shown masked
    index = (out / "index.html").read_text(encoding="utf-8")
    assert all(f"pages/{p.name}.png" in index for p in pages)
    assert "填写报名信息" in index and "手机号码" in index

    state = Path(os.environ["PORTAL_BOT_STATE_DIR"])
    cookies = _cookie_values(list((state / "sessions").rglob("*.json")))
    assert cookies
    people = _people()
    needles = {
        "password": _spellings(PASSWORD),
        "cookie": {v for c in cookies for v in _spellings(c)},
    }
    for person in people:
        phone = str(person["phone"])
        needles[f"ID of {person['name']}"] = _spellings(str(person["id_number"]))
        needles[f"phone of {person['name']}"] = _spellings(phone) | _spellings(re.sub(r"\D", "", phone))
        needles[f"name {person['name']}"] = _spellings(str(person["name"]))
        needles[f"address of {person['name']}"] = _spellings(str(person["address"]))
        born = str(person["id_number"])[6:14]  # 出生日期 on 个人基本信息 and the form: in the ID
        needles[f"birth date of {person['name']}"] = _spellings(born) | _spellings(
            f"{born[:4]}-{born[4:6]}-{born[6:]}"
        )
        for free in ("employer", "post"):  # the cohort's free texts, when it has some worth masking
            if len(str(person.get(free) or "")) >= 4:
                needles[f"{free} of {person['name']}"] = _spellings(str(person[free]))
    assert not _leaks(out, needles)
    assert len(list(out.rglob("*"))) > 2 * len(pages)


@pytest.fixture
def drifted() -> Iterator[RunningPortal]:
    with serve_in_thread(qa_token=TOKEN, drift={"手机号码": "联系电话"}) as running:
        yield running


def test_the_page_where_a_step_failed_is_recorded_with_the_step(
    drifted: RunningPortal, cohort: Path, tmp_path: Path
) -> None:
    out = tmp_path / "rec"
    done = register(cohort, drifted, "--only", "陈雨桐", "--record", str(out))
    assert done.returncode == 1, done.stdout + done.stderr
    recording = load_recording(out)
    failed = [p for p in recording.pages if p.reason == "failed"]
    assert len(failed) == 1, [(p.n, p.reason) for p in recording.pages]
    page = failed[0]
    # the first page asking for 手机号码 is 个人基本信息 (basic-info.yaml), before the wizard's form
    assert page.path == "/user/basic-info" and page.steps == (page.failed_step,)
    assert page.failed_step is not None and page.failed_step.startswith("flows/basic-info.yaml:")
    file, line = page.failed_step.removeprefix("flows/").rsplit(":", 1)
    flow = (Path(__file__).resolve().parents[2] / "flows" / file).read_text(encoding="utf-8")
    assert "手机号码" in flow.splitlines()[int(line) - 1]
    assert any("联系电话" in lab["text"] for lab in page.offers["labels"])
    data = json.loads((out / "recording.json").read_text(encoding="utf-8"))
    assert data["pages"][-1]["reason"] == "failed"
