"""White backgrounds, standard head size, small faces and HEIC: fix_photo on generated photos.

After the fix the border region is measured near-white, the face is found again where the result
says, centred, and the head's height is inside the standard's range.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import portal_bot.documents.photo as photo
from portal_bot.documents.background import border_colour
from portal_bot.documents.face import Face, find_face
from portal_bot.documents.photo import CHIN_BELOW_BOX, HEAD_RANGE, TOP_RANGE, check_photo, fix_photo
from tests import docfactory as f


def _crown(image: Image.Image, face: Face) -> int:
    """The first row above the face with clearly non-white pixels over the head (on white)."""
    arr = np.asarray(image.convert("L"))
    x0, x1 = round(face.cx - 0.3 * face.w), round(face.cx + 0.3 * face.w)
    dark = (arr[: round(face.cy), x0:x1] < 200).mean(axis=1) > 0.2
    rows = np.nonzero(dark)[0]
    assert rows.size, "no head above the face"
    return int(rows[0])


def _assert_standard(dst: Path, result: photo.PhotoFixResult) -> None:
    image = f.load(dst)
    w, h = image.size
    assert result.face is not None
    placed = Face(*result.face)
    *_, white = border_colour(image, placed)
    assert white >= 0.97, f"border only {white:.0%} white"
    again = find_face(image)
    assert again is not None, "the face is no longer found"
    assert abs(again.cx - placed.cx) < 0.15 * placed.w and abs(again.cy - placed.cy) < 0.15 * placed.h
    assert abs(placed.cx / w - 0.5) < 0.05, "not centred"
    crown = _crown(image, placed)
    chin = placed.y + (1 + CHIN_BELOW_BOX) * placed.h
    assert HEAD_RANGE[0] - 0.02 <= (chin - crown) / h <= HEAD_RANGE[1] + 0.02
    assert TOP_RANGE[0] - 0.02 <= crown / h <= TOP_RANGE[1] + 0.02


@pytest.mark.parametrize("kind", ["coloured", "gradient", "patterned"])
def test_a_wall_that_is_not_white_becomes_white(tmp_path: Path, kind: str) -> None:
    src = f.save(f.portrait((1200, 1600), background=f.backdrop((1200, 1600), kind)), tmp_path / "in.jpg")
    assert any("background" in w for w in check_photo(src).warnings)
    dst = tmp_path / "out.jpg"
    result = fix_photo(src, dst)
    assert result.background_replaced and not result.review, result.review
    assert any(a.startswith("replaced the background") for a in result.actions)
    assert check_photo(dst).ok and not any("background" in w for w in check_photo(dst).warnings)
    _assert_standard(dst, result)


def test_keep_background_leaves_the_wall_and_says_so(tmp_path: Path) -> None:
    src = f.save(
        f.portrait((1200, 1600), background=f.backdrop((1200, 1600), "coloured")), tmp_path / "in.jpg"
    )
    result = fix_photo(src, tmp_path / "out.jpg", keep_background=True)
    assert not result.background_replaced
    *_, white = border_colour(f.load(tmp_path / "out.jpg"), Face(*result.face) if result.face else None)
    assert white < 0.1
    assert any("not near-white" in r for r in result.review)


def test_a_mask_that_fails_its_checks_is_not_used_silently(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A segmentation that lost the person: the checks must refuse it and keep the original.
    monkeypatch.setattr(photo, "person_mask", lambda image, face, box: np.zeros((10, 10), np.float32))
    src = f.save(
        f.portrait((1200, 1600), background=f.backdrop((1200, 1600), "coloured")), tmp_path / "in.jpg"
    )
    result = fix_photo(src, tmp_path / "out.jpg")
    assert not result.background_replaced
    assert any("could not be replaced reliably" in r and "face" in r for r in result.review), result.review
    assert result.review[0] in result.warnings
    out = np.asarray(f.load(tmp_path / "out.jpg"))
    assert out[:20, :20].mean() < 200  # the original wall is still there, not half-whitened


def test_full_body_photo_finds_the_small_face(tmp_path: Path) -> None:
    image = f.full_body()
    face = find_face(image)
    assert face is not None and 0.06 < face.w / image.width < 0.12
    dst = tmp_path / "out.jpg"
    result = fix_photo(f.save(image, tmp_path / "body.jpg"), dst)
    assert not any("no face" in w for w in result.warnings)
    assert result.background_replaced, result.review
    _assert_standard(dst, result)


def test_tight_head_shot_is_flagged_as_too_tight(tmp_path: Path) -> None:
    src = f.save(f.tight_head(), tmp_path / "tight.jpg")
    result = fix_photo(src, tmp_path / "out.jpg")
    assert result.report.ok
    assert any("too tight" in r for r in result.review), result.review
    assert find_face(f.load(tmp_path / "out.jpg")) is not None


def test_heic_from_an_iphone_is_fixed_out_of_the_box(tmp_path: Path) -> None:
    src = f.heic(
        f.portrait((600, 800), background=f.backdrop((600, 800), "gradient")), tmp_path / "IMG_0001.HEIC"
    )
    assert src.read_bytes()[4:12] == b"ftypheic"
    report = check_photo(src)
    assert not report.ok and any("HEIF" in p for p in report.problems)
    dst = tmp_path / "IMG_0001.jpg"
    result = fix_photo(src, dst)
    assert result.report.ok and result.background_replaced
    _assert_standard(dst, result)
