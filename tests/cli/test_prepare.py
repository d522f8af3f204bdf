"""``portal-bot prepare`` as a coordinator runs it, and the manifest API the register step reads."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from typer.testing import CliRunner

import portal_bot.documents
from portal_bot.cli import app
from portal_bot.errors import StateError
from portal_bot.prepare import Manifest, prepare_cohort
from portal_bot.profiles.idcard import check_char
from tests import docfactory as f
from tests.conftest import REPO_ROOT

runner = CliRunner()
SAMPLE = REPO_ROOT / "profiles" / "sample-cohort"
TOO_SMALL = REPO_ROOT / "fixtures" / "images" / "too-small.jpg"
WANG, SUN = "001-0318.yaml", "005-0118.yaml"  # a student; a promotion with evidence


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def cohort(tmp_path: Path) -> Path:
    """Two candidates of the sample cohort (one with a promotion), copied so tests may change them."""
    folder = tmp_path / "cohort"
    shutil.copytree(SAMPLE, folder, ignore=shutil.ignore_patterns("prepared", ".portal-bot-id"))
    for name in ("002-0242.yaml", "003-0537.yaml", "004-0049.yaml"):
        (folder / name).unlink()
    return folder


def add_candidate(cohort: Path, file: str, **changes: str) -> str:
    """A copy of Wang's profile under another file name with a new valid ID number (and changes)."""
    serial = f"{len(list(cohort.glob('*.yaml'))):03d}"
    first17 = f"33010620040315{serial}"
    lines = []
    for line in (cohort / WANG).read_text(encoding="utf-8").splitlines():
        key = line.split(":", 1)[0]
        if key == "id_number":
            line = f"id_number: '{first17}{check_char(first17)}'"
        if key in changes:
            line = f"{key}: {changes.pop(key)}" if changes[key] != "" else ""
        lines.append(line)
    (cohort / file).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return file


def prepare(cohort: Path, *args: str, code: int = 0) -> dict[str, Any]:
    result = runner.invoke(app, ["prepare", str(cohort), "--json", *args])
    assert result.exit_code == code, result.output
    payload: dict[str, Any] = json.loads(result.stdout)
    return payload


def entries(payload: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["file"]: e for e in payload["candidates"]}


def output_mtimes(cohort: Path) -> dict[str, int]:
    return {
        p.relative_to(cohort).as_posix(): p.stat().st_mtime_ns
        for p in sorted((cohort / "prepared").rglob("*"))
        if p.is_file()
    }


def test_manifest_records_every_output_with_hashes(cohort: Path) -> None:
    payload = prepare(cohort, "-j", "1")
    out = cohort / "prepared"
    assert set(payload) == {
        "manifest",
        "contact_sheet",
        "redone",
        "format",
        "document_code_version",
        "cohort",
        "options",
        "candidates",
    }
    assert payload["manifest"] == (out / "manifest.json").as_posix()
    assert payload["redone"] == [WANG, SUN] and payload["cohort"] == ".."
    assert payload["options"] == {"max_bytes": 19_000_000, "id_pair": "auto", "keep_background": False}
    on_disk = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert on_disk["candidates"] == payload["candidates"]
    wang, sun = entries(payload)[WANG], entries(payload)[SUN]
    assert wang["ok"] and sun["ok"] and not wang["problems"]
    assert wang["name"] == "王小明" and wang["id_masked"] == "3301**********0318"
    assert "330106200403150318" not in (out / "manifest.json").read_text(encoding="utf-8")
    assert set(wang["outputs"]) == {"photo", "materials"}
    assert set(sun["outputs"]) == {"photo", "materials", "evidence"}
    for entry in (wang, sun):
        assert len(entry["key"]) == 64
        for kind, output in entry["outputs"].items():
            path = out / output["path"]
            assert output["path"] == f"{Path(entry['file']).stem}/{path.name}"
            assert sha(path) == output["sha256"] and path.stat().st_size == output["bytes"]
            for ref in output["inputs"]:
                assert sha(out / ref["path"]) == ref["sha256"]
            if kind == "photo":
                with Image.open(path) as image:
                    assert image.size == (output["width"], output["height"])
            else:
                assert output["width"] is None and output["pages"] >= 1
    # ID front and back share the first page: 3 pictures → 2 pages; the evidence PDF has 1 page.
    assert [r["path"] for r in wang["outputs"]["materials"]["inputs"]] == [
        "../materials/wang-xiaoming-id-front.jpg",
        "../materials/wang-xiaoming-id-back.jpg",
        "../materials/wang-xiaoming-student-card.jpg",
    ]
    assert wang["outputs"]["materials"]["pages"] == 2 and sun["outputs"]["evidence"]["pages"] == 1
    # The landscape photo, cropped upright: with the standard head size (63 % of the height) its
    # 202-pixel face needs a 477-pixel crop, so it becomes 1-inch rather than be enlarged to 2-inch.
    assert sun["outputs"]["photo"]["width"] == 295
    # The beige studio wall is replaced with white, so the background warning is gone.
    assert any(a.startswith("replaced the background") for a in wang["outputs"]["photo"]["actions"])
    assert not any("background" in w for w in wang["warnings"])

    manifest = Manifest.load(out)
    entry = manifest.entry_for(cohort / "materials" / ".." / WANG)
    assert entry is not None and entry.ok and entry.photo is not None and entry.photo.is_absolute()
    assert entry.photo == (out / "001-0318" / "photo.jpg").resolve() and entry.evidence is None
    assert entry.photo_sha256 == sha(entry.photo)
    assert entry.materials_sha256 == sha(out / "001-0318" / "materials.pdf")
    assert manifest.entry_for(cohort / "nobody.yaml") is None


