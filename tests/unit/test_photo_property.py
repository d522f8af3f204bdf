"""Property: whatever fix_photo accepts comes out passing check_photo; whatever it refuses, it says why."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from PIL import Image

from portal_bot.documents.face import Face
from portal_bot.documents.photo import MAX_ENLARGE, check_photo, fix_photo, plan_crop
from portal_bot.errors import DocumentError
from tests import docfactory as f

HONEST_REFUSALS = ("too small", "too plain", "30 KB")


@st.composite
def pictures(draw: st.DrawFn) -> tuple[Image.Image, str, dict[str, object]]:
    width = draw(st.integers(120, 1600))
    height = draw(st.integers(120, 1600))
    noise = draw(st.sampled_from([0, 2, 8, 30]))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    base = np.linspace(0, 255, width, dtype=np.float64)[None, :, None] * rng.uniform(0.2, 1.0, size=(1, 1, 3))
    arr = np.broadcast_to(base, (height, width, 3)) + rng.normal(0, noise, size=(height, width, 3))
    image = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")
    if draw(st.booleans()):
        face = f.portrait((max(60, width // 2), max(80, height // 2)))
        image.paste(face, (width // 4, height // 6))
    mode = draw(st.sampled_from(["RGB", "L", "RGBA", "CMYK", "P"]))
    if mode != "RGB":
        image = image.convert(mode)
    formats = {"RGB": ["JPEG", "PNG", "WEBP"], "L": ["JPEG", "PNG"], "RGBA": ["PNG", "WEBP"]}
    fmt = draw(st.sampled_from(formats.get(mode, ["JPEG"] if mode == "CMYK" else ["PNG"])))
    options: dict[str, object] = {"quality": draw(st.integers(40, 95))} if fmt in ("JPEG", "WEBP") else {}
    return image, fmt, options


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pictures())
def test_every_accepted_input_comes_out_compliant(
    picture: tuple[Image.Image, str, dict[str, object]],
) -> None:
    image, fmt, options = picture
    with tempfile.TemporaryDirectory() as folder:
        src = f.save(image, Path(folder) / f"in.{fmt.lower()}", fmt, **options)
        dst = Path(folder) / "out.jpg"
        try:
            result = fix_photo(src, dst)
        except DocumentError as exc:
            assert any(reason in str(exc) for reason in HONEST_REFUSALS), str(exc)
            assert not dst.exists()
            event("refused")
            return
        event("fixed")
        report = check_photo(dst)
        assert report.ok, report.problems
        assert result.report.bytes == dst.stat().st_size


@settings(max_examples=300, deadline=None)
@given(
    st.integers(150, 6000),
    st.integers(150, 6000),
    st.one_of(st.none(), st.tuples(st.floats(0, 1), st.floats(0, 1), st.floats(0.01, 1))),
)
def test_the_crop_stays_inside_the_picture_and_never_enlarges_past_the_limit(
    width: int, height: int, face_at: tuple[float, float, float] | None
) -> None:
    face = None
    if face_at is not None:
        fx, fy, fs = face_at
        side = fs * min(width, height)
        face = Face(fx * (width - side), fy * (height - side), side, side)
    plan = plan_crop((width, height), face)
    if plan is None:
        assert min(height, width * 579 / 413) < 413 / MAX_ENLARGE + 1
        return
    left, top, right, bottom = plan.box
    assert -1e-6 <= left < right <= width + 1e-6 and -1e-6 <= top < bottom <= height + 1e-6
    assert plan.enlarge <= MAX_ENLARGE + 1e-6
    assert 0.65 <= (right - left) / (bottom - top) <= 0.8
