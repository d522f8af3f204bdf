"""ID photos for wizard step 1 (上传证件照): checking them against the site's rules, and fixing them.

The site's rules (PRODUCT.md): JPG/JPEG; file > 30 KB and < 1 MB; more than 215×300 (w×h) pixels;
0.65 ≤ w/h ≤ 0.8; a standard white-background ID photo. "KB" and "MB" are ambiguous, so both are
read the strict way: more than 30,720 bytes and fewer than 1,000,000 bytes.

``fix_photo`` turns a phone photo, scan or WeChat forward into a baseline JPEG without EXIF: upright,
sRGB, cropped around the face to the proportions of the 出入境证件相片照相指引 (head 28–33 mm of
48 mm, crown 3–5 mm below the top; see docs/documents.md), resized to 2-inch 413×579 when the
source has the pixels, else 1-inch 295×413, a background that is not near-white replaced with white
(background.py; ``keep_background`` opts out), and encoded at a quality found by search so the size
lands safely inside the range. The output is decoded again and checked against every rule before it
is written; the head's proportions are measured on it, and whatever a person should look at is
listed in ``PhotoFixResult.review``.

This module must never invent picture content: no added noise, no painted detail (the one change to
what the picture shows is plain white where the checked mask says wall), no enlarging beyond
``MAX_ENLARGE``. What cannot honestly be fixed is refused with a one-line DocumentError.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from loguru import logger
from PIL import Image
from pydantic import BaseModel, ConfigDict, PrivateAttr

from portal_bot.documents.background import Whitened, crown_row, person_mask, verify, whiten
from portal_bot.documents.face import Face, find_face
from portal_bot.documents.files import atomic_write, describe, read_input, sniff
from portal_bot.documents.images import Decoded, decode, upright_size
from portal_bot.errors import ConfigError, DocumentError
from portal_bot.i18n import N_, S_, _

# --- the site's rules --------------------------------------------------------------------------
MIN_WIDTH = 215  # width must be more than this
MIN_HEIGHT = 300  # height must be more than this
MIN_RATIO = 0.65
MAX_RATIO = 0.80
MIN_BYTES = 30 * 1024  # "> 30 KB", read as 30,720 bytes (the stricter reading)
MAX_BYTES = 1_000_000  # "< 1 MB", read as 1,000,000 bytes (the stricter reading)
EXTENSIONS = (".jpg", ".jpeg")

# --- what fix_photo aims for -------------------------------------------------------------------
TWO_INCH = (413, 579)  # 35×49 mm at 300 dpi
ONE_INCH = (295, 413)  # 25×35 mm at 300 dpi
MAX_ENLARGE = 1.5
TARGET_MIN_BYTES = 34_000  # ~10 % above 30,720
TARGET_MAX_BYTES = 900_000  # 10 % below 1,000,000
# Proportions of the 出入境证件相片照相指引 (33×48 mm photo): head (crown to chin) 28–33 mm, crown
# 3–5 mm below the top edge; as shares of the height (docs/documents.md cites it).
HEAD_RANGE = (28 / 48, 33 / 48)
TOP_RANGE = (3 / 48, 5 / 48)
HEAD_SHARE = 0.635  # aim for the middle of both ranges
TOP_MARGIN = 0.083
HEAD_ABOVE_BOX = 0.45  # hair reaches ~0.45 face-box heights above a Haar face box
CHIN_BELOW_BOX = 0.05  # the chin is ~0.05 box heights below a Haar face box
_HEAD_BOXES = HEAD_ABOVE_BOX + 1 + CHIN_BELOW_BOX  # head height in face-box heights
#: The face box's centre lands here (share of the height) when the crown is at TOP_MARGIN.
FACE_CENTRE = TOP_MARGIN + (HEAD_ABOVE_BOX + 0.5) / _HEAD_BOXES * HEAD_SHARE
_RATIO = TWO_INCH[0] / TWO_INCH[1]
_MIN_CROP_H = ONE_INCH[1] / MAX_ENLARGE
ANALYSIS_SIDE = 480  # pixels on the long side for the background/face/greyscale checks


class PhotoReport(BaseModel):
    """The verdict on one file; ``ok`` means the site's rules are met (warnings aside)."""

    model_config = ConfigDict(extra="forbid")

    path: str
    ok: bool
    problems: list[str]
    warnings: list[str]
    width: int | None = None
    height: int | None = None
    bytes: int | None = None
    #: The warnings about the background and the face: a person should look at a fixed photo then.
    _looks: list[str] = PrivateAttr(default_factory=list)


