"""``portal-bot flows check --against DIR`` through the CLI, on recordings of the mock portal.

The recordings are the mock's own pages (variant 0) and a drifted copy (马上报名 → 立即报名,
手机号码 → 联系电话), saved in the recording format by tests/recordings.py. The flows checked are
a copy of the shipped ones in a project folder, so the written patch can be applied with git.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

from portal_bot.cli import app
from portal_bot.mock_portal.server import serve_in_thread
from portal_bot.recording.model import INDEX, RecordedPage, Recording, load_recording, save_recording
from tests.recordings import FLOWS, line_of, save_pages, walk_pages

pytestmark = [pytest.mark.browser, pytest.mark.slow]

runner = CliRunner()
DRIFT = {"马上报名": "立即报名", "手机号码": "联系电话"}
BUTTON = f"register.yaml:{line_of('register.yaml', 'click: {text: 马上报名')}"
INFO_PHONE = f"basic-info.yaml:{line_of('basic-info.yaml', 'field: 手机号码')}"
FORM_PHONE = f"fields/registration.yaml:{line_of('fields/registration.yaml', 'label: 手机号码')}"
RESUBMIT = f"submit.yaml:{line_of('submit.yaml', 'text: 继续提交审核')}"
#: open-plan's first look (is this already 技能评价报名计划?) reads whatever page the last flow left,
#: before any goto: no recorded page can be named as its own
PLANS_LOOK = f"open-plan.yaml:{line_of('open-plan.yaml', 'var: on_plans')}"


@pytest.fixture(scope="module")
def recordings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """variant 0, and the drift as a ``register --record`` run failing at 马上报名 records it."""
    root = tmp_path_factory.mktemp("recordings")
    out = {}
    with serve_in_thread(qa_token="t") as portal:
        out["v0"] = save_pages(portal, root / "mock-v0", walk_pages(portal))
    with serve_in_thread(qa_token="t", drift=DRIFT) as portal:
        pages = walk_pages(portal)
        out["drift"] = save_pages(portal, root / "drift", pages, failed={"plan": f"flows/{BUTTON}"})
        out["survey"] = save_pages(portal, root / "drift-survey", pages)  # no step named
    return out


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A project folder holding a copy of the shipped flows, as the working directory."""
    shutil.copytree(FLOWS, tmp_path / "flows")
    monkeypatch.chdir(tmp_path)
    yield tmp_path


def _check(*args: str) -> tuple[int, dict[str, object], str]:
    result = runner.invoke(app, ["flows", "check", "flows", *args, "--json"])
    assert "Traceback" not in result.output
    return result.exit_code, json.loads(result.stdout), result.stderr


def _by_status(data: dict[str, object], status: str) -> dict[str, dict[str, object]]:
    steps = data["steps"]
    assert isinstance(steps, list)
    return {f"{s['flow'].removeprefix('flows/')}:{s['line']}": s for s in steps if s["status"] == status}


def test_the_mock_pages_resolve_every_recorded_step(recordings: dict[str, Path], project: Path) -> None:
    code, data, _ = _check("--against", str(recordings["v0"]))
    assert code == 0
    assert data["missing"] == 0 and _by_status(data, "missing") == {}
    # the one page the walk does not reach (a returned application's 继续提交审核), and a look
    # that may run on any page
    assert set(_by_status(data, "not recorded")) == {RESUBMIT, PLANS_LOOK}
    assert data["unrecorded"] == 2
    resolved = _by_status(data, "resolved")
    assert len(resolved) > 60  # every click, field, expected text and field-map entry
    assert resolved[BUTTON]["page"] == "pages/007-plan.html"
    assert resolved[FORM_PHONE]["page"] == "pages/009-step2.html"
    assert resolved[INFO_PHONE]["page"] == "pages/003-basic-info.html"


