"""check_photo and fix_photo on real and generated pictures: every case the coordinators meet."""

from __future__ import annotations

import io
import struct
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from portal_bot.documents.face import find_face
from portal_bot.documents.photo import (
    FACE_CENTRE,
    MAX_BYTES,
    MIN_BYTES,
    ONE_INCH,
    TWO_INCH,
    check_photo,
    fix_photo,
    plan_crop,
)
from portal_bot.errors import ConfigError, DocumentError
from tests import docfactory as f


def _fixed(src: Path, tmp_path: Path) -> tuple[Image.Image, Path]:
    dst = tmp_path / "out" / "fixed.jpg"
    result = fix_photo(src, dst)
    assert result.report.ok, result.report
    assert check_photo(dst).ok
    return f.load(dst), dst


# --- the real face -------------------------------------------------------------------------------


def test_haar_finds_the_astronauts_face() -> None:
    face = find_face(f.astronaut())
    assert face is not None
    # The face is in the upper middle of the 512×512 portrait, about 90 pixels wide.
    assert 180 < face.cx < 270 and 80 < face.cy < 150
    assert 70 < face.w < 120


def test_fixed_astronaut_has_the_face_centre_near_45_percent(tmp_path: Path) -> None:
    result = fix_photo(f.ASTRONAUT, tmp_path / "astronaut.jpg")
    assert result.face is not None
    x, y, w, h = result.face
    width, height = result.report.width, result.report.height
    assert (width, height) == ONE_INCH  # 512 pixels cannot honestly give 2-inch
    # Her hair nearly touches the top of the original, so the crop cannot move up as far as the
    # standard framing wants: the face sits higher than FACE_CENTRE, the crown still within range.
    assert abs((y + h / 2) / height - FACE_CENTRE) < 0.08
    assert not result.review, result.review
    assert abs((x + w / 2) / width - 0.5) < 0.05
    assert 0.45 < w / width < 0.75
    # The output itself still shows a face where the crop put it.
    again = find_face(f.load(tmp_path / "astronaut.jpg"))
    assert again is not None and abs(again.cy / height - FACE_CENTRE) < 0.08


def test_large_portrait_becomes_two_inch_with_the_face_at_45_percent(tmp_path: Path) -> None:
    src = f.save(f.portrait((1800, 2400)), tmp_path / "big.jpg", quality=92)
    result = fix_photo(src, tmp_path / "out.jpg")
    assert (result.report.width, result.report.height) == TWO_INCH
    assert result.face is not None
    x, y, w, h = result.face
    assert abs((y + h / 2) / TWO_INCH[1] - FACE_CENTRE) < 0.03
    assert abs((x + w / 2) / TWO_INCH[0] - 0.5) < 0.03
    assert not [w for w in result.warnings if "background" in w or "face" in w]


# --- the output format ---------------------------------------------------------------------------


def test_output_is_a_baseline_jpeg_without_exif_inside_the_safe_size(tmp_path: Path) -> None:
    src = f.exif_rotated(f.portrait((900, 1200)), tmp_path / "rotated.jpg")
    _, dst = _fixed(src, tmp_path)
    data = dst.read_bytes()
    assert data[:3] == b"\xff\xd8\xff"
    assert b"\xff\xc0" in data and b"\xff\xc2" not in data  # SOF0 baseline, no progressive SOF2
    assert b"Exif\0\0" not in data
    assert MIN_BYTES < len(data) < MAX_BYTES
    assert 34_000 <= len(data) <= 900_000


def test_exif_rotation_is_applied(tmp_path: Path) -> None:
    src = f.exif_rotated(f.portrait((900, 1200)), tmp_path / "rotated.jpg")
    assert f.load(src).size == (1200, 900)  # stored sideways
    result = fix_photo(src, tmp_path / "out.jpg")
    assert any("upright" in a for a in result.actions)
    assert result.face is not None  # Haar only finds upright faces


def test_broken_exif_is_a_warning_not_a_crash(tmp_path: Path) -> None:
    src = f.broken_exif_jpeg(f.portrait((900, 1200)), tmp_path / "broken-exif.jpg")
    result = fix_photo(src, tmp_path / "out.jpg")
    assert result.report.ok
    assert any("EXIF" in w for w in result.warnings)


def test_cmyk_goes_through_its_icc_profile(tmp_path: Path) -> None:
    cmyk = f.cmyk_cyan_with_tones(f.portrait((900, 1200)))
    src = f.save(cmyk, tmp_path / "cmyk.jpg", quality=92, icc_profile=f.cmyk_profile())
    result = fix_photo(src, tmp_path / "out.jpg")
    assert any("ICC" in a for a in result.actions)
    rgb = np.asarray(f.load(tmp_path / "out.jpg"), dtype=np.int16)
    # The profile takes colour from K alone: neutral grey. Ignoring it would give strong cyan.
    assert np.abs(rgb[..., 0] - rgb[..., 2]).mean() < 6
    naive = np.asarray(cmyk.convert("RGB"), dtype=np.int16)
    assert np.abs(naive[..., 0] - naive[..., 2]).mean() > 60