class PhotoFixResult(BaseModel):
    """What ``fix_photo`` wrote and did."""

    model_config = ConfigDict(extra="forbid")

    src: str
    dst: str
    report: PhotoReport
    size_name: str
    quality: int
    subsampling: str
    face: tuple[int, int, int, int] | None  # x, y, w, h in the output picture
    actions: list[str]
    warnings: list[str]
    review: list[str] = []  # why a person should look at the result (a subset of warnings)
    #: What changed how the photo looks (turned, colours, enlarged, background): a subset of actions
    #: in words, shown to people (the actions' texts follow the language, so nothing matches on them).
    done: list[str] = []
    background_replaced: bool = False


# --- checking ----------------------------------------------------------------------------------


def check_photo(path: Path) -> PhotoReport:
    """Check one file against the site's photo rules; never raises for a bad file."""
    try:
        data = read_input(path)
    except DocumentError as exc:
        return PhotoReport(path=str(path), ok=False, problems=[exc.message], warnings=[])
    return _check_data(data, path=path, shown=str(path))


def _check_data(data: bytes, *, path: Path, shown: str, face: Face | None | str = "detect") -> PhotoReport:
    problems: list[str] = []
    warnings: list[str] = []
    size = len(data)
    if size <= MIN_BYTES:
        problems.append(
            _("{:,} bytes: the site needs more than 30 KB (30,720 bytes to be safe)").format(size)
        )
    elif size >= MAX_BYTES:
        problems.append(
            _("{:,} bytes: the site needs less than 1 MB (1,000,000 bytes to be safe)").format(size)
        )
    if path.suffix.lower() not in EXTENSIONS:
        problems.append(
            _("the name ends in '{}'; the site accepts .jpg/.jpeg only").format(path.suffix or _("(nothing)"))
        )
    kind = sniff(data[:1024])
    if kind is None or kind == "PDF":
        problems.append(_is(describe(data[:16])) if kind is None else _("is a PDF, not a photo"))
        return PhotoReport(path=shown, ok=False, problems=problems, warnings=warnings, bytes=size)
    if kind != "JPEG":
        problems.append(_("is really a {} picture, not a JPEG (the site accepts JPG/JPEG only)").format(kind))
    try:
        decoded = decode(data, kind, path, min_long_side=ANALYSIS_SIDE)
    except DocumentError as exc:
        problems.append(exc.message)
        return PhotoReport(path=shown, ok=False, problems=problems, warnings=warnings, bytes=size)
    width, height = decoded.full_size
    if width <= MIN_WIDTH or height <= MIN_HEIGHT:
        problems.append(
            _("{}×{} pixels: the site needs more than {}×{}").format(width, height, MIN_WIDTH, MIN_HEIGHT)
        )
    ratio = width / height
    if not MIN_RATIO <= ratio <= MAX_RATIO:
        problems.append(
            _("width/height is {:.3f}: the site needs {} to {}").format(ratio, MIN_RATIO, MAX_RATIO)
        )
    if decoded.orientation != 1:
        problems.append(
            _("is stored turned or mirrored (EXIF orientation {}); the site may ignore that").format(
                decoded.orientation
            )
        )
    warnings.extend(decoded.warnings)
    if kind == "JPEG" and decoded.source_mode == "CMYK":
        warnings.append(_("is a CMYK JPEG: browsers and the site may show its colours wrong"))
    if decoded.progressive:
        warnings.append(_("is a progressive JPEG: some upload checks want a baseline JPEG"))
    grey, looks = _look(decoded, face)
    warnings.extend([*grey, *looks])
    report = PhotoReport(
        path=shown,
        ok=not problems,
        problems=problems,
        warnings=warnings,
        width=width,
        height=height,
        bytes=size,
    )
    report._looks = looks
    return report


def _is(what: str) -> str:
    """``is an empty file``: what :func:`describe` says the file is, in the current language."""
    return _("is {}").format(what)


