"""``portal-bot photo check|fix`` and ``portal-bot pdf bundle`` as a coordinator runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from PIL import Image
from typer.testing import CliRunner

from portal_bot.cli import app
from tests import docfactory as f

runner = CliRunner()


def _error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("error:")]


def test_check_json_shape_and_exit_codes(tmp_path: Path) -> None:
    good = tmp_path / "good.jpg"
    assert runner.invoke(app, ["photo", "fix", str(f.ASTRONAUT), "--out", str(good)]).exit_code == 0
    bad = f.save(f.astronaut(), tmp_path / "bad.png", "PNG")
    result = runner.invoke(app, ["photo", "check", str(good), "--json"])
    assert result.exit_code == 0, result.output
    [entry] = json.loads(result.stdout)
    assert set(entry) == {"path", "ok", "problems", "warnings", "width", "height", "bytes"}
    assert entry["ok"] is True and entry["width"] == 295 and entry["height"] == 413
    result = runner.invoke(app, ["photo", "check", str(good), str(bad), "--json"])
    assert result.exit_code == 1
    entries = json.loads(result.stdout)
    assert [e["ok"] for e in entries] == [True, False]
    assert entries[1]["problems"]


def test_check_human_output_and_folders(tmp_path: Path) -> None:
    folder = tmp_path / "照片"
    f.save(f.portrait((413, 579)), folder / "张三.jpg", quality=95)
    (folder / "readme.txt").parent.mkdir(exist_ok=True)
    (folder / "readme.txt").write_text("not a photo", encoding="utf-8")
    result = runner.invoke(app, ["photo", "check", str(folder)])
    assert result.exit_code == 0, result.output
    assert "OK" in result.output and "张三.jpg" in result.output and "readme" not in result.output
    result = runner.invoke(app, ["photo", "check", str(tmp_path / "missing.jpg")])
    assert result.exit_code == 1
    assert "FAIL" in result.output and "not found" in result.output and "photo fix" in result.output


def test_fix_one_file(tmp_path: Path) -> None:
    src = f.save(f.portrait((900, 1200)), tmp_path / "in.png", "PNG")
    out = tmp_path / "out.jpg"
    result = runner.invoke(app, ["photo", "fix", str(src), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "fixed" in result.output and out.exists()
    folder = tmp_path / "fixed"
    folder.mkdir()
    assert runner.invoke(app, ["photo", "fix", str(src), "--out", str(folder)]).exit_code == 0
    assert (folder / "in.jpg").exists()  # an existing folder as --out: the photo's name, as .jpg
    result = runner.invoke(app, ["photo", "fix", str(src), "--out", str(tmp_path / "again.jpg"), "--json"])
    data = json.loads(result.stdout)
    assert data["report"]["ok"] is True and data["actions"]


def test_fix_refusal_is_one_line_and_exit_1(tmp_path: Path) -> None:
    src = f.save(f.portrait((100, 130)), tmp_path / "thumb.jpg")
    result = runner.invoke(app, ["photo", "fix", str(src), "--out", str(tmp_path / "out.jpg")])
    assert result.exit_code == 1
    [line] = _error_lines(result.output)
    assert "thumb.jpg" in line and "too small" in line
    assert "Traceback" not in result.output


def test_fix_a_folder_in_parallel(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    f.save(f.portrait((900, 1200)), folder / "a.jpg", quality=90)
    f.save(f.portrait((700, 950)), folder / "b.png", "PNG")
    (folder / "c.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated")
    out = tmp_path / "out"
    result = runner.invoke(app, ["photo", "fix", str(folder), "--out", str(out), "--jobs", "2"])
    assert result.exit_code == 1, result.output
    assert sorted(p.name for p in out.iterdir()) == ["a.jpg", "b.jpg"]
    [line] = _error_lines(result.output)
    assert "c.jpg" in line
    assert "2 fixed, 1 refused" in result.output
    for fixed in out.iterdir():
        assert runner.invoke(app, ["photo", "check", str(fixed)]).exit_code == 0


def test_fix_a_folder_refuses_name_collisions(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    f.save(f.portrait((900, 1200)), folder / "a.jpg")
    f.save(f.portrait((900, 1200)), folder / "a.png", "PNG")
    result = runner.invoke(app, ["photo", "fix", str(folder), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    [line] = _error_lines(result.output)
    assert "a.jpg" in line and "a.png" in line


def test_bundle_and_its_errors(tmp_path: Path) -> None:
    photo = f.save(f.noisy(Image.new("RGB", (1200, 900), (90, 120, 150))), tmp_path / "id.jpg")
    pdf = f.pdf_of_pages(tmp_path / "diploma.pdf", [(595, 842), (595, 842)])
    out = tmp_path / "材料.pdf"
    result = runner.invoke(app, ["pdf", "bundle", "--out", str(out), str(photo), str(pdf)])
    assert result.exit_code == 0, result.output
    assert "3 pages" in result.output
    result = runner.invoke(app, ["pdf", "bundle", "--out", str(out), str(photo), str(pdf), "--json"])
    data = json.loads(result.stdout)
    assert data["pages"] == 3 and len(data["sha256"]) == 64 and len(data["inputs"]) == 2
    empty = f.pdf_of_pages(tmp_path / "empty.pdf", [])
    result = runner.invoke(app, ["pdf", "bundle", "--out", str(tmp_path / "x.pdf"), str(photo), str(empty)])
    assert result.exit_code == 1
    [line] = _error_lines(result.output)
    assert "empty.pdf" in line and "no pages" in line
    result = runner.invoke(
        app, ["pdf", "bundle", "--out", str(tmp_path / "x.pdf"), str(photo), "--max-bytes", "1"]
    )
    assert result.exit_code == 1
    assert len(_error_lines(result.output)) == 1


def test_corrupt_pdf_error_is_the_only_output_line(tmp_path: Path) -> None:
    whole = f.pdf_of_images(tmp_path / "whole.pdf", [f.noisy(Image.new("RGB", (800, 1100), (200, 200, 200)))])
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(whole.read_bytes()[:5000])
    result = runner.invoke(app, ["pdf", "bundle", "--out", str(tmp_path / "x.pdf"), str(cut)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and "cut.pdf" in lines[0], result.output


def test_the_cli_does_not_load_pillow_pypdf_or_opencv_until_a_command_runs() -> None:
    probe = "import sys, portal_bot.cli; print([m for m in ('PIL', 'cv2', 'pypdf') if m in sys.modules])"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_fix_replaces_a_coloured_wall_unless_told_to_keep_it(tmp_path: Path) -> None:
    src = f.save(f.portrait((900, 1200), background=f.backdrop((900, 1200), "coloured")), tmp_path / "墙.jpg")
    result = runner.invoke(app, ["photo", "fix", str(src), "--out", str(tmp_path / "white.jpg"), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["background_replaced"] is True and data["review"] == []
    assert any(a.startswith("replaced the background") for a in data["actions"])
    result = runner.invoke(
        app, ["photo", "fix", str(src), "--out", str(tmp_path / "kept.jpg"), "--keep-background"]
    )
    assert result.exit_code == 0, result.output
    # The wall is kept, and the person is told to look at it rather than left to discover it.
    assert "look at it:" in result.output and "not near-white" in result.output
    assert "replaced the background" not in result.output
    with Image.open(tmp_path / "kept.jpg") as kept, Image.open(tmp_path / "white.jpg") as white:
        assert kept.convert("RGB").getpixel((5, 5))[2] > 150 > kept.convert("RGB").getpixel((5, 5))[0]
        assert min(white.convert("RGB").getpixel((5, 5))) >= 235


def test_simulate_human_calls_the_qa_api_without_importing_the_mock_portal_server() -> None:
    """``register --simulate-human`` only calls the replica's QA API: FastAPI and uvicorn stay out
    (their import was about a second of every simulated run's start, issue 14)."""
    probe = (
        "import sys, portal_bot.cli, portal_bot.register.run\n"
        "from portal_bot.cohortrun.accounts import qa_client\n"
        "qa_client('http://127.0.0.1:9', 'token').close()\n"
        "print([m for m in ('fastapi', 'uvicorn', 'portal_bot.mock_portal.app') if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