def test_transparency_goes_on_white(tmp_path: Path) -> None:
    rgba = f.portrait((900, 1200)).convert("RGBA")
    alpha = np.full((1200, 900), 255, dtype=np.uint8)
    alpha[:, :150] = 0  # transparent left strip
    rgba.putalpha(Image.fromarray(alpha))
    src = f.save(rgba, tmp_path / "alpha.png", "PNG")
    result = fix_photo(src, tmp_path / "out.jpg")
    assert any("white" in a for a in result.actions)
    out = f.load(tmp_path / "out.jpg").convert("RGB")
    assert min(out.getpixel((2, out.height // 2))) > 235


def test_png_named_jpg_is_found_out_and_fixed(tmp_path: Path) -> None:
    src = f.save(f.portrait((900, 1200)), tmp_path / "really-png.jpg", "PNG")
    report = check_photo(src)
    assert not report.ok
    assert any("PNG" in p for p in report.problems)
    _fixed(src, tmp_path)


def test_webp_is_read(tmp_path: Path) -> None:
    src = f.save(f.portrait((900, 1200)), tmp_path / "photo.webp", "WEBP", quality=90)
    _fixed(src, tmp_path)


def test_landscape_photo_is_cropped_to_portrait(tmp_path: Path) -> None:
    canvas = Image.new("RGB", (2400, 1500), (245, 245, 245))
    canvas.paste(f.portrait((1000, 1300)).resize((1100, 1430)), (700, 40))
    src = f.save(f.noisy(canvas), tmp_path / "landscape.jpg", quality=90)
    image, _ = _fixed(src, tmp_path)
    assert 0.65 <= image.width / image.height <= 0.8


def test_huge_photo_is_decoded_at_reduced_scale(tmp_path: Path) -> None:
    big = f.portrait((600, 800)).resize((4500, 6000), Image.Resampling.BILINEAR)
    src = f.save(f.noisy(big, 6), tmp_path / "huge.jpg", quality=85)
    image, _ = _fixed(src, tmp_path)
    assert image.size == TWO_INCH


def test_greyscale_photo_is_fixed_with_a_warning(tmp_path: Path) -> None:
    src = f.save(f.portrait((900, 1200)).convert("L"), tmp_path / "grey.jpg", quality=92)
    result = fix_photo(src, tmp_path / "out.jpg")
    assert any("greyscale" in w for w in result.warnings)
    assert f.load(tmp_path / "out.jpg").mode == "RGB"


def test_no_face_gives_a_centred_crop_and_a_warning(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    arr = rng.integers(0, 255, size=(1200, 1600, 3), dtype=np.uint8)
    src = f.save(Image.fromarray(arr), tmp_path / "noise.jpg", quality=80)
    result = fix_photo(src, tmp_path / "out.jpg")
    assert result.face is None
    assert any("no face found" in w for w in result.warnings)
    assert any("from the centre" in a for a in result.actions)


def test_small_source_is_enlarged_at_most_one_and_a_half_times(tmp_path: Path) -> None:
    src = f.save(f.portrait((220, 300)), tmp_path / "small.jpg", quality=95)
    result = fix_photo(src, tmp_path / "out.jpg")
    assert (result.report.width, result.report.height) == ONE_INCH
    assert any("enlarged" in a for a in result.actions)


# --- what cannot honestly be fixed ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda p: f.save(f.portrait((120, 160)), p / "tiny.jpg"), "too small"),
        (lambda p: (p / "notes.jpg").write_text("hello", encoding="utf-8") and p / "notes.jpg", "text file"),
        (lambda p: (p / "empty.jpg").write_bytes(b"") == 0 and p / "empty.jpg", "empty"),
        (lambda p: f.pdf_of_pages(p / "scan.jpg", [(595, 842)]), "PDF"),
        (lambda p: p / "missing.jpg", "not found"),
    ],
    ids=["tiny", "text", "empty", "pdf", "missing"],
)
def test_refusals_are_one_line_naming_the_file(tmp_path: Path, make, words: str) -> None:  # type: ignore[no-untyped-def]
    src = make(tmp_path)
    with pytest.raises(DocumentError) as caught:
        fix_photo(src, tmp_path / "out.jpg")
    message = str(caught.value)
    assert words in message and src.name in message and "\n" not in message
    assert not (tmp_path / "out.jpg").exists()


def test_truncated_jpeg_is_refused(tmp_path: Path) -> None:
    data = f.jpeg_bytes(f.portrait((900, 1200)), quality=90)
    src = tmp_path / "cut.jpg"
    src.write_bytes(data[: len(data) // 2])
    with pytest.raises(DocumentError, match="truncated"):
        fix_photo(src, tmp_path / "out.jpg")
    report = check_photo(src)
    assert not report.ok and any("truncated" in p for p in report.problems)


def test_a_picture_too_plain_for_30_kb_is_refused_not_faked(tmp_path: Path) -> None:
    src = f.save(Image.new("RGB", (900, 1200), (255, 255, 255)), tmp_path / "white.jpg")
    with pytest.raises(DocumentError, match="30 KB"):
        fix_photo(src, tmp_path / "out.jpg")
    assert not (tmp_path / "out.jpg").exists()


def test_output_must_be_named_jpg(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        fix_photo(f.ASTRONAUT, tmp_path / "out.png")


def test_existing_output_survives_a_refusal(tmp_path: Path) -> None:
    dst = tmp_path / "out.jpg"
    dst.write_bytes(b"previous")
    with pytest.raises(DocumentError):
        fix_photo(f.save(f.portrait((100, 130)), tmp_path / "tiny.jpg"), dst)
    assert dst.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


# --- checking --------------------------------------------------------------------------------------


def _compliant_jpeg() -> bytes:
    return f.jpeg_bytes(f.portrait((413, 579)), quality=80)


@pytest.mark.parametrize(
    ("size", "ok"),
    [(MIN_BYTES, False), (MIN_BYTES + 1, True), (MAX_BYTES - 1, True), (MAX_BYTES, False)],
)
def test_byte_limits_are_read_the_strict_way(tmp_path: Path, size: int, ok: bool) -> None:
    data = _compliant_jpeg()
    assert len(data) < MIN_BYTES
    path = tmp_path / "p.jpg"
    path.write_bytes(f.padded(data, size))
    report = check_photo(path)
    assert report.ok is ok, report.problems
    assert report.bytes == size


@pytest.mark.parametrize(
    ("size", "ok"),
    [((215, 300), False), ((216, 301), True), ((260, 400), True), ((320, 400), True), ((325, 400), False)],
    ids=["215x300", "216x301", "ratio-0.65", "ratio-0.80", "ratio-0.81"],
)
def test_pixel_and_ratio_rules(tmp_path: Path, size: tuple[int, int], ok: bool) -> None:
    data = f.jpeg_bytes(f.noisy(Image.new("RGB", size, (200, 200, 200)), 30), quality=95)
    path = tmp_path / "p.jpg"
    path.write_bytes(f.padded(data, max(len(data), 40_000)))
    report = check_photo(path)
    assert report.ok is ok, report.problems
    assert (report.width, report.height) == size


def test_check_reports_every_problem_at_once(tmp_path: Path) -> None:
    src = f.save(f.astronaut(), tmp_path / "astronaut.png", "PNG")
    report = check_photo(src)
    assert not report.ok
    joined = " | ".join(report.problems)
    assert ".png" in joined and "PNG" in joined and "width/height" in joined


def test_check_warns_about_looks(tmp_path: Path) -> None:
    blue = f.save(f.portrait((413, 579), background=(60, 110, 200)), tmp_path / "blue.jpg", quality=95)
    warnings = check_photo(blue).warnings
    assert any("background" in w for w in warnings)
    white = f.save(f.portrait((413, 579)), tmp_path / "white.jpg", quality=95)
    report = check_photo(white)
    assert report.ok and not any("background" in w for w in report.warnings)
    shifted = Image.new("RGB", (413, 579), (250, 250, 250))
    shifted.paste(f.portrait((413, 579)).resize((300, 420)), (180, 200))
    off = f.save(f.noisy(shifted), tmp_path / "off.jpg", quality=95)
    warnings = check_photo(off).warnings
    assert any("small" in w for w in warnings) and any("off-centre" in w for w in warnings)


def test_check_flags_exif_rotation(tmp_path: Path) -> None:
    src = f.exif_rotated(f.portrait((413, 579)), tmp_path / "rotated.jpg")
    report = check_photo(src)
    assert any("EXIF orientation 6" in p for p in report.problems)


def test_plan_crop_without_room_to_enlarge_is_none() -> None:
    assert plan_crop((150, 200), None) is None
    plan = plan_crop((1000, 2000), None)
    assert plan is not None and plan.out_size == TWO_INCH


def test_fixing_a_fixed_photo_keeps_it_compliant(tmp_path: Path) -> None:
    _, first = _fixed(f.save(f.portrait((900, 1200)), tmp_path / "a.jpg", quality=90), tmp_path)
    second = fix_photo(first, tmp_path / "again.jpg")
    assert second.report.ok
    assert f.load(tmp_path / "again.jpg").size in (ONE_INCH, TWO_INCH)


def test_heic_without_pillow_heif_says_how_to_get_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pillow_heif", None)  # import fails as if not installed
    src = tmp_path / "IMG_0001.HEIC"
    src.write_bytes(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + b"\0" * 64)
    with pytest.raises(DocumentError, match="pillow-heif") as caught:
        fix_photo(src, tmp_path / "out.jpg")
    assert "reinstall portal-bot" in str(caught.value)


def test_a_header_claiming_gigapixels_is_refused_before_decoding(tmp_path: Path) -> None:
    small = io.BytesIO()
    Image.new("RGB", (8, 8), (255, 255, 255)).save(small, "PNG")
    data = bytearray(small.getvalue())
    data[16:24] = struct.pack(">II", 30_000, 30_000)  # IHDR width and height
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))  # keep the chunk's CRC valid
    src = tmp_path / "bomb.png"
    src.write_bytes(bytes(data))
    with pytest.raises(DocumentError, match="far too large"):
        fix_photo(src, tmp_path / "out.jpg")