def test_unchanged_is_not_redone_and_every_change_is(cohort: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    prepare(cohort, "-j", "1")
    before = output_mtimes(cohort)
    again = prepare(cohort, "-j", "1")
    assert again["redone"] == [] and output_mtimes(cohort) == before
    # contents count, not dates
    os.utime(cohort / "photos" / "wang-xiaoming.jpg", ns=(1, 1))
    assert prepare(cohort, "-j", "1")["redone"] == []

    # a changed input: only its candidate is redone
    card = cohort / "materials" / "wang-xiaoming-student-card.jpg"
    with Image.open(card) as image:
        image.convert("RGB").save(card, "JPEG", quality=60)
    payload = prepare(cohort, "-j", "1")
    assert payload["redone"] == [WANG]
    assert entries(payload)[WANG]["outputs"]["materials"]["inputs"][2]["sha256"] == sha(card)
    after = output_mtimes(cohort)
    assert after["prepared/005-0118/photo.jpg"] == before["prepared/005-0118/photo.jpg"]

    # a changed option
    assert prepare(cohort, "-j", "1", "--max-bytes", "18000000")["redone"] == [WANG, SUN]
    assert prepare(cohort, "-j", "1", "--max-bytes", "18000000")["redone"] == []
    # a new version of the document code
    monkeypatch.setattr(portal_bot.documents, "DOCUMENT_CODE_VERSION", 99)
    payload = prepare(cohort, "-j", "1", "--max-bytes", "18000000")
    assert payload["redone"] == [WANG, SUN] and payload["document_code_version"] == 99

    # a deleted output, then an altered one
    evidence = cohort / "prepared" / "005-0118" / "evidence.pdf"
    evidence.unlink()
    payload = prepare(cohort, "-j", "1", "--max-bytes", "18000000")
    assert payload["redone"] == [SUN] and evidence.exists()
    photo = cohort / "prepared" / "001-0318" / "photo.jpg"
    photo.write_bytes(photo.read_bytes()[:-100])
    payload = prepare(cohort, "-j", "1", "--max-bytes", "18000000")
    assert payload["redone"] == [WANG]
    assert sha(photo) == entries(payload)[WANG]["outputs"]["photo"]["sha256"]

    assert prepare(cohort, "-j", "1", "--max-bytes", "18000000", "--force")["redone"] == [WANG, SUN]


def test_bad_photo_fails_only_its_candidate_and_workers_agree(cohort: Path, tmp_path: Path) -> None:
    shutil.copy(TOO_SMALL, cohort / "photos" / "qian.jpg")
    bad = add_candidate(cohort, "006-small.yaml", photo="photos/qian.jpg", name="钱小小")
    parallel = prepare(cohort, "-j", "2", "--out", str(tmp_path / "a"), code=1)
    serial = prepare(cohort, "-j", "1", "--out", str(tmp_path / "b"), code=1)
    text_a = (tmp_path / "a" / "manifest.json").read_text(encoding="utf-8")
    assert text_a == (tmp_path / "b" / "manifest.json").read_text(encoding="utf-8")
    assert serial["candidates"] == parallel["candidates"]
    entry = entries(parallel)[bad]
    assert not entry["ok"] and "photo" not in entry["outputs"] and "materials" in entry["outputs"]
    [problem] = entry["problems"]
    assert problem.startswith("photo: photos/qian.jpg: too small: 180×240 pixels")
    assert "\n" not in problem
    assert entries(parallel)[WANG]["ok"] and entries(parallel)[SUN]["ok"]

    result = runner.invoke(app, ["prepare", str(cohort), "-j", "1"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    [line] = [x for x in result.output.splitlines() if x.startswith("error")]
    assert "006-small.yaml" in line and "photos/qian.jpg" in line
    assert "3 candidates: 2 ready" in result.output


def test_bad_profiles_are_skipped_and_a_missing_photo_is_a_warning(cohort: Path) -> None:
    (cohort / "prepared" / "007-bad" / "photo.jpg").parent.mkdir(parents=True)
    (cohort / "prepared" / "007-bad" / "photo.jpg").write_bytes(b"left over from an earlier run")
    add_candidate(cohort, "007-bad.yaml", phone="'12345'")
    nophoto = add_candidate(cohort, "001-0318.yml", photo="")  # its stem clashes with Wang's file
    payload = prepare(cohort, "-j", "1", code=1)
    bad = entries(payload)["007-bad.yaml"]
    assert not bad["ok"] and bad["outputs"] == {} and bad["key"] is None
    assert any("phone" in p for p in bad["problems"])
    assert not (cohort / "prepared" / "007-bad").exists()  # no documents for bad data
    entry = entries(payload)[nophoto]
    assert entry["ok"] and set(entry["outputs"]) == {"materials"}
    assert entry["outputs"]["materials"]["path"] == "001-0318.yml/materials.pdf"
    assert entries(payload)[WANG]["outputs"]["photo"]["path"] == "001-0318.yaml/photo.jpg"
    assert any("no photo" in w for w in entry["warnings"])
    assert "007-bad.yaml" not in payload["redone"]


def test_contact_sheet_shows_every_photo_escaped(cohort: Path) -> None:
    add_candidate(cohort, "009-script.yaml", name="'<script>alert(1)</script>'")
    prepare(cohort, "-j", "1")
    html = (cohort / "prepared" / "contact-sheet.html").read_text(encoding="utf-8")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    for stem in ("001-0318", "005-0118", "009-script"):
        assert f'src="{stem}/photo.jpg"' in html
    assert "3301**********0318" in html and "330106200403150318" not in html
    assert "295×413 px" in html and "KB" in html
    # Before and after side by side, and what changed: the beige walls are now white.
    assert 'src="001-0318/photo-before.jpg"' in html and ">before<" in html and ">after<" in html
    assert "replaced the background" in html and "background is not near-white" not in html
    assert "http" not in html.replace('name="viewport"', "")  # no external assets


def test_broken_cohort_and_bad_options_are_one_line(tmp_path: Path, cohort: Path) -> None:
    result = runner.invoke(app, ["prepare", str(tmp_path / "missing")])
    assert result.exit_code == 1 and result.output.startswith("error:") and "Traceback" not in result.output
    result = runner.invoke(app, ["prepare", str(cohort), "-j", "-1"])
    assert result.exit_code == 1 and "--jobs" in result.output


def test_manifest_load_refuses_what_it_cannot_read(tmp_path: Path) -> None:
    with pytest.raises(StateError, match="no manifest here"):
        Manifest.load(tmp_path)
    (tmp_path / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(StateError, match="not a valid manifest"):
        Manifest.load(tmp_path / "manifest.json")
    (tmp_path / "manifest.json").write_text('{"format": 0}', encoding="utf-8")
    with pytest.raises(StateError, match="format 1"):
        Manifest.load(tmp_path / "manifest.json")


def test_python_api_reports_progress_per_candidate(cohort: Path) -> None:
    lines: list[str] = []
    manifest = prepare_cohort(cohort, jobs=1, progress=lines.append)
    assert lines == [f"{WANG}: prepared", f"{SUN}: prepared"] and manifest.redone == [WANG, SUN]
    assert manifest.path == cohort / "prepared" / "manifest.json" and manifest.ok
    lines.clear()
    again = prepare_cohort(cohort, out=cohort / "prepared", progress=lines.append)
    assert lines == [f"{WANG}: unchanged", f"{SUN}: unchanged"] and again.redone == []
    entry = again.entry_for(cohort / SUN)
    assert entry is not None and entry.evidence == cohort / "prepared" / "005-0118" / "evidence.pdf"


def test_a_photo_that_needs_a_persons_eye_is_flagged_everywhere(cohort: Path) -> None:
    f.save(f.tight_head(), cohort / "photos" / "tight.jpg")
    tight = add_candidate(cohort, "006-tight.yaml", photo="photos/tight.jpg", name="紧头像")
    result = runner.invoke(app, ["prepare", str(cohort), "-j", "1"])
    assert result.exit_code == 0, result.output  # flagged, not failed: the photo meets the site's rules
    flagged = [x for x in result.output.splitlines() if x.startswith("look at it") and tight in x]
    assert any("too tight" in x for x in flagged), result.output
    entry = entries(prepare(cohort, "-j", "1"))[tight]
    assert any("too tight" in r for r in entry["outputs"]["photo"]["review"])
    html = (cohort / "prepared" / "contact-sheet.html").read_text(encoding="utf-8")
    assert 'class="card review"' in html and "look at it: the head" in html
    assert "1 to look at" in html
