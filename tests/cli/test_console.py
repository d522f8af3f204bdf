"""Output stays UTF-8 when the console would be GBK (a Chinese Windows laptop redirecting output)."""

import os
import subprocess
import sys


def test_redirected_gbk_stdout_gets_utf8() -> None:
    env = {**os.environ, "PYTHONIOENCODING": "gbk", "PYTHONUTF8": "0", "COLUMNS": "200"}
    out = subprocess.run(
        [sys.executable, "-m", "portal_bot", "--help"], capture_output=True, env=env, check=True
    ).stdout
    assert "职业技能等级认定" in out.decode("utf-8")


def test_bad_command_is_a_usage_error_without_traceback() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "portal_bot", "no-such-command"], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


# --- Rich markup: brackets in people's text and our hints print as written (issue 13, item 13) ---

MARKUP_NAME = "[bold]x[/]"


def _recording_console():  # type: ignore[no-untyped-def]
    from rich.console import Console

    return Console(record=True, width=200, highlight=False, color_system=None)


def test_the_heic_refusal_prints_its_hint_literally(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from portal_bot.cli import app

    monkeypatch.setitem(sys.modules, "pillow_heif", None)
    monkeypatch.setenv("COLUMNS", "300")
    src = tmp_path / "IMG_0001.HEIC"
    src.write_bytes(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + b"\0" * 64)
    result = CliRunner().invoke(app, ["photo", "fix", str(src), "--out", str(tmp_path / "o.jpg")])
    assert result.exit_code == 1
    # pillow-heif is a normal dependency now (issue 15): the hint says to reinstall, in full.
    assert "(pip install --force-reinstall portal-bot)" in result.output


def test_an_error_naming_a_file_with_brackets_prints_it_whole(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from portal_bot.cli import app

    monkeypatch.setenv("COLUMNS", "300")
    missing = tmp_path / "[bold]x.jpg"
    result = CliRunner().invoke(app, ["photo", "check", str(missing)])
    assert "[bold]x.jpg" in result.output, result.output


def test_photo_check_prints_a_bracketed_file_name(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from PIL import Image
    from typer.testing import CliRunner

    from portal_bot.cli import app

    monkeypatch.setenv("COLUMNS", "300")
    path = tmp_path / "[bold]x[red].jpg"
    Image.new("RGB", (30, 40), (200, 200, 200)).save(path)
    result = CliRunner().invoke(app, ["photo", "check", str(path)])
    assert "[bold]x[red].jpg" in result.output, result.output


def test_progress_table_and_relay_show_a_bracketed_candidate_name() -> None:
    from portal_bot.cohortrun.relay import HumanTask, Relay
    from portal_bot.register.progress import Progress

    console = _recording_console()
    progress = Progress()
    row = progress.add(MARKUP_NAME)
    progress.set(row, "failed", "[i]step[/i]", note="see [link]")
    console.print(progress.table())
    Relay(console, terminal_qr=False).announce(
        HumanTask(candidate=MARKUP_NAME, kind="login", detail="[b]scan[/b]")
    )
    text = console.export_text()
    assert MARKUP_NAME in text and "[i]step[/i]" in text and "see [link]" in text
    assert f"{MARKUP_NAME}: " in text and "[b]scan[/b]" in text


def test_markup_helper_escapes_values_but_keeps_number_formats() -> None:
    from portal_bot.console import markup

    console = _recording_console()
    console.print(markup("[red]FAIL[/] {}: {:,} bytes", MARKUP_NAME, 12345))
    assert console.export_text().strip() == f"FAIL {MARKUP_NAME}: 12,345 bytes"