def test_the_table_says_the_same(recordings: dict[str, Path], project: Path) -> None:
    result = runner.invoke(
        app, ["flows", "check", "--against", str(recordings["v0"])], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    assert "0 missing, 2 not recorded" in result.stdout
    assert "继续提交审核" in result.stdout and "resolved" in result.stdout


def test_the_table_keeps_targets_actions_and_statuses_whole_at_80_columns(
    recordings: dict[str, Path], project: Path
) -> None:
    _, data, _ = _check("--against", str(recordings["drift"]))
    result = runner.invoke(
        app, ["flows", "check", "--against", str(recordings["drift"])], env={"COLUMNS": "80"}
    )
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert max(cell_len(line) for line in lines) <= 80, result.stdout
    steps = data["steps"]
    assert isinstance(steps, list)
    cells = [c.strip() for line in lines for c in line.split("│")]
    # one whole cell per step for its action and for its status: nothing cut to "extra…", "not reco…"
    for word in {s["action"] for s in steps} | {s["status"] for s in steps}:
        assert cells.count(word) == sum(word in (s["action"], s["status"]) for s in steps), word
    for step in steps:
        if step["status"] == "missing":  # what it looked for and what the page offers instead, whole
            assert step["target"] in cells, step["target"]
            best = f"→ {step['suggestions'][0]['text']}"  # its reason may wrap to the next line
            assert any(c == best or c.startswith(f"{best} (") for c in cells), step


def test_drifted_texts_are_exactly_the_missing_steps(recordings: dict[str, Path], project: Path) -> None:
    code, data, _ = _check("--against", str(recordings["drift"]))
    assert code == 1
    missing = _by_status(data, "missing")
    assert set(missing) == {BUTTON, INFO_PHONE, FORM_PHONE}
    assert data["missing"] == 3
    button = missing[BUTTON]
    assert button == {
        "flow": "flows/register.yaml",
        "line": int(BUTTON.split(":")[1]),
        "action": "click",
        "target": "马上报名",
        "page": "pages/007-plan.html",
        "status": "missing",
        "suggestions": button["suggestions"],
    }
    suggestions = button["suggestions"]
    assert isinstance(suggestions, list)
    assert suggestions[0] == {"text": "立即报名", "score": 50, "why": "similar text (button, 50%)"}
    for key in (INFO_PHONE, FORM_PHONE):
        best = missing[key]["suggestions"][0]  # type: ignore[index]
        assert best["text"] == "联系电话" and best["why"].startswith("elimination"), best
    assert missing[INFO_PHONE]["page"] == "pages/003-basic-info.html"
    assert missing[FORM_PHONE]["page"] == "pages/009-step2.html"


def test_the_patch_applies_and_the_steps_then_resolve(recordings: dict[str, Path], project: Path) -> None:
    code, _, err = _check("--against", str(recordings["drift"]), "--write-patch", "fix.diff")
    assert code == 1
    assert "wrote fix.diff: 3 changes; apply with: git apply fix.diff" in err
    patch = (project / "fix.diff").read_text(encoding="utf-8")
    assert "+  - click: {text: 立即报名, submit: true}" in patch
    assert "+  - {label: 联系电话, " in patch
    applied = subprocess.run(["git", "apply", "fix.diff"], cwd=project, capture_output=True, text=True)
    assert applied.returncode == 0, applied.stderr
    code, data, _ = _check("--against", str(recordings["drift"]))
    assert code == 0, _by_status(data, "missing")
    resolved = _by_status(data, "resolved")
    assert {BUTTON, INFO_PHONE, FORM_PHONE} <= set(resolved)
    assert (project / "flows" / "register.yaml").read_text(encoding="utf-8").count("立即报名") == 1


def test_a_stretch_no_page_is_known_for_is_not_recorded(recordings: dict[str, Path], project: Path) -> None:
    # without the failed page's step: nothing on any page matches 马上报名 (its stretch is that one
    # click), so nothing says which page it is for; the labels' neighbours still place them
    code, data, _ = _check("--against", str(recordings["survey"]))
    assert code == 1
    assert BUTTON in _by_status(data, "not recorded")
    assert set(_by_status(data, "missing")) == {INFO_PHONE, FORM_PHONE}


def test_a_short_recording_leaves_the_rest_not_recorded_exit_0(
    recordings: dict[str, Path], project: Path, tmp_path: Path
) -> None:
    short = tmp_path / "short"
    shutil.copytree(recordings["v0"], short)
    recording = load_recording(short)
    save_recording(short, Recording(**{**recording.model_dump(), "pages": recording.pages[:2]}))
    code, data, _ = _check("--against", str(short))
    assert code == 0
    unrecorded = _by_status(data, "not recorded")
    assert {BUTTON, FORM_PHONE, INFO_PHONE} <= set(unrecorded)
    assert all(s["page"] is None and s["suggestions"] == [] for s in unrecorded.values())
    assert data["unrecorded"] == len(unrecorded)
    assert "login.yaml:19" in _by_status(data, "resolved")  # 个人用户登录 on the home page


def test_no_patch_without_a_suggestion(recordings: dict[str, Path], project: Path) -> None:
    # a button text nothing on the page resembles, and no single unused button to eliminate down to
    flow = project / "flows" / "register.yaml"
    flow.write_text(
        flow.read_text(encoding="utf-8").replace("text: 马上报名", "text: QQQQ"), encoding="utf-8"
    )
    code, data, err = _check("--against", str(recordings["drift"]), "--write-patch", "fix.diff")
    assert code == 1
    assert _by_status(data, "missing")[BUTTON]["suggestions"] == []
    assert f"not in the patch (no suggestion, edit it by hand): flows/{BUTTON} click QQQQ" in err
    patch = (project / "fix.diff").read_text(encoding="utf-8")
    assert "QQQQ" not in patch and patch.count("\n+  - ") == 2  # the two labels only


class _Counting(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_a_hand_made_recording_is_read_without_any_request(project: Path, tmp_path: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    there = f"http://127.0.0.1:{server.server_address[1]}"
    rec = tmp_path / "hand"
    (rec / "pages").mkdir(parents=True)
    (rec / "pages" / "001-plan.html").write_text(
        f'<html><head><link rel="stylesheet" href="{there}/a.css"><script src="{there}/a.js"></script>'
        f'</head><body><img src="{there}/a.png"><h2>技能评价申报计划</h2>'
        "<table><tr><td>计划编号</td><td>P1</td></tr></table><button>立即报名</button></body></html>",
        encoding="utf-8",
    )
    page = RecordedPage(
        n=1, name="001-plan", path="/pj/plan/1", reason="failed", failed_step=f"flows/{BUTTON}"
    )
    save_recording(rec, Recording(made_by="fixture", site=there, created=datetime.now(UTC), pages=(page,)))
    try:
        code, data, _ = _check("--against", str(rec))
    finally:
        server.shutdown()
        server.server_close()
    assert _Counting.hits == []  # offline: not the stylesheet, the script or the picture
    assert code == 1
    assert set(data) == {"steps", "missing", "unrecorded"}
    assert set(_by_status(data, "missing")) == {BUTTON}
    resolved = _by_status(data, "resolved")
    title = f"open-plan.yaml:{line_of('open-plan.yaml', 'expect: 技能评价申报计划')}"
    number = f"open-plan.yaml:{line_of('open-plan.yaml', 'field: 计划编号')}"
    assert {title, number} <= set(resolved)  # the page's title and 计划编号
    assert data["unrecorded"] == len(_by_status(data, "not recorded")) > 50


def test_a_folder_that_is_no_recording_is_one_line(project: Path) -> None:
    result = runner.invoke(app, ["flows", "check", "--against", str(project / "nowhere")])
    assert result.exit_code == 1
    assert f"is not a recording (no {INDEX})" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_json_and_patch_need_against(project: Path) -> None:
    result = runner.invoke(app, ["flows", "check", "flows", "--json"])
    assert result.exit_code == 2
    assert "--against" in result.output