def _look(decoded: Decoded, known: Face | None | str = "detect") -> tuple[list[str], list[str]]:
    """Warnings about what the picture shows: colour, then background and face (a fixed photo's
    person should look at those).

    ``known`` is the face box when the caller already knows it (full-resolution coordinates),
    None when it knows there is none, "detect" to search.
    """
    image = decoded.image
    grey: list[str] = []
    notes: list[str] = []
    arr = np.asarray(image.convert("RGB").reduce(max(1, min(image.size) // 128)), dtype=np.int16)
    spread = np.abs(arr[..., 0] - arr[..., 1]).mean() + np.abs(arr[..., 1] - arr[..., 2]).mean()
    if decoded.grey or float(spread) < 3:
        grey.append(_("is greyscale: the site expects a colour ID photo"))
    if isinstance(known, str):
        face = find_face(image)
    else:
        face = known.scaled(decoded.scale) if known is not None else None
    background = _background(image, face)
    if background is not None:
        notes.append(
            _("the background is not near-white (about RGB {}): the site asks for a white background").format(
                background
            )
        )
    w, h = image.size
    if face is None:
        notes.append(_("no face found: the site needs a frontal ID photo"))
        return grey, notes
    share = face.w / w
    # With the standard framing a Haar face box spans about half the width.
    if share < 0.35:
        notes.append(_("the face is small ({:.0%} of the width; about half is standard)").format(share))
    elif share > 0.8:
        notes.append(_("the face is too close ({:.0%} of the width; about half is standard)").format(share))
    if abs(face.cx / w - 0.5) > 0.1:
        notes.append(_("the face is off-centre (its centre is at {:.0%} of the width)").format(face.cx / w))
    if face.cy / h < 0.3:
        notes.append(_("the face is too high ({:.0%} of the height)").format(face.cy / h))
    elif face.cy / h > 0.6:
        notes.append(_("the face is too low ({:.0%} of the height)").format(face.cy / h))
    return grey, notes


def _background(image: Image.Image, face: Face | None) -> str | None:
    """The mean colour of the top corners when it is not near-white, else None."""
    w, h = image.size
    cw, chh = max(1, int(w * 0.15)), max(1, int(h * 0.25))
    regions = [(0, 0, cw, chh), (w - cw, 0, w, chh)]
    if face is not None:
        # Keep only corner strips clear of the face box.
        regions = [r for r in regions if r[2] <= face.x or r[0] >= face.x + face.w or r[3] <= face.y]
        if not regions:
            return None
    pixels = np.concatenate(
        [np.asarray(image.crop(r).convert("RGB"), dtype=np.float64).reshape(-1, 3) for r in regions]
    )
    mean = pixels.mean(axis=0)
    if mean.min() >= 200 and mean.max() - mean.min() <= 30:
        return None
    return ",".join(str(round(v)) for v in mean)


# --- fixing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CropPlan:
    """Where to cut (in full-resolution pixels of the upright picture) and what size to make."""

    box: tuple[float, float, float, float]  # left, top, right, bottom
    out_size: tuple[int, int]
    size_name: str
    notes: tuple[str, ...]

    @property
    def enlarge(self) -> float:
        return self.out_size[1] / (self.box[3] - self.box[1])


def plan_crop(size: tuple[int, int], face: Face | None) -> CropPlan | None:
    """The ID-photo crop for a picture of ``size`` with ``face`` (full-resolution coordinates).

    Returns None when even the largest crop would need enlarging by more than MAX_ENLARGE.
    """
    width, height = size
    largest = min(height, width / _RATIO)
    if largest < _MIN_CROP_H - 1e-6:
        return None
    notes: list[str] = []
    if face is None:
        crop_h = largest
        notes.append(_("no face found: used a centred crop; check the result by eye"))
    else:
        ideal = _HEAD_BOXES * face.h / HEAD_SHARE
        crop_h = min(max(ideal, _MIN_CROP_H), largest)
        # Near an edge of the picture, frame a little tighter (down to 3/4 of the standard) rather
        # than let the face slide away from its standard place.
        room = min(
            face.cy / FACE_CENTRE,
            (height - face.cy) / (1 - FACE_CENTRE),
            2 * face.cx / _RATIO,
            2 * (width - face.cx) / _RATIO,
        )
        if room < crop_h:
            crop_h = min(crop_h, max(room, _MIN_CROP_H, 0.75 * ideal))
        if ideal > largest * 1.05:
            notes.append(_("the face fills the picture: less room around the head than a standard ID photo"))
    if crop_h >= TWO_INCH[1]:
        out_size, name = TWO_INCH, N_("2-inch 413×579")
    else:
        out_size, name = ONE_INCH, N_("1-inch 295×413")
    crop_w = crop_h * out_size[0] / out_size[1]
    if crop_w > width:
        crop_w = float(width)
        crop_h = crop_w * out_size[1] / out_size[0]
    if face is None:
        left, top = (width - crop_w) / 2, (height - crop_h) / 2
    else:
        left = min(max(face.cx - crop_w / 2, 0.0), width - crop_w)
        top = min(max(face.cy - FACE_CENTRE * crop_h, 0.0), height - crop_h)
        if abs((face.cy - top) / crop_h - FACE_CENTRE) > 0.05 or abs((face.cx - left) / crop_w - 0.5) > 0.05:
            notes.append(_("the face is near the edge of the picture, so it cannot be centred in the crop"))
    return CropPlan((left, top, left + crop_w, top + crop_h), out_size, name, tuple(notes))


def fix_photo(src: Path, dst: Path, *, keep_background: bool = False) -> PhotoFixResult:
    """Make ``src`` into an ID photo the site accepts and write it to ``dst`` (a .jpg/.jpeg path).

    Raises:
        DocumentError: ``src`` is not a picture, is truncated or corrupt, is too small, or is too plain
            to reach the 30 KB minimum without adding invented detail. The message is one line.
        ConfigError: ``dst`` does not end in .jpg or .jpeg.
    """
    if dst.suffix.lower() not in EXTENSIONS:
        raise ConfigError(S_("the output must end in .jpg or .jpeg"), path=dst)
    data = read_input(src)
    kind = sniff(data[:1024])
    if kind is None:
        raise DocumentError(
            _is(describe(data[:16])), path=src, hint=S_("send a photo (JPG, PNG, WebP, HEIC)")
        )
    if kind == "PDF":
        raise DocumentError(S_("is a PDF, not a photo"), path=src, hint=S_("export the photo itself as JPG"))
    # One decode serves face detection and the crop whenever the crop is at least half the
    # largest possible one; JPEG DCT scaling makes that decode cheap for big phone photos.
    width, height = upright_size(data, kind, src)
    largest = min(height, width / _RATIO)
    first = decode(data, kind, src, min_scale=min(1.0, 2 * TWO_INCH[1] / max(largest, 1)))
    face_small = find_face(first.image)
    face = face_small.scaled(1 / first.scale) if face_small else None
    plan = plan_crop(first.full_size, face)
    if plan is None:
        w, h = first.full_size
        need_h = math.ceil(_MIN_CROP_H)
        raise DocumentError(
            S_(
                "too small: {}×{} pixels; an ID photo needs at least {}×{} (enlarged at most {}× to {}×{})"
            ).format(w, h, math.ceil(need_h * _RATIO), need_h, MAX_ENLARGE, ONE_INCH[0], ONE_INCH[1]),
            path=src,
            hint=S_("use the original photo, not a thumbnail"),
        )
    needed_scale = min(1.0, plan.out_size[1] / (plan.box[3] - plan.box[1]))
    decoded = first
    if first.scale < needed_scale * 0.999:
        decoded = decode(data, kind, src, min_scale=needed_scale)
    s = decoded.scale
    iw, ih = decoded.image.size  # clamp: float rounding must never reach past the decoded pixels
    left_s, top_s, right_s, bottom_s = (v * s for v in plan.box)
    box = (max(0.0, left_s), max(0.0, top_s), min(float(iw), right_s), min(float(ih), bottom_s))
    out = decoded.image.resize(plan.out_size, Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)
    if out.mode != "RGB":
        out = out.convert("RGB")
    out.info = {}
    actions = list(decoded.actions)
    left, top, right, bottom = (round(v) for v in plan.box)
    cropped = (
        _("cropped {}×{} at ({}, {}) around the face")
        if face
        else _("cropped {}×{} at ({}, {}) from the centre")
    )
    actions.append(cropped.format(right - left, bottom - top, left, top))
    done = list(decoded.done)
    enlarge = plan.enlarge
    notes = list(decoded.warnings) + list(plan.notes)
    review: list[str] = list(plan.notes) if face is None else []  # only "no face found" then
    if enlarge > 1.01:
        actions.append(_("enlarged {:.2f}× to {}").format(enlarge, _(plan.size_name)))
        done.append(actions[-1])
        notes.append(_("the source is small: enlarged {:.2f}×; a larger original is sharper").format(enlarge))
    else:
        actions.append(_("resized to {}").format(_(plan.size_name)))
    placed = None
    if face is not None:
        k = plan.out_size[1] / (plan.box[3] - plan.box[1])
        placed = Face((face.x - plan.box[0]) * k, (face.y - plan.box[1]) * k, face.w * k, face.h * k)
    whitened = None
    wall = _background(out, placed)
    if wall is not None and not keep_background:
        if placed is None or face is None:
            review.append(_("the background is not white and, with no face found, was not replaced"))
        else:
            whitened, why = _whiten(decoded.image, face.scaled(s), box, out, placed)
            if whitened is None:
                review.append(
                    _("the background could not be replaced reliably ({}); kept the original").format(why)
                )
    encoded, quality, subsampling = b"", 0, ""
    if whitened is not None:
        try:
            encoded, quality, subsampling = _encode(whitened.image, src)
        except DocumentError:
            review.append(_("on white the photo is too plain to reach 30 KB; kept the original background"))
            whitened = None
        else:
            out = whitened.image
            actions.append(_("replaced the background (about RGB {}) with white").format(wall))
            done.append(actions[-1])
    if not encoded:
        encoded, quality, subsampling = _encode(out, src)
    actions.append(
        _("wrote a baseline JPEG, no EXIF, quality {} {}, {:,} bytes").format(
            quality, subsampling, len(encoded)
        )
    )
    if placed is not None:
        review.extend(_proportions(placed, plan.out_size[1], whitened))
    # The output is decoded again and checked against every rule; the face is where the crop put
    # it, so it is not searched for a second time.
    report = _check_data(encoded, path=dst, shown=str(dst), face=placed)
    if not report.ok:
        raise DocumentError(
            S_("the fixed photo still fails: {}").format("; ".join(report.problems)), path=src
        )
    review.extend(report._looks)
    atomic_write(dst, encoded)
    out_face = None
    if placed is not None:
        out_face = (round(placed.x), round(placed.y), round(placed.w), round(placed.h))
    warnings = list(dict.fromkeys(notes + review + report.warnings))
    logger.debug("fixed {} → {}: {}", src, dst, "; ".join(actions))
    return PhotoFixResult(
        src=str(src),
        dst=str(dst),
        report=report,
        size_name=plan.size_name,
        quality=quality,
        subsampling=subsampling,
        face=out_face,
        actions=actions,
        warnings=warnings,
        review=list(dict.fromkeys(review)),
        done=done,
        background_replaced=whitened is not None,
    )


def _whiten(
    image: Image.Image, face: Face, box: tuple[float, float, float, float], out: Image.Image, placed: Face
) -> tuple[Whitened | None, str]:
    """``out`` put on white, or None and why not: every result is checked before it is used."""
    coarse = person_mask(image, face, box)
    whitened = whiten(out, coarse)
    reasons = verify(whitened, placed)
    if not reasons:
        # The face must still be found where the crop put it: a mask that ate an eye or a cheek
        # shows up here even when the mask's own checks pass.
        again = find_face(whitened.image)
        if (
            again is None
            or abs(again.cx - placed.cx) > 0.2 * placed.w
            or abs(again.cy - placed.cy) > 0.2 * placed.h
        ):
            reasons.append(_("the face is not found where it was after the replacement"))
    return (None, "; ".join(reasons)) if reasons else (whitened, "")


def _proportions(placed: Face, height: int, whitened: Whitened | None) -> list[str]:
    """Warnings when the head's height or the margin above it is outside the standard's ranges.

    The crown is measured on the person mask when there is one, else estimated from the face box;
    the chin is estimated from the face box.
    """
    crown = None if whitened is None else crown_row(whitened.alpha, placed)
    measured = crown is not None
    if crown is None:
        crown = placed.y - HEAD_ABOVE_BOX * placed.h
    chin = placed.y + (1 + CHIN_BELOW_BOX) * placed.h
    head, top = (chin - max(crown, 0.0)) / height, crown / height
    how = _("measured") if measured else _("estimated")
    found: list[str] = []
    # plan_crop aims at the middle of both ranges; it misses only when the source cannot give them.
    tight = _("the source is cropped too tight; use a photo with more room around the head")
    if head > HEAD_RANGE[1] + 0.01:
        found.append(
            _(
                "the head ({how}) is {share:.0%} of the height, above the standard's {limit:.0%}: {tight}"
            ).format(how=how, share=head, limit=HEAD_RANGE[1], tight=tight)
        )
    elif head < HEAD_RANGE[0] - 0.01:
        found.append(
            _(
                "the head ({how}) is {share:.0%} of the height, below the standard's {limit:.0%}: "
                "the source is too small to frame it larger (enlarging stops at {enlarge}×)"
            ).format(how=how, share=head, limit=HEAD_RANGE[0], enlarge=MAX_ENLARGE)
        )
    if top < TOP_RANGE[0] - 0.02:
        found.append(
            _(
                "the space above the head ({how}) is {share:.0%} of the height, "
                "under the standard's {limit:.0%}: {tight}"
            ).format(how=how, share=max(top, 0.0), limit=TOP_RANGE[0], tight=tight)
        )
    elif top > TOP_RANGE[1] + 0.02:
        found.append(
            _(
                "the space above the head ({how}) is {share:.0%} of the height, "
                "over the standard's {limit:.0%}"
            ).format(how=how, share=top, limit=TOP_RANGE[1])
        )
    return found


def preview(src: Path, dst: Path, side: int = 360) -> None:
    """A small upright JPEG of ``src`` as sent (for the contact sheet's "before"; browsers cannot
    show HEIC, and the page must work when its folder is moved away from the originals)."""
    data = read_input(src)
    kind = sniff(data[:1024])
    if kind is None or kind == "PDF":
        raise DocumentError(_is(describe(data[:16])), path=src)
    image = decode(data, kind, src, min_long_side=side).image
    image.thumbnail((side, side), Image.Resampling.BILINEAR, reducing_gap=2.0)
    atomic_write(dst, _save(image.convert("RGB"), 80, 2))


def _save(image: Image.Image, quality: int, subsampling: int) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=quality, subsampling=subsampling, progressive=False, optimize=False)
    return buf.getvalue()


def _encode(image: Image.Image, src: Path) -> tuple[bytes, int, str]:
    """JPEG bytes safely inside the size range, the quality used and the chroma subsampling."""
    data = _save(image, 92, 2)
    if TARGET_MIN_BYTES <= len(data) <= TARGET_MAX_BYTES:
        return data, 92, "4:2:0"
    if len(data) > TARGET_MAX_BYTES:
        low, high, best = 20, 91, None
        while low <= high:  # the highest quality that still fits
            mid = (low + high) // 2
            attempt = _save(image, mid, 2)
            if len(attempt) <= TARGET_MAX_BYTES:
                best, low = (attempt, mid), mid + 1
            else:
                high = mid - 1
        if best is None or len(best[0]) < TARGET_MIN_BYTES:
            raise DocumentError(S_("cannot be compressed under 1 MB at an acceptable quality"), path=src)
        return best[0], best[1], "4:2:0"
    # Too small: keep full colour resolution and raise the quality. Never add noise.
    largest = data
    for quality in (95, 98, 100):
        attempt = _save(image, quality, 0)
        largest = max(largest, attempt, key=len)
        if TARGET_MIN_BYTES <= len(attempt) <= TARGET_MAX_BYTES:
            return attempt, quality, "4:4:4"
    raise DocumentError(
        S_(
            "is too plain to reach the site's 30 KB minimum honestly: even JPEG quality 100 gives {:,} bytes,"
            " and portal-bot does not add fake detail"
        ).format(len(largest)),
        path=src,
        hint=S_("use the original camera photo rather than a compressed or drawn copy"),
    )
