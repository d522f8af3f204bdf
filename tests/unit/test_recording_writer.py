"""The recorder's bookkeeping without a browser: masking of texts and offers, paths, names, numbering,
de-duplication, concurrency, the folder it refuses, and index.html's escaping."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from portal_bot.errors import ConfigError
from portal_bot.privacy import mask_name, mask_names
from portal_bot.profiles import validate_cohort
from portal_bot.recording import recorder as recorder_module
from portal_bot.recording.model import load_recording
from portal_bot.recording.recorder import Recorder, origin, slug, step_name
from portal_bot.recording.snapshot import Snapshot, clean_offers, clean_path, clean_text, personal_texts
from tests.asyncutil import run_async

SAMPLE = Path(__file__).resolve().parents[2] / "profiles" / "sample-cohort"

PNG = b"\x89PNG\r\n\x1a\n-not-really"


def test_names_are_masked_longest_first_and_one_character_names_left_alone() -> None:
    assert mask_name("王小明") == "王**" and mask_name("欧阳小明") == "欧***"
    text = "欧阳小明、王小明和王"
    assert mask_names(text, ["王小明", "欧阳", "欧阳小明", "王", " "]) == "欧***、王**和王"


def test_texts_lose_id_phone_and_names() -> None:
    assert (
        clean_text("王小明 330106200403150318 13805710001", ["王小明"])
        == "王** 3301**********0318 138****0001"
    )


def test_a_candidates_birth_date_employer_and_post_are_masked_wherever_they_are_written() -> None:
    people = {r.name: r.candidate for r in validate_cohort(SAMPLE)}
    zhao, wang = people["赵静"], people["王小明"]
    assert zhao is not None and wang is not None and zhao.birth_date is not None
    texts = personal_texts(zhao)
    assert {zhao.employer, zhao.post, zhao.name, zhao.address} <= set(texts)
    born = zhao.birth_date
    page = (
        f"工作单位 {zhao.employer}，岗位 {zhao.post}；出生于 {born:%Y-%m-%d}（{born:%Y%m%d}，{born.year}年"
        f"{born.month}月{born.day}日）"
    )
    cleaned = clean_text(page, texts)
    for raw in (
        zhao.employer,
        zhao.post,
        f"{born:%Y-%m-%d}",
        f"{born:%Y%m%d}",
        f"{born.month}月{born.day}日",
    ):
        assert raw and raw not in cleaned, raw
    assert "****-**-**" in cleaned and "********" in cleaned
    assert "无" not in personal_texts(wang) and all(len(t) > 1 for t in personal_texts(wang))  # a student


def test_paths_keep_no_query_fragment_or_session_id() -> None:
    assert clean_path("/user/app/7/step2?token=abc#top") == "/user/app/7/step2"
    assert clean_path("/a;jsessionid=ABC123/b") == "/a/b"
    assert clean_path("") == "/"


def test_offers_are_masked_through_and_through() -> None:
    offers = {
        "path": "/x?sid=1",
        "title": "王小明",
        "labels": [{"text": "手机号码：", "kind": "text", "fixed": False}],
        "texts": ["13805710001", "王小明"],
        "buttons": ["下一步"],
    }
    got = clean_offers(offers, ["王小明"])
    assert got["path"] == "/x" and got["title"] == "王**"
    assert got["texts"] == ["138****0001", "王**"] and got["labels"][0]["fixed"] is False


def test_slug_origin_and_step_names(tmp_path: Path) -> None:
    assert slug("/user/app/12/step2") == "user-app-12-step2"
    assert slug("/") == "home" and slug("/报名") == "home"
    assert origin("http://127.0.0.1:8000/pj/plans?x=1") == "http://127.0.0.1:8000"
    root = tmp_path / "flows"
    assert step_name(root / "fields" / "registration.yaml", 12, root) == "flows/fields/registration.yaml:12"
    assert step_name(tmp_path / "elsewhere.yaml", 3, root) == "flows/elsewhere.yaml:3"  # never a local path


def test_a_folder_with_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "old.txt").write_text("x")
    with pytest.raises(ConfigError, match="not an empty folder"):
        Recorder(tmp_path, made_by="survey", site="http://127.0.0.1")
    Recorder(tmp_path / "new", made_by="survey", site="http://127.0.0.1")  # created


class _Page:
    def __init__(self, path: str, buttons: list[str], title: str = "t") -> None:
        self.url = "http://127.0.0.1:9" + path
        self.path, self.buttons, self.title = path, buttons, title


def _fake_snapshots(monkeypatch: pytest.MonkeyPatch) -> None:
    async def take(page: Any, *, names: Any = ()) -> Snapshot:
        await asyncio.sleep(0.01)  # another candidate's snapshot runs meanwhile
        return Snapshot(
            page.path, page.title, None, {"labels": [], "buttons": page.buttons, "links": []}, "<p>x</p>", PNG
        )

    monkeypatch.setattr(recorder_module, "take_snapshot", take)


def test_pages_are_numbered_once_each_even_when_candidates_record_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_snapshots(monkeypatch)
    rec = Recorder(tmp_path / "rec", made_by="register", site="http://127.0.0.1:9/")
    pages = [_Page(f"/p/{i}", [f"b{i}"]) for i in range(6)]

    async def go() -> None:
        await asyncio.gather(
            *(rec.record(p, reason="visited", steps=[f"flows/a.yaml:{i}"]) for i, p in enumerate(pages))
        )

    run_async(go)
    recording = load_recording(tmp_path / "rec")
    assert [p.n for p in recording.pages] == [1, 2, 3, 4, 5, 6]
    assert len({p.name for p in recording.pages}) == 6
    assert sorted(p.path for p in recording.pages) == [f"/p/{i}" for i in range(6)]
    for page in recording.pages:
        assert recording.screenshot(tmp_path / "rec", page).read_bytes() == PNG


def test_the_same_page_is_recorded_once_per_run_and_its_steps_merged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_snapshots(monkeypatch)
    rec = Recorder(tmp_path / "rec", made_by="register", site="http://127.0.0.1")

    async def go() -> None:
        await rec.record(_Page("/user/app/1/step2", ["下一步"]), reason="visited", steps=["flows/r.yaml:1"])
        await rec.record(_Page("/other", ["x"]), reason="visited")
        # another candidate's step 2: the same page (the id in the path differs)
        await rec.record(_Page("/user/app/2/step2", ["下一步"]), reason="visited", steps=["flows/r.yaml:2"])
        await rec.record(
            _Page("/user/app/2/step2", ["下一步"]),
            reason="failed",
            steps=["flows/r.yaml:3"],
            failed_step="x:3",
        )

    run_async(go)
    pages = load_recording(tmp_path / "rec").pages
    assert [(p.path, p.reason) for p in pages] == [
        ("/user/app/1/step2", "visited"),
        ("/other", "visited"),
        ("/user/app/2/step2", "failed"),  # a failure is always saved
    ]
    assert pages[0].steps == ("flows/r.yaml:1", "flows/r.yaml:2")


def test_a_survey_skips_only_the_same_page_twice_in_a_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_snapshots(monkeypatch)
    rec = Recorder(tmp_path / "rec", made_by="survey", site="http://127.0.0.1", dedup="row")

    async def go() -> None:
        for path in ("/a", "/a", "/b", "/a"):
            await rec.record(_Page(path, []), reason="survey")

    run_async(go)
    assert [p.path for p in load_recording(tmp_path / "rec").pages] == ["/a", "/b", "/a"]


def test_index_escapes_what_the_site_wrote(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_snapshots(monkeypatch)
    rec = Recorder(tmp_path / "rec", made_by="survey", site="http://127.0.0.1", dedup="row")
    page = _Page("/a", ["<script>alert(1)</script>"], title="<b>x</b>")
    run_async(lambda: rec.record(page, reason="survey"))
    index = (tmp_path / "rec" / "index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in index and "&lt;script&gt;alert(1)&lt;/script&gt;" in index
    assert "&lt;b&gt;x&lt;/b&gt;" in index
    data = json.loads((tmp_path / "rec" / "recording.json").read_text(encoding="utf-8"))
    assert data["made_by"] == "survey" and data["pages"][0]["name"] == "001-a"


def test_an_empty_recording_is_still_a_recording(tmp_path: Path) -> None:
    rec = Recorder(tmp_path / "rec", made_by="register", site="http://127.0.0.1")
    rec.save()
    assert load_recording(tmp_path / "rec").pages == ()
    assert (tmp_path / "rec" / "index.html").is_file()


def test_a_folder_checked_once_can_be_checked_again_but_not_one_with_files(tmp_path: Path) -> None:
    """survey checks before any window opens, then its recorder checks again: the empty pages/ the
    first check leaves is not 'files'; anything else is."""
    from portal_bot.errors import ConfigError
    from portal_bot.recording.recorder import prepare_folder

    out = tmp_path / "录制"
    prepare_folder(out)
    prepare_folder(out)
    (out / "pages" / "001-x.html").write_text("<html></html>", encoding="utf-8")
    with pytest.raises(ConfigError, match="not an empty folder"):
        prepare_folder(out)
